"""SimPort: deterministic simulated time, the default port.

Owns: the simulated clock and its cost model. Imports nothing from muos
above the port contract. The four operations of the port contract
(DESIGN.md): ``attach(kernel)``, ``now()``, ``advance(until, busy)`` and
``wake()``. Simulated time jumps straight to ``until`` (tickless): the
cost of a simulation grows with events, not with simulated time.
"""

from ..compat import computed, computed_attrs
from ..units import shifted, tick_units
from . import Port

__all__ = ("SimPort",)


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
        self._random = None
        self._now = 0
        self.kernel = None

    @computed
    def random(self):
        """Its deterministic generator (``simrandom.Random``, seeded with
        ``seed``), made when first read."""
        r = self._random
        if r is None:
            from .simrandom import Random
            r = self._random = Random(self.seed)
        return r

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


computed_attrs(SimPort)
