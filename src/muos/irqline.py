"""Interrupt lines: ``Interrupt`` (handler, priority, cost, pending bit,
triggers at a tick or every period) and ``IsrStats`` (its latency and
handler time).

Owns the lines; irq.py's ``Interrupts`` (the controller) runs them.
Loaded by a program's first ``k.interrupt()`` (on MicroPython a program
without interrupts does not pay for it: about 1 KB of heap). Imports
``irq``, ``units``.
"""

from .compat import computed, computed_attrs
from .irqcontrol import check_irq_priority
from .units import ns_to_ticks, shifted

__all__ = ("Interrupt", "IsrStats")


class IsrStats:
    """Per interrupt line: trigger-to-handler latency and handler time."""

    __slots__ = ("name", "tick_hz", "count", "missed", "min_ns", "max_ns",
                 "_sum", "_cpu", "_sum_hi", "_cpu_hi", "_span", "core",
                 "run_ns", "gap_ns", "_last")

    def __init__(self, name, tick_hz):
        self.name = name
        self.tick_hz = tick_hz
        self.count = 0        # handler runs
        self.missed = 0       # triggers while already pending
        self.min_ns = None
        self.max_ns = 0
        # the latencies' and the handlers' CPU time sums: whole spans of
        # them moved to counts by the kernel's rebase (rebase.py)
        self._sum = self._cpu = self._sum_hi = self._cpu_hi = 0
        self._span = 0
        # what muos analyze models a line by: its core, the most CPU time
        # one handler run takes, the shortest time between two starts
        self.core = 0
        self.run_ns = 0
        self.gap_ns = None
        self._last = None

    def _started(self, now, run):
        """A handler run starts at ``now``, ``run`` ns of CPU long."""
        last = self._last
        if last is not None and (self.gap_ns is None
                                 or now - last < self.gap_ns):
            self.gap_ns = now - last
        self._last = now
        if run > self.run_ns:
            self.run_ns = run

    def _record(self, ns):
        self.count += 1
        self._sum += ns
        if self.min_ns is None or ns < self.min_ns:
            self.min_ns = ns
        if ns > self.max_ns:
            self.max_ns = ns

    @computed
    def sum_ns(self):
        """The sum of the trigger-to-handler latencies, kernel units."""
        return self._sum + self._sum_hi * self._span

    @computed
    def cpu_ns(self):
        """The handlers' CPU time, kernel time units."""
        return self._cpu + self._cpu_hi * self._span

    @computed
    def min(self):
        return None if self.min_ns is None else ns_to_ticks(self.min_ns,
                                                            self.tick_hz)

    @computed
    def max(self):
        return None if not self.count else ns_to_ticks(self.max_ns,
                                                       self.tick_hz)

    @computed
    def mean(self):
        if not self.count:
            return None
        return ns_to_ticks(self.sum_ns, self.tick_hz) / self.count

    @computed
    def cpu_time(self):
        return ns_to_ticks(self.cpu_ns, self.tick_hz)

    def __repr__(self):
        return "<IsrStats %s n=%d min=%s max=%s mean=%s>" % (
            self.name, self.count, self.min, self.max, self.mean)


computed_attrs(IsrStats)


class Interrupt:
    """One interrupt line (``k.interrupt(name, handler, ...)``)."""

    def __init__(self, kernel, name, handler, priority=1, cost=0,
                 irqs=None):
        what = "Interrupt %r" % (name,)
        if not callable(handler):
            raise TypeError("%s: handler must be a plain function, not %r"
                            % (what, handler))
        self.name = name
        self.handler = handler
        self.priority = check_irq_priority(priority, what)
        self.cost = cost
        self._kernel = kernel
        # the controller of its core (on one core, the kernel's)
        self._irqs = kernel._irqs if irqs is None else irqs
        self._cost_ns = kernel.to_ns(cost, what + ": cost")
        self._pending = False
        self._t_trigger = 0
        self._seq = 0
        self._every = None
        self._frame = [self, 0]   # its frame on the handler stack (reused:
        #                           a line is never on it twice)
        self.stats = IsrStats(name, kernel.tick_hz)

    def __repr__(self):
        return "<Interrupt %s prio=%d%s>" % (
            self.name, self.priority, " pending" if self._pending else "")

    @computed
    def pending(self):
        return self._pending

    def trigger(self):
        """Set the pending bit; the handler runs at the next decision point
        (a thread's next await). ISR-safe; thread-safe on host ports:
        from another OS thread (``port.foreign()``) it is queued, stamped
        with the port's time, and the port woken."""
        irqs = self._irqs
        if irqs.is_foreign is not None and irqs.is_foreign():
            irqs.post_foreign(self)
        else:
            irqs.trigger(self)

    def trigger_at(self, tick):
        """Trigger at the absolute ``tick``."""
        k = self._kernel
        k._tq.push(k.abs_ns(tick, "Interrupt %r.trigger_at" % self.name),
                   _At(self))

    def trigger_every(self, period, offset=0):
        """Trigger at ``offset + k*period`` for every such tick not in the
        past (until ``cancel()``)."""
        k = self._kernel
        what = "Interrupt %r.trigger_every" % self.name
        p = k.to_ns(period, what + ": period")
        if p <= 0:
            raise ValueError("%s: period must be positive, not %r"
                             % (what, period))
        off = k.abs_ns(offset, what + ": offset")
        now = k._now
        if off < now:
            off += -(-(now - off) // p) * p     # first one not in the past
        self.cancel()
        self._every = _Every(self, p, off)
        k._tq.push(off, self._every)

    def cancel(self):
        """Stop ``trigger_every``."""
        if self._every is not None:
            self._every.irq = None
            self._every = None


computed_attrs(Interrupt)


class _At:
    """A time-queue entry that triggers an interrupt once."""

    __slots__ = ("irq",)

    def __init__(self, irq):
        self.irq = irq

    def fire(self, kernel):
        self.irq._irqs.trigger(self.irq)

    def _rebase(self, d):
        pass                      # it keeps no time (rebase.py)


class _Every:
    """A time-queue entry that triggers an interrupt periodically,
    rescheduled from its own deadline (no drift)."""

    __slots__ = ("irq", "period", "when")

    def __init__(self, irq, period, when):
        self.irq = irq
        self.period = period
        self.when = when          # its own deadline, not when it fired

    def _rebase(self, d):
        self.when = shifted(self.when, d)     # (rebase.py)

    def fire(self, kernel):
        irq = self.irq
        if irq is None:
            return
        self.when += self.period
        kernel._tq.push(self.when, self)
        irq._irqs.trigger(irq)
