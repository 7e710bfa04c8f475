"""The utilization tests for rate-monotonic priorities (Liu & Layland 1973,
the hyperbolic bound of Bini, Buttazzo & Buttazzo 2003, with blocking):
quick answers that are sufficient only, kept apart from the exact
response-time analysis they are compared with.
"""

from fractions import Fraction

from .model import _exact, _tasks
from .orders import rate_monotonic


def utilization(tasks):
    """Total utilization, the sum of C/T (a float)."""
    return float(sum((_exact(t.C) / _exact(t.T) for t in _tasks(tasks)),
                     Fraction(0)))


def liu_layland_bound(n):
    """Liu & Layland's (1973) bound n(2^(1/n) - 1): any n implicit-deadline
    tasks whose utilization is at most this meet every deadline under
    rate-monotonic priorities."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("liu_layland_bound: n must be an int, not %r"
                        % (n,))
    if n < 1:
        raise ValueError("liu_layland_bound: n must be at least 1, not %r"
                         % (n,))
    return n * (2.0 ** (1.0 / n) - 1.0)


def _utilization_test_applies(tasks):
    # both bounds assume deadlines no shorter than periods and no jitter;
    # blocking is folded in per task (Sha, Rajkumar & Lehoczky 1990)
    return all(_exact(t.D) >= _exact(t.T) and t.J == 0 for t in tasks)


def liu_layland_test(tasks):
    """True if the Liu & Layland bound guarantees the set under
    rate-monotonic priorities: for each task i in rate-monotonic order,
    sum(C/T of i and the more urgent) + B_i/T_i <= i(2^(1/i) - 1)
    (Sha, Rajkumar & Lehoczky's form with blocking; without blocking it
    is U <= n(2^(1/n) - 1)). A sufficient test: False means "not
    proven", and it never proves sets with D < T or with jitter."""
    tasks = _tasks(tasks)
    if not tasks or not _utilization_test_applies(tasks):
        return not tasks
    u = Fraction(0)
    for i, t in enumerate(rate_monotonic(tasks)):
        u += _exact(t.C) / _exact(t.T)
        if float(u + _exact(t.B) / _exact(t.T)) > liu_layland_bound(i + 1):
            return False
    return True


def hyperbolic_test(tasks):
    """True if the hyperbolic bound guarantees the set under
    rate-monotonic priorities: prod(U_i + 1) <= 2 (Bini, Buttazzo &
    Buttazzo 2003; with blocking, for each task i in rate-monotonic
    order, prod over the more urgent (U_j + 1) * (U_i + B_i/T_i + 1) <=
    2). Sufficient only, and tighter than Liu & Layland; never proves
    sets with D < T or with jitter."""
    tasks = _tasks(tasks)
    if not tasks or not _utilization_test_applies(tasks):
        return not tasks
    p = Fraction(1)
    for t in rate_monotonic(tasks):
        u = _exact(t.C) / _exact(t.T)
        if p * (u + _exact(t.B) / _exact(t.T) + 1) > 2:
            return False
        p *= u + 1
    return True


def _hyperbolic_product(tasks):
    p = Fraction(1)
    for t in tasks:
        p *= _exact(t.C) / _exact(t.T) + 1
    return float(p)
