"""Property tests over random programs (hypothesis).

Random threads at random (often equal) priorities run random sequences of
semaphore operations, critical sections, sleeps, work, priority changes
and interrupts of each other. Whatever the program, these must hold:

* conservation: initial + units posted == units taken + final value;
  ``post`` fails only at ``max``;
* no lost wake-up: a thread left blocked on a semaphore at the end finds
  its value 0, and ``Stalled`` is raised exactly when such threads remain;
* mutual exclusion: never two owners, critical sections never overlap;
* the effective priority of every thread is max(base, ceilings of PROTECT
  mutexes held, most urgent waiter of each INHERIT mutex held);
* scheduling: no time passes while a thread more urgent than the running
  one is ready (checked on the trace).

Plus the wait queue against a sorted-list model.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

import muos
from muos import DeadlockError, Interrupted, Mutex, Semaphore
from muos.traps import WAIT, Trap, consumed
from muos.waitq import WaitQueue
from objects_support import check_service_order

PRIOS = [10, 20, 30]


def check_schedule(events):
    """No interval of time in which a ready thread is more urgent than the
    running one (equal is fine: round-robin). Events are grouped by
    instant; the state after an instant's last event lasts until the next
    instant."""
    state = {}
    prio = {}
    running = None
    n = len(events)
    for i, (t, kind, name, _obj, details) in enumerate(events):
        if kind == "spawn":
            state[name] = "ready"
            prio[name] = details
        elif kind == "switch":
            running = name
            state[name] = "running"
        elif kind in ("preempt", "ready"):
            state[name] = "ready"
            if running == name:
                running = None
        elif kind == "suspend":
            state[name] = "blocked"
            if running == name:
                running = None
        elif kind == "exit":
            state[name] = "ended"
            if running == name:
                running = None
        elif kind == "priority":
            prio[name] = details[1]
        if i + 1 < n and events[i + 1][0] > t:
            # time passes until the next instant
            assert running is not None, (t, "nobody runs")
            top = max(prio[x] for x, s in state.items()
                      if s in ("ready", "running"))
            assert prio[running] == top, (t, running, prio[running], top,
                                          dict(state))


# -- semaphores and a mutex under random programs ---------------------------

CRIT = st.tuples(st.just("crit"),
                 st.sampled_from(["lock", "try_lock", "timed_lock"]),
                 st.sampled_from([0, 1, 3]), st.sampled_from([0.5, 1, 2]))
OP = st.one_of(
    st.tuples(st.just("post")),
    st.tuples(st.just("wait")),
    st.tuples(st.just("timed_wait"), st.sampled_from([0, 0.5, 1, 2, 4])),
    st.tuples(st.just("try_wait")),
    CRIT, CRIT,                        # twice as likely: more contention
    st.tuples(st.just("sleep"), st.sampled_from([0, 0.5, 1, 3])),
    st.tuples(st.just("busy"), st.sampled_from([0.5, 1, 2])),
    st.tuples(st.just("interrupt"), st.integers(0, 3)),
    st.tuples(st.just("prio"), st.integers(0, 3), st.sampled_from(PRIOS)),
    st.tuples(st.just("yield")),
)

PROGRAM = st.lists(st.tuples(st.sampled_from(PRIOS),
                             st.lists(OP, min_size=1, max_size=8)),
                   min_size=2, max_size=4)

SEM = st.tuples(st.integers(0, 2),                       # initial
                st.one_of(st.none(), st.integers(1, 3)))  # max

PROTO = st.sampled_from([Mutex.NONE, Mutex.INHERIT, Mutex.PROTECT])


def build(program, sem, proto):
    """The program as a main function plus the shared state it fills."""
    initial, mx = sem
    if mx is not None and initial > mx:
        initial = mx
    s = Semaphore(initial, max=mx, name="S")
    m = Mutex("M", protocol=proto,
              ceiling=30 if proto == Mutex.PROTECT else None)
    st_ = {"s": s, "m": m, "initial": initial, "posted": 0, "taken": 0,
           "inside": None, "sections": [], "threads": [], "log": []}

    def worker(ops):
        async def w():
            me = muos.this_thread()
            ths = st_["threads"]
            for op in ops:
                kind = op[0]
                try:
                    if kind == "post":
                        if s.post():
                            st_["posted"] += 1
                        else:
                            # fails only when full (so nobody waits)
                            assert s.value == s.max and len(s._q) == 0
                    elif kind == "wait":
                        assert await s.wait() is True
                        st_["taken"] += 1
                    elif kind == "timed_wait":
                        if await s.timed_wait(op[1]):
                            st_["taken"] += 1
                    elif kind == "try_wait":
                        if s.try_wait():
                            st_["taken"] += 1
                    elif kind == "crit":
                        form, ticks, work = op[1:]
                        if form == "lock":
                            got = await m.lock()
                        elif form == "try_lock":
                            got = m.try_lock()
                        else:
                            got = await m.timed_lock(ticks)
                        if got:
                            assert m.owner is me
                            assert st_["inside"] is None
                            st_["inside"] = me
                            t0 = muos.now()
                            await muos.busy(work)
                            assert st_["inside"] is me and m.owner is me
                            st_["inside"] = None
                            st_["sections"].append((t0, muos.now()))
                            m.unlock()
                    elif kind == "sleep":
                        await muos.sleep_for(op[1])
                    elif kind == "busy":
                        await muos.busy(op[1])
                    elif kind == "interrupt":
                        ths[op[1] % len(ths)].interrupt()
                    elif kind == "prio":
                        ths[op[1] % len(ths)].set_priority(op[2])
                    else:
                        await muos.yield_now()
                    outcome = "ok"
                except Interrupted:
                    me.interrupted = False   # the flag stays set otherwise
                    outcome = "interrupted"
                # what each operation did, when: the same in every run
                st_["log"].append((muos.now(), me.name, op, outcome,
                                   s.value))
        return w

    async def main():
        ths = st_["threads"]
        for i, (p, ops) in enumerate(program):
            ths.append(muos.spawn(worker(ops), name="w%d" % i, priority=p))
        for t in ths:
            await t.join()

    return main, st_


def check_end(st_, blocked_names):
    s = st_["s"]
    m = st_["m"]
    # conservation, bounded or not
    assert st_["initial"] + st_["posted"] == st_["taken"] + s.value
    if s.max is not None:
        assert 0 <= s.value <= s.max
    # mutual exclusion over time
    secs = sorted(st_["sections"])
    for (a0, a1), (b0, b1) in zip(secs, secs[1:]):
        assert a1 <= b0, (a0, a1, b0, b1)
    # every critical section ended: nobody holds or waits for M
    assert m.owner is None and m.waiters == []
    # threads still alive are exactly the ones blocked on S, and only
    # while S has nothing to give (no lost wake-up)
    alive = sorted(t.name for t in st_["threads"] if t.alive)
    queued = sorted(trap.thread.name for trap in s._q.items)
    assert alive == queued == blocked_names
    if alive:
        assert s.value == 0


@settings(max_examples=250, deadline=None)
@given(PROGRAM, SEM, PROTO)
def test_random_semaphore_and_mutex_programs(program, sem, proto):
    # 1. on a bare kernel, traced: the run ends when nothing can run
    main, st1 = build(program, sem, proto)
    k = muos.Kernel(trace=True)
    tm = k.spawn(main, name="main")
    k.run()
    for t in st1["threads"]:
        assert t.exception is None, (t.name, t.exception)
    stalled = tm.alive
    blocked1 = sorted(n for n in k.blocked() if n != "main")
    check_end(st1, blocked1)
    assert stalled == bool(blocked1)
    check_schedule(k.trace.events)
    check_service_order(k.trace.events, ("S", "M"))

    # 2. the same program through muos.run: Stalled exactly when some
    # thread is left waiting, naming the same threads
    main, st2 = build(program, sem, proto)
    try:
        muos.run(main)
        blocked2 = None
    except muos.Stalled as e:
        blocked2 = e.blocked
    if not stalled:
        assert blocked2 is None
    else:
        assert blocked2 is not None
        assert sorted(n for n in blocked2 if n != "main") == blocked1
        for n in blocked1:
            assert "Semaphore 'S'" in blocked2[n]
    # the same schedule, so the same accounting: the traced run takes the
    # kernel's general paths, the untraced one its inline fast paths
    for key in ("posted", "taken", "sections", "log"):
        assert st2[key] == st1[key]
    assert st2["s"].value == st1["s"].value


# -- several mutexes: inheritance formula, exclusion, deadlock errors -------

NEST = st.tuples(
    st.lists(st.tuples(st.sampled_from([0, 0, 1, 2]),   # contention on M0
                       st.sampled_from(["lock", "try_lock", "timed_lock",
                                        "timed_lock"]),
                       st.sampled_from([1, 2, 4])),
             min_size=1, max_size=3),
    st.sampled_from([1, 2, 3]),                   # work while holding
    st.permutations([0, 1, 2]),                   # unlock order
)
# whole ticks only: the observer samples at half ticks, so that it never
# shares an instant with an event of the program
MOP = st.one_of(
    st.tuples(st.just("nest"), NEST),
    st.tuples(st.just("nest"), NEST),  # twice as likely
    st.tuples(st.just("sleep"), st.sampled_from([1, 2, 3])),
    st.tuples(st.just("interrupt"), st.integers(0, 3)),
    st.tuples(st.just("prio"), st.integers(0, 3), st.sampled_from(PRIOS)),
)
MPROGRAM = st.lists(st.tuples(st.sampled_from(PRIOS),
                              st.sampled_from([0, 1, 2]),   # first sleep
                              st.lists(MOP, min_size=2, max_size=6)),
                    min_size=2, max_size=4)
PROTOS = st.lists(PROTO, min_size=3, max_size=3)


def expected_priority(t, mutexes):
    p = t.base_priority
    for m in mutexes:
        if m.owner is t:
            if m.protocol == Mutex.PROTECT:
                p = max(p, m.ceiling)
            elif m.protocol == Mutex.INHERIT and m.waiters:
                p = max(p, m.waiters[0].priority)
    return p


@settings(max_examples=200, deadline=None)
@given(MPROGRAM, PROTOS)
def test_random_nested_locking_programs(program, protos):
    ms = [Mutex("M%d" % i, protocol=pr,
                ceiling=30 if pr == Mutex.PROTECT else None)
          for i, pr in enumerate(protos)]
    inside = [None, None, None]
    sections = [[], [], []]
    ths = []
    samples = []

    def worker(delay, ops):
        async def w():
            me = muos.this_thread()
            try:
                await muos.sleep_for(delay)
            except Interrupted:
                me.interrupted = False
            for op in ops:
                try:
                    if op[0] == "nest":
                        await nest(me, *op[1])
                    elif op[0] == "sleep":
                        await muos.sleep_for(op[1])
                    elif op[0] == "interrupt":
                        ths[op[1] % len(ths)].interrupt()
                    else:
                        ths[op[1] % len(ths)].set_priority(op[2])
                except Interrupted:
                    me.interrupted = False
        return w

    async def nest(me, locks, work, order):
        held = []
        for i, form, ticks in locks:
            m = ms[i]
            if m.owner is me:
                continue
            try:
                if form == "lock":
                    got = await m.lock()
                elif form == "try_lock":
                    got = m.try_lock()
                else:
                    got = await m.timed_lock(ticks)
            except (Interrupted, DeadlockError):
                me.interrupted = False
                got = False
            if got:
                assert m.owner is me and inside[i] is None
                inside[i] = (me, muos.now())
                held.append(i)
        await muos.busy(work)
        for i in order:
            if i in held:
                who, t0 = inside[i]
                assert who is me and ms[i].owner is me
                inside[i] = None
                sections[i].append((t0, muos.now()))
                ms[i].unlock()

    async def observer():
        # at every half tick, check the inheritance formula for everyone
        t = 0.5
        while any(x.alive for x in ths):
            await muos.sleep_until(t)
            for x in ths:
                if x.alive:
                    assert x.priority == expected_priority(x, ms), (
                        t, x.name, x.priority, x.base_priority)
            samples.append(t)
            t += 1

    async def main():
        for i, (p, delay, ops) in enumerate(program):
            ths.append(muos.spawn(worker(delay, ops), name="w%d" % i,
                                  priority=p))
        obs = muos.spawn(observer, name="obs", priority=250)
        for t in ths:
            await t.join()
        await obs.join()

    r = muos.run(main, trace=True)
    for t in ths:
        assert t.exception is None, (t.name, t.exception)
    assert samples                       # the observer did look
    for secs in sections:
        secs.sort()
        for (_a0, a1), (b0, _b1) in zip(secs, secs[1:]):
            assert a1 <= b0
    for m in ms:
        assert m.owner is None and m.waiters == []
    # everyone is back at its base priority
    for t in ths:
        assert t.priority == t.base_priority
    check_schedule(r.trace.events)
    check_service_order(r.trace.events, ("M0", "M1", "M2"))


# -- the wait queue against a model -----------------------------------------

class _T:
    def __init__(self, name, priority):
        self.name = name
        self.priority = priority


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["push", "push", "remove", "move",
                                           "move", "pop"]),
                          st.integers(0, 5), st.integers(1, 3)),
                max_size=60))
def test_wait_queue_matches_sorted_model(ops):
    q = WaitQueue()
    traps = {}
    inq = set()
    seq = 0
    for kind, key, p in ops:
        if kind == "push" and key not in inq:
            seq += 1
            tr = Trap(WAIT)
            consumed(tr)          # (a model's trap: never awaited)
            tr.thread = _T(key, p)
            tr.seq = seq
            traps[key] = tr
            q.push(tr)
            inq.add(key)
        elif kind == "remove":
            if key in traps:
                assert q.remove(traps[key]) is (key in inq)
            inq.discard(key)
        elif kind == "move" and key in inq:
            traps[key].thread.priority = p
            q.reposition(traps[key])
        elif kind == "pop" and inq:
            head = q.pop()
            model_head = min((traps[k] for k in inq),
                             key=lambda x: (-x.thread.priority, x.seq))
            assert head is model_head
            inq.discard(head.thread.name)
        model = sorted((traps[k] for k in inq),
                       key=lambda x: (-x.thread.priority, x.seq))
        assert q.items == model
        assert len(q) == len(inq)


# -- the time queue against a sorted model ---------------------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["push", "push", "push", "cancel",
                                           "pop", "next"]),
                          st.integers(0, 6), st.integers(0, 40)),
                max_size=60))
def test_time_queue_matches_sorted_model(ops):
    # an instant's entries come out together, in push order; cancelled
    # ones have no payload; the next time is the earliest live entry's
    from muos.timeq import TimeQueue
    tq = TimeQueue()
    model = []            # [when, payload, live, entry], not yet popped
    n = 0
    for op, when, k in ops:
        if op == "push":
            n += 1
            model.append([when, n, True, tq.push(when, n)])
        elif op == "cancel" and model:
            m = model[k % len(model)]
            if m[2]:
                # as the kernel does: who cancels drops the entry (it may
                # be handed back at once, and reused by a later push)
                m[2] = False
                tq.cancel(m[3])
                m[3] = None
        elif op == "next":
            live = [m[0] for m in model if m[2]]
            assert tq.next_time() == (min(live) if live else None)
        elif op == "pop" and tq.next_time() is not None:
            # as the kernel does: pop the earliest instant with a live
            # entry (next_time drops the instants whose entries were all
            # cancelled; the model's entries before it are all cancelled)
            first = tq.next_time()
            got = []
            e = tq.pop_earliest()
            while e is not None:     # the instant's chain of entries
                nxt = e[2]
                if e[1] is not None:
                    got.append(e[1])
                    e[1] = None
                if k % 2:
                    # as the kernel does with what fired or was cancelled:
                    # a later push reuses the entry
                    tq.recycle(e)
                e = nxt
            assert got == [m[1] for m in model if m[0] == first and m[2]]
            assert not [m for m in model if m[0] < first and m[2]]
            model = [m for m in model if m[0] > first]
        assert len(tq) == sum(1 for m in model if m[2])


def test_a_cancelled_timeout_is_handed_back_at_once():
    # a wait that ends before its timeout: its entry leaves the instant's
    # chain (not the head: the bucket keeps one) and the next push reuses
    # it, so that a timed wait allocates nothing (issue 16 #4); the chain
    # stays intact, its tail too
    from muos.timeq import UNLINK_SCAN, TimeQueue
    tq = TimeQueue()
    tq.push(5, "head")
    a = tq.push(5, "a")
    b = tq.push(5, "b")                  # the tail
    tq.cancel(b)
    assert tq._free is b                 # handed back
    assert tq.push(5, "c") is b          # reused, appended after a
    tq.cancel(a)
    assert tq.push(7, "d") is a
    e = tq.pop_earliest()
    got = []
    while e is not None:
        got.append(e[1])
        e = e[2]
    assert got == ["head", "c"]
    # the head, and an entry past the bounded scan, are left cancelled
    tq = TimeQueue()
    first = tq.push(1, 0)
    rest = [tq.push(1, i) for i in range(1, UNLINK_SCAN + 3)]
    tq.cancel(first)
    tq.cancel(rest[-1])
    assert tq._free is None
    assert first[1] is None and rest[-1][1] is None
    assert len(tq) == UNLINK_SCAN + 1
