"""Statistics (API.md "Observability"): blocked time per object, sleep
time, priority-inversion time and windows, response-time histograms, the
text tables; all the same with tracing on or off."""

import pytest

import muos
from muos import Priority
from muos.demos import pathfinder
from muos import Stats, ThreadStats

MS = 1000000        # ns per tick at the default 1000 Hz


def both(main, *args, **kw):
    """Run ``main`` with tracing off and on; the Stats must agree."""
    off = muos.run(main, *args, **kw)
    on = muos.run(main, *args, trace=True, **kw)
    assert str(off.stats) == str(on.stats)
    return off, on


# -- blocked time per object, per thread ---------------------------------

async def _blocking():
    sem = muos.Semaphore(0, name="sem")

    async def waiter():
        await sem.wait()                  # 0..5: posted by main at 5
        assert not await sem.timed_wait(3)    # 5..8: times out
        await muos.sleep_for(2)           # 8..10: asleep, not blocked
        await sem.wait()                  # 10..20: still waiting at the end

    muos.spawn(waiter, name="w", priority=Priority.HIGH)
    await muos.sleep_for(5)
    sem.post()
    await muos.sleep_for(15)              # main returns at 20


def test_blocked_time_per_object_and_thread():
    off, on = both(_blocking)
    st = off.stats
    w = st.threads["w"]
    # 5 (first wait) + 3 (timeout) + 10 (open wait, counted to the end)
    assert w.blocked == {"sem": 18}
    assert w.blocked_time == 18
    assert w.sleep_time == 2
    assert st.threads["main"].sleep_time == 20
    assert st.threads["main"].blocked == {}
    assert st.blocked == {"sem": 18}
    assert st.blocked_by("sem") == {"w": 18}
    assert "sem" in str(st) and "blocked time per object" in str(st)


async def _sleeps_that_end_otherwise():
    # a sleep's time is its thread's `slept` (no blk_on: its trap tells
    # it); every way a sleep ends counts it once, to the tick
    async def dozer():
        await muos.sleep_for(5)            # 0..5
        await muos.sleep_for(10)           # 5..8: killed at 8

    async def poked():
        try:
            await muos.sleep_for(10)       # 0..4: interrupted at 4
        except muos.Interrupted:
            muos.this_thread().interrupted = False
        await muos.sleep_for(2)            # 4..6

    async def late():
        await muos.sleep_for(100)          # 0..20: in progress at the end

    async def due():
        muos.set_deadline(50)              # (its sleep ends through wake())
        await muos.sleep_for(3)            # 0..3
        await muos.sleep_for(1)            # 3..4

    async def periodic():
        async for job in muos.periodic(4):     # released at 0, 4, 8
            if job.index == 2:                  # 0..4 and 4..8 asleep
                break

    d = muos.spawn(dozer, name="dozer")
    p = muos.spawn(poked, name="poked")
    for f in (late, due, periodic):
        muos.spawn(f, name=f.__name__)
    await muos.sleep_for(4)
    p.interrupt()
    await muos.sleep_for(4)
    d.kill()
    await muos.sleep_for(12)               # main returns at 20


def test_sleep_time_however_a_sleep_ends():
    off, on = both(_sleeps_that_end_otherwise)
    for r in (off, on):
        ts = r.stats.threads
        got = {n: ts[n].sleep_time for n in
               ("dozer", "poked", "late", "due", "periodic", "main")}
        assert got == {"dozer": 8, "poked": 6, "late": 20, "due": 4,
                       "periodic": 8, "main": 20}, got
        # (the run's end ends "late"'s sleep too: counted to 20)
        assert ts["late"].waits == {"sleep": 20 * MS}
        assert ts["poked"].waits == {"sleep": 6 * MS}
        assert ts["late"].blocked == {} and ts["dozer"].blocked == {}


def test_a_sleep_in_progress_survives_pickling():
    # Stats cross process boundaries (analysis.simulate's pools); a run
    # stopped with a thread asleep since 0 counts its sleep to the end
    # (20), before and after a pickle round trip
    import pickle

    async def late():
        await muos.sleep_for(100)

    k = muos.Kernel()
    k.spawn(late, name="late")
    k.run(until=20)
    assert k.stats.threads["late"].sleep_time == 20
    again = pickle.loads(pickle.dumps(k.stats))
    assert again.threads["late"].sleep_time == 20
    assert str(again) == str(k.stats)


async def _kill_and_interrupt():
    sem = muos.Semaphore(0)               # unnamed: "Semaphore#1"
    other = muos.Semaphore(0)             # "Semaphore#2"

    async def victim():
        await sem.wait()

    async def poked():
        try:
            await other.wait()
        except muos.Interrupted:
            muos.this_thread().interrupted = False
        await sem.wait()                  # 3..9: the end of the run

    v = muos.spawn(victim, name="victim", priority=Priority.HIGH)
    p = muos.spawn(poked, name="poked", priority=Priority.HIGH)
    await muos.sleep_for(2)
    v.kill()                              # blocked 0..2
    await muos.sleep_for(1)
    p.interrupt()                         # blocked on other 0..3
    await muos.sleep_for(6)


def test_kill_interrupt_and_unnamed_objects():
    off, on = both(_kill_and_interrupt)
    st = off.stats
    assert st.threads["victim"].blocked == {"Semaphore#1": 2}
    assert st.threads["poked"].blocked == {"Semaphore#1": 6,
                                          "Semaphore#2": 3}
    assert st.blocked == {"Semaphore#1": 8, "Semaphore#2": 3}
    # the trace names the objects as the statistics do
    names = {ev[3] for ev in on.trace.events if ev[1] == "suspend"}
    assert names == {"Semaphore#1", "Semaphore#2", "sleep"}


def test_unnamed_objects_are_numbered_per_type():
    st = Stats()

    class Thing:
        name = None

    a, b, c = muos.Semaphore(0), Thing(), muos.Semaphore(0)
    assert [st.name_of(x) for x in (a, b, c, a)] == [
        "Semaphore#1", "Thing#1", "Semaphore#2", "Semaphore#1"]
    assert st.name_of("sleep") == "sleep" and st.name_of(None) is None


def test_holds_name_named_and_unnamed_mutexes_and_spinlocks():
    # Stats.on_hold names the mutex itself at every unlock (its name, else
    # the one name_of gave it at the first): t computes 2 ticks holding
    # the unnamed mutex (its first unlock names it Mutex#1), 1 holding M,
    # then 3 holding the unnamed one again (the longest, 3, is kept), and
    # 1 holding an unnamed spinlock; the other mutex, never locked, takes
    # no number
    a, m, unused = muos.Mutex(), muos.Mutex("M"), muos.Mutex()
    sl = muos.Spinlock()

    async def t():
        for ticks, mx in ((2, a), (1, m), (3, a)):
            async with mx:
                await muos.busy(ticks)
        async with sl:
            await muos.busy(1)

    async def main():
        await muos.spawn(t, name="t").join()

    off, on = both(main)
    assert off.stats.holds == {("t", "Mutex#1"): [3 * MS, "inherit"],
                               ("t", "M"): [1 * MS, "inherit"],
                               ("t", "Spinlock#1"): [1 * MS, "spin"]}
    assert a._stat_name == "Mutex#1"
    assert unused._stat_name is None


# -- priority inversion -------------------------------------------------

async def _inversion(protocol, raise_at=None, ceiling=None):
    # L (LOW) holds M from 0 for 10 ticks of work; H (HIGH) wants M at 2;
    # Mid (NORMAL) computes 5 ticks from 4.
    m = muos.Mutex("M", protocol=protocol, ceiling=ceiling)

    async def low():
        async with m:
            await muos.busy(10)

    async def high():
        await muos.sleep_for(2)
        async with m:
            pass

    async def mid():
        await muos.sleep_for(4)
        await muos.busy(5)

    async def ctl(lo):
        await muos.sleep_until(raise_at)
        lo.set_priority(200)

    lo = muos.spawn(low, name="L", priority=Priority.LOW)
    muos.spawn(high, name="H", priority=Priority.HIGH)
    muos.spawn(mid, name="Mid", priority=Priority.NORMAL)
    if raise_at is not None:
        muos.spawn(ctl, lo, name="ctl", priority=250)
    await muos.sleep_for(30)


def test_inversion_without_inheritance_is_the_whole_wait():
    off, on = both(_inversion, muos.Mutex.NONE)
    st = off.stats
    # L runs 0..2, H blocks at 2, L runs 2..4, Mid 4..9, L 9..15 and
    # unlocks: H waited 2..15 while L ran at LOW < HIGH
    assert st.inversion_time == 13
    assert st.threads["H"].inversion_time == 13
    assert st.threads["L"].inversion_time == 0
    assert st.inversion_by_object == {"M": 13}
    assert st.inversion_windows == [(2 * MS, 15 * MS, "H", "M", "L")]
    assert st.threads["H"].blocked == {"M": 13}
    assert "priority inversion: 13 ticks in 1 windows" in str(st)
    assert "2..15  H waits on M held by L" in str(st)


def test_no_inversion_with_inheritance_or_ceiling():
    for proto, ceiling, blocked in ((muos.Mutex.INHERIT, None, {"M": 8}),
                                    (muos.Mutex.PROTECT, 200, {})):
        off, _ = both(_inversion, proto, None, ceiling)
        st = off.stats
        # INHERIT: L runs at HIGH from 2, Mid cannot preempt it, L unlocks
        # at 10: H waited 2..10. PROTECT: L runs at 200 from 0, so H
        # (160) only runs at 10, when M is free: it never waits.
        assert st.inversion_time == 0, proto
        assert st.inversion_windows == []
        assert st.threads["H"].blocked == blocked
        assert "priority inversion" not in str(st)


def test_inversion_ends_when_the_owner_is_raised_by_hand():
    off, _ = both(_inversion, muos.Mutex.NONE, 6)
    st = off.stats
    # at 6 L is set to 200 > HIGH: the inversion 2..6 ends; L preempts
    # Mid and finishes its remaining 6 ticks at 12
    assert st.inversion_windows == [(2 * MS, 6 * MS, "H", "M", "L")]
    assert st.threads["H"].blocked == {"M": 10}


async def _still_inverted():
    m = muos.Mutex("M", protocol=muos.Mutex.NONE)

    async def low():
        await m.lock()
        await muos.sleep_for(100)         # still holding M at the end
        m.unlock()

    async def high():
        await muos.sleep_for(1)
        async with m:
            pass

    muos.spawn(low, name="L", priority=Priority.LOW)
    muos.spawn(high, name="H", priority=Priority.HIGH)
    await muos.sleep_for(10)


def test_open_inversion_counts_to_the_end_of_the_run():
    r = muos.run(_still_inverted, until=7)
    st = r.stats
    assert st.inversion_time == 6
    assert st.threads["H"].inversion_time == 6
    assert st.inversion_windows == [(1 * MS, 7 * MS, "H", "M", "L")]
    assert st.inversion_by_object == {"M": 6}


def test_pathfinder_inversion():
    resets, r = pathfinder.run(muos.Mutex.NONE)
    st = r.stats
    # each odd cycle c0 = 0, 250, 500, 750: bc_dist blocks at c0+102 and
    # gets info_bus at c0+158 (asi_met's 2 remaining ticks after comms'
    # 50 and bc_sched's 1): 56 ticks, 4 times
    assert st.inversion_time == 224
    assert [(a // MS, b // MS) for a, b, *_ in st.inversion_windows] == [
        (102, 158), (352, 408), (602, 658), (852, 908)]
    assert {w[2:] for w in st.inversion_windows} == {
        ("bc_dist", "info_bus", "asi_met")}
    _, r2 = pathfinder.run(muos.Mutex.INHERIT)
    assert r2.stats.inversion_time == 0
    # with inheritance bc_dist waits 102..107 in those cycles: 4 x 5
    assert r2.stats.threads["bc_dist"].blocked == {"info_bus": 20}


# -- response times -----------------------------------------------------

def test_histogram():
    st = ThreadStats("x", 1000)
    assert st.histogram() == []
    st.response_times = [5, 5, 5]
    assert st.histogram() == [(5, 5, 3)]
    st.response_times = [1, 2, 2, 3, 10]
    # width 3: [1,4) holds 1, 2, 2, 3; [4,7) none; [7,10] holds 10
    assert st.histogram(3) == [(1, 4, 4), (4, 7, 0), (7, 10, 1)]
    assert st.min_response == 1 and st.max_response == 10
    assert st.mean_response == 3.6
    assert sum(c for _, _, c in st.histogram(7)) == 5
    with pytest.raises(ValueError):
        st.histogram(0)


async def _periodic():
    async def job():
        n = 0
        async for _ in muos.periodic(10, deadline=4):
            n += 1
            await muos.busy(2 if n % 2 else 5)   # 2, 5, 2, 5, ...

    # below main: at 100 main returns before the job released at 100 runs
    muos.spawn(job, name="job", priority=Priority.LOW)
    await muos.sleep_for(100)


def test_stats_table():
    off, on = both(_periodic)
    st = off.stats
    j = st.threads["job"]
    # releases 0, 10, ..., 90 complete (2, 5, 2, 5, ... ticks each); the
    # five of 5 ticks miss the deadline of 4
    assert j.jobs == 10
    assert j.min_response == 2 and j.max_response == 5
    assert j.deadline_misses == 5
    assert j.histogram(3) == [(2, 3, 5), (3, 4, 0), (4, 5, 5)]
    text = str(st)
    lines = text.split("\n")
    assert lines[0] == ("elapsed 100 ticks, cpu load 35.0%%, "
                        "%d context switches" % st.context_switches)
    assert lines[1].split() == [
        "thread", "cpu", "switches", "jobs", "min", "resp", "mean", "resp",
        "max", "resp", "misses", "blocked", "inversion"]
    row = [x for x in lines if x.startswith("job ")][0].split()
    assert row[:9] == ["job", "35", str(j.switches), "10", "2", "3.5",
                       "5", "5", "0"]
    assert "response-time histograms" in text
    assert "  job            2..2.6:5" in text


def test_interrupt_and_masked_sections_in_the_table():
    async def main():
        k = muos.this_thread()._kernel
        irq = k.interrupt("uart", lambda: None, priority=3, cost=0.5)
        irq.trigger_at(2)
        await muos.sleep_for(1)
        with muos.interrupts_disabled():
            await muos.busy(3)            # 1..4: the trigger at 2 waits
        await muos.sleep_for(2)

    r = muos.run(main)
    text = str(r.stats)
    assert "uart" in text and "interrupt" in text
    row = [x for x in text.split("\n") if x.startswith("uart")][0].split()
    assert row == ["uart", "1", "0", "2", "2", "2", "0.5"]
    assert "longest interrupts-masked section: 3 ticks (thread main)" \
        in text


def test_power_line_in_the_table():
    from muos.demos import low_power
    _, r = low_power.run(low_power.event_driven)
    ps = r.stats.power_states
    line = [x for x in str(r.stats).split("\n") if x.startswith("power:")]
    assert line == ["power: run %s, sleep %s, deep sleep %s ticks; energy "
                    "%.6g mJ" % (ps["run"], ps["sleep"], ps["deep_sleep"],
                                 r.stats.energy)]


async def _work_then_wait():
    sem = muos.Semaphore(0, name="sem")

    async def w():
        await muos.busy(3)                # computes 0..3
        await sem.wait()                  # blocked 3..10
        await muos.busy(2)                # computes 10..12
        await muos.sleep_until(11)        # already past: no sleep
        await muos.sleep_until(15)        # sleeps 12..15

    muos.spawn(w, name="w", priority=Priority.HIGH)
    await muos.sleep_for(10)
    sem.post()
    await muos.sleep_for(10)


def test_waits_after_busy_work_start_when_the_work_ends():
    off, on = both(_work_then_wait)
    w = off.stats.threads["w"]
    assert w.blocked == {"sem": 7}
    assert w.sleep_time == 3
    assert w.cpu_time == 5


def test_stats_cross_process_boundaries():
    # analysis.simulate's Stats pickle (a process pool or Dask returns
    # them): each thread travels as its counters alone (no coroutine,
    # no kernel), read through ThreadStats as before
    import pickle

    from muos import analysis
    st = analysis.simulate([analysis.Task(1, 4), analysis.Task(2, 6)],
                           horizon=24)
    back = pickle.loads(pickle.dumps(st))
    assert str(back) == str(st)
    for name, t in st.threads.items():
        b = back.threads[name]
        assert type(b) is muos.ThreadStats and b.name == name
        assert b.response_times == t.response_times
        assert b.cpu_time == t.cpu_time and b.switches == t.switches


# -- response times kept over a long run ------------------------------------

def test_folded_response_times_keep_exact_figures_in_small_parts(
        monkeypatch):
    # every RESPONSES_KEPT jobs the older response times fold into
    # [count, min, max, sum, high] (stats._fold); the sum is kept as
    # sum + high * SUM_UNIT, each part below 2**30, so that a 32-bit
    # board adds no long int (an allocation) however long it runs. Fed
    # response times up to 2**31 ns (long on a board), the summary the
    # views read still equals the plain count, min, max and sum
    from hypothesis import given, settings
    from hypothesis import strategies as st

    import muos.stats
    from muos.stats import SUM_UNIT, ThreadCounters, record_response
    from muos.threadstats import _summary

    # (a fold every 4 jobs, as with MicroPython's 64, where CPython keeps
    # 10,000)
    monkeypatch.setattr(muos.stats, "RESPONSES_KEPT", 4)
    kept = muos.stats.RESPONSES_KEPT

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.integers(0, 2 ** 31), min_size=1, max_size=40))
    def check(times):
        c = ThreadCounters("t", 1000)
        for ns in times:
            record_response(c, ns)
        assert _summary(c._x) == (len(times), min(times), max(times),
                                  sum(times))
        o = c._x.rt_old
        if o is not None:
            assert 0 <= o[3] < SUM_UNIT and 0 <= o[4] < 2 ** 30

    check()
    # (12 jobs of 0.1 s each, a fold at the 8th and the 12th keeping the
    # last 4: 8 folded, 0.8 s, one SUM_UNIT and 0.26 s; none of them
    # above SUM_UNIT alone)
    c = ThreadCounters("t", 1000)
    for _ in range(3 * kept):
        record_response(c, 100_000_000)
    assert _summary(c._x) == (12, 100_000_000, 100_000_000, 1_200_000_000)
    assert c._x.rt_old[:1] == [8] and c._x.rt_old[4] == 1   # 0.8 s
