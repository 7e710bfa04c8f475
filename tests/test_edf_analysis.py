"""EDF schedulability (``edf_test``: processor demand with QPA, Zhang &
Burns 2009) and partitioning (``partition``), API.md "Analysis"
additions, issue 19 #3. Hand-derived examples, and the test against
muos's own EDF simulation (``Kernel(edf=True)``) on random task sets:
the analysis says schedulable exactly when the simulation of a
hyperperiod (plus the longest deadline) misses nothing."""

import random

import pytest

import muos
from muos.analysis import (Task, edf_test, partition, response_times,
                           utilization)


def test_implicit_deadlines_up_to_full_utilization():
    # D = T: EDF meets every deadline iff U <= 1 (Liu & Layland 1973)
    assert edf_test([Task(2, 5), Task(4, 7)])            # U = 34/35
    assert edf_test([Task(2, 4), Task(3, 6)])            # U = 1
    assert not edf_test([Task(3, 5), Task(3, 5)])        # U = 6/5


def test_constrained_deadlines_by_processor_demand():
    # T1 (C 2, T 4, D 3), T2 (C 3, T 6, D 5): U = 1, L = 12. Demand at
    # the deadlines: h(3) = 2, h(5) = 5, h(7) = 4 + 3 = 7, h(11) = 3 x 2
    # + 2 x 3 = 12 > 11: a miss (at 11), though U <= 1
    assert not edf_test([Task(2, 4, 3), Task(3, 6, 5)])
    # T1 (1, 4, D 2), T2 (2, 6, D 4): U = 7/12; h(2) = 1, h(4) = 3, h(6)
    # = 4, h(10) = 3 + 4 = 7, h(14) = 4 + 6 = 10... always <= t
    assert edf_test([Task(1, 4, 2), Task(2, 6, 4)])


def test_arbitrary_deadlines():
    # D > T: T1 (3, 4, D 8) alone, U = 3/4: h(t) = (floor((t-8)/4)+1)*3
    # <= t for every deadline t = 8, 12, ... (3 <= 8, 6 <= 12, ...)
    assert edf_test([Task(3, 4, 8)])
    assert edf_test([Task(3, 4, 8), Task(1, 8, 16)])     # U = 7/8


def _simulated_ok(tasks):
    """Every deadline met by muos's EDF over the hyperperiod + max D."""
    from muos.analysis import hyperperiod
    horizon = hyperperiod(tasks) + max(t.D for t in tasks)

    def job(c, t, d):
        async def body():
            async for _ in muos.periodic(t, deadline=d, start=0):
                await muos.busy(c)
        return body

    k = muos.Kernel(edf=True, time_slice=None)
    for i, t in enumerate(tasks):
        k.spawn(job(t.C, t.T, t.D), name="t%d" % i).set_deadline(t.D)
    k.run(until=horizon + 1)
    late = any(st.deadline_misses for st in k.stats.threads.values())
    # a job still unfinished past its deadline is late too
    for i, t in enumerate(tasks):
        st = k.stats.threads["t%d" % i]
        due = [j * t.T + t.D for j in range(horizon // t.T + 1)
               if j * t.T + t.D <= horizon]
        late = late or st.jobs < len(due)
    k.close()
    return not late


def test_edf_test_agrees_with_muos_edf_simulation():
    rng = random.Random(7)
    agree = 0
    for _ in range(120):
        n = rng.randint(2, 4)
        tasks = []
        for _ in range(n):
            t = rng.choice([4, 5, 6, 8, 10, 12])
            c = rng.randint(1, max(1, t // 2))
            d = rng.randint(c, t + 4)
            tasks.append(Task(c, t, d))
        if utilization(tasks) > 1:
            assert not edf_test(tasks)
            continue
        assert edf_test(tasks) == _simulated_ok(tasks), tasks
        agree += 1
    assert agree > 60


def test_partition_heuristics():
    ts = [Task(3, 10, name="a"), Task(4, 10, name="b"),
          Task(5, 10, name="c"), Task(6, 10, name="d")]
    # by decreasing utilization d .6, c .5, b .4, a .3 onto 2 cores (RTA,
    # priorities in list order a > b > c > d):
    # ffd: d core 0; c fails core 0 (c then d: R_d = 6 + 5 = 11 > 10),
    # core 1; b core 0 ({b, d}: R_d = 10); a core 1 ({a, c}: R_c = 8)
    assert [[t.name for t in core] for core in partition(ts, 2)] == [
        ["b", "d"], ["a", "c"]]
    for core in partition(ts, 2):
        assert None not in response_times(core)
    # wfd: d 0, c 1, b to the emptier fitting core (1: .5 < .6), a to 0
    assert [[t.name for t in core] for core in
            partition(ts, 2, "wfd")] == [["a", "d"], ["b", "c"]]
    # bfd: d 0, c 1, b to the fullest fitting core: 0 (.6), a: core 0
    # would hold 1.3: only core 1 (.5 + .3)
    assert [[t.name for t in core] for core in
            partition(ts, 2, "bfd")] == [["b", "d"], ["a", "c"]]
    assert partition(ts, 1) is None                     # U = 1.8
    assert partition(ts, 2, test="edf") is not None


def test_partition_errors():
    with pytest.raises(ValueError, match="cores"):
        partition([Task(1, 2)], 0)
    with pytest.raises(ValueError, match="heuristic"):
        partition([Task(1, 2)], 1, "nf")
    with pytest.raises(ValueError, match="test"):
        partition([Task(1, 2)], 1, test="llf")
