"""Response-time analysis for fixed-priority preemptive scheduling (Joseph &
Pandya 1986, Audsley et al. 1993) with blocking, release jitter (Tindell,
Burns & Wellings 1994) and arbitrary deadlines (Lehoczky 1990): the exact
test, the one the simulation must agree with to the tick. Also the busy
period and the hyperperiod, which bound how long a simulation must run.
"""

import math
from fractions import Fraction

from .model import Task, _result, _scaled, _tasks


def _unbounded(level, b, u):
    """True if the level-i busy period never ends: utilization above 1, or
    exactly 1 with blocking or jitter adding work the CPU never catches
    up with."""
    return u > 1 or (u == 1 and (b > 0 or any(x[4] for x in level)))


def _busy_period(level, b):
    """The longest level-i busy period: the least L with L = B +
    sum(ceil((L + J_j)/T_j) C_j) over ``level`` (scaled ints)."""
    w = b + sum(x[0] for x in level)
    while True:
        nw = b + sum(-(-(w + x[4]) // x[1]) * x[0] for x in level)
        if nw == w:
            return w
        w = nw


def _response(i, ts, limit):
    """Worst response of task ``i`` of the scaled set ``ts`` (most urgent
    first), or None when it is unbounded or exceeds ``limit`` (None: no
    limit). Lehoczky's busy period: jobs q = 0, 1, ... of the level-i busy
    period that starts at the critical instant, each finishing at the
    least w(q) = B + (q+1)C + sum over more urgent j of ceil((w(q) +
    J_j)/T_j) C_j; its response is w(q) - qT + J. The busy period goes on
    while job q ends after job q+1 arrives (w(q) + J > (q+1)T)."""
    c, t, _, b, j = ts[i]
    hp = ts[:i]
    u = sum((Fraction(x[0], x[1]) for x in ts[:i + 1]), Fraction(0))
    if _unbounded(ts[:i + 1], b, u):
        return None
    worst = 0
    q = 0
    w = b + c
    while True:
        base = b + (q + 1) * c
        while True:
            nw = base + sum(-(-(w + x[4]) // x[1]) * x[0] for x in hp)
            if limit is not None and nw - q * t + j > limit:
                return None      # w only grows: this job is late already
            if nw == w:
                break
            w = nw
        r = w - q * t + j
        if r > worst:
            worst = r
        if w + j <= (q + 1) * t:
            return worst
        q += 1
        w += c       # w(q+1) >= w(q) + C: start the iteration there


def response_times(tasks, protocol=None):
    """Worst-case response times under fixed-priority preemptive
    scheduling, tasks listed most urgent first: a list with, for each
    task, its worst response R (ticks, counted from the nominal release,
    so including jitter and blocking), or None if R > D (or unbounded).
    ``protocol`` ("inherit" or "ceiling"): each task's blocking term is
    computed from the critical sections (``blocking_terms``) instead of
    its ``B``.

    Exact for synchronous release with arbitrary deadlines: when D > T a
    job may still run when the next is released, and the worst job of the
    level-i busy period need not be the first (Lehoczky 1990)."""
    tasks = _tasks(tasks)
    if protocol is not None:
        from .blocking import blocking_terms
        tasks = [_with_b(t, b) for t, b in
                 zip(tasks, blocking_terms(tasks, protocol))]
    den, ts = _scaled(tasks)
    out = []
    for i in range(len(ts)):
        r = _response(i, ts, ts[i][2])
        out.append(None if r is None else _result(r, den))
    return out


def _with_b(t, b):
    """``t`` with blocking term ``b``."""
    return Task(t.C, t.T, t.D, t.name, b, t.J, t.O, t.cs, t.core)


def worst_responses(tasks):
    """Like ``response_times``, but each task's worst response even when
    it exceeds the deadline (None only when unbounded: the level's
    utilization is above 1). Lower tasks are analysed as if the late
    task's jobs all ran in full, as they do on muos (no job is
    skipped)."""
    den, ts = _scaled(_tasks(tasks))
    out = []
    for i in range(len(ts)):
        r = _response(i, ts, None)
        out.append(None if r is None else _result(r, den))
    return out


def busy_period(tasks):
    """Length of the synchronous busy period of the whole set: all tasks
    released at 0 (with their jitter, and after the largest blocking
    term), the CPU is busy from 0 to then. None if it never ends
    (utilization above 1, or 1 with blocking or jitter)."""
    tasks = _tasks(tasks)
    if not tasks:
        return 0
    den, ts = _scaled(tasks)
    b = max(x[3] for x in ts)
    u = sum((Fraction(x[0], x[1]) for x in ts), Fraction(0))
    if _unbounded(ts, b, u):
        return None
    return _result(_busy_period(ts, b), den)


def hyperperiod(tasks):
    """The least common multiple of the periods (exact for fractional
    periods)."""
    tasks = _tasks(tasks)
    if not tasks:
        return 0
    den, ts = _scaled(tasks)
    h = 1
    for x in ts:
        h = h * x[1] // math.gcd(h, x[1])
    return _result(h, den)
