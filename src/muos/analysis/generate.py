"""Random task sets (UUniFast, Bini & Buttazzo 2005; log-uniform periods,
Emberson, Stafford & Davis 2010): the input of the schedulability
experiment, drawn from a given ``rng`` so that any set can be made again,
and with execution times exact in the simulation's nanoseconds.
"""

import math

from .model import Task, _number
from .orders import rate_monotonic


def uunifast(n, total_u, rng):
    """``n`` task utilizations summing to ``total_u``, uniformly
    distributed over that simplex (Bini & Buttazzo 2005, UUniFast).
    ``rng`` has ``.random()`` (a ``random.Random``)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("uunifast: n must be an int, not %r" % (n,))
    if n < 1:
        raise ValueError("uunifast: n must be at least 1, not %r" % (n,))
    _number(total_u, "uunifast: total_u")
    if not total_u > 0:
        raise ValueError("uunifast: total_u must be positive, not %r"
                         % (total_u,))
    out = []
    rest = total_u
    for i in range(1, n):
        nxt = rest * rng.random() ** (1.0 / (n - i))
        out.append(rest - nxt)
        rest = nxt
    out.append(rest)
    return out


def random_taskset(n, total_u, rng, periods=(10, 1000), digits=3):
    """``n`` implicit-deadline tasks of total utilization about
    ``total_u``, listed rate-monotonic: utilizations by UUniFast, whole
    periods log-uniform in ``periods`` (Emberson, Stafford & Davis 2010),
    C = U*T rounded to ``digits`` decimals of a tick (at least one unit
    of that), so that the simulation (nanoseconds) is exact."""
    lo, hi = periods
    if not 1 <= lo <= hi:
        raise ValueError("random_taskset: periods must be (lo, hi) with "
                         "1 <= lo <= hi, not %r" % (periods,))
    us = uunifast(n, total_u, rng)
    tasks = []
    unit = 10.0 ** -digits
    for i, u in enumerate(us):
        # log-uniform over [lo - 0.5, hi + 0.5), rounded: every whole
        # period in [lo, hi] gets its share
        t = int(round(math.exp(rng.uniform(math.log(lo - 0.5),
                                           math.log(hi + 0.5)))))
        t = min(max(t, lo), hi)
        c = max(round(u * t, digits), unit)
        c = min(c, t)
        tasks.append(Task(c, t, name="t%d" % (i + 1)))
    return rate_monotonic(tasks)
