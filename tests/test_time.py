"""Time (API.md "Threads" functions, "One instant", periodic, stats).

``sleep_for``, ``sleep_until``, ``busy`` (preemptible, resumed where it
left off), fractional ticks, ``muos.now()``, tickless simulated time,
``tick_hz``, the one-instant rule, ``periodic()`` (releases, response
times, deadline misses, ``start``, ``offset``, overrun, ``break``),
``Stats`` and ``SimPort(switch_cost=...)``.

Everything runs on SimPort; the comment next to each expected value
derives it. Thread "main" runs at Priority.NORMAL (96).
"""

import time

import pytest

import muos
from muos import Priority as P

# -- sleeping -------------------------------------------------------------


def test_sleep_for_is_exact(log):
    async def main():
        log("start")
        await muos.sleep_for(3)
        log("slept 3")
        await muos.sleep_for(0)         # returns at once
        log("slept 0")
        await muos.sleep_for(2.5)
        log("slept 2.5")

    r = muos.run(main)
    assert log == [(0, "start"), (3, "slept 3"), (3, "slept 0"),
                   (5.5, "slept 2.5")]
    assert r.now == 5.5


def test_sleep_until_and_a_past_time_returns_at_once(log):
    async def main():
        await muos.sleep_until(7)
        log("until 7")
        await muos.sleep_until(3)       # past: at once
        log("until 3")
        await muos.sleep_until(7)       # now: at once
        log("until 7 again")
        await muos.sleep_until(-5)      # negative: past too
        log("until -5")
        await muos.sleep_until(9.5)
        log("until 9.5")

    r = muos.run(main)
    assert log == [(7, "until 7"), (7, "until 3"), (7, "until 7 again"),
                   (7, "until -5"), (9.5, "until 9.5")]
    assert r.now == 9.5


def test_sleep_until_in_the_past_is_still_a_preemption_point(log):
    async def high():
        log("H")

    async def main():
        await muos.busy(2)
        muos.spawn(high, name="H", priority=P.HIGH)
        await muos.sleep_until(1)       # past: no wait, but H runs at 2
        log("main")

    muos.run(main)
    assert log == [(2, "H"), (2, "main")]


def test_sleeps_of_several_threads_wake_in_time_order(log):
    async def sleeper(name, ticks):
        await muos.sleep_for(ticks)
        log(name)

    async def main():
        ts = [muos.spawn(sleeper, n, d, name=n)
              for n, d in (("a", 5), ("b", 2), ("c", 5), ("d", 1))]
        for t in ts:
            await t.join()

    muos.run(main)
    # equal times (a, c at 5) wake in the order they went to sleep
    assert log == [(1, "d"), (2, "b"), (5, "a"), (5, "c")]


@pytest.mark.parametrize("call, exc", [
    (lambda: muos.sleep_for(-1), ValueError),
    (lambda: muos.sleep_for(-0.5), ValueError),
    (lambda: muos.sleep_for(float("nan")), ValueError),
    (lambda: muos.sleep_for("1"), TypeError),
    (lambda: muos.sleep_for(None), TypeError),
    (lambda: muos.sleep_until("1"), TypeError),
    (lambda: muos.busy(-1), ValueError),
    (lambda: muos.busy("1"), TypeError),
])
def test_wrong_durations_raise(call, exc):
    async def main():
        with pytest.raises(exc):
            call()
        return "ok"

    assert muos.run(main).value == "ok"


def test_time_functions_outside_a_kernel_raise_context_error():
    with pytest.raises(muos.ContextError):
        muos.now()
    with pytest.raises(muos.ContextError):
        muos.sleep_for(1)
    with pytest.raises(muos.ContextError):
        muos.busy(1)
    with pytest.raises(muos.ContextError):
        muos.periodic(10)


# -- busy work ------------------------------------------------------------


def test_busy_is_preempted_and_resumed_exactly(log):
    async def low():
        log("L start")
        await muos.busy(10)
        log("L end")

    async def high():
        await muos.sleep_until(3)
        log("H start")
        await muos.busy(2)
        log("H end")

    async def main():
        lo = muos.spawn(low, name="L", priority=P.LOW)
        hi = muos.spawn(high, name="H", priority=P.HIGH)
        await lo.join()
        await hi.join()

    r = muos.run(main)
    # L computes 0..3 (7 left); H 3..5; L the remaining 7 from 5 to 12
    assert log == [(0, "L start"), (3, "H start"), (5, "H end"),
                   (12, "L end")]
    assert r.stats.threads["L"].cpu_time == 10
    assert r.stats.threads["H"].cpu_time == 2
    # L got the CPU at 0 and again at 5
    assert r.stats.threads["L"].switches == 2


def test_busy_preempted_several_times_keeps_its_total(log):
    async def low():
        await muos.busy(4)
        log("L end")

    async def high():
        for t in (1, 2.5, 3):
            await muos.sleep_until(t)
            await muos.busy(0.5)
            log("H")

    async def main():
        lo = muos.spawn(low, name="L", priority=P.LOW)
        muos.spawn(high, name="H", priority=P.HIGH)
        await lo.join()

    muos.run(main)
    # H: 1..1.5, 2.5..3, 3..3.5 (1.5 in all); L's 4 ticks end at
    # 4 + 1.5 = 5.5
    assert log == [(1.5, "H"), (3, "H"), (3.5, "H"), (5.5, "L end")]


def test_fractional_ticks_and_now_is_an_int_when_exact(log):
    seen = []

    async def main():
        await muos.busy(0.5)
        seen.append(muos.now())
        await muos.busy(0.5)
        seen.append(muos.now())
        for _ in range(4):
            await muos.busy(0.25)
        seen.append(muos.now())
        await muos.sleep_for(0.125)
        seen.append(muos.now())

    r = muos.run(main)
    assert seen == [0.5, 1, 2, 2.125]
    assert [type(x) for x in seen] == [float, int, int, float]
    assert r.now == 2.125
    assert r.stats.threads["main"].cpu_time == 2
    assert type(r.stats.threads["main"].cpu_time) is int


def test_now_at_start_is_int_zero():
    async def main():
        return muos.now()

    v = muos.run(main).value
    assert v == 0 and type(v) is int


def test_tickless_a_huge_sleep_takes_no_wall_time():
    async def main():
        await muos.sleep_for(10 ** 9)
        await muos.busy(10 ** 9)
        return muos.now()

    t0 = time.perf_counter()
    r = muos.run(main, trace=True)
    wall = time.perf_counter() - t0
    assert r.value == 2 * 10 ** 9
    assert r.now == 2 * 10 ** 9
    # the clock jumped: a handful of events, not 10**9 ticks
    # spawn idle, spawn main, switch main, suspend main, switch idle,
    # ready main, preempt idle, switch main, exit main
    assert [e[1] for e in r.trace.events] == [
        "spawn", "spawn", "switch", "suspend", "switch", "ready",
        "preempt", "switch", "exit"]
    assert wall < 1.0


@pytest.mark.parametrize("tick_hz", [100, 10000, 1000000])
def test_tick_hz_other_than_1000(tick_hz, log):
    async def main():
        await muos.sleep_for(5)
        log("slept")
        await muos.busy(0.5)
        log("busy")
        await muos.sleep_until(20)
        log("until")

    r = muos.run(main, tick_hz=tick_hz, trace=True)
    # times are in ticks whatever the tick is
    assert log == [(5, "slept"), (5.5, "busy"), (20, "until")]
    assert r.now == 20
    assert r.kernel.tick_hz == tick_hz
    # in the trace a tick is 10**9 / tick_hz ns: main's exit at tick 20
    assert r.trace.events[-1][:3] == (20 * 10 ** 9 // tick_hz, "exit",
                                      "main")


@pytest.mark.parametrize("tick_hz", [1024, 32768, 3, 7919])
def test_tick_hz_not_dividing_a_second_keeps_whole_ticks(tick_hz):
    async def main():
        seen = []
        for _ in range(3):
            await muos.sleep_for(1)
            seen.append(muos.now())
        return seen

    assert muos.run(main, tick_hz=tick_hz).value == [1, 2, 3]


@pytest.mark.parametrize("tick_hz", [1000, 1024, 32768])
def test_odd_tick_rates_keep_busy_periodic_timers_and_slices_exact(
        tick_hz, log):
    # at 1024 Hz a tick is 976,562.5 ns: nothing may drift by the
    # rounding. Derivation (ticks): A (HIGH) runs busy(1) from 0 to 1
    # and from 1 to 2, then its periodic jobs release at 2, 5, 8 (start
    # 2, period 3); a periodic timer fires at 4, 8, 12 (every 4). B and
    # C (LOW, round-robin, time_slice 1) share the CPU when A sleeps: B
    # 2..3, C 3..4, ... each busy(2) ends exactly on a tick.
    async def a():
        await muos.busy(1)
        log("A busy")
        await muos.busy(1)
        log("A busy")
        async for job in muos.periodic(3, start=2):
            log("A job %d" % job.index)
            assert job.release == 2 + 3 * job.index
            if job.index == 2:
                break

    async def spin(name):
        await muos.busy(2)
        log(name)

    async def main():
        tm = muos.Timer(lambda: log("timer"), periodic=True, name="tm")
        tm.start(4)
        muos.spawn(a, name="A", priority=P.HIGH)
        muos.spawn(spin, "B", name="B", priority=P.LOW)
        muos.spawn(spin, "C", name="C", priority=P.LOW)
        await muos.sleep_for(13)
        tm.stop()
        return muos.current_kernel().hrclock.now()

    r = muos.run(main, tick_hz=tick_hz)
    # B and C alternate tick by tick from 2 (B 2-3, C 3-4, B 4-5, C 5-6):
    # both need 2 ticks, so B ends at 5 and C at 6 (A's job releases at
    # 5 and 8 take no time); B's work ending at 5 comes before A's
    # release at 5 (API.md, "One instant"), the timer's handler at 8
    # before A's release at 8 (handlers come before threads); the same
    # log at 1000 Hz, where a tick is a whole number of ns
    assert log == [(1, "A busy"), (2, "A busy"), (2, "A job 0"),
                   (4, "timer"), (5, "B"), (5, "A job 1"), (6, "C"),
                   (8, "timer"), (8, "A job 2"), (12, "timer")]
    assert r.now == 13
    # the high-resolution clock reads real nanoseconds: 13 ticks
    assert r.value == 13 * 10 ** 9 // tick_hz
    assert r.stats.threads["A"].cpu_time == 2
    assert r.stats.threads["B"].cpu_time == 2


def test_trace_exports_real_time_at_an_odd_tick_rate(tmp_path):
    # 1024 Hz: kernel units are half nanoseconds; Perfetto gets real
    # microseconds (sleep_for(3) ends at 3 / 1024 s = 2929.6875 us)
    async def main():
        await muos.sleep_for(3)

    r = muos.run(main, tick_hz=1024, trace=True)
    import json
    path = r.trace.to_perfetto(str(tmp_path / "t.json"))
    doc = json.load(open(path))
    assert doc["otherData"]["end_us"] == 2929.6875
    # the timeline speaks ticks: main's exit at tick 3
    assert r.trace.timeline().splitlines()[-1].startswith(
        "         3  exit      main")


@pytest.mark.parametrize("bad", [0, -1, 1.5, "1000"])
def test_tick_hz_must_be_a_positive_int(bad):
    with pytest.raises((ValueError, TypeError)):
        muos.Kernel(tick_hz=bad)


# -- one instant ----------------------------------------------------------


def test_work_ending_at_t_ends_before_a_release_at_t(log):
    async def low():
        await muos.busy(5)
        log("L done")           # at 5, before H released at 5
        await muos.busy(1)      # H preempts here
        log("L end")

    async def high():
        await muos.sleep_until(5)
        log("H")
        await muos.busy(2)

    async def main():
        lo = muos.spawn(low, name="L", priority=P.LOW)
        muos.spawn(high, name="H", priority=P.HIGH)
        await lo.join()

    muos.run(main)
    # L 0..5; H 5..7; L's last tick 7..8
    assert log == [(5, "L done"), (5, "H"), (8, "L end")]


@pytest.mark.parametrize("h_release, responses, misses", [
    # the job's busy(5) ends at 5 exactly when H is released: it counts
    # as finished at 5 (response 5, not a miss of deadline 5), then H
    # runs 5..8 while the job sleeps to its next release.
    (5, [5, 5], 0),
    # H released at 4 preempts the job 4..7: it ends at 8 > 5, a miss.
    (4, [8, 5], 1),
])
def test_periodic_job_finishing_at_a_release_counts_as_finished(
        h_release, responses, misses):
    async def low():
        async for job in muos.periodic(10, deadline=5):
            await muos.busy(5)
            if job.index == 2:
                break

    async def high():
        await muos.sleep_until(h_release)
        await muos.busy(3)

    async def main():
        lo = muos.spawn(low, name="job", priority=P.LOW)
        muos.spawn(high, name="H", priority=P.HIGH)
        await lo.join()

    r = muos.run(main)
    st = r.stats.threads["job"]
    assert st.response_times == responses
    assert st.deadline_misses == misses
    # the third job (released at 20) was left with break: not counted;
    # the loop broke when its busy ended at 25
    assert st.jobs == 2
    assert r.now == 25


# -- periodic -------------------------------------------------------------


def test_periodic_releases_jobs_and_response_times(log):
    jobs = []

    async def task():
        async for job in muos.periodic(10):
            jobs.append((job.index, job.release, job.deadline))
            log("job %d" % job.index)
            await muos.busy(3)
            if job.index == 3:
                break

    async def main():
        await muos.spawn(task, name="T").join()

    r = muos.run(main)
    # first iteration at 0: releases 0, 10, 20, 30; deadline = period
    assert jobs == [(0, 0, 10), (1, 10, 20), (2, 20, 30), (3, 30, 40)]
    assert log == [(0, "job 0"), (10, "job 1"), (20, "job 2"),
                   (30, "job 3")]
    st = r.stats.threads["T"]
    # each job: release to the start of the next iteration (its end) = 3;
    # job 3 left with break: not counted
    assert st.response_times == [3, 3, 3]
    assert st.jobs == 3
    assert st.max_response == 3
    assert st.deadline_misses == 0
    assert st.cpu_time == 12         # 4 jobs of 3
    assert r.now == 33


def test_periodic_job_object_and_explicit_deadline():
    seen = []

    async def task():
        async for job in muos.periodic(10, deadline=4):
            assert isinstance(job, muos.Job)
            seen.append((job.index, job.release, job.deadline))
            await muos.busy(5 if job.index == 1 else 1)
            if job.index == 2:
                break

    async def main():
        await muos.spawn(task, name="T").join()

    r = muos.run(main)
    # deadline is absolute: release + 4
    assert seen == [(0, 0, 4), (1, 10, 14), (2, 20, 24)]
    st = r.stats.threads["T"]
    # job 1 needs 5: ends at 15 > 14, a miss
    assert st.response_times == [1, 5]
    assert st.deadline_misses == 1
    assert st.max_response == 5


def test_periodic_first_release_is_the_first_iteration_by_default(log):
    async def task():
        await muos.sleep_for(3)
        async for job in muos.periodic(10):
            log("job %d rel %s" % (job.index, job.release))
            if job.index == 2:
                break

    async def main():
        await muos.spawn(task, name="T").join()

    muos.run(main)
    # start = 3 (the first iteration): releases 3, 13, 23
    assert log == [(3, "job 0 rel 3"), (13, "job 1 rel 13"),
                   (23, "job 2 rel 23")]


def test_periodic_offset(log):
    async def task():
        await muos.sleep_for(5)
        async for job in muos.periodic(10, offset=2):
            log("job %d rel %s dl %s" % (job.index, job.release,
                                         job.deadline))
            await muos.busy(1)
            if job.index == 2:
                break

    async def main():
        await muos.spawn(task, name="T").join()

    r = muos.run(main)
    # start = 5 (first iteration), releases 5 + 2 + 10k = 7, 17, 27
    assert log == [(7, "job 0 rel 7 dl 17"), (17, "job 1 rel 17 dl 27"),
                   (27, "job 2 rel 27 dl 37")]
    assert r.stats.threads["T"].response_times == [1, 1]


def test_periodic_start_0_releases_at_0_however_late_it_runs(log):
    async def late():
        await muos.busy(3)          # first iteration only at 3
        async for job in muos.periodic(10, start=0):
            log("late %d rel %s" % (job.index, job.release))
            await muos.busy(1)
            if job.index == 2:
                break

    async def late_offset():
        await muos.busy(3)
        async for job in muos.periodic(10, start=0, offset=2):
            log("off %d rel %s" % (job.index, job.release))
            await muos.busy(1)
            if job.index == 2:
                break

    async def main():
        a = muos.spawn(late, name="late", priority=P.HIGH)
        b = muos.spawn(late_offset, name="off", priority=P.ABOVE_NORMAL)
        await a.join()
        await b.join()

    r = muos.run(main)
    # late (HIGH) computes 0..3; its job 0 (released at 0) runs 3..4:
    # response 4; then releases 10, 20.
    # off (ABOVE_NORMAL) computes 4..7; its job 0 (released at 0 + 2)
    # starts at once at 7 and ends at 8: response 6; then 12, 22.
    assert log == [(3, "late 0 rel 0"), (7, "off 0 rel 2"),
                   (10, "late 1 rel 10"), (12, "off 1 rel 12"),
                   (20, "late 2 rel 20"), (22, "off 2 rel 22")]
    assert r.stats.threads["late"].response_times == [4, 1]
    assert r.stats.threads["off"].response_times == [6, 1]


def test_periodic_start_in_the_past_releases_every_missed_job(log):
    async def task():
        await muos.busy(25)         # first iteration only at 25
        async for job in muos.periodic(10, start=0):
            log("job %d rel %s" % (job.index, job.release))
            await muos.busy(1)
            if job.index == 4:
                break

    async def main():
        await muos.spawn(task, name="T").join()

    r = muos.run(main)
    # releases 0, 10, 20 are all past at 25: none is skipped, the jobs
    # run back to back: 25..26 (response 26, miss), 26..27 (17, miss),
    # 27..28 (8); job 3 waits for its release at 30: 30..31 (1); job 4
    # (rel 40) breaks: not counted.
    assert log == [(25, "job 0 rel 0"), (26, "job 1 rel 10"),
                   (27, "job 2 rel 20"), (30, "job 3 rel 30"),
                   (40, "job 4 rel 40")]
    st = r.stats.threads["T"]
    assert st.response_times == [26, 17, 8, 1]
    assert st.deadline_misses == 2


def test_periodic_overrun_skips_no_release(log):
    async def task():
        async for job in muos.periodic(10):
            log("job %d rel %s" % (job.index, job.release))
            await muos.busy(15 if job.index < 2 else 1)
            if job.index == 4:
                break

    async def main():
        await muos.spawn(task, name="T").join()

    r = muos.run(main)
    # job 0: 0..15 (response 15, miss); job 1 (rel 10) starts at once at
    # 15, ends 30 (response 20, miss); job 2 (rel 20) 30..31 (response
    # 11 > 10, miss); job 3 (rel 30) 31..32 (response 2); job 4 (rel 40)
    # waits for its release, then breaks: not counted.
    assert log == [(0, "job 0 rel 0"), (15, "job 1 rel 10"),
                   (30, "job 2 rel 20"), (31, "job 3 rel 30"),
                   (40, "job 4 rel 40")]
    st = r.stats.threads["T"]
    assert st.response_times == [15, 20, 11, 2]
    assert st.deadline_misses == 3
    assert st.jobs == 4
    assert st.max_response == 20
    assert r.now == 41


def test_periodic_rate_monotonic_pair_matches_analysis():
    async def task(c, n):
        async for job in muos.periodic(c[1], start=0):
            await muos.busy(c[0])
            if job.index == n:
                break

    async def main():
        t1 = muos.spawn(task, (1, 4), 3, name="T1", priority=P.HIGH)
        t2 = muos.spawn(task, (2, 6), 2, name="T2", priority=P.LOW)
        await t1.join()
        await t2.join()

    r = muos.run(main)
    # T1 (C=1, T=4) runs 0..1, 4..5, 8..9: responses 1, 1, 1.
    # T2 (C=2, T=6): job 0 runs 1..3 (R = 2 + 1 = 3, the RTA fixed
    # point); job 1 runs 6..8 and ends exactly when T1 is released at 8:
    # finished at 8, response 2.
    assert r.stats.threads["T1"].response_times == [1, 1, 1]
    assert r.stats.threads["T2"].response_times == [3, 2]
    assert r.stats.threads["T2"].deadline_misses == 0


def test_periodic_argument_checks():
    async def main():
        for kw in ({"period": 0}, {"period": 10, "deadline": 0}):
            with pytest.raises(ValueError):
                muos.periodic(**kw)
        with pytest.raises(ValueError):
            muos.periodic(-5)
        with pytest.raises(TypeError):
            muos.periodic("10")
        return "ok"

    assert muos.run(main).value == "ok"


# -- stats ----------------------------------------------------------------


def test_stats_cpu_load_and_context_switches():
    async def main():
        await muos.busy(2)
        await muos.sleep_for(2)
        await muos.busy(1)

    r = muos.run(main)
    # main computes 0..2 and 4..5, idle sleeps 2..4: load 3/5
    assert r.stats.cpu_load == 3 / 5
    # switches: main at 0, idle at 2, main at 4
    assert r.stats.context_switches == 3
    main_st = r.stats.threads["main"]
    idle_st = r.stats.threads["idle"]
    assert (main_st.cpu_time, main_st.switches) == (3, 2)
    assert (idle_st.cpu_time, idle_st.switches) == (2, 1)
    assert main_st.jobs == 0
    assert main_st.response_times == []
    assert main_st.max_response is None
    assert main_st.deadline_misses == 0
    assert isinstance(r.stats, muos.Stats)
    assert isinstance(main_st, muos.ThreadStats)


def test_stats_cpu_load_of_a_busy_run_is_one_and_of_idle_is_zero():
    async def busy_main():
        await muos.busy(4)

    async def idle_main():
        await muos.sleep_for(4)

    assert muos.run(busy_main).stats.cpu_load == 1
    assert muos.run(idle_main).stats.cpu_load == 0


def test_switch_cost_adds_exact_overhead(log):
    async def main():
        log("start")
        await muos.sleep_for(5)
        log("woke")
        await muos.busy(2)
        log("end")

    r = muos.run(main, port=muos.SimPort(switch_cost=1))
    # switch to main 0..1; main sleeps 1..6; switch to idle 1..2, idle
    # sleeps 2..6; switch back to main 6..7; busy 7..9.
    assert log == [(1, "start"), (7, "woke"), (9, "end")]
    assert r.now == 9
    assert r.stats.context_switches == 3
    assert r.stats.threads["main"].cpu_time == 2
    assert r.stats.threads["idle"].cpu_time == 4
    # switching is work, not idling: load (9 - 4) / 9
    assert r.stats.cpu_load == 5 / 9


def test_switch_cost_with_preemption(log):
    async def high():
        log("H sleeps")
        await muos.sleep_for(3)
        log("H woke")
        await muos.busy(2)
        log("H end")

    async def main():
        log("main start")
        muos.spawn(high, name="H", priority=P.HIGH)
        await muos.busy(10)
        log("main end")

    r = muos.run(main, port=muos.SimPort(switch_cost=0.5))
    # switch to main 0..0.5; to H 0.5..1; H sleeps to 4; to main 1..1.5;
    # main computes 1.5..4 (2.5); to H 4..4.5; H 4.5..6.5; to main
    # 6.5..7; main's 7.5 left: 7..14.5. Five switches of 0.5: 10 + 2 +
    # 2.5 = 14.5.
    assert log == [(0.5, "main start"), (1, "H sleeps"), (4.5, "H woke"),
                   (6.5, "H end"), (14.5, "main end")]
    assert r.stats.context_switches == 5
    assert r.stats.threads["main"].cpu_time == 10
    assert r.stats.threads["H"].cpu_time == 2


@pytest.mark.parametrize("kw, exc", [
    ({"switch_cost": -1}, ValueError),
    ({"tick_cost": -0.5}, ValueError),
    ({"isr_entry_cost": -1}, ValueError),
    ({"switch_cost": "1"}, TypeError),
])
def test_simport_cost_checks(kw, exc):
    with pytest.raises(exc):
        muos.SimPort(**kw)


def test_simport_defaults_cost_nothing():
    p = muos.SimPort()
    assert (p.switch_cost, p.tick_cost, p.isr_entry_cost) == (0, 0, 0)


def test_trace_events_and_inversion_windows_are_in_nanoseconds_at_1024_hz():
    # API.md: trace events in ns. 1024 Hz: tick 3 is 3 / 1024 s =
    # 2,929,687.5 ns. L locks m at 0 and computes 3 ticks; H blocks on m
    # at 1, L inherits H's priority (no inversion window: the owner never
    # runs below its waiter), unlocks at 3; H then runs and ends at 3
    # too, and L ends at 3 after it.
    m = muos.Mutex("m")

    async def low():
        async with m:
            await muos.busy(3)

    async def high():
        await muos.sleep_for(1)
        async with m:
            pass

    async def main():
        a = muos.spawn(low, name="L", priority=P.LOW)
        b = muos.spawn(high, name="H", priority=P.HIGH)
        await a.join()
        await b.join()

    r = muos.run(main, tick_hz=1024, trace=True)
    exits = {e[2]: e[0] for e in r.trace.events if e[1] == "exit"}
    assert exits["L"] == 2929687.5 and exits["H"] == 2929687.5
    sel = r.trace.select(("exit",), threads=("L",))
    assert [e[0] for e in sel] == [2929687.5]
    # the text views still speak ticks
    assert "         3  exit      L" in r.trace.timeline()
    assert r.stats.inversion_windows == []


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), -float("inf")])
def test_infinite_and_nan_durations_are_refused_naming_the_call(bad):
    # issue 14 #4: every duration is either exact or refused with the
    # contract's error (ValueError naming the call and the value)
    async def main():
        out = []
        for name, call in [
                ("sleep_for", lambda: muos.sleep_for(bad)),
                ("busy", lambda: muos.busy(bad)),
                ("timed_wait", lambda: muos.Semaphore(name="s").timed_wait(
                    bad)),
                ("hrclock.sleep_for",
                 lambda: muos.current_kernel().hrclock.sleep_for(bad))]:
            try:
                call()
                out.append((name, "accepted"))
            except ValueError as e:
                out.append((name, repr(bad) in str(e) or str(bad) in
                            str(e)))
        return out

    assert all(ok is True for _, ok in muos.run(main).value), \
        muos.run(main).value
    with pytest.raises(ValueError, match="switch_cost"):
        muos.SimPort(switch_cost=bad)


@pytest.mark.parametrize("section", ["scheduler_locked",
                                     "interrupts_disabled"])
def test_periodic_refuses_to_wait_in_a_locked_or_masked_section(section):
    # issue 14 #7: the wait for the next release is a blocking call: its
    # iteration raises ContextError there (it hung, or ended in a false
    # Stalled); outside the section it goes on at the next release
    async def main():
        got = []
        it = muos.periodic(5)
        with getattr(muos, section)():
            try:
                await it.__anext__()
            except muos.ContextError as e:
                # "muos.periodic may block: not allowed while the
                # scheduler is locked" / "... with interrupts disabled"
                got.append("ContextError" if "muos.periodic may block"
                           in str(e) else str(e))
        job = await it.__anext__()
        got.append((job.index, job.release, muos.now()))
        return got

    assert muos.run(main).value == ["ContextError", (0, 0, 0)]
