"""EDF schedulability on one core, and partitioning onto several cores.

Owns: ``edf_test`` (processor demand analysis, exact for arbitrary
deadlines, checked with Zhang & Burns' Quick Processor-demand Analysis,
IEEE Trans. Computers 58(9), 2009) and ``partition`` (bin-packing
heuristics by decreasing utilization, each core checked with response-
time analysis or the EDF test). Exact arithmetic on the scaled task
parameters (model.py), so a verdict never depends on rounding.
"""

from fractions import Fraction

from .model import _exact, _scaled, _tasks
from .rta import _busy_period

__all__ = ["edf_test", "partition", "HEURISTICS"]

HEURISTICS = ("ffd", "bfd", "wfd")


def _demand(ts, t):
    """h(t): the work of every job with release and deadline in [0, t]
    (synchronous release, scaled ints)."""
    h = 0
    for c, p, d, _, _ in ts:
        if t >= d:
            h += ((t - d) // p + 1) * c
    return h


def edf_test(tasks):
    """True when ``tasks`` meet every deadline under preemptive EDF on
    one core (synchronous periodic release, any deadlines): utilization
    at most 1 and the processor demand h(t) <= t at every absolute
    deadline t below the bound L (the synchronous busy period, or the
    tighter bound of Zhang & Burns when U < 1), tested by QPA."""
    tasks = _tasks(tasks)
    if not tasks:
        return True
    _, ts = _scaled(tasks)
    u = sum((Fraction(c, p) for c, p, _, _, _ in ts), Fraction(0))
    if u > 1:
        return False
    dmin = min(d for _, _, d, _, _ in ts)
    # L: the synchronous busy period bounds every deadline to check
    L = _busy_period([(c, p, d, 0, 0) for c, p, d, _, _ in ts], 0)
    if u < 1:
        la = max(max(d for _, _, d, _, _ in ts), max(
            (p - d) * Fraction(c, p) for c, p, d, _, _ in ts) / (1 - u))
        if la < L:
            L = la

    def last_deadline_before(x):
        best = None
        for _, p, d, _, _ in ts:
            if d < x:
                k = -((d - x) // p) - 1     # the last d + k p < x
                v = d + int(k) * p
                if best is None or v > best:
                    best = v
        return best

    t = last_deadline_before(L + 1 if L == int(L) else L)
    if t is None:
        return True
    while True:                          # QPA (Zhang & Burns 2009)
        h = _demand(ts, t)
        if h > t:
            return False
        if h <= dmin:
            return True
        if h < t:
            t = h
        else:
            t = last_deadline_before(t)
            if t is None:
                return True


def _fits(core, test):
    if test == "edf":
        return edf_test(core)
    from .rta import response_times
    return None not in response_times(core)


def partition(tasks, cores, heuristic="ffd", test="rta"):
    """``cores`` lists of tasks (each in the given order, most urgent
    first), each passing ``test`` ("rta": fixed priorities in that
    order; "edf"), placed by ``heuristic`` in order of decreasing
    utilization: "ffd" the first core it fits on, "bfd" the fullest,
    "wfd" the emptiest; None when a task fits on no core."""
    tasks = _tasks(tasks)
    if type(cores) is not int or cores < 1:
        raise ValueError("partition: cores must be a positive int, not %r"
                         % (cores,))
    if heuristic not in HEURISTICS:
        raise ValueError("partition: heuristic must be 'ffd', 'bfd' or "
                         "'wfd', not %r" % (heuristic,))
    if test not in ("rta", "edf"):
        raise ValueError("partition: test must be 'rta' or 'edf', not %r"
                         % (test,))
    order = {id(t): i for i, t in enumerate(tasks)}
    bins = [[] for _ in range(cores)]
    load = [Fraction(0)] * cores
    for t in sorted(tasks, key=lambda t: -_exact(t.C) / _exact(t.T)):
        fits = []
        for i in range(cores):
            trial = sorted(bins[i] + [t], key=lambda x: order[id(x)])
            if _fits(trial, test):
                fits.append(i)
                if heuristic == "ffd":
                    break
        if not fits:
            return None
        if heuristic == "bfd":
            i = max(fits, key=lambda k: (load[k], -k))
        elif heuristic == "wfd":
            i = min(fits, key=lambda k: (load[k], k))
        else:
            i = fits[0]
        bins[i] = sorted(bins[i] + [t], key=lambda x: order[id(x)])
        load[i] += _exact(t.C) / _exact(t.T)
    return bins
