"""Property tests (hypothesis) for EventFlags, MessageQueue, MemoryPool,
ConditionVariable and wait_any under random programs.

Random threads at random (often equal) priorities run random sequences of
operations on one object, in every form (blocking, ``try_``, ``timed_``),
mixed with sleeps, work, yields, priority changes and interrupts of each
other. Whatever the program, these must hold:

* conservation: every message sent is received exactly once or is still
  queued; every block is held by at most one thread and ``count`` is the
  number held; each flag raised by ``set`` is consumed once, cleared, or
  still set; each ``wait_any`` completes exactly one operation;
* no lost wake-up: whenever a thread is left blocked (checked after every
  operation and at the end) the object really cannot serve it;
* service order: every hand-over goes to the most urgent waiter, the
  earliest among equals (checked on the trace);
* message order: a consumer draining a queue gets exactly the order of a
  model (highest message priority first, FIFO among equals, blocked
  senders entering by thread priority then arrival).
"""

from hypothesis import given, settings
from hypothesis import strategies as st

import muos
from muos import (ALL, ANY, ConditionVariable, Empty, EventFlags, Full,
                  Interrupted, MemoryPool, MessageQueue, Mutex, Semaphore)
from objects_support import check_service_order

PRIOS = [10, 20, 30]

# ops every program may contain besides the object's own
COMMON = [
    st.tuples(st.just("sleep"), st.sampled_from([0, 0.5, 1, 3])),
    st.tuples(st.just("busy"), st.sampled_from([0.5, 1, 2])),
    st.tuples(st.just("interrupt"), st.integers(0, 3)),
    st.tuples(st.just("prio"), st.integers(0, 3), st.sampled_from(PRIOS)),
    st.tuples(st.just("yield")),
]
TICKS = st.sampled_from([0, 0.5, 1, 2, 4])


def programs(*own, threads=4):
    op = st.one_of(*(list(own) * 2 + COMMON))   # own ops twice as likely
    return st.lists(st.tuples(st.sampled_from(PRIOS),
                              st.lists(op, min_size=1, max_size=8)),
                    min_size=2, max_size=threads)


def run_program(program, do_op, trace=False):
    """Spawn one worker per (priority, ops); ``do_op(me, op, ths)`` runs
    the object's own ops. Returns (threads, stalled, trace events)."""
    ths = []

    def worker(ops):
        async def w():
            me = muos.this_thread()
            for op in ops:
                kind = op[0]
                try:
                    if kind == "sleep":
                        await muos.sleep_for(op[1])
                    elif kind == "busy":
                        await muos.busy(op[1])
                    elif kind == "interrupt":
                        ths[op[1] % len(ths)].interrupt()
                    elif kind == "prio":
                        ths[op[1] % len(ths)].set_priority(op[2])
                    elif kind == "yield":
                        await muos.yield_now()
                    else:
                        await do_op(me, op, ths)
                except Interrupted:
                    me.interrupted = False   # the flag stays set otherwise
        return w

    async def main():
        for i, (p, ops) in enumerate(program):
            ths.append(muos.spawn(worker(ops), name="w%d" % i, priority=p))
        for t in ths:
            await t.join()

    k = muos.Kernel(trace=trace)
    m = k.spawn(main, name="main")
    k.run()        # returns when main ends or nothing can run any more
    k.close()
    assert m.exception is None, m.exception
    for t in ths:
        assert t.exception is None, (t.name, t.exception)
    stalled = m.state != muos.TERMINATED
    return ths, stalled, k.trace.events if trace else None


def blocked(t):
    """True while ``t`` waits in a queue (not once it has been woken)."""
    return t.waiting_on is not None


# -- message queue: conservation, no lost wake-up, service order -------------

SEND = st.tuples(st.just("send"), st.sampled_from(["send", "try", "timed"]),
                 st.integers(0, 2), TICKS)
RECV = st.tuples(st.just("recv"), st.sampled_from(["recv", "try", "timed"]),
                 TICKS)
# wait a while, then send a burst without blocking: waiters pile up first
BURST = st.tuples(st.just("burst"), st.sampled_from([1, 2, 4]),
                  st.integers(1, 3), st.integers(0, 2))


@settings(max_examples=300, deadline=None)
@given(programs(SEND, RECV, RECV, BURST, threads=5), st.integers(1, 3))
def test_queue_conserves_messages_and_loses_no_wake_up(program, capacity):
    q = MessageQueue(capacity, name="q")
    sent = []
    received = []
    pending = {}            # thread -> "send" / "recv" while in the call
    sending = {}            # thread -> the message it is sending
    counter = [0]

    def no_lost_wake_up():
        for t, what in pending.items():
            if blocked(t):
                if what == "recv":
                    assert len(q) == 0, (t.name, len(q))
                else:
                    assert len(q) == capacity, (t.name, len(q))

    async def do_op(me, op, ths):
        if op[0] == "burst":
            await muos.sleep_for(op[1])
            for _ in range(op[2]):
                await do_op(me, ("send", "try", op[3], 0), ths)
        elif op[0] == "send":
            form, prio, ticks = op[1:]
            counter[0] += 1
            msg = (me.name, counter[0])
            pending[me] = "send"
            sending[me] = msg
            try:
                if form == "send":
                    await q.send(msg, prio)
                elif form == "try":
                    q.try_send(msg, prio)
                else:
                    await q.timed_send(msg, ticks, prio)
                sent.append(msg)
            except Full:
                assert form != "send"
            finally:
                del pending[me]
        else:
            form, ticks = op[1:]
            pending[me] = "recv"
            try:
                if form == "recv":
                    msg = await q.receive()
                elif form == "try":
                    msg = q.try_receive()
                else:
                    msg = await q.timed_receive(ticks)
                received.append(msg)
            except Empty:
                assert form != "recv"
            finally:
                del pending[me]
        assert 0 <= len(q) <= capacity
        no_lost_wake_up()

    ths, stalled, events = run_program(program, do_op, trace=True)
    no_lost_wake_up()
    # those still blocked are exactly the ones in an untimed call
    assert stalled == any(blocked(t) for t in ths)
    # draining the queue also lets the senders still blocked in (their
    # messages enter as room is made)
    stuck = [sending[t] for t in pending if pending[t] == "send"]
    left = []
    while len(q):
        left.append(q.try_receive())
    # every message sent is received once or still queued; nothing else
    assert len(set(received)) == len(received)
    assert sorted(received + left) == sorted(sent + stuck)
    check_service_order(events, ["q"])


# -- message queue: the exact order of a draining consumer --------------------

FILL = st.tuples(st.sampled_from(["try", "send", "timed"]), st.integers(0, 2),
                 st.sampled_from([0, 1, 2]),          # delay before it
                 st.sampled_from([1, 3, 50]))         # timed_send ticks


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PRIOS),
                          st.lists(FILL, min_size=1, max_size=4)),
                min_size=1, max_size=4),
       st.integers(1, 4))
def test_draining_consumer_gets_the_models_order(producers, capacity):
    q = MessageQueue(capacity, name="q")
    enq = []          # messages in the order they entered the queue
    blocked_log = []  # [arrival, thread priority, msg, still blocked]
    order = [0]

    def producer(prio, ops):
        async def p():
            me = muos.this_thread()
            for form, mprio, delay, ticks in ops:
                await muos.sleep_for(delay)
                order[0] += 1
                msg = (mprio, me.name, order[0])
                rec = None            # (a try_send on a full queue: none)
                if len(q) < capacity:
                    enq.append(msg)       # there is room: it enters now
                elif form != "try":
                    rec = [order[0], prio, msg, True]
                    blocked_log.append(rec)
                try:
                    if form == "try":
                        q.try_send(msg, mprio)
                    elif form == "send":
                        await q.send(msg, mprio)
                    else:
                        await q.timed_send(msg, ticks, mprio)
                except Full:
                    assert rec is not None or form == "try"
                    if rec is not None:
                        rec[3] = False        # timed out: withdrawn
        return p

    drained = []

    async def main():
        for i, (prio, ops) in enumerate(producers):
            muos.spawn(producer(prio, ops), name="p%d" % i, priority=prio)
        await muos.sleep_for(20)              # every fill is over by now
        # the model: the queue's content by (-priority, entry order); each
        # receive lets the most urgent, earliest blocked sender in
        content = [(-m[0], i, m) for i, m in enumerate(enq)]
        waiting = sorted([r for r in blocked_log if r[3]],
                         key=lambda r: (-r[1], r[0]))
        expect = []
        seq = len(content)
        while content:
            content.sort()
            expect.append(content.pop(0)[2])
            if waiting:
                r = waiting.pop(0)
                content.append((-r[2][0], seq, r[2]))
                seq += 1
        assert len(q) == len(enq) or not enq
        with muos.scheduler_locked():     # no sender runs meanwhile
            while True:
                try:
                    drained.append(q.try_receive())
                except Empty:
                    break
        assert drained == expect, (drained, expect)

    muos.run(main, until=1000)
    assert drained


# -- event flags: every flag raised is consumed once, no lost wake-up ---------

MASKS = st.sampled_from([0, 0b001, 0b010, 0b100, 0b011, 0b110, 0b111])
FWAIT = st.tuples(st.just("fwait"), st.sampled_from(["wait", "try", "timed"]),
                  MASKS, st.sampled_from([ALL, ANY]), st.booleans(), TICKS)
FSET = st.tuples(st.just("set"), MASKS)
FCLEAR = st.tuples(st.just("clear"), MASKS)


def satisfied(value, mask, mode):
    if mask == 0:
        return value != 0
    if mode == ALL:
        return value & mask == mask
    return value & mask != 0


@settings(max_examples=300, deadline=None)
@given(programs(FWAIT, FWAIT, FSET, FCLEAR))
def test_flags_conserved_and_no_lost_wake_up(program):
    f = EventFlags("f")
    bits = (0b001, 0b010, 0b100)
    rising = {b: 0 for b in bits}
    consumed = {b: 0 for b in bits}
    cleared = {b: 0 for b in bits}
    pending = {}          # thread -> (mask, mode) while it waits

    def no_lost_wake_up():
        for t, (mask, mode) in pending.items():
            if blocked(t):
                assert not satisfied(f.value, mask, mode), (t.name, mask,
                                                            f.value)

    async def do_op(me, op, ths):
        kind = op[0]
        if kind == "set":
            old = f.set(op[1])
            for b in bits:
                if op[1] & b and not old & b:
                    rising[b] += 1
        elif kind == "clear":
            old = f.clear(op[1])
            for b in bits:
                if op[1] & b and old & b:
                    cleared[b] += 1
        else:
            form, mask, mode, clear, ticks = op[1:]
            pending[me] = (mask, mode)
            try:
                if form == "wait":
                    got = await f.wait(mask, mode, clear)
                elif form == "try":
                    got = f.try_wait(mask, mode, clear)
                else:
                    got = await f.timed_wait(mask, ticks, mode, clear)
            finally:
                del pending[me]
            if form == "wait":
                assert got
            if got:
                # what it got satisfies what it asked for
                if mask == 0:
                    assert got & ~0b111 == 0
                elif mode == ALL:
                    assert got == mask
                else:
                    assert got & ~mask == 0
                if clear:
                    for b in bits:
                        if got & b:
                            consumed[b] += 1
        no_lost_wake_up()

    ths, stalled, _ = run_program(program, do_op)
    no_lost_wake_up()
    assert stalled == any(blocked(t) for t in ths)
    for b in bits:
        final = 1 if f.value & b else 0
        assert rising[b] == consumed[b] + cleared[b] + final, b


# -- memory pool: a block has one holder, count is exact, service order -------

ALLOC = st.tuples(st.just("alloc"), st.sampled_from(["alloc", "try", "timed"]),
                  TICKS)
FREE = st.tuples(st.just("free"), st.booleans())   # True: double free too
# alloc, keep the block a while, free it: waiters pile up
HOLD = st.tuples(st.just("hold"), st.sampled_from(["alloc", "timed"]),
                 TICKS, st.sampled_from([1, 2, 3]))


@settings(max_examples=300, deadline=None)
@given(programs(ALLOC, FREE, HOLD, HOLD, threads=5), st.integers(1, 2))
def test_pool_blocks_have_one_holder(program, blocks):
    p = MemoryPool(blocks, 4, name="p")
    holder = {}           # id(block) -> thread name
    held = {}             # thread -> [blocks]
    pending = set()

    def check():
        # a woken allocator has its block before it runs to record it
        woken = len([t for t in pending if not blocked(t)])
        assert len(holder) <= p.count <= len(holder) + woken
        for t in pending:
            if blocked(t):
                assert p.count == p.capacity, t.name

    async def do_op(me, op, ths):
        mine = held.setdefault(me, [])
        if op[0] == "hold":
            await do_op(me, ("alloc",) + op[1:3], ths)
            if mine:
                await muos.sleep_for(op[3])
                await do_op(me, ("free", False), ths)
        elif op[0] == "alloc":
            form, ticks = op[1:]
            pending.add(me)
            try:
                if form == "alloc":
                    b = await p.alloc()
                elif form == "try":
                    b = p.try_alloc()
                else:
                    b = await p.timed_alloc(ticks)
            finally:
                pending.discard(me)
            if b is not None:
                assert id(b) not in holder, "one block, two holders"
                assert len(b) == 4
                b[0] = len(mine)           # usable memory
                holder[id(b)] = me.name
                mine.append(b)
            else:
                assert form != "alloc"
        elif mine:
            b = mine.pop(0)
            del holder[id(b)]
            handed = any(blocked(t) for t in pending)   # to a waiter
            p.free(b)
            if op[1] and not handed:
                try:
                    p.free(b)
                    raise AssertionError("double free accepted")
                except ValueError:
                    pass
        check()

    ths, stalled, events = run_program(program, do_op, trace=True)
    check()
    assert stalled == any(blocked(t) for t in ths)
    check_service_order(events, ["p"])
    if not stalled:
        for bs in held.values():
            for b in bs:
                p.free(b)
        assert p.count == 0


# -- condition variable: monitor pattern keeps every item, no lost wake-up ----

@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PRIOS),
                          st.lists(st.tuples(st.sampled_from([0, 0.5, 1, 2]),
                                             st.integers(1, 3),
                                             st.booleans()),
                                   min_size=1, max_size=4)),
                min_size=1, max_size=3),
       st.lists(st.tuples(st.sampled_from(PRIOS),
                          st.sampled_from(["wait", "timed"]),
                          st.sampled_from([0, 0.5, 1])),
                min_size=1, max_size=3),
       st.lists(st.tuples(st.sampled_from([0.5, 1, 2, 4]), st.integers(0, 9)),
                max_size=3),
       st.sampled_from([(Mutex.NORMAL, Mutex.INHERIT),
                        (Mutex.ERRORCHECK, Mutex.NONE),
                        (Mutex.RECURSIVE, Mutex.PROTECT)]))
def test_condvar_monitor_keeps_every_item(producers, consumers, interrupts,
                                          mutex):
    kind, proto = mutex
    m = Mutex("m", kind=kind, protocol=proto,
              ceiling=30 if proto == Mutex.PROTECT else None)
    cv = ConditionVariable("cv")
    items = []
    produced = []
    taken = []
    cons = []

    def producer(ops, name):
        async def p():
            n = 0
            for delay, k, notify_all in ops:
                await muos.sleep_for(delay)
                async with m:
                    for _ in range(k):
                        n += 1
                        items.append((name, n))
                        produced.append((name, n))
                        if not notify_all:
                            cv.notify_one()
                    if notify_all:
                        cv.notify_all()
        return p

    def consumer(form, pause):
        async def c():
            me = muos.this_thread()
            try:
                while True:
                    try:
                        await m.lock()
                        if kind == Mutex.RECURSIVE:
                            await m.lock()        # depth 2 across the waits
                    except Interrupted:
                        me.interrupted = False
                        if m.owner is me:
                            m.unlock()
                        continue
                    while not items:
                        try:
                            if form == "wait":
                                await cv.wait(m)
                            else:
                                await cv.timed_wait(m, 3)
                        except Interrupted:
                            me.interrupted = False
                        assert m.owner is me        # relocked in every case
                    taken.append(items.pop(0))
                    m.unlock()
                    if kind == Mutex.RECURSIVE:
                        assert m.owner is me        # the depth was restored
                        m.unlock()
                    assert m.owner is not me
                    try:
                        await muos.sleep_for(pause)
                    except Interrupted:
                        me.interrupted = False
            finally:
                # killed in cv.wait, it holds m again (POSIX): unlock it
                while m.owner is me:
                    m.unlock()
        return c

    async def main():
        ps = [muos.spawn(producer(ops, "p%d" % i), name="p%d" % i,
                         priority=prio)
              for i, (prio, ops) in enumerate(producers)]
        for i, (prio, form, pause) in enumerate(consumers):
            cons.append(muos.spawn(consumer(form, pause), name="c%d" % i,
                                   priority=prio))
        for delay, who in interrupts:
            await muos.sleep_for(delay)
            cons[who % len(cons)].interrupt()
        for t in ps:
            await t.join()
        await muos.sleep_for(50)       # consumers catch up
        bad = [t for t in cons if t.exception is not None]
        for t in cons:
            t.kill()
        return bad

    r = muos.run(main)
    assert r.value == []
    # every item produced is taken exactly once; none is left behind while
    # a consumer sleeps on the condition
    assert sorted(taken) == sorted(produced)
    assert items == []
    assert not m.locked


# -- wait_any: exactly one operation completes --------------------------------

ANYOP = st.tuples(st.just("any"),
                  st.lists(st.sampled_from(["s", "q", "p", "f", "f2"]),
                           min_size=1, max_size=5, unique=True),
                  st.sampled_from([None, 0, 1, 3]))
GIVE = st.tuples(st.just("give"), st.sampled_from(["s", "q", "p", "f"]))


@settings(max_examples=300, deadline=None)
@given(programs(ANYOP, GIVE, GIVE))
def test_wait_any_completes_exactly_one_operation(program):
    s = Semaphore(name="s")
    q = MessageQueue(2, name="q")
    p = MemoryPool(2, 4, name="p")
    f = EventFlags("f")
    spare = [p.try_alloc(), p.try_alloc()]    # the pool starts exhausted
    acct = {"posted": 0, "taken": 0, "sent": 0, "received": 0,
            "raised": 0, "consumed": 0}
    pending = {}

    def possible(which):
        return ((which == "s" and s.value > 0)
                or (which == "q" and len(q) > 0)
                or (which == "p" and p.count < p.capacity)
                or (which in ("f", "f2") and f.value & 1))

    def no_lost_wake_up():
        for t, which in pending.items():
            if t.state == muos.SUSPENDED:
                assert not any(possible(w) for w in which), (t.name, which)

    async def do_op(me, op, ths):
        if op[0] == "give":
            w = op[1]
            if w == "s":
                s.post()
                acct["posted"] += 1
            elif w == "q":
                try:
                    q.try_send(me.name)
                    acct["sent"] += 1
                except Full:
                    pass
            elif w == "p":
                if spare:
                    p.free(spare.pop())
            elif not f.set(1) & 1:
                acct["raised"] += 1
        else:
            which, timeout = op[1], op[2]
            ops = []
            for w in which:
                ops.append(s.wait() if w == "s" else q.receive()
                           if w == "q" else p.alloc() if w == "p"
                           else f.wait(1) if w == "f"
                           else f.wait(1, ANY, False))  # "f2": same flag
            pending[me] = which
            try:
                i, v = await muos.wait_any(*ops, timeout=timeout)
            finally:
                del pending[me]
            if i is None:
                assert v is None and timeout is not None
            else:
                w = which[i]
                if w == "s":
                    assert v is True
                    acct["taken"] += 1
                elif w == "q":
                    acct["received"] += 1
                elif w == "p":
                    assert type(v) is memoryview
                    spare.append(v)               # give it back later
                else:
                    assert v == 1
                    if w == "f":
                        acct["consumed"] += 1     # "f2" does not clear
        no_lost_wake_up()

    ths, stalled, _ = run_program(program, do_op)
    no_lost_wake_up()
    # if two operations had completed for one call, one of these would not
    # balance
    assert acct["posted"] == acct["taken"] + s.value
    assert acct["sent"] == acct["received"] + len(q)
    assert p.count == len(spare)
    assert acct["raised"] == acct["consumed"] + (f.value & 1)


# -- the kernel's fast paths against its general ones ------------------------

_FAST_OP = st.one_of(*([SEND, RECV, RECV, BURST, FWAIT, FWAIT, FSET, FCLEAR]
                       + COMMON))
# each thread starts after a sleep of its own, so that less urgent threads
# often queue before more urgent ones
_FAST_PROGRAM = st.lists(st.tuples(st.sampled_from(PRIOS),
                                   st.sampled_from([0, 1, 2]),
                                   st.lists(_FAST_OP, min_size=1,
                                            max_size=8)),
                         min_size=2, max_size=5)


def fast_program_run(raw, capacity, trace):
    """One run of a _FAST_PROGRAM: the log of what each operation did,
    when, whether it stalled, and per thread state/CPU/switches."""
    program = [(p, [("sleep", d)] + ops) for p, d, ops in raw]
    q = MessageQueue(capacity, name="q")
    f = EventFlags("f")
    log = []
    n = [0]

    async def do_op(me, op, ths):
        kind = op[0]
        try:
            if kind == "burst":
                await muos.sleep_for(op[1])
                for _ in range(op[2]):
                    n[0] += 1
                    out = q.try_send(n[0], op[3])
            elif kind == "send":
                form, prio, ticks = op[1:]
                n[0] += 1
                if form == "send":
                    out = await q.send(n[0], prio)
                elif form == "try":
                    out = q.try_send(n[0], prio)
                else:
                    out = await q.timed_send(n[0], ticks, prio)
            elif kind == "recv":
                form, ticks = op[1:]
                if form == "recv":
                    out = await q.receive()
                elif form == "try":
                    out = q.try_receive()
                else:
                    out = await q.timed_receive(ticks)
            elif kind == "fwait":
                form, mask, mode, clear, ticks = op[1:]
                if form == "wait":
                    out = await f.wait(mask, mode, clear)
                elif form == "try":
                    out = f.try_wait(mask, mode, clear)
                else:
                    out = await f.timed_wait(mask, ticks, mode, clear)
            elif kind == "set":
                out = f.set(op[1])
            else:
                out = f.clear(op[1])
        except (Full, Empty, Interrupted) as e:
            out = type(e).__name__
            if isinstance(e, Interrupted):
                me.interrupted = False
        log.append((muos.now(), me.name, op, out, len(q), f.value))

    ths, stalled, _ = run_program(program, do_op, trace=trace)
    return log, stalled, [(t.name, t.state, t.cpu_time, t.switches)
                          for t in ths]


@settings(max_examples=300, deadline=None)
@given(_FAST_PROGRAM, st.integers(1, 3))
def test_fast_and_general_paths_give_the_same_run(raw, capacity):
    # traced, the kernel takes its general paths for every wait, sleep and
    # wake-up; untraced, its inline fast paths: each operation must end at
    # the same time with the same outcome either way
    assert (fast_program_run(raw, capacity, False)
            == fast_program_run(raw, capacity, True))
