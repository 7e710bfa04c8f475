"""SimPort: deterministic simulated time, the default port.

Owns: the simulated clock and its cost model. Imports nothing from muos
above the port contract. The four operations of the port contract
(DESIGN.md): ``attach(kernel)``, ``now()``, ``advance(until, busy)`` and
``wake()``. Simulated time jumps straight to ``until`` (tickless): the
cost of a simulation grows with events, not with simulated time.
"""

from ..units import shifted, tick_units
from . import Port

__all__ = ("SimPort", "Random")


class Random:
    """A small deterministic generator (xorshift64*), identical on CPython
    and MicroPython, so that a seed gives the same run everywhere."""

    def __init__(self, seed=0):
        self.seed(seed)

    def seed(self, seed):
        s = (int(seed) * 0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D) \
            & 0xFFFFFFFFFFFFFFFF
        self._s = s or 0x2545F4914F6CDD1D

    def _next(self):
        x = self._s
        x ^= x >> 12
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 27
        self._s = x
        return (x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF

    def random(self):
        """A float in [0, 1)."""
        return (self._next() >> 11) / 9007199254740992.0

    def randint(self, a, b):
        """An int in [a, b]."""
        if b < a:
            raise ValueError("randint: empty range %r..%r" % (a, b))
        return a + self._next() % (b - a + 1)

    def uniform(self, a, b):
        return a + (b - a) * self.random()

    def choice(self, seq):
        return seq[self._next() % len(seq)]


class SimPort(Port):
    """Simulated time: deterministic for a given program and seed.

    Costs are in ticks (fractions allowed) and default to zero so that
    analytic results (response-time analysis) hold exactly.
    """

    smp = True       # Kernel(cores=N > 1) runs on it

    def __init__(self, *, seed=0, switch_cost=0, tick_cost=0,
                 isr_entry_cost=0, power=None):
        for what, v in (("switch_cost", switch_cost),
                        ("tick_cost", tick_cost),
                        ("isr_entry_cost", isr_entry_cost)):
            if type(v) not in (int, float):
                raise TypeError("SimPort: %s must be a number of ticks, "
                                "not %r" % (what, v))
            if not 0 <= v < float("inf"):
                raise ValueError("SimPort: %s must be a finite number of "
                                 "ticks >= 0, not %r" % (what, v))
        self.seed = seed
        self.switch_cost = switch_cost
        self.tick_cost = tick_cost
        self.isr_entry_cost = isr_entry_cost
        self.power = power
        self.random = Random(seed)
        self._now = 0
        self.kernel = None

    def attach(self, kernel):
        if self.kernel is not None and self.kernel is not kernel:
            raise ValueError("SimPort: already attached to another kernel")
        self.kernel = kernel

    def cost_ns(self, what, tick_hz):
        v = getattr(self, what)
        return int(round(v * tick_units(tick_hz)))

    def now(self):
        return self._now

    def advance(self, until_ns, busy):
        """Let simulated time jump to ``until_ns``; returns the new time."""
        if until_ns > self._now:
            self._now = until_ns
        return self._now

    def wake(self):
        """Nothing to cut short: simulated time never waits."""
        return None

    def rebase(self, d):
        """The kernel moved its time origin ``d`` later (rebase.py)."""
        self._now = shifted(self._now, d)
