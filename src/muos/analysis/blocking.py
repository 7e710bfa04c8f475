"""Blocking terms from critical sections: how long a task can wait for
less urgent tasks holding resources it needs (or that a more urgent task
needs: push-through blocking), under priority inheritance or the
priority ceiling.

Owns: ``blocking_terms``. Tasks are listed most urgent first (index =
priority order); each task's ``cs`` maps a resource to its longest
critical section on it. A resource's ceiling is the most urgent task
that uses it. Only a less urgent task j holding a resource whose ceiling
is at least as urgent as task i can block i (directly, or by
push-through when inheritance raises j above i) [Buttazzo, Hard
Real-Time Computing Systems, 3rd ed., 2011, sections 7.6 and 7.7; Sha,
Rajkumar & Lehoczky, IEEE Trans. Computers 39(9), 1990]:

- priority inheritance ("inherit"): i is blocked at most once by each
  less urgent task and at most once on each resource, so B_i is the
  smaller of the sum over less urgent tasks of their longest such
  section and the sum over such resources of their longest section by a
  less urgent task (Buttazzo, theorems 7.1 and 7.2; the bound of
  section 7.6.2);
- priority ceiling ("ceiling", PCP or its immediate form, a PROTECT
  mutex): at most one critical section of one less urgent task, so B_i
  is the longest such section (Buttazzo, theorem 7.5).
"""

from fractions import Fraction

from .model import _exact, _result, _tasks

__all__ = ["blocking_terms", "PROTOCOLS"]

PROTOCOLS = ("inherit", "ceiling")


def blocking_terms(tasks, protocol="inherit"):
    """Each task's blocking term B (ticks), in task order, from the tasks'
    critical sections (``Task.cs``) under ``protocol``: "inherit"
    (priority inheritance) or "ceiling" (priority ceiling)."""
    tasks = _tasks(tasks)
    if protocol not in PROTOCOLS:
        raise ValueError("blocking_terms: protocol must be 'inherit' or "
                         "'ceiling', not %r" % (protocol,))
    ceiling = {}                       # resource -> most urgent user index
    for i, t in enumerate(tasks):
        for r in (t.cs or {}):
            if r not in ceiling:
                ceiling[r] = i
    out = []
    for i in range(len(tasks)):
        # the sections of less urgent tasks on resources that can block i
        per_task = []
        per_res = {}
        for j in range(i + 1, len(tasks)):
            longest = 0
            for r, d in (tasks[j].cs or {}).items():
                if ceiling[r] <= i:
                    d = _exact(d)
                    longest = max(longest, d)
                    per_res[r] = max(per_res.get(r, 0), d)
            if longest:
                per_task.append(longest)
        if protocol == "ceiling":
            b = max(per_task) if per_task else 0
        else:
            b = min(sum(per_task), sum(per_res.values()))
        b = Fraction(b)
        out.append(_result(b.numerator, b.denominator))
    return out
