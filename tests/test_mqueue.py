"""MessageQueue: message priorities (highest first, FIFO among equals),
blocking send on a full queue and receive on an empty one, the three forms
of each, the hand-over to a waiting receiver, waiting order, interrupts,
contexts and priority changes of waiters; producer/consumer systems.

SimPort with zero overheads: every logged tick is exact. Workers run at
priorities below main (96), which spawns them and joins them all.
"""

import pytest

import muos
from muos import ContextError, Empty, Full, Interrupted, MessageQueue
from objects_support import Log, me, play


# -- construction and plain calls ------------------------------------------

@pytest.mark.parametrize("capacity, exc, shown", [
    (0, ValueError, "0"), (-3, ValueError, "-3"), (2.0, TypeError, "2.0"),
    ("4", TypeError, "'4'"), (None, TypeError, "None"),
    (True, TypeError, "True"),
])
def test_bad_capacity(capacity, exc, shown):
    with pytest.raises(exc) as ei:
        MessageQueue(capacity, name="mq")
    assert "'mq'" in str(ei.value) and shown in str(ei.value)


def test_defaults():
    q = MessageQueue(3)
    assert (q.capacity, len(q), q.name) == (3, 0, None)
    q = MessageQueue(1, name="mq")
    assert q.name == "mq" and "'mq'" in repr(q)


def test_priority_order_highest_first_fifo_among_equals():
    q = MessageQueue(8)
    # (priorities are 0..255: "d" is the lowest, "f" the highest)
    for msg, prio in [("a", 2), ("b", 5), ("c", 2), ("d", 0), ("e", 5),
                      ("f", 255), ("g", 2)]:
        assert q.try_send(msg, prio) is None
    assert len(q) == 7
    got = [q.try_receive() for _ in range(7)]
    assert got == ["f", "b", "e", "a", "c", "g", "d"]
    assert len(q) == 0


def test_try_forms_raise_full_and_empty():
    q = MessageQueue(2, name="mq")
    with pytest.raises(Empty) as ei:
        q.try_receive()
    assert "'mq'" in str(ei.value)
    q.try_send(1)
    q.try_send(2, priority=3)
    with pytest.raises(Full) as ei:
        q.try_send(3, priority=100)   # priority does not make room
    assert "'mq'" in str(ei.value)
    assert len(q) == 2
    assert [q.try_receive(), q.try_receive()] == [2, 1]
    with pytest.raises(Empty):
        q.try_receive()


def test_any_object_is_a_message_identity_kept():
    q = MessageQueue(3)
    obj = object()
    q.try_send(None)
    q.try_send(obj)
    q.try_send((1, [2]))
    assert q.try_receive() is None
    assert q.try_receive() is obj
    assert q.try_receive() == (1, [2])


@pytest.mark.parametrize("prio", [1.5, "1", None, True])
def test_bad_message_priority(prio):
    q = MessageQueue(2, name="mq")
    with pytest.raises(TypeError) as ei:
        q.try_send("x", prio)
    assert "'mq'" in str(ei.value)
    assert len(q) == 0


# -- receive ---------------------------------------------------------------

def test_receive_blocks_until_a_send_hands_it_over():
    log = Log()
    q = MessageQueue(1, name="q")

    async def receiver():
        log("R wait")
        log("R got", await q.receive(), len(q))

    async def sender():
        await muos.sleep_for(3)
        q.try_send("m1")
        log("S sent", len(q))
        await muos.sleep_for(1)
        await q.send("m2")
        log("S sent", len(q))

    play(("R", 20, receiver), ("S", 10, sender))
    # the receiver is waiting, so the message goes straight to it at 3:
    # the queue stays empty; the second send finds room at once
    assert log == [(0, "R wait"), (3, "S sent", 0), (3, "R got", "m1", 0),
                   (4, "S sent", 1)]
    assert q.try_receive() == "m2"


def test_receive_takes_the_most_urgent_message():
    log = Log()
    q = MessageQueue(4)

    async def receiver():
        await muos.sleep_for(1)
        for _ in range(4):
            log("R", await q.receive())

    async def sender():
        for msg, prio in [("lo", 1), ("hi", 7), ("lo2", 1), ("mid", 4)]:
            await q.send(msg, prio)
        log("S sent", len(q))

    play(("R", 20, receiver), ("S", 10, sender))
    # S fills the queue at 0 without blocking; R takes by priority at 1
    assert log == [(0, "S sent", 4), (1, "R", "hi"), (1, "R", "mid"),
                   (1, "R", "lo"), (1, "R", "lo2")]


def test_receivers_served_by_priority_then_arrival():
    log = Log()
    q = MessageQueue(1)

    def receiver(name, delay):
        async def r():
            await muos.sleep_for(delay)
            log(name, "got", await q.receive())
        return r

    async def sender():
        await muos.sleep_for(5)
        for i in range(4):
            await q.send(i)
            await muos.sleep_for(1)

    play(("A", 20, receiver("A", 1)), ("B", 30, receiver("B", 3)),
         ("C", 20, receiver("C", 0)), ("D", 20, receiver("D", 2)),
         ("S", 10, sender))
    # queue: B (30) first, then the 20s by arrival C (0), A (1), D (2);
    # sends at 5, 6, 7, 8
    assert log == [(5, "B", "got", 0), (6, "C", "got", 1),
                   (7, "A", "got", 2), (8, "D", "got", 3)]


# -- send ---------------------------------------------------------------------

def test_send_blocks_on_a_full_queue_until_a_receive_makes_room():
    log = Log()
    q = MessageQueue(2, name="q")

    async def sender():
        for i in range(4):
            await q.send("m%d" % i)
            log("S sent", i, len(q))

    async def receiver():
        await muos.sleep_for(3)
        log("R got", await q.receive(), len(q))
        await muos.sleep_for(2)
        log("R got", q.try_receive(), len(q))

    play(("S", 20, sender), ("R", 10, receiver))
    # m0, m1 fill the queue at 0; m2 waits. At 3 R takes m0 and the blocked
    # sender's m2 enters at once (len back to 2) and S completes; S (20)
    # preempts R (10) at R's await, logs, and blocks with m3; R logs. At
    # 3 + 2 = 5 R's try_receive is a plain call: R logs first, and S runs
    # at R's next await (its end).
    assert log == [(0, "S sent", 0, 1), (0, "S sent", 1, 2),
                   (3, "S sent", 2, 2), (3, "R got", "m0", 2),
                   (5, "R got", "m1", 2), (5, "S sent", 3, 2)]
    assert [q.try_receive(), q.try_receive()] == ["m2", "m3"]


def test_a_blocked_senders_message_keeps_its_priority():
    log = Log()
    q = MessageQueue(2)

    async def sender():
        await q.send("a", 0)
        await q.send("b", 0)
        await q.send("urgent", 9)      # blocks: the queue is full
        log("S sent urgent")

    async def receiver():
        await muos.sleep_for(1)
        for _ in range(3):
            log("R", await q.receive())

    play(("S", 20, sender), ("R", 10, receiver))
    # at 1 R takes a; "urgent" enters with priority 9, ahead of b, and S
    # completes: S (20) runs before R (10) resumes from its await
    assert log == [(1, "S sent urgent"), (1, "R", "a"), (1, "R", "urgent"),
                   (1, "R", "b")]


def test_senders_served_by_priority_then_arrival():
    log = Log()
    q = MessageQueue(1)
    q.try_send("first")

    def sender(name, delay):
        async def s():
            await muos.sleep_for(delay)
            await q.send(name)
            log(name, "sent")
        return s

    async def receiver():
        await muos.sleep_for(5)
        for _ in range(5):
            log("R", await q.receive())
            await muos.sleep_for(1)

    play(("A", 20, sender("A", 1)), ("B", 30, sender("B", 3)),
         ("C", 20, sender("C", 0)), ("D", 20, sender("D", 2)),
         ("R", 10, receiver))
    # senders queue as B (30), then C, A, D by arrival. Each receive at
    # 5, 6, 7, 8 takes the head and lets the next sender in (it runs and
    # logs before R, being more urgent)
    assert log == [(5, "B", "sent"), (5, "R", "first"),
                   (6, "C", "sent"), (6, "R", "B"),
                   (7, "A", "sent"), (7, "R", "C"),
                   (8, "D", "sent"), (8, "R", "A"),
                   (9, "R", "D")]


# -- timed forms ------------------------------------------------------------

@pytest.mark.parametrize("ticks, expect", [
    (2, [(3, "Empty", True)]),               # 1 + 2 = 3 < 5
    (3.5, [(4.5, "Empty", True)]),           # 1 + 3.5
    (4, [(5, "got", "x")]),                  # sender's work ends at 5
    (9, [(5, "got", "x")]),
])
def test_timed_receive(ticks, expect):
    log = Log()
    q = MessageQueue(1, name="q")

    async def receiver():
        await muos.sleep_for(1)
        try:
            log("got", await q.timed_receive(ticks))
        except Empty as e:
            log("Empty", "'q'" in str(e))

    async def sender():
        await muos.busy(5)
        q.try_send("x")

    play(("R", 20, receiver), ("S", 10, sender))
    assert log == expect


@pytest.mark.parametrize("ticks, expect", [
    (2, [(3, "Full", True, 1)]),             # 1 + 2 = 3 < 5
    (4, [(5, "sent", 1)]),                   # receiver's work ends at 5
    (9, [(5, "sent", 1)]),
])
def test_timed_send(ticks, expect):
    log = Log()
    q = MessageQueue(1, name="q")
    q.try_send("old")

    async def sender():
        await muos.sleep_for(1)
        try:
            await q.timed_send("new", ticks)
            log("sent", len(q))
        except Full as e:
            log("Full", "'q'" in str(e), len(q))

    async def receiver():
        await muos.busy(5)
        q.try_receive()

    play(("S", 20, sender), ("R", 10, receiver))
    assert log == expect
    # a timed-out send leaves nothing behind
    assert len(q) == (1 if expect[0][1] == "sent" else 0)


def test_timed_forms_with_zero_ticks_do_not_wait():
    log = Log()
    q = MessageQueue(1)

    async def w():
        try:
            await q.timed_receive(0)
        except Empty:
            log("receive Empty")
        await q.timed_send("a", 0, 3)
        log("sent", len(q))
        try:
            await q.timed_send("b", 0)
        except Full:
            log("send Full")
        log("got", await q.timed_receive(0))

    play(("W", 20, w))
    assert log == [(0, "receive Empty"), (0, "sent", 1), (0, "send Full"),
                   (0, "got", "a")]


def test_timed_send_message_priority_keyword():
    q = MessageQueue(3)

    async def w():
        await q.timed_send("a", 5)
        await q.timed_send("b", 5, priority=2)
        await q.timed_send("c", 5, 1)
        return [q.try_receive() for _ in range(3)]

    assert muos.run(w).value == ["b", "c", "a"]


@pytest.mark.parametrize("ticks, exc", [(-1, ValueError), ("1", TypeError)])
def test_timed_bad_ticks_raise_at_the_call(ticks, exc):
    q = MessageQueue(1, name="q")
    seen = []

    async def w():
        for call in (lambda: q.timed_send("x", ticks),
                     lambda: q.timed_receive(ticks)):
            try:
                call()
            except exc as e:
                seen.append("'q'" in str(e))

    play(("W", 20, w))
    assert seen == [True, True]
    assert len(q) == 0


# -- interrupts and kills -----------------------------------------------------

@pytest.mark.parametrize("form", ["receive", "timed_receive"])
def test_interrupted_receiver_takes_nothing(form):
    log = Log()
    q = MessageQueue(1, name="q")
    th = {}

    async def receiver():
        th["R"] = me()
        try:
            if form == "receive":
                await q.receive()
            else:
                await q.timed_receive(50)
        except Interrupted as e:
            log("R Interrupted", me().interrupted, "'q'" in str(e))

    async def ctl():
        await muos.sleep_for(2)
        th["R"].interrupt()
        await muos.sleep_for(1)
        q.try_send("m")
        log("C sent", len(q))

    play(("R", 20, receiver), ("C", 10, ctl))
    # R leaves the queue at 2; the message sent at 3 stays in the queue
    assert log == [(2, "R Interrupted", True, True), (3, "C sent", 1)]


@pytest.mark.parametrize("form", ["send", "timed_send"])
def test_interrupted_senders_message_never_enters(form):
    log = Log()
    q = MessageQueue(1, name="q")
    q.try_send("old")
    th = {}

    async def sender():
        th["S"] = me()
        try:
            if form == "send":
                await q.send("lost")
            else:
                await q.timed_send("lost", 50)
        except Interrupted:
            log("S Interrupted", len(q))

    async def ctl():
        await muos.sleep_for(2)
        th["S"].interrupt()
        await muos.sleep_for(1)
        log("C got", q.try_receive(), len(q))
        try:
            q.try_receive()
        except Empty:
            log("C Empty")

    play(("S", 20, sender), ("C", 10, ctl))
    assert log == [(2, "S Interrupted", 1), (3, "C got", "old", 0),
                   (3, "C Empty")]


def test_interrupted_flag_before_a_blocking_send_or_receive():
    log = Log()
    q = MessageQueue(1)

    async def w():
        me().interrupt()
        await q.send("a")              # room: no wait, no Interrupted
        log("sent", len(q))
        for call in (lambda: q.send("b"), lambda: q.timed_send("b", 5)):
            try:
                await call()
            except Interrupted:
                log("send Interrupted", len(q))
        log("got", await q.receive())  # a message: no wait
        for call in (q.receive, lambda: q.timed_receive(5)):
            try:
                await call()
            except Interrupted:
                log("receive Interrupted")

    play(("W", 20, w))
    assert log == [(0, "sent", 1), (0, "send Interrupted", 1),
                   (0, "send Interrupted", 1), (0, "got", "a"),
                   (0, "receive Interrupted"), (0, "receive Interrupted")]


def test_killed_waiters_lose_nothing():
    log = Log()
    q = MessageQueue(1)
    q.try_send("old")
    th = {}

    async def sender():
        th["S"] = me()
        await q.send("killed")

    async def receiver():
        await muos.sleep_for(3)
        log("R", await q.receive())
        log("R", await q.timed_receive(2) if len(q) else "empty")

    async def ctl():
        await muos.sleep_for(1)
        th["S"].kill()

    play(("S", 20, sender), ("R", 15, receiver), ("C", 10, ctl))
    # S is killed at 1 while blocked: at 3 R's receive finds no sender to
    # let in, so the killed message never enters (the queue is empty)
    assert log == [(3, "R", "old"), (3, "R", "empty")]


# -- contexts -----------------------------------------------------------------

def test_blocking_forms_raise_context_error_outside_threads():
    q = MessageQueue(1)
    for call in (lambda: q.send(1), lambda: q.timed_send(1, 2),
                 q.receive, lambda: q.timed_receive(2)):
        with pytest.raises(ContextError):
            call()
    q.try_send(1)
    assert q.try_receive() == 1


def test_blocking_forms_raise_context_error_with_scheduler_locked():
    log = Log()
    q = MessageQueue(1, name="q")

    async def w():
        with muos.scheduler_locked():
            for form, call in [("send", lambda: q.send(1)),
                               ("timed_send", lambda: q.timed_send(1, 2)),
                               ("receive", q.receive),
                               ("timed_receive", lambda: q.timed_receive(2))]:
                try:
                    call()
                except ContextError as e:
                    log(form, "ContextError", "'q'" in str(e))
            q.try_send("x")
            log("len", len(q))
            log("got", q.try_receive())
        await q.send("y")
        log("after", await q.receive())

    play(("W", 20, w))
    assert log == [(0, "send", "ContextError", True),
                   (0, "timed_send", "ContextError", True),
                   (0, "receive", "ContextError", True),
                   (0, "timed_receive", "ContextError", True),
                   (0, "len", 1), (0, "got", "x"), (0, "after", "y")]


# -- priority changes ---------------------------------------------------------

def test_priority_change_repositions_receivers_and_senders():
    log = Log()
    rq = MessageQueue(1)
    sq = MessageQueue(1)
    sq.try_send("fill")
    th = {}

    def receiver(name):
        async def r():
            th[name] = me()
            log(name, "got", await rq.receive())
        return r

    def sender(name):
        async def s():
            th[name] = me()
            await sq.send(name)
            log(name, "sent")
        return s

    async def ctl():
        await muos.sleep_for(1)
        th["R1"].set_priority(5)
        th["S2"].set_priority(50)
        rq.try_send("x")
        sq.try_receive()
        await muos.sleep_for(1)
        log("C", sq.try_receive())
        rq.try_send("y")

    play(("R1", 30, receiver("R1")), ("R2", 25, receiver("R2")),
         ("S1", 30, sender("S1")), ("S2", 25, sender("S2")),
         ("Ctl", 4, ctl))
    # R1 (30 -> 5) drops behind R2 (25), S2 (25 -> 50) moves ahead of S1
    # (30): at 1 x goes to R2 and S2's message takes the room; both run
    # when Ctl sleeps, most urgent first. At 2 Ctl takes S2's message
    # (S1's enters) and y goes to R1.
    assert log == [(1, "S2", "sent"), (1, "R2", "got", "x"),
                   (2, "C", "S2"), (2, "S1", "sent"), (2, "R1", "got", "y")]
    assert sq.try_receive() == "S1"


# -- producer / consumer systems ----------------------------------------------

def test_producers_and_consumers_every_message_once_in_order():
    log = Log()
    q = MessageQueue(2, name="q")

    def producer(name, n, prio):
        async def p():
            for i in range(n):
                await q.send("%s%d" % (name, i), prio)
                await muos.sleep_for(1 if name == "A" else 2)
        return p

    def consumer(name, pause):
        async def c():
            while True:
                try:
                    m = await q.timed_receive(20)
                except Empty:
                    return
                log(name, m)
                await muos.sleep_for(pause)
        return c

    play(("PA", 50, producer("A", 4, 1)),
         ("PB", 40, producer("B", 3, 5)),
         ("C1", 30, consumer("C1", 3)),
         ("C2", 20, consumer("C2", 2)))
    # t=0: PA sends A0, PB B0 (message priority 5 > 1): q [B0 A0]; C1 (30)
    #      takes B0, sleeps to 3; C2 takes A0, sleeps to 2.
    # t=1: PA sends A1: q [A1].
    # t=2: PA sends A2 (q [A1 A2], full); PB blocks with B1; C2 takes A1,
    #      B1 enters (q [B1 A2]) and PB completes, sleeps to 4; C2 logs.
    # t=3: PA blocks with A3; C1 takes B1, A3 enters (q [A2 A3]); PA
    #      completes, sleeps to 4; C1 logs, sleeps to 6.
    # t=4: PA ends; PB blocks with B2; C2 takes A2, B2 enters (q [B2 A3]);
    #      PB completes, sleeps to 6; C2 sleeps to 6.
    # t=6: PB ends; C1 (30) takes B2, then C2 takes A3: every message
    #      exactly once, the most urgent available first.
    assert log == [(0, "C1", "B0"), (0, "C2", "A0"), (2, "C2", "A1"),
                   (3, "C1", "B1"), (4, "C2", "A2"), (6, "C1", "B2"),
                   (6, "C2", "A3")]
    assert len(q) == 0


# -- interrupt handlers -------------------------------------------------------

def test_handler_sends_and_receives_with_the_try_forms():
    log = Log()
    rq = MessageQueue(1, name="rq")
    sq = MessageQueue(1, name="sq")
    sq.try_send("old")

    async def receiver():
        log("R got", await rq.receive())

    async def sender():
        await sq.send("new")
        log("S sent")

    def handler():
        rq.try_send("from isr")          # straight to the waiting receiver
        log("isr", len(rq), sq.try_receive(), len(sq))
        try:
            rq.try_send("a")
            rq.try_send("b")
        except Full:
            log("isr Full", len(rq))
        for form, call in [("send", lambda: rq.send(1)),
                           ("timed_send", lambda: rq.timed_send(1, 1)),
                           ("receive", rq.receive),
                           ("timed_receive", lambda: rq.timed_receive(1))]:
            try:
                call()
            except ContextError:
                log(form, "ContextError")

    async def main():
        k = me()._kernel
        irq = k.interrupt("irq", handler, cost=1.5)
        irq.trigger_at(2)
        ts = [muos.spawn(receiver, name="R", priority=20),
              muos.spawn(sender, name="S", priority=30)]
        for t in ts:
            await t.join()

    muos.run(main)
    # at 2 the message goes to R (rq stays empty) and taking "old" lets
    # S's "new" in; then "a" fills rq and "b" is Full. R and S run when
    # the handler's 1.5 ticks end, S (30) first
    assert log == [(2, "isr", 0, "old", 1), (2, "isr Full", 1),
                   (2, "send", "ContextError"),
                   (2, "timed_send", "ContextError"),
                   (2, "receive", "ContextError"),
                   (2, "timed_receive", "ContextError"),
                   (3.5, "S sent"), (3.5, "R got", "from isr")]
    assert (rq.try_receive(), sq.try_receive()) == ("a", "new")


@pytest.mark.parametrize("bad", [-5, 256, 10**30])
def test_message_priorities_outside_0_255_are_refused(bad):
    # issue 14 #8 and API.md: message priorities are ints 0..255
    async def main():
        q = MessageQueue(2, name="q")
        out = []
        for call in (lambda: q.try_send("m", bad),
                     lambda: q.send("m", bad),
                     lambda: q.timed_send("m", 1, bad)):
            try:
                call()
                out.append("accepted")
            except ValueError as e:
                out.append("'q'" in str(e) and repr(bad) in str(e))
        return out, len(q)

    assert muos.run(main).value == ([True, True, True], 0)


@pytest.mark.parametrize("make", [
    lambda: muos.Mutex(5), lambda: muos.Semaphore(name=5),
    lambda: muos.EventFlags(b"f"), lambda: MessageQueue(1, name=1.5),
    lambda: muos.ConditionVariable(["cv"]), lambda: muos.MemoryPool(
        1, 8, name=7), lambda: muos.Timer(print, name=3)])
def test_object_names_are_str_or_none(make):
    with pytest.raises(TypeError, match="name must be a str or None"):
        make()


def test_arrival_numbers_dealt_again_keep_the_order(monkeypatch):
    # a board's small ints: the arrival numbers restart from 1 past a
    # limit (here 5), in the order the messages hold; messages of equal
    # priority still come out first in, first out, across many restarts
    import muos.mqueue as mq
    monkeypatch.setattr(mq, "_SEQ_LIMIT", 5)
    q = MessageQueue(4)
    sent = []
    got = []
    n = 0
    for rnd in range(12):
        while len(q) < 4:
            n += 1
            p = 1 if n % 5 == 0 else 0      # mostly equal priorities
            q.try_send((p, n), p)
            sent.append((p, n))
        for _ in range(1 + rnd % 2):
            got.append(q.try_receive())
    while len(q):
        got.append(q.try_receive())
    assert q._seq <= 5 + 4
    # the model: each receive takes the most urgent, earliest sent of
    # what is in the queue at that moment
    model, pending, i = [], [], 0
    for rnd in range(12):
        while len(pending) < 4:
            pending.append(sent[i])
            i += 1
        for _ in range(1 + rnd % 2):
            best = min(pending, key=lambda m: (-m[0], m[1]))
            pending.remove(best)
            model.append(best)
    model += sorted(pending, key=lambda m: (-m[0], m[1]))
    assert got == model
    # the entries taken out are reused: none made after the first fill
    assert len(q._spare) <= 4
