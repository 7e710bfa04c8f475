"""Deadlines (API.md, "Threads": Deadlines): the scheduling key is the
effective priority, then the absolute deadline (earliest first, none
after every deadline), then arrival; ``Kernel(edf=True)`` makes periodic
jobs set their thread's deadline; an INHERIT mutex's owner inherits its
most urgent waiter's key.

SimPort with zero costs: every tick below is derived in a comment.
"""

import pytest

import muos
from muos import Priority as P


def _worker(log, name, work, before=None):
    async def body():
        if before is not None:
            await muos.sleep_for(before)
        log(name + " start")
        await muos.busy(work)
        log(name + " end")
    return body


# -- the order of equal priorities -----------------------------------------


def test_equal_priority_runs_earliest_deadline_first(log):
    async def main():
        ts = {}
        for name, d in (("a", 30), ("b", 10), ("c", 20)):
            ts[name] = muos.spawn(_worker(log, name, 2), name=name)
            ts[name].set_deadline(d)
        assert ts["b"].deadline == 10 and ts["a"].deadline == 30
        await muos.sleep_for(100)

    muos.run(main, time_slice=None)
    # all three ready at 0 at NORMAL: b (10) 0..2, c (20) 2..4, a (30)
    # 4..6, whatever the spawn order
    assert log == [(0, "b start"), (2, "b end"), (2, "c start"),
                   (4, "c end"), (4, "a start"), (6, "a end")]


def test_a_thread_without_deadline_comes_after_those_with_one(log):
    async def main():
        muos.spawn(_worker(log, "none", 1), name="none")
        late = muos.spawn(_worker(log, "late", 1), name="late")
        late.set_deadline(1000)
        await muos.sleep_for(100)

    muos.run(main, time_slice=None)
    # "none" was spawned first, but a deadline, however late, comes first
    assert log == [(0, "late start"), (1, "late end"), (1, "none start"),
                   (2, "none end")]


def test_priority_comes_before_deadline(log):
    async def main():
        lo = muos.spawn(_worker(log, "lo", 1), name="lo",
                        priority=P.LOW)
        lo.set_deadline(1)
        muos.spawn(_worker(log, "hi", 1), name="hi", priority=P.HIGH)
        await muos.sleep_for(100)

    muos.run(main)
    # HIGH without a deadline runs before LOW with the earliest one
    assert log == [(0, "hi start"), (1, "hi end"), (1, "lo start"),
                   (2, "lo end")]


def test_an_earlier_deadline_made_ready_preempts(log):
    async def early():
        await muos.sleep_for(3)
        log("B start")
        await muos.busy(2)
        log("B end")

    async def main():
        a = muos.spawn(_worker(log, "A", 10), name="A")
        a.set_deadline(20)
        muos.spawn(early, name="B").set_deadline(8)
        await muos.sleep_for(100)

    muos.run(main, time_slice=None)
    # B (deadline 8) runs first and sleeps at 0; A (20) computes from 0.
    # B wakes at 3 with the earlier deadline: it preempts A at once and
    # computes 3..5; A resumes with 7 of its 10 left: 5..12
    assert log == [(0, "A start"), (3, "B start"), (5, "B end"),
                   (12, "A end")]


def test_a_later_deadline_made_ready_does_not_preempt(log):
    async def late():
        muos.set_deadline(50)        # absolute 50 (it first ran with 2)
        await muos.sleep_for(3)
        log("B start")
        await muos.busy(2)
        log("B end")

    async def main():
        a = muos.spawn(_worker(log, "A", 10), name="A")
        a.set_deadline(20)
        muos.spawn(late, name="B").set_deadline(2)
        await muos.sleep_for(100)

    muos.run(main)
    # B (2) runs first at 0, takes 50 and sleeps; A (20) computes 0..10.
    # B wakes at 3 with a later key: no preemption and no round-robin
    # either (the keys differ); B runs 10..12
    assert log == [(0, "A start"), (10, "A end"), (10, "B start"),
                   (12, "B end")]


def test_equal_deadlines_keep_round_robin(log):
    async def main():
        for name in "xy":
            t = muos.spawn(_worker(log, name, 3), name=name)
            t.set_deadline(40)
        await muos.sleep_for(100)

    r = muos.run(main, trace=True)
    # equal keys rotate every tick (time_slice=1): x 0..1, y 1..2, x
    # 2..3, y 3..4, x 4..5 (x done at 5), y 5..6
    assert log == [(0, "x start"), (1, "y start"), (5, "x end"),
                   (6, "y end")]
    runs = [(e[0] // 10**6, e[2]) for e in r.trace.events
            if e[1] == "switch" and e[2] in "xy"]
    assert runs == [(0, "x"), (1, "y"), (2, "x"), (3, "y"), (4, "x"),
                    (5, "y")]


def test_clearing_the_deadline_lets_the_other_run(log):
    async def a():
        log("A start")
        await muos.busy(2)
        muos.set_deadline(None)     # now after B (deadline 30)
        assert muos.this_thread().deadline is None
        await muos.busy(2)
        log("A end")

    async def main():
        muos.spawn(a, name="A").set_deadline(5)
        b = muos.spawn(_worker(log, "B", 1), name="B")
        b.set_deadline(30)
        await muos.sleep_for(100)

    muos.run(main)
    # A (5) before B (30) 0..2; A clears its deadline: B comes first at
    # the busy's await (2..3), then A's last 2 ticks 3..5
    assert log == [(0, "A start"), (2, "B start"), (3, "B end"),
                   (5, "A end")]


def test_changing_a_ready_threads_deadline_moves_it(log):
    async def main():
        a = muos.spawn(_worker(log, "a", 1), name="a")
        b = muos.spawn(_worker(log, "b", 1), name="b")
        a.set_deadline(10)
        b.set_deadline(20)
        b.set_deadline(5)        # now before a
        a.set_deadline(None)     # now after b, and after nobody else
        await muos.sleep_for(100)

    muos.run(main)
    assert log == [(0, "b start"), (1, "b end"), (1, "a start"),
                   (2, "a end")]


# -- wait queues -------------------------------------------------------------


def test_wait_queue_serves_equal_priorities_by_deadline(log):
    s = muos.Semaphore(0)

    def waiter(name, d):
        async def body():
            if d is not None:
                muos.set_deadline(d)
            await s.wait()
            log(name)
        return body

    async def main():
        for name, d in (("d30", 30), ("none", None), ("d10", 10),
                        ("d20", 20), ("d10b", 10)):
            muos.spawn(waiter(name, d), name=name, priority=P.HIGH)
        await muos.sleep_for(1)     # they all wait (HIGH ran first)
        for _ in range(5):
            s.post()
        await muos.sleep_for(1)

    muos.run(main)
    # one queue, HIGH each: deadlines earliest first, FIFO among equal
    # ones (d10 arrived before d10b), the one without a deadline last
    assert [m for _, m in log] == ["d10", "d10b", "d20", "d30", "none"]


def test_priority_still_orders_a_wait_queue_first(log):
    s = muos.Semaphore(0)

    def waiter(name, d):
        async def body():
            muos.set_deadline(d)
            await s.wait()
            log(name)
        return body

    async def main():
        muos.spawn(waiter("hi-late", 90), name="hl", priority=P.HIGH)
        muos.spawn(waiter("ab-early", 1), name="ae",
                   priority=P.ABOVE_NORMAL)
        muos.spawn(waiter("hi-early", 9), name="he", priority=P.HIGH)
        await muos.sleep_for(1)
        for _ in range(3):
            s.post()
        await muos.sleep_for(1)

    muos.run(main)
    assert [m for _, m in log] == ["hi-early", "hi-late", "ab-early"]


# -- inheritance of the deadline ---------------------------------------------


def _inheritance(log, protocol):
    m = muos.Mutex("m", protocol=protocol)

    async def low():
        async with m:
            log("L locked")
            await muos.busy(4)
        log("L unlocked")

    async def high():
        await muos.sleep_for(1)
        log("H wants m")
        async with m:
            log("H locked")
            await muos.busy(1)
        log("H end")

    async def medium():
        await muos.sleep_for(1)
        await muos.busy(5)
        log("M end")

    async def main():
        for fn, name, d in ((low, "L", 50), (high, "H", 10),
                            (medium, "M", 20)):
            muos.spawn(fn, name=name).set_deadline(d)
        await muos.sleep_for(100)

    muos.run(main)


def test_an_inherit_mutex_owner_inherits_the_waiters_deadline(log):
    _inheritance(log, muos.Mutex.INHERIT)
    # all NORMAL. At 0: H (10) and M (20) go to sleep, L (50) locks and
    # computes. At 1 H preempts L (10 < 50) and blocks on m: L inherits
    # (NORMAL, 10), earlier than M (20), so L goes on 1..4 and unlocks;
    # H then holds m and computes 4..5; M (20) 5..10; L's key is its own
    # (50) again: it logs its unlock after M
    assert log == [(0, "L locked"), (1, "H wants m"), (4, "H locked"),
                   (5, "H end"), (10, "M end"), (10, "L unlocked")]


def test_without_inheritance_the_middle_deadline_delays_the_waiter(log):
    _inheritance(log, muos.Mutex.NONE)
    # as above, but L keeps its own deadline (50) after H blocks: M (20)
    # runs 1..6, L 6..9 and unlocks, H 9..10: an inversion of 5 ticks
    assert log == [(0, "L locked"), (1, "H wants m"), (6, "M end"),
                   (9, "H locked"), (10, "H end"), (10, "L unlocked")]


def test_inherited_deadline_is_dropped_at_unlock():
    m = muos.Mutex("m")
    seen = {}

    async def low():
        async with m:
            await muos.busy(2)
            seen["during"] = muos.this_thread()._dl
        seen["after"] = muos.this_thread()._dl
        seen["own"] = muos.this_thread().deadline

    async def high():
        await muos.sleep_for(1)
        async with m:
            pass

    async def main():
        muos.spawn(low, name="L").set_deadline(50)
        muos.spawn(high, name="H").set_deadline(7)
        await muos.sleep_for(100)

    muos.run(main)
    # during the hold L runs with H's absolute deadline 7 (in ns); after
    # the unlock with its own, 50
    assert seen == {"during": 7 * 10**6, "after": 50 * 10**6, "own": 50}


# -- EDF from periodic jobs --------------------------------------------------


def _two_tasks(edf, log=None):
    # T1 = (C 2, T 5), T2 = (C 4, T 7): U = 0.971, schedulable by EDF,
    # not by rate monotonic (R2 = 4 + 2 * ceil(R2 / 5) = 8 > 7)
    resp = {}

    def task(name, c, t):
        async def body():
            async for _ in muos.periodic(t, start=0):
                await muos.busy(c)
        return body

    async def main():
        prio = {"T1": P.NORMAL, "T2": P.NORMAL}
        if not edf:
            prio = {"T1": P.HIGH, "T2": P.ABOVE_NORMAL}
        t1 = muos.spawn(task("T1", 2, 5), name="T1", priority=prio["T1"])
        t2 = muos.spawn(task("T2", 4, 7), name="T2", priority=prio["T2"])
        if edf:
            # the first jobs' deadlines, before their first iteration
            t1.set_deadline(5)
            t2.set_deadline(7)
        await muos.sleep_for(70)

    r = muos.run(main, edf=edf, time_slice=None)
    for name in ("T1", "T2"):
        st = r.stats.threads[name]
        resp[name] = (st.response_times, st.deadline_misses, st.misses)
    return resp


def test_edf_schedules_what_rate_monotonic_cannot():
    rm = _two_tasks(False)
    assert rm["T2"][1] > 0                      # RM misses T2's deadline
    edf = _two_tasks(True)
    assert edf["T1"][1] == 0 and edf["T2"][1] == 0
    # the first hyperperiod (35 ticks), by hand: deadlines T1 5, 10, 15,
    # ...; T2 7, 14, 21, 28, 35. 0..2 T1 (d5); 2..5 T2 (d7); 5..6 T2
    # (d7 < T1's 10): T2 done at 6; 6..8 T1 (d10); 8..12 T2 (d14, T1's
    # job at 10 has d15); 12..14 T1; 14..15 T2 (d21); 15..17 T1 (d20 <
    # 21); 17..20 T2; 20..22 T1 (d25); 22..26 T2 (d28); 26..28 T1 (d30);
    # 28..32 T2 (d35; T1's release at 30 has d35 too: equal keys, no
    # preemption without round-robin); 32..34 T1. Then it repeats.
    assert edf["T1"][0][:7] == [2, 3, 4, 2, 2, 3, 4]
    assert edf["T2"][0][:5] == [6, 5, 6, 5, 4]
    # the second hyperperiod (35..70) repeats the first (main, without a
    # deadline, wakes at 70 but runs only when neither task is ready)
    assert edf["T1"][0][7:14] == [2, 3, 4, 2, 2, 3, 4]
    assert edf["T2"][0][5:10] == [6, 5, 6, 5, 4]


def test_rm_misses_are_recorded_as_jobs():
    rm = _two_tasks(False)
    _, n, misses = rm["T2"]
    assert n == len(misses) > 0
    # T2's first job at ABOVE_NORMAL under T1 (HIGH): T1 0..2, T2 2..5,
    # T1 5..7, T2 7..8: done at 8, after its deadline 7
    first = misses[0]
    assert (first.index, first.release, first.deadline, first.finish) == \
        (0, 0, 7, 8)
    assert "finish=8" in repr(first)


def test_edf_sets_the_deadline_when_a_job_starts_and_clears_it_at_its_end():
    seen = []

    async def task():
        t = muos.this_thread()
        async for job in muos.periodic(10, deadline=6, start=0):
            seen.append((muos.now(), t.deadline, job.deadline))
            await muos.busy(1)
            if job.index == 2:
                break
        seen.append((muos.now(), t.deadline, None))

    async def main():
        muos.spawn(task, name="T")
        await muos.sleep_for(5)
        seen.append((muos.now(), k.threads[1].deadline, "sleeping"))
        await muos.sleep_for(50)

    k = None

    async def wrapper():
        nonlocal k
        k = muos.current_kernel()
        await main()

    muos.run(wrapper, edf=True)
    # job k starts at 10k with deadline 10k + 6; between jobs (at 5,
    # sleeping until 10) the thread has none; after the break the last
    # job's deadline is still set (a job left with break does not
    # complete)
    assert seen == [(0, 6, 6), (5, None, "sleeping"), (10, 16, 16),
                    (20, 26, 26), (21, 26, None)]


def test_an_overrunning_edf_job_starts_the_next_at_once_with_its_deadline():
    seen = []

    async def task():
        t = muos.this_thread()
        async for job in muos.periodic(4, start=0):
            seen.append((muos.now(), job.index, t.deadline))
            await muos.busy(6 if job.index == 0 else 1)
            if job.index == 2:
                break

    muos.run(task, edf=True)
    # job 0: 0..6 (deadline 4, missed); job 1 (release 4) starts late at
    # 6 with its own deadline 8; job 2 at its release 8, deadline 12
    assert seen == [(0, 0, 4), (6, 1, 8), (8, 2, 12)]


def test_without_edf_periodic_leaves_the_deadline_alone():
    seen = []

    async def task():
        muos.set_deadline(100)
        async for job in muos.periodic(10):
            seen.append(muos.this_thread().deadline)
            if job.index == 1:
                break

    muos.run(task)
    assert seen == [100, 100]


# -- errors ------------------------------------------------------------------


def test_set_deadline_errors():
    async def main():
        t = muos.this_thread()
        with pytest.raises(ValueError, match="set_deadline"):
            t.set_deadline(-1)
        with pytest.raises(ValueError, match="set_deadline.*nan"):
            t.set_deadline(float("nan"))
        with pytest.raises(TypeError, match="set_deadline"):
            t.set_deadline("soon")
        with pytest.raises(muos.ContextError, match="idle"):
            muos.current_kernel().idle.set_deadline(3)
        t.set_deadline(2.5)           # fractional ticks are legal
        assert t.deadline == 2.5

    muos.run(main)
    with pytest.raises(muos.ContextError):
        muos.set_deadline(3)


def test_a_deadline_on_an_ended_thread_is_ignored():
    async def quick():
        pass

    async def main():
        t = muos.spawn(quick, name="q", priority=P.HIGH)
        await muos.yield_now()
        assert not t.alive
        t.set_deadline(5)
        assert t.deadline is None

    muos.run(main)
