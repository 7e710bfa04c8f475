"""Blocking terms from critical sections (API.md, "Analysis" additions;
issue 19 #1): ``Task(cs=...)``, ``blocking_terms(tasks, protocol)``
and ``response_times(tasks, protocol=...)``. The bounds are Buttazzo's
(Hard Real-Time Computing Systems, 3rd ed., 2011): under priority
inheritance a task is blocked at most once per less urgent task and at
most once per resource whose ceiling is at least its priority, so B is
the smaller of the two sums (section 7.6.2); under the priority ceiling
at most one critical section of one less urgent task (section 7.7).
Every number is derived in a comment."""

import pytest

from muos.analysis import Task, blocking_terms, response_times

# most urgent first: t1 uses A (1); t2 uses B (1); t3 uses A (2) and B
# (3); t4 uses A (4). Ceilings: A is t1's (the most urgent user), B t2's.
SET = [Task(1, 10, cs={"A": 1}, name="t1"),
       Task(2, 20, cs={"B": 1}, name="t2"),
       Task(3, 40, cs={"A": 2, "B": 3}, name="t3"),
       Task(4, 80, cs={"A": 4}, name="t4")]


def test_inheritance_takes_the_smaller_of_the_two_sums():
    # t1: only A (ceiling t1) can block it: t3 holds it 2, t4 4; per task
    #     2 + 4 = 6, per resource max(2, 4) = 4 -> 4
    # t2: A and B (ceilings t1, t2): t3's longest 3 (B), t4's 4 (A): per
    #     task 7; per resource A 4 + B 3 = 7 -> 7
    # t3: t4 on A: 4 -> 4;  t4: nobody below -> 0
    assert blocking_terms(SET, "inherit") == [4, 7, 4, 0]


def test_the_ceiling_allows_one_critical_section():
    # the longest section of any less urgent task on a resource whose
    # ceiling is at least as urgent: t1 max(2, 4) = 4, t2 max(3, 4) = 4,
    # t3 4, t4 0
    assert blocking_terms(SET, "ceiling") == [4, 4, 4, 0]


def test_per_resource_bound_can_be_the_smaller():
    # h uses R; three less urgent tasks hold R for 2, 3 and 4: per task
    # 2 + 3 + 4 = 9, but R blocks h at most once: 4
    ts = [Task(1, 50, cs={"R": 1}, name="h")] + [
        Task(5, 100, cs={"R": d}) for d in (2, 3, 4)]
    assert blocking_terms(ts, "inherit")[0] == 4


def test_per_task_bound_can_be_the_smaller():
    # h uses R and S; one less urgent task l holds R for 3 and S for 5
    # (nested or not, l blocks h once under inheritance): per task 5,
    # per resource 3 + 5 = 8 -> 5
    ts = [Task(1, 50, cs={"R": 1, "S": 1}, name="h"),
          Task(6, 100, cs={"R": 3, "S": 5}, name="l")]
    assert blocking_terms(ts, "inherit") == [5, 0]


def test_a_resource_only_less_urgent_tasks_use_blocks_nobody_above():
    # Z is used by m and l only (ceiling m): it cannot block h
    ts = [Task(1, 10, name="h"), Task(2, 20, cs={"Z": 2}, name="m"),
          Task(3, 40, cs={"Z": 3}, name="l")]
    assert blocking_terms(ts, "inherit") == [0, 3, 0]
    assert blocking_terms(ts, "ceiling") == [0, 3, 0]


def test_push_through_blocking_of_a_task_that_uses_nothing():
    # m uses no resource, but h and l share X: when l holds X and h waits,
    # l inherits h's priority and runs before m (push-through): m can be
    # blocked for l's section, 2
    ts = [Task(1, 10, cs={"X": 1}, name="h"), Task(1, 20, name="m"),
          Task(3, 40, cs={"X": 2}, name="l")]
    assert blocking_terms(ts, "inherit") == [2, 2, 0]


def test_response_times_use_the_computed_terms():
    # inherit, B = [4, 7, 4, 0]: t1 1 + 4 = 5; t2 R = 2 + 7 + ceil(R/10)
    # = 10; t3 R = 3 + 4 + ceil(R/10) + 2 ceil(R/20) = 10; t4 R = 4 +
    # ceil(R/10) + 2 ceil(R/20) + 3 ceil(R/40) = 10
    assert response_times(SET, protocol="inherit") == [5, 10, 10, 10]
    # ceiling, B = [4, 4, 4, 0]: t2 2 + 4 + 1 = 7, the others as above
    assert response_times(SET, protocol="ceiling") == [5, 7, 10, 10]
    # without a protocol the tasks' own B (0 here) is used
    assert response_times(SET) == [1, 3, 6, 10]


def test_fractional_sections_stay_exact():
    ts = [Task(1, 10, cs={"A": 0.5}), Task(2, 20, cs={"A": 1.5})]
    assert blocking_terms(ts, "inherit") == [1.5, 0]


def test_bad_critical_sections_and_protocols():
    with pytest.raises(ValueError, match="at most C"):
        Task(1, 10, cs={"A": 2})
    with pytest.raises(ValueError, match="positive"):
        Task(1, 10, cs={"A": 0})
    with pytest.raises(TypeError, match="cs must be a dict"):
        Task(1, 10, cs=["A"])
    with pytest.raises(ValueError, match="offset O"):
        Task(1, 10, O=-1)
    with pytest.raises(ValueError, match="core"):
        Task(1, 10, core=-1)
    with pytest.raises(ValueError, match="protocol"):
        blocking_terms(SET, "pip")
    assert Task(1, 10, O=2, cs={"A": 1}, core=1) == \
        Task(1, 10, O=2, cs={"A": 1}, core=1)
    assert "cs={'A': 1}" in repr(Task(1, 10, cs={"A": 1}))
