"""Time units: ticks and the kernel's integer clock.

Owns: the one conversion between ticks and the kernel's time unit.
Imports nothing. The kernel counts time in integers of a unit chosen so
that a tick is a whole number of them at every ``tick_hz`` (API.md:
time stays exact in whole ticks, no drift, at any tick rate): the
nanosecond when ``tick_hz`` divides 10**9 (at 1000 Hz a tick is 10**6
of them), else 1/N ns with N = tick_hz / gcd(10**9, tick_hz) (at 1024
Hz half a nanosecond, 1,953,125 to the tick; at 32768 Hz 1/64 ns). The
fields named ``*_ns`` hold this unit; ``units_to_ns`` gives real
nanoseconds (exporters, real ports).
"""

__all__ = ("tick_units", "units_per_ns", "ns_to_ticks", "ticks_to_ns",
           "units_to_ns", "rebase_span", "public_ticks")

_SECOND = 1000000000
_INF = float("inf")
_known = {}  # type: dict  # tick_hz -> (units per tick, units per ns)

# How often a kernel moves its time origin (rebase.py), in ticks: None,
# never. Not yet on by default anywhere (docs/architecture.md, "Not yet
# bounded"); the tests force a few ticks to check that no one can tell.
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


def rebase_span(tick_hz):
    """The span S (kernel time units, whole ticks) a kernel subtracts
    from its times when its clock passes 2S, or None: never."""
    n = REBASE_TICKS
    if n is None:
        return None
    if type(n) is not int or n < 1:
        raise ValueError("muos.units.REBASE_TICKS must be None or an int "
                         ">= 1, not %r" % (n,))
    return n * _units(tick_hz)[0]
