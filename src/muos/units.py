"""Time units: ticks and the kernel's integer clock.

Owns: the one conversion between ticks and the kernel's time unit, and
how often a kernel moves its time origin (``rebase_span``). Imports
``sys`` only. The kernel counts time in integers of a unit chosen so
that a tick is a whole number of them at every ``tick_hz`` (API.md:
time stays exact in whole ticks, no drift, at any tick rate): the
nanosecond when ``tick_hz`` divides 10**9 (at 1000 Hz a tick is 10**6
of them), else 1/N ns with N = tick_hz / gcd(10**9, tick_hz) (at 1024
Hz half a nanosecond, 1,953,125 to the tick; at 32768 Hz 1/64 ns). The
fields named ``*_ns`` hold this unit; ``units_to_ns`` gives real
nanoseconds (exporters, real ports).
"""

__all__ = ("tick_units", "units_per_ns", "ns_to_ticks", "ticks_to_ns",
           "units_to_ns", "rebase_span", "public_ticks", "shifted",
           "small_int")

import sys

_SECOND = 1000000000
# small ints of 31 bits (a 32-bit MicroPython port): kernel times past
# 2**30 units would be long ints, a new one on the heap at each sum
_SMALL_31 = (sys.implementation.name == "micropython"
             and sys.maxsize < (1 << 40))
_INF = float("inf")
_known = {}  # type: dict  # tick_hz -> (units per tick, units per ns)

# How often a kernel moves its time origin (rebase.py), in ticks: None,
# where small ints have 31 bits (about every 2**28 units, 0.27 s at 1000
# Hz) and never elsewhere; 0: never; n: when the clock passes 2n ticks
# (the tests force a few ticks to check that no one can tell)
REBASE_TICKS = None


def _units(tick_hz):
    u = _known.get(tick_hz)
    if u is None:
        a, b = _SECOND, tick_hz
        while b:
            a, b = b, a % b          # a = gcd(10**9, tick_hz)
        u = _known[tick_hz] = (_SECOND // a, tick_hz // a)
    return u


def tick_units(tick_hz):
    """Kernel time units in one tick."""
    return _units(tick_hz)[0]


def units_per_ns(tick_hz):
    """Kernel time units in one nanosecond (1 when tick_hz divides 10**9)."""
    return _units(tick_hz)[1]


def units_to_ns(t, tick_hz):
    """Kernel time units to nanoseconds (an int when exact)."""
    n = _units(tick_hz)[1]
    if n == 1 or t % n == 0:
        return t // n
    return t / n


def ns_to_ticks(ns, tick_hz):
    """Kernel time units to ticks: an int when exact, else a float."""
    u = _units(tick_hz)[0]
    # (not divmod: on a 32-bit MicroPython its quotient past 2**30 stays
    # a long int, 32 bytes of heap for every muos.now())
    if ns % u == 0:
        return ns // u
    return ns / u


def ticks_to_ns(ticks, tick_hz, what="duration"):
    """Ticks (int or float, >= 0) to kernel time units, or a clear
    error naming ``what``."""
    tp = type(ticks)
    if tp is int:
        if ticks < 0:
            raise ValueError("%s must not be negative, not %r"
                             % (what, ticks))
        return ticks * _units(tick_hz)[0]
    if tp is float:
        if not 0.0 <= ticks < _INF:     # NaN and infinity refused too
            raise ValueError("%s must be a non-negative number of ticks, "
                             "not %r" % (what, ticks))
        return int(round(ticks * _units(tick_hz)[0]))
    raise TypeError("%s must be an int or float of ticks, not %r"
                    % (what, ticks))


def public_ticks(ns, epoch_ticks, tick_hz):
    """Kernel time ``ns`` of an origin ``epoch_ticks`` after the run's
    start (rebase.py) as ticks since the start: exact, and without a long
    int on a board when ``ns`` is a whole tick."""
    t = ns_to_ticks(ns, tick_hz)
    if not epoch_ticks or type(t) is int:
        return epoch_ticks + t
    return ns_to_ticks(ns + epoch_ticks * _units(tick_hz)[0], tick_hz)


# from 2**30 on, a long int on a 32-bit MicroPython (these constants are
# made once: -_LONG or _LONG >> 1 would make a new long at each use)
_LONG = 1 << 30
_NEG_LONG = -_LONG
_HALF = 1 << 29


def small_int(v):
    """``v`` (``|v| < 2**30``) as a small int. MicroPython's long-int
    arithmetic returns a long even when the value is small, and a long
    stays one through every sum after (each a new one on the heap): what
    a shift or a fold leaves of a value that was long is rebuilt bit by
    bit, by comparisons only (they allocate nothing)."""
    if v < 0:
        return -small_int(-v)
    r = 0
    b = _HALF
    while b:
        if v >= r + b:
            r += b
        b >>= 1
    return r


def shifted(v, d):
    """``v - d`` (a time moved by a rebase), a small int whenever its
    value is one (see ``small_int``)."""
    r = v - d
    if (_SMALL_31 and (v >= _LONG or v <= _NEG_LONG or d >= _LONG)
            and _NEG_LONG < r < _LONG):
        return small_int(r)
    return r


def rebase_span(tick_hz):
    """The span S (kernel time units, whole ticks) a kernel subtracts
    from its times when its clock passes 2S, or None: never."""
    n = REBASE_TICKS
    u = _units(tick_hz)[0]
    if n is None:
        if not _SMALL_31:
            return None
        n = (1 << 28) // u or 1
    elif type(n) is not int or n < 0:
        raise ValueError("muos.units.REBASE_TICKS must be None or an int "
                         ">= 0, not %r" % (n,))
    return n * u if n else None
