"""``await muos.wait_any(*ops, timeout=None) -> (index, value)`` over
semaphores, message queues (receive and send), event flags, mutexes,
memory pools and a timeout: exactly one operation completes, the others
are withdrawn without effect; waiting order, interrupts, kills, contexts,
priority changes and inheritance through a waiting lock operation.

SimPort with zero overheads: every logged tick is exact. Workers run at
priorities below main (96), which spawns them and joins them all.
"""

import pytest

import muos
from muos import (ContextError, EventFlags, Interrupted, MemoryPool,
                  MessageQueue, Mutex, Semaphore, wait_any)
from objects_support import Log, me, play


class World:
    """One object of each kind, none of which can complete an operation
    now: s has no unit, q no message, f no flag, m is locked by the
    controller, p has no free block, full is a full queue."""

    def __init__(self):
        self.s = Semaphore(name="s")
        self.q = MessageQueue(2, name="q")
        self.f = EventFlags("f")
        self.m = Mutex("m")
        self.p = MemoryPool(1, 4, name="p")
        self.block = self.p.try_alloc()
        self.full = MessageQueue(1, name="full")
        self.full.try_send("fill")

    def ops(self):
        return [self.s.wait(), self.q.receive(), self.f.wait(0b1),
                self.m.lock(), self.p.alloc(), self.full.send("w")]

    def act(self, i):
        """Make operation ``i`` possible (the controller owns m)."""
        if i == 0:
            self.s.post()
        elif i == 1:
            self.q.try_send("msg")
        elif i == 2:
            self.f.set(0b1)
        elif i == 3:
            self.m.unlock()
        elif i == 4:
            self.p.free(self.block)
        else:
            assert self.full.try_receive() == "fill"

    def state(self):
        return (self.s.value, len(self.q), self.f.value,
                None if self.m.owner is None else self.m.owner.name,
                self.p.count, len(self.full))


def show(v):
    """A printable wait_any value (blocks by their size)."""
    i, x = v
    return (i, len(x) if type(x) is memoryview else x)


# -- validation ------------------------------------------------------------

def test_bad_operations_raise_at_the_call():
    log = Log()
    s = Semaphore(1, name="s")
    m = Mutex("m")
    cv = muos.ConditionVariable("cv")

    async def w():
        op = s.wait()
        cases = [
            ("none", lambda: wait_any()),
            ("int", lambda: wait_any(s.wait(), 3)),
            ("try form", lambda: wait_any(Semaphore().try_wait())),
            ("sleep", lambda: wait_any(muos.sleep_for(1))),
            ("twice", lambda: wait_any(op, op)),
            ("timed form", lambda: wait_any(s.timed_wait(5))),
            ("timed lock", lambda: wait_any(op, m.timed_lock(5))),
            ("timeout", lambda: wait_any(s.wait(), timeout=-1)),
            ("timeout type", lambda: wait_any(s.wait(), timeout="1")),
        ]
        for name, call in cases:
            try:
                call()
            except (TypeError, ValueError) as e:
                log(name, type(e).__name__)
        await m.lock()
        coro = cv.wait(m)             # a coroutine, not an operation
        try:
            wait_any(coro)
        except TypeError:
            log("condvar", "TypeError")
        coro.close()
        m.unlock()
        log("unit kept", s.value)

    play(("W", 20, w))
    assert log == [(0, "none", "ValueError"), (0, "int", "TypeError"),
                   (0, "try form", "TypeError"), (0, "sleep", "TypeError"),
                   (0, "twice", "ValueError"),
                   # a timed form's own timeout would be ignored: refused
                   (0, "timed form", "ValueError"),
                   (0, "timed lock", "ValueError"),
                   (0, "timeout", "ValueError"),
                   (0, "timeout type", "TypeError"),
                   (0, "condvar", "TypeError"), (0, "unit kept", 1)]


def test_context_errors():
    s = Semaphore(1)
    with pytest.raises(ContextError):
        wait_any(s.wait())          # s.wait() itself raises first
    log = Log()

    async def w():
        op = s.wait()
        with muos.scheduler_locked():
            try:
                wait_any(op)
            except ContextError:
                log("locked", "ContextError", s.value)
        log("after", await wait_any(op))

    play(("W", 20, w))
    assert log == [(0, "locked", "ContextError", 1), (0, "after", (0, True))]


# -- immediate completion -----------------------------------------------------

def test_first_possible_operation_in_order_wins_at_once():
    log = Log()
    s = Semaphore(name="s")
    q = MessageQueue(2)
    f = EventFlags()
    q.try_send("a")
    f.set(0b11)

    async def w():
        log(await wait_any(s.wait(), q.receive(), f.wait(0b1)))
        log(s.value, len(q), f.value)
        log(await wait_any(f.wait(0b10), s.wait(), timeout=5))
        log(s.value, len(q), f.value)

    async def other():
        log("O runs")

    play(("W", 20, w), ("O", 10, other))
    # the receive (index 1) completes; the flags are not touched. Then the
    # flags op (index 0) takes 0b10. No wait: O runs only after W ends
    assert log == [(0, (1, "a")), (0, 0, 0, 0b11), (0, (0, 0b10)),
                   (0, 0, 0, 0b01), (0, "O runs")]


@pytest.mark.parametrize("win, value", [
    (0, True), (1, "msg"), (2, 0b1), (3, True), (4, 4), (5, None),
])
def test_each_kind_completes_at_once_when_possible(win, value):
    log = Log()
    w = World()

    async def holder():
        if win != 3:
            await w.m.lock()
            await muos.sleep_for(1)
            w.m.unlock()

    async def t():
        if win != 3:
            w.act(win)
        log(show(await wait_any(*w.ops())), w.state())
        if win == 3:
            w.m.unlock()

    play(("H", 30, holder), ("T", 20, t))
    # H holds m from 0 (except when the lock is the one to win); the act
    # makes exactly operation `win` possible: it completes at once and
    # consumes only its own resource
    owner = "T" if win == 3 else "H"
    assert log == [(0, (win, value), (0, 0, 0, owner, 1, 1))]


# -- blocking: each kind wins, the others are withdrawn -----------------------

@pytest.mark.parametrize("win, value", [
    (0, True), (1, "msg"), (2, 0b1), (3, True), (4, 4), (5, None),
])
def test_one_operation_completes_the_others_are_withdrawn(win, value):
    log = Log()
    w = World()
    th = {}

    async def waiter():
        th["W"] = me()
        await muos.sleep_for(1)       # C locks m first
        log("W", show(await wait_any(*w.ops())))
        if win == 3:
            w.m.unlock()

    async def ctl():
        await w.m.lock()
        await muos.sleep_for(2)
        w.act(win)
        log("C acted")
        await muos.sleep_for(1)
        # every other operation becomes possible: none goes to W
        for i in range(6):
            if i != win:
                w.act(i)
        log("C state", w.state(), th["W"].state)

    play(("W", 30, waiter), ("C", 10, ctl))
    # at 2 operation `win` completes (W runs at C's next await); at 3 the
    # other five complete for nobody: the unit, the message and the flag
    # stay, m is free, the block is free, and W's message never entered
    # the full queue (its fill was taken: empty)
    expect = (1, 1, 1, None, 0, 0)
    if win == 0:
        expect = (0,) + expect[1:]        # W took the unit
    elif win == 1:
        expect = expect[:1] + (0,) + expect[2:]
    elif win == 2:
        expect = expect[:2] + (0,) + expect[3:]
    elif win == 4:
        expect = expect[:4] + (1,) + expect[5:]   # W holds the block
    elif win == 5:
        expect = expect[:5] + (1,)        # W's message took the room
    assert log == [(2, "C acted"), (2, "W", (win, value)),
                   (3, "C state", expect, muos.TERMINATED)]


def test_several_become_possible_at_once_only_the_first_completes():
    log = Log()
    s = Semaphore(name="s")
    q = MessageQueue(2)
    f = EventFlags()

    async def waiter():
        log("W", await wait_any(f.wait(0b1), s.wait(), q.receive()))
        log("W", await wait_any(f.wait(0b1), s.wait(), q.receive()))

    async def ctl():
        await muos.sleep_for(1)
        s.post()                   # W completes its wait on s here
        q.try_send("x")            # then these find W gone
        f.set(0b1)
        log("C", s.value, len(q), f.value)

    play(("W", 30, waiter), ("C", 10, ctl))
    # the post at 1 completes W's op 1; the message and the flag stay, so
    # W's second wait_any completes its op 0 (first in order) at once
    assert log == [(1, "C", 0, 1, 1), (1, "W", (1, True)),
                   (1, "W", (0, 0b1))]
    assert (s.value, len(q), f.value) == (0, 1, 0)


def test_two_operations_on_the_same_flags_complete_once():
    log = Log()
    f = EventFlags("f")

    async def waiter():
        log("W", await wait_any(f.wait(0b01), f.wait(0b10)), f.value)
        log("W", await wait_any(f.wait(0b100), timeout=3), f.value)

    async def ctl():
        await muos.sleep_for(1)
        log("C", f.set(0b11))

    play(("W", 30, waiter), ("C", 10, ctl), until=100)
    # set(0b11) at 1 satisfies both ops of W: only the first completes and
    # consumes 0b01; 0b10 stays. The second wait times out at 1 + 3 = 4
    assert log == [(1, "C", 0), (1, "W", (0, 0b01), 0b10),
                   (4, "W", (None, None), 0b10)]


def test_two_operations_on_the_same_semaphore_take_one_unit():
    log = Log()
    s = Semaphore(name="s")

    async def waiter():
        log("W", await wait_any(s.wait(), s.wait()))

    async def ctl():
        await muos.sleep_for(1)
        s.post()
        s.post()
        log("C", s.value)

    play(("W", 30, waiter), ("C", 10, ctl))
    assert log == [(1, "C", 1), (1, "W", (0, True))]


# -- timeout ------------------------------------------------------------------

@pytest.mark.parametrize("timeout, at", [(4, 5), (2.5, 3.5)])
def test_timeout_returns_none_none_and_withdraws_everything(timeout, at):
    log = Log()
    w = World()

    async def waiter():
        await muos.sleep_for(1)       # C locks m first
        log("W", await wait_any(*w.ops(), timeout=timeout))

    async def ctl():
        await w.m.lock()
        await muos.sleep_for(6)
        for i in range(6):
            w.act(i)
        log("C state", w.state())

    play(("W", 30, waiter), ("C", 10, ctl))
    # W waits from 1: nothing completes before its timeout at 1 + timeout;
    # at 6, W is in no queue: everything stays for nobody
    assert log == [(at, "W", (None, None)),
                   (6, "C state", (1, 1, 1, None, 0, 0))]


def test_timeout_zero_does_not_wait():
    log = Log()
    s = Semaphore()

    async def w():
        log(await wait_any(s.wait(), timeout=0))
        s.post()
        log(await wait_any(s.wait(), timeout=0))

    play(("W", 20, w))
    assert log == [(0, (None, None)), (0, (0, True))]


def test_operation_completing_at_the_timeout_instant_wins():
    log = Log()
    s = Semaphore()

    async def w():
        log(await wait_any(s.wait(), timeout=5))

    async def p():
        await muos.busy(5)
        s.post()

    play(("W", 20, w), ("P", 10, p))
    # P's work ends at 5, before the timeout due at 5 is considered
    assert log == [(5, (0, True))]
    assert s.value == 0


# -- interrupts and kills -----------------------------------------------------

def test_interrupted_withdraws_every_operation():
    log = Log()
    w = World()
    th = {}

    async def waiter():
        th["W"] = me()
        await muos.sleep_for(1)       # C locks m first
        try:
            await wait_any(*w.ops(), timeout=50)
        except Interrupted:
            log("W Interrupted", me().interrupted)

    async def ctl():
        await w.m.lock()
        await muos.sleep_for(2)
        th["W"].interrupt()
        await muos.sleep_for(1)
        for i in range(6):
            w.act(i)
        log("C state", w.state())

    play(("W", 30, waiter), ("C", 10, ctl))
    assert log == [(2, "W Interrupted", True),
                   (3, "C state", (1, 1, 1, None, 0, 0))]


def test_interrupted_flag_before_waiting():
    log = Log()
    s = Semaphore(1)
    f = EventFlags()

    async def w():
        me().interrupt()
        log(await wait_any(f.wait(1), s.wait()))    # possible: no wait
        try:
            await wait_any(f.wait(1), s.wait())
        except Interrupted:
            log("Interrupted")
        try:
            await wait_any(f.wait(1), timeout=0)
        except Interrupted:
            log("Interrupted with timeout 0")

    play(("W", 20, w))
    assert log == [(0, (1, True)), (0, "Interrupted"),
                   (0, "Interrupted with timeout 0")]


def test_killed_waiter_is_withdrawn_everywhere():
    log = Log()
    w = World()
    th = {}

    async def victim():
        th["V"] = me()
        await muos.sleep_for(1)       # C locks m first
        await wait_any(*w.ops())

    async def ctl():
        await w.m.lock()
        await muos.sleep_for(2)
        th["V"].kill()
        for i in range(6):
            w.act(i)
        log("C state", w.state())

    play(("V", 30, victim), ("C", 10, ctl))
    assert log == [(2, "C state", (1, 1, 1, None, 0, 0))]


# -- order among waiters, priority changes, inheritance -----------------------

def test_wait_any_waiters_and_plain_waiters_share_one_order():
    log = Log()
    s = Semaphore(name="s")
    f = EventFlags()

    async def w1():
        await muos.sleep_for(1)
        log("W1", await wait_any(s.wait(), f.wait(1)))

    async def w2():
        await muos.sleep_for(2)
        log("W2", await s.wait())

    async def w3():
        await muos.sleep_for(3)
        log("W3", await wait_any(f.wait(1), s.wait()))

    async def ctl():
        await muos.sleep_for(5)
        for _ in range(3):
            s.post()
            await muos.sleep_for(1)

    play(("W1", 20, w1), ("W2", 30, w2), ("W3", 30, w3), ("C", 10, ctl))
    # queue on s: W2 (30, arrived 2), W3 (30, arrived 3), W1 (20)
    assert log == [(5, "W2", True), (6, "W3", (1, True)),
                   (7, "W1", (0, True))]


def test_priority_change_repositions_in_every_queue_and_withdraws():
    log = Log()
    s = Semaphore(name="s")
    q = MessageQueue(1)
    th = {}

    async def w():
        th["W"] = me()
        log("W", await wait_any(s.wait(), q.receive()))

    async def x():
        log("X", await s.wait())

    async def y():
        log("Y", await q.receive())

    async def ctl():
        await muos.sleep_for(1)
        th["W"].set_priority(40)     # ahead of X on s and of Y on q
        q.try_send("m1")
        s.post()
        q.try_send("m2")

    play(("W", 20, w), ("X", 30, x), ("Y", 30, y), ("C", 10, ctl))
    # m1 goes to W (now first on q) and W leaves s: the post goes to X and
    # m2 to Y. All run by priority when C ends
    assert log == [(1, "W", (1, "m1")), (1, "X", True), (1, "Y", "m2")]


def test_lock_operation_makes_the_owner_inherit_until_withdrawn():
    log = Log()
    m = Mutex("m")
    s = Semaphore(name="s")
    th = {}

    async def low():
        th["L"] = me()
        async with m:
            await muos.busy(4)
            log("L unlocks", me().priority)

    async def high():
        await muos.sleep_for(1)
        log("H", await wait_any(m.lock(), s.wait()))
        log("H owns", m.owner is me())

    async def mid():
        await muos.sleep_for(1.5)
        log("M sees L at", th["L"].priority)
        await muos.sleep_for(0.5)
        s.post()
        log("M sees L at", th["L"].priority)

    play(("L", 10, low), ("H", 30, high), ("M", 40, mid))
    # L locks m at 0 and computes. At 1 H waits on m (L inherits 30) and
    # on s; M (40) sees that at 1.5. M's post at 2 completes H's wait on s
    # and withdraws the lock: L drops back to 10 at once. H runs when M
    # ends; L did 2 of its 4 ticks of work by 2, so it unlocks at 4
    assert log == [(1.5, "M sees L at", 30), (2, "M sees L at", 10),
                   (2, "H", (1, True)), (2, "H owns", False),
                   (4, "L unlocks", 10)]


def test_join_and_own_flags_as_operations():
    log = Log()

    async def worker():
        await muos.sleep_for(3)
        return "done"

    async def w():
        t = muos.spawn(worker, name="K", priority=10)
        log(await wait_any(me().flags.wait(1), t.join()))

    play(("W", 20, w))
    assert log == [(3, (1, "done"))]


def test_stalled_names_every_operation():
    s = Semaphore(name="sem")
    q = MessageQueue(1, name="mq")

    async def main():
        await wait_any(s.wait(), q.receive())

    with pytest.raises(muos.Stalled) as ei:
        muos.run(main)
    what = ei.value.blocked["main"]
    assert "sem" in what and "mq" in what


def test_handler_completes_one_operation_and_cannot_wait_any():
    log = Log()
    s = Semaphore(name="s")
    q = MessageQueue(1, name="q")

    async def waiter():
        log("W", await wait_any(s.wait(), q.receive()))

    def handler():
        q.try_send("isr")
        s.post()                       # W is gone: the unit is kept
        try:
            wait_any(s.wait())
        except ContextError:
            log("isr", "ContextError")
        log("isr", s.value, len(q))

    async def main():
        k = me()._kernel
        k.interrupt("irq", handler, cost=0.5).trigger_at(1)
        await muos.spawn(waiter, name="W", priority=20).join()

    muos.run(main)
    assert log == [(1, "isr", "ContextError"), (1, "isr", 1, 0),
                   (1.5, "W", (1, "isr"))]
