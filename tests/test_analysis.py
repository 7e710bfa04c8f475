"""muos.analysis: response-time analysis equals simulation, to the tick.

Every expected number is derived by hand in a comment. The property tests
generate task sets whose hyperperiod is small (periods divide 120), run
them as muos threads released together at tick 0 on SimPort, and compare
the worst measured response of each task with the analysis: with a
synchronous release and no blocking or jitter, response-time analysis is
exact, for constrained deadlines (first job after the critical instant)
and for arbitrary ones (Lehoczky's busy period).
"""

import concurrent.futures
import importlib.util
import os
import random
from fractions import Fraction

import pytest
from hypothesis import assume, event, given, settings, target
from hypothesis import strategies as st

import muos
from muos.analysis import (Task, busy_period, deadline_monotonic,
                           default_horizon, first_miss, hyperbolic_test,
                           hyperperiod, liu_layland_bound, liu_layland_test,
                           random_taskset, rate_monotonic, response_times,
                           simulate, simulated_response_times, sweep,
                           utilization, uunifast)

# periods whose least common multiple is at most 120
PERIODS = (3, 4, 5, 6, 8, 10, 12, 15, 20, 24, 30, 40, 60, 120)


# -- Task ---------------------------------------------------------------------

def test_task_defaults_and_repr():
    t = Task(2, 10)
    assert (t.C, t.T, t.D, t.name, t.B, t.J) == (2, 10, 10, None, 0, 0)
    assert t.U == 0.2
    assert repr(Task(1, 4, 3, "a", B=1)) == \
        "Task(C=1, T=4, D=3, name='a', B=1)"
    assert Task(1, 4) == Task(1, 4, 4) and Task(1, 4) != Task(1, 5)


@pytest.mark.parametrize("args, kw, words", [
    ((0, 5), {"name": "x"}, ["'x'", "C", "positive", "0"]),
    ((1, -5), {"name": "y"}, ["'y'", "period T", "-5"]),
    ((1, 0), {}, ["period T", "0"]),
    ((1, 5, 0), {}, ["deadline D", "0"]),
    ((3, 5, 2), {"name": "z"}, ["'z'", "C = 3", "D = 2"]),
    ((1, 5), {"B": -1}, ["blocking B", "-1"]),
    ((1, 5), {"J": -0.5}, ["jitter J", "-0.5"]),
    ((1, float("inf")), {}, ["T", "inf"]),
])
def test_task_validation_names_task_and_value(args, kw, words):
    with pytest.raises(ValueError) as e:
        Task(*args, **kw)
    for w in words:
        assert w in str(e.value)


def test_task_type_errors():
    with pytest.raises(TypeError, match="C must be a number"):
        Task(True, 5)
    with pytest.raises(TypeError, match="T must be a number"):
        Task(1, "5")
    with pytest.raises(TypeError, match="name"):
        Task(1, 5, name=3)
    with pytest.raises(TypeError, match="task 2"):
        response_times([Task(1, 4), (1, 5)])


# -- utilization tests --------------------------------------------------------

def test_utilization_and_liu_layland_bound():
    assert utilization([Task(1, 4), Task(2, 8), Task(1, 10)]) == 0.6
    assert liu_layland_bound(1) == 1.0
    # 2(sqrt 2 - 1) and 3(2^(1/3) - 1); towards ln 2 = 0.6931...
    assert abs(liu_layland_bound(2) - 0.8284271247) < 1e-9
    assert abs(liu_layland_bound(3) - 0.7797631497) < 1e-9
    assert 0.6931 < liu_layland_bound(10000) < 0.6932
    with pytest.raises(ValueError, match="at least 1"):
        liu_layland_bound(0)
    with pytest.raises(TypeError):
        liu_layland_bound(2.0)


def test_hyperbolic_is_tighter_than_liu_layland():
    # U = 0.6 + 0.1 + 0.1 = 0.8 > 0.7798: Liu & Layland cannot tell, but
    # prod(U+1) = 1.6 * 1.1 * 1.1 = 1.936 <= 2
    tasks = [Task(3, 5), Task(1, 10), Task(2, 20)]
    assert not liu_layland_test(tasks)
    assert hyperbolic_test(tasks)
    # exactly on the hyperbolic bound, in exact arithmetic: (1/2 + 1) *
    # (1/3 + 1) = 2; Liu & Layland: 5/6 = 0.833 > 0.828
    assert hyperbolic_test([Task(1, 3), Task(1, 2)])
    assert not liu_layland_test([Task(1, 3), Task(1, 2)])
    assert not hyperbolic_test([Task(1, 3), Task(1.001, 2)])
    # one task at U = 1: both bounds are 1 (and 2)
    assert liu_layland_test([Task(5, 5)]) and hyperbolic_test([Task(5, 5)])


def test_utilization_tests_with_blocking_deadlines_and_jitter():
    # Sha-Rajkumar-Lehoczky: task 1, 1/4 + 1/4 = 0.5 <= 1; task 2: 0.25 +
    # 0.25 + 1/8 = 0.625 <= 0.828: proven. With B2 = 3: 0.5 + 3/8 = 0.875
    assert liu_layland_test([Task(1, 4, B=1), Task(2, 8, B=1)])
    assert not liu_layland_test([Task(1, 4), Task(2, 8, B=3)])
    # hyperbolic with blocking: 1.25 * (1.25 + 3/8) = 2.03 > 2
    assert not hyperbolic_test([Task(1, 4), Task(2, 8, B=3)])
    assert hyperbolic_test([Task(1, 4), Task(2, 8, B=2)])   # 1.25*1.5
    # the bounds say nothing about D < T or jitter
    assert not liu_layland_test([Task(1, 4, 3)])
    assert not hyperbolic_test([Task(1, 4, J=1)])
    # the bounds are for rate-monotonic order, whatever the list order
    assert liu_layland_test([Task(2, 8, B=1), Task(1, 4, B=1)])


# -- priority orders ----------------------------------------------------------

def test_rate_and_deadline_monotonic_keep_ties_in_input_order():
    a, b, c, d = (Task(1, 10, 9, "a"), Task(1, 5, 5, "b"),
                  Task(1, 10, 3, "c"), Task(1, 5, 9, "d"))
    assert [t.name for t in rate_monotonic([a, b, c, d])] == \
        ["b", "d", "a", "c"]
    assert [t.name for t in deadline_monotonic([a, b, c, d])] == \
        ["c", "b", "a", "d"]


# -- response-time analysis: textbook examples --------------------------------

def test_textbook_constrained_set():
    # R1 = 1; R2 = 2 + 1 = 3; R3 = 3 + ceil(R/4) + 2 ceil(R/6):
    # 6 -> 7 -> 9 -> 10 -> 10
    tasks = [Task(1, 4), Task(2, 6), Task(3, 13)]
    assert response_times(tasks) == [1, 3, 10]
    assert simulated_response_times(tasks) == [1, 3, 10]


def test_deadline_shorter_than_period_misses():
    # R3 = 10 > D3 = 9 -> None; the more urgent tasks are unaffected
    tasks = [Task(1, 4), Task(2, 6), Task(3, 13, 9)]
    assert response_times(tasks) == [1, 3, None]
    assert simulated_response_times(tasks) == [1, 3, None]


def test_lehoczky_arbitrary_deadlines():
    # Lehoczky (1990): C = (26, 62), T = (70, 100), D = (70, 120); U =
    # 0.9914. Task 2's level-2 busy period: L = 26 ceil(L/70) + 62
    # ceil(L/100) = 694 (88 -> 114 -> 176 -> ... -> 694), 7 jobs. Job q
    # ends at the least w = 62(q+1) + 26 ceil(w/70):
    #   q=0: 88 -> 114                      R = 114
    #   q=1: 176 -> 202                     R = 202 - 100 = 102
    #   q=2: 264 -> 290 -> 316              R = 316 - 200 = 116
    #   q=3: 378 -> 404                     R = 404 - 300 = 104
    #   q=4: 466 -> 492 -> 518              R = 518 - 400 = 118
    #   q=5: 580 -> 606                     R = 606 - 500 = 106
    #   q=6: 668 -> 694 <= 700, busy ends   R = 694 - 600 = 94
    # the worst job is the fifth (q = 4), not the first.
    tasks = [Task(26, 70, 70), Task(62, 100, 120)]
    assert response_times(tasks) == [26, 118]
    assert busy_period(tasks) == 694 and hyperperiod(tasks) == 700
    stats = simulate(tasks)          # the hyperperiod, 700 ticks
    assert stats.threads["t2"].response_times == [
        114, 102, 116, 104, 118, 106, 94]
    assert stats.threads["t1"].max_response == 26
    assert simulated_response_times(tasks) == [26, 118]
    # one tick less of deadline and the fifth job is late
    assert response_times([Task(26, 70), Task(62, 100, 117)]) == [26, None]
    assert simulated_response_times(
        [Task(26, 70), Task(62, 100, 117)]) == [26, None]


def test_deadline_beyond_period_second_job_is_worst():
    # C = (2, 3), T = (4, 5), D = (4, 7): U = 0.5 + 0.6 = 1.1 > 1: task 2
    # is overloaded, its backlog grows without bound
    assert response_times([Task(2, 4), Task(3, 5, 7)]) == [2, None]
    # given order: C = (3, 2), T = (6, 4), U = 1, D2 > T2. Task 2's job
    # q ends at the least w = 2(q+1) + 3 ceil(w/6):
    #   q=0: 2 -> 5, R = 5 > T2: job 1 arrives before job 0 ends, so
    #   q=1: 7 -> 10, R = 10 - 4 = 6, and 10 > 8: job 2 is in too,
    #   q=2: 12 -> 12, R = 12 - 8 = 4, and 12 <= 12: the busy period ends.
    # The worst is the second job: with D2 = 5 the first job (5) is on
    # time but the second (6) is late.
    assert response_times([Task(3, 6), Task(2, 4, 6)]) == [3, 6]
    assert response_times([Task(3, 6), Task(2, 4, 5)]) == [3, None]
    stats = simulate([Task(3, 6), Task(2, 4, 6)])
    # t1 0..3, t2 3..5 (job 0), t1 6..9 with t2's job 1 (4) waiting, t2
    # 5..6 and 9..10, job 2 (8) 10..12
    assert stats.threads["t2"].response_times == [5, 6, 4]
    assert simulated_response_times([Task(3, 6), Task(2, 4, 5)]) == [
        3, None]


def test_u_equal_one_with_blocking_or_jitter_is_unbounded():
    assert response_times([Task(1, 2), Task(2, 4)]) == [1, 4]
    assert response_times([Task(1, 2), Task(2, 4, 8, B=1)]) == [1, None]
    assert response_times([Task(1, 2, J=1), Task(2, 4, 8)]) == [2, None]
    assert busy_period([Task(1, 2), Task(2, 4)]) == 4
    assert busy_period([Task(1, 2), Task(2, 4, B=1)]) is None


def test_fractional_ticks_are_exact():
    # 0.1 is read as 1/10: R2 = 0.2 + 0.1 = 0.3 exactly (floats: 0.3000..4)
    assert response_times([Task(0.1, 0.4), Task(0.2, 0.6)]) == [0.1, 0.3]
    assert response_times([Task(Fraction(1, 3), 1), Task(1, 3)]) == [
        1 / 3, 5 / 3]   # 1 + ceil(R/1)/3: 4/3 -> 5/3 -> 5/3
    # half ticks, simulated: R3 = 1.5 + ceil(R/2) 0.5 + ceil(R/3) 1:
    # 1.5 -> 3 -> 1.5 + 1 + 1 = 3.5 -> 1.5 + 1 + 2 = 4.5 -> 1.5 + 1.5 + 2
    # = 5 -> 5
    tasks = [Task(0.5, 2), Task(1, 3), Task(1.5, 6)]
    assert response_times(tasks) == [0.5, 1.5, 5]
    assert simulated_response_times(tasks) == [0.5, 1.5, 5]


def test_release_jitter():
    # t1: C = 2, T = 5, J = 1: R1 = w + J = 2 + 1 = 3.
    # t2: C = 3, T = 10: w = 3 + 2 ceil((w + 1)/5): 3 -> 5 -> 7 -> 7, so
    # R2 = 7, where without jitter it is 3 + 2 = 5: t1's second job may
    # come only 4 ticks after its first (late first, on time second).
    assert response_times([Task(2, 5, J=1), Task(3, 10)]) == [3, 7]
    assert response_times([Task(2, 5), Task(3, 10)]) == [2, 5]

    # that worst case, played on muos: t1's job 0 arrives 1 tick late at
    # 0 (nominal -1), job 1 on time at 4; t2 released at 0
    async def t1():
        await muos.busy(2)
        async for _ in muos.periodic(5, offset=4, start=0):
            await muos.busy(2)

    async def t2():
        async for _ in muos.periodic(10, start=0):
            await muos.busy(3)

    async def main():
        muos.this_thread().set_priority(muos.Priority.HIGHEST)
        muos.spawn(t1, name="t1", priority=200)
        muos.spawn(t2, name="t2", priority=100)
        await muos.sleep_until(10)

    r = muos.run(main)
    # t1 0..2, t2 2..4, t1 4..6, t2 6..7: t2 done at 7
    assert r.stats.threads["t2"].response_times == [7]


@pytest.mark.parametrize("protocol", [muos.Mutex.INHERIT,
                                      muos.Mutex.PROTECT])
def test_blocking_matches_a_shared_resource(protocol):
    # t3 (low) locks the resource at 0 for 3 ticks; t1 and t2 are released
    # at 1 and each needs it for a tick: both are blocked 2 ticks.
    # Analysis with B = 2: R1 = 1 + 2 = 3; R2 = 2 + 2 + ceil(R/4): 5 -> 6
    # -> 6 (t1's next job, at 5, preempts t2).
    assert response_times([Task(1, 4, B=2), Task(2, 6, B=2)]) == [3, 6]
    ceiling = 200 if protocol == muos.Mutex.PROTECT else None
    m = []

    async def t1():
        async for _ in muos.periodic(4, offset=1, start=0):
            async with m[0]:
                await muos.busy(1)

    async def t2():
        async for _ in muos.periodic(6, offset=1, start=0):
            async with m[0]:
                await muos.busy(1)
            await muos.busy(1)

    async def t3():
        async with m[0]:
            await muos.busy(3)

    async def main():
        m.append(muos.Mutex("res", protocol=protocol, ceiling=ceiling))
        muos.this_thread().set_priority(muos.Priority.HIGHEST)
        muos.spawn(t3, name="t3", priority=50)
        await muos.sleep_for(0.5)     # t3 locks first
        muos.spawn(t1, name="t1", priority=200)
        muos.spawn(t2, name="t2", priority=150)
        await muos.sleep_until(13)

    # under PROTECT, t3 runs at t1's priority: no round-robin with t1
    r = muos.run(main, time_slice=None)
    # t3 0..3 (inheriting from 1 on, or at the ceiling); t1 3..4 (R 3);
    # t2 4..5 holding res, 5: t1's job 1 preempts, 5..6; t2 6..7 (R 6)
    assert r.stats.threads["t1"].max_response == 3
    assert r.stats.threads["t2"].response_times[0] == 6
    assert r.stats.threads["t2"].max_response == 6


# -- simulation and analysis agree: properties --------------------------------

@st.composite
def constrained_sets(draw):
    n = draw(st.integers(1, 5))
    tasks = []
    for _ in range(n):
        t = draw(st.sampled_from(PERIODS))
        c = draw(st.integers(1, max(1, t // n)))
        d = draw(st.integers(c, t))
        tasks.append(Task(c, t, d))
    return tasks


@settings(max_examples=150, deadline=None)
@given(constrained_sets())
def test_simulation_equals_analysis_deadline_monotonic(tasks):
    """D <= T, deadline-monotonic: per task, the analytic R (or None)
    equals the worst measured response over the hyperperiod (or a
    miss)."""
    tasks = deadline_monotonic(tasks)
    expected = response_times(tasks)
    assert simulated_response_times(tasks, hyperperiod(tasks)) == expected


@settings(max_examples=60, deadline=None)
@given(constrained_sets(), st.randoms(use_true_random=False))
def test_simulation_equals_analysis_any_order(tasks, rng):
    """Any fixed-priority order, not only the optimal one."""
    rng.shuffle(tasks)
    assert simulated_response_times(tasks, hyperperiod(tasks)) == \
        response_times(tasks)


@st.composite
def arbitrary_sets(draw):
    n = draw(st.integers(1, 4))
    tasks = []
    for _ in range(n):
        t = draw(st.sampled_from(PERIODS[:10]))
        c = draw(st.integers(1, max(1, 2 * t // n)))
        d = draw(st.integers(c, 3 * t))
        tasks.append(Task(c, t, d))
    return tasks


@settings(max_examples=150, deadline=None)
@given(arbitrary_sets())
def test_simulation_equals_analysis_arbitrary_deadlines(tasks):
    """D may exceed T (U <= 1, so every level's busy period ends within
    the hyperperiod): the worst job of the busy period is found."""
    assume(utilization(tasks) <= 1)
    tasks = deadline_monotonic(tasks)
    expected = response_times(tasks)
    # the hyperperiod (120 at most), or the longest deadline if longer
    assert default_horizon(tasks) == max(hyperperiod(tasks),
                                         max(t.D for t in tasks))
    assert simulated_response_times(tasks) == expected


@st.composite
def overlapping_sets(draw):
    """The least urgent task has the shortest period (not rate-monotonic)
    and a deadline up to 4T, so that the more urgent ones can hold it past
    its next release; U <= 1."""
    n = draw(st.integers(1, 3))
    t_low = draw(st.sampled_from((3, 4, 5, 6, 8)))
    tasks = []
    for _ in range(n):
        t = draw(st.sampled_from([p for p in PERIODS[:10] if p > t_low]))
        tasks.append(Task(draw(st.integers(1, max(1, t // (n + 1)))), t))
    u = sum(Fraction(x.C, x.T) for x in tasks)
    room = int((1 - u) * t_low)
    assume(room >= 1)
    c = draw(st.integers(1, room))
    tasks.append(Task(c, t_low, draw(st.integers(c, 4 * t_low))))
    return tasks


@settings(max_examples=150, deadline=None)
@given(overlapping_sets())
def test_simulation_equals_analysis_when_a_later_job_is_worst(tasks):
    """Steered (hypothesis.target) towards sets whose least urgent task
    has its worst response in a later job of the busy period than the
    first -- about one example in ten."""
    expected = response_times(tasks)
    stats = simulate(tasks)
    rt = stats.threads["t%d" % len(tasks)].response_times
    target(float(max(rt) - rt[0]))
    if max(rt) > rt[0]:
        event("a later job is the worst")
    assert simulated_response_times(tasks) == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PERIODS[:8]),
                          st.integers(1, 8)), min_size=1, max_size=4))
def test_simulation_equals_analysis_quarter_ticks(pairs):
    """Fractional parameters: C in quarter ticks, periods in half ticks."""
    tasks = [Task(min(c / 4, t / 2), t / 2) for t, c in pairs]
    tasks = rate_monotonic(tasks)
    assert simulated_response_times(tasks, hyperperiod(tasks)) == \
        response_times(tasks)


# -- simulate -----------------------------------------------------------------

def test_simulate_builds_threads_and_ends_at_the_horizon():
    tasks = [Task(1, 4, name="fast"), Task(2, 6, name="slow")]
    stats = simulate(tasks)
    # horizon = lcm(4, 6) = 12: fast 0..1, slow 1..3; fast 4..5; slow
    # (6) 6..8; fast 8..9: 3 and 2 jobs
    assert stats.elapsed == 12
    assert stats.threads["fast"].jobs == 3
    assert stats.threads["slow"].response_times == [3, 2]
    assert stats.cpu_load == (3 * 1 + 2 * 2) / 12


def test_simulate_rejects_taken_and_duplicate_names():
    with pytest.raises(ValueError, match="'idle'"):
        simulate([Task(1, 4, name="idle")])
    # no thread "main": a task may have that name
    assert simulate([Task(1, 4, name="main")]).threads["main"].jobs == 1
    with pytest.raises(ValueError, match="two tasks are named 'a'"):
        simulate([Task(1, 4, name="a"), Task(1, 5, name="a")])
    with pytest.raises(ValueError, match="shorter than the longest"):
        simulated_response_times([Task(1, 4, 10)], 5)


def test_default_horizon():
    assert default_horizon([Task(1, 4), Task(2, 6)]) == 12
    # deadline beyond the hyperperiod: at least the longest deadline
    assert default_horizon([Task(1, 4, 9)]) == 9
    # coprime periods, 17*19*23*29*31 = 6678671 ticks with about 1.3
    # million jobs: the busy period instead (5 ticks of work, no release
    # before 17), but at least the longest deadline, 31
    tasks = [Task(1, 17), Task(1, 19), Task(1, 23), Task(1, 29),
             Task(1, 31)]
    assert hyperperiod(tasks) == 6678671
    assert busy_period(tasks) == 5
    assert default_horizon(tasks) == 31
    # overloaded (U = 1/2 + 2/3 > 1: no busy period end), hyperperiod
    # 6 * 30011 = 180066 with 150061 jobs: 100000 jobs' worth instead,
    # 100000 / (1/2 + 1/3 + 1/30011) = 119995.2 -> 119996
    tasks = [Task(1, 2), Task(2, 3), Task(1, 30011)]
    assert default_horizon(tasks) == 119996
    # overloaded but short: ten hyperperiods (20), to let the backlog show
    tasks = [Task(3, 4), Task(3, 5, 20)]
    assert default_horizon(tasks) == 200
    assert simulated_response_times(tasks) == response_times(tasks) == [
        3, None]


def test_first_miss():
    # C3 = 42: R3 = 42 + 26 + 33 = 101 -> 42 + 52 + 33 = 127 -> 42 + 52 +
    # 66 = 160 > 159: job 0 of t3, deadline 159, done at 160
    tasks = [Task(26, 100), Task(33, 126), Task(42, 159)]
    stats = simulate(tasks, 1000)
    assert first_miss(tasks, stats) == ("t3", 0, 0, 159, 160)
    assert first_miss(tasks[:2], simulate(tasks[:2], 1000)) is None


# -- task generation ----------------------------------------------------------

def test_uunifast():
    rng = random.Random(7)
    us = uunifast(5, 0.8, rng)
    assert len(us) == 5 and all(0 <= u <= 0.8 for u in us)
    assert abs(sum(us) - 0.8) < 1e-12
    assert uunifast(5, 0.8, random.Random(7)) == us
    assert uunifast(1, 0.5, rng) == [0.5]
    # uniform on the simplex: each share has mean U/n
    firsts = [uunifast(4, 1.0, rng)[0] for _ in range(4000)]
    assert abs(sum(firsts) / len(firsts) - 0.25) < 0.02
    with pytest.raises(ValueError):
        uunifast(0, 0.5, rng)
    with pytest.raises(ValueError):
        uunifast(3, 0, rng)


def test_random_taskset():
    tasks = random_taskset(6, 0.7, random.Random(1))
    assert len(tasks) == 6
    assert [t.T for t in tasks] == sorted(t.T for t in tasks)
    assert all(10 <= t.T <= 1000 and isinstance(t.T, int) for t in tasks)
    assert abs(utilization(tasks) - 0.7) < 0.01
    # C in thousandths of a tick: exact in the simulation's nanoseconds
    assert all(round(t.C, 3) == t.C for t in tasks)


# -- the sweep ----------------------------------------------------------------

def _check_sweep(res):
    r = res.ratios()
    assert res.disagreements == [0, 0, 0]
    assert r["simulation"] == r["rta"]
    for i in range(3):
        # sufficient tests never accept what the exact test rejects
        assert r["liu_layland"][i] <= r["hyperbolic"][i] <= r["rta"][i]
    # U = 0.5 is below every bound; U = 1.05 is infeasible
    assert r["liu_layland"][0] == 1.0 and r["rta"][2] == 0.0
    # implicit deadlines: EDF accepts exactly the sets of U <= 1, so at
    # least what RM accepts (Liu & Layland 1973)
    assert r["edf"] == [1.0, 1.0, 0.0]
    assert all(r["rta"][i] <= r["edf"][i] for i in range(3))


def test_sweep_small_is_deterministic_whatever_the_executor():
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        a = sweep([0.5, 0.9, 1.05], n=3, sets=8, seed=3, chunk=3,
                  executor=ex)
    _check_sweep(a)
    b = sweep([0.5, 0.9, 1.05], n=3, sets=8, seed=3, chunk=8)  # processes
    assert b.to_dict() == a.to_dict()
    assert "acceptance ratio" in str(a) and "0.900" in str(a)
    c = sweep([0.5, 0.9, 1.05], n=3, sets=8, seed=4, chunk=8,
              executor=concurrent.futures.ThreadPoolExecutor(1),
              simulate=False)
    assert "simulation" not in c.ratios()


def test_sweep_progress_bar():
    pytest.importorskip("rich")
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        res = sweep([0.5], n=2, sets=2, chunk=1, executor=ex, progress=True)
    assert res.accepted["rta"] == [2]


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                    reason="dask.distributed is not installed")
def test_sweep_on_a_dask_cluster():
    from distributed import Client, LocalCluster
    # one worker process with two threads: the chunks are shipped to
    # another process, and two simulations there take turns (one kernel
    # runs at a time per process)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                      dashboard_address=None) as cluster, \
            Client(cluster) as client:
        ex = client.get_executor()
        assert ex.submit(os.getpid).result() != os.getpid()
        res = sweep([0.5, 0.9, 1.05], n=3, sets=8, seed=3, chunk=3,
                    executor=ex)
    _check_sweep(res)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        ref = sweep([0.5, 0.9, 1.05], n=3, sets=8, seed=3, chunk=3,
                    executor=ex)
    assert res.to_dict() == ref.to_dict()


def test_sweep_constrained_deadlines_rm_dm_edf():
    # D = C + (T - C) * uniform(0.5, 1): DM is the optimal fixed-priority
    # order for D <= T (Leung & Whitehead 1982), so it accepts every set
    # RM accepts; EDF is optimal on one core, so it accepts every set DM
    # accepts; the simulation agrees with RM's analysis set by set
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        res = sweep([0.5, 0.8, 0.95], n=5, sets=30, seed=0, chunk=10,
                    executor=ex, deadlines=(0.5, 1))
    r = res.ratios()
    assert res.tests == ["rta", "dm", "edf", "liu_layland", "hyperbolic",
                         "simulation"]
    assert res.disagreements == [0, 0, 0]
    for i in range(3):
        assert r["rta"][i] <= r["dm"][i] <= r["edf"][i]
    # (seed 0: DM places 29 of 30 at 0.8, RM 26; EDF all 30)
    assert r["rta"][1] < r["dm"][1] < r["edf"][1] == 1.0
    assert res.to_dict()["deadlines"] == (0.5, 1.0)


def test_sweep_with_critical_sections_pip_and_pcp():
    # one critical section per task on one of two resources: the ceiling
    # blocks a task by at most one section, inheritance by up to one per
    # less urgent task, so PCP accepts every set PIP accepts; both at
    # most what RM without blocking accepts
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        res = sweep([0.5, 0.8], n=5, sets=30, seed=0, chunk=10,
                    executor=ex, resources=2, simulate=False)
    r = res.ratios()
    assert "rta_pip" in r and "rta_pcp" in r
    for i in range(2):
        assert r["rta_pip"][i] <= r["rta_pcp"][i] <= r["rta"][i]
    assert r["rta_pip"][1] < r["rta"][1]  # blocking costs something


def test_sweep_partitioned_on_cores():
    # utilization is the total over 2 cores: a set of U <= 1 fits on one
    # core under EDF, so first-fit EDF places every one; EDF's test is
    # exact per core, so it places every set partitioned RM places
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        res = sweep([0.8, 1.5, 1.9], n=6, sets=30, seed=0, chunk=10,
                    executor=ex, cores=2)
    r = res.ratios()
    assert res.tests == ["partitioned_rm", "partitioned_edf"]
    assert r["partitioned_edf"][0] == 1.0
    for i in range(3):
        assert r["partitioned_rm"][i] <= r["partitioned_edf"][i]
    assert r["partitioned_rm"][2] < 1.0
    with pytest.raises(ValueError, match="cores must be a positive int"):
        sweep([0.5], cores=0)
    with pytest.raises(ValueError, match="deadlines must be"):
        sweep([0.5], deadlines=(0.8, 0.5))


def test_plot_sweep_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    from muos.analysis import plot_sweep
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        res = sweep([0.6, 0.9], n=2, sets=3, executor=ex)
    path = plot_sweep(res, tmp_path / "sweep.png")
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
