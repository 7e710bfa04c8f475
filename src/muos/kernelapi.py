"""The kernel's cold part: what a program asks of a kernel besides
running it (its interrupt lines, stop and close, the scheduling
settings, the clocks, absolute times, views of its threads).

Owns: ``KernelApi`` (``KernelBase``'s base on CPython; on MicroPython
loaded at the first use of one of its names: ``compat.cold_part``).
Imports ``compat``, ``diag``, ``errors``, ``running``, ``thread``,
``units``, ``kernelbase`` (``valid_slice``; loaded whenever
this is), and ``irqline`` and ``clocks`` when first used.
"""

from . import running
from .compat import computed, computed_attrs
from .diag import waiting_for
from .errors import ContextError
from .thread import READY, SUSPENDED, TERMINATED, prime
from .units import units_per_ns

__all__ = ("KernelApi",)


class KernelApi:
    """``Kernel``'s API beyond running (see the module doc)."""

    __slots__ = ()

    # -- absolute times (a timer's, a job's start, sleep_until) --
    def abs_ns(self, tick, what="time"):
        """An absolute tick (may be in the past) to kernel time (since
        the origin of rebase.py)."""
        tp = type(tick)
        if tp is int or tp is float:
            tick -= self._epoch_ticks
        return self._signed_ns(tick, what)

    def _signed_ns(self, ticks, what):
        """Ticks (int or float, may be negative) to kernel time units."""
        if type(ticks) in (int, float) and ticks < 0:
            return -self.to_ns(-ticks, what)
        return self.to_ns(ticks, what)

    def prime(self, t):
        """Make thread ``t``'s first steps allocate nothing (before
        ``micropython.heap_lock()``: muos.asyncio's tasks): thread.prime."""
        prime(self, t)

    # -- interrupts and timers --
    def interrupt(self, name, handler, *, priority=1, cost=0, core=0):
        """A new interrupt line whose ``handler()`` runs in interrupt
        context when triggered (see irq.py), on ``core``."""
        n = 1 if self._cores is None else len(self._cores)
        if type(core) is not int or not 0 <= core < n:
            raise ValueError("Kernel.interrupt %r: core %r out of range "
                             "0..%d" % (name, core, n - 1))
        from .irqline import Interrupt    # (MicroPython: loaded now)
        irq = Interrupt(self, name, handler, priority, cost,
                        self._irqs if n == 1 else self._cores[core]._irqs)
        irq.stats.core = core
        self.interrupts.append(irq)
        self.stats.isr_latency[name] = irq.stats
        return irq

    def close(self):
        """End every live thread but idle now, in this kernel (muos.run
        does when it returns): their ``finally`` blocks run as themselves,
        not later in the garbage collector, maybe inside another run."""
        try:
            running.enter(self)
        except ContextError:       # another kernel runs in this OS thread
            for t in self._threads:
                if t.state != TERMINATED and t.switches == 0:
                    t._coro.close()     # never started: discarded
            return
        tr, self._trace = self._trace, None      # not traced
        if self._current is not None:       # run() returned at until=
            self._current.state = READY
            self._current = None
        try:
            for t in list(self._threads):
                if t.base_priority != 0 and t.state != TERMINATED:
                    t.kill()
        finally:
            running.leave(self)
            self._trace = tr

    def stop(self):
        """Make ``run()`` return at the caller's next await (from a
        thread, a handler, or another OS thread on a real port)."""
        self._stop = True
        wake = getattr(self.port, "wake", None)
        if wake is not None:
            wake()

    # read/write, and read by the kernel under their public names: on
    # MicroPython they are plain attributes (no setter: compat.py)
    def _get_preemptive(self):
        """False: cooperative, a thread keeps the CPU until it blocks,
        yields or ends (read/write; stored as a bool)."""
        return self._preemptive

    def _set_preemptive(self, v):
        self._preemptive = bool(v)

    preemptive = computed(_get_preemptive, _set_preemptive)

    # -- time --
    def _get_slice(self):
        """Ticks of a round-robin slice, or None (read/write)."""
        return self._slice

    def _set_slice(self, v):
        from .kernelbase import valid_slice
        self._slice = valid_slice(v)

    time_slice = computed(_get_slice, _set_slice)

    # -- threads --
    @computed
    def threads(self):
        return [t for t in self._threads if t.state != TERMINATED]

    # -- the clocks of µOS++, made when first read (MicroPython: clocks.py
    # is loaded only by a program that uses one) --
    @computed
    def sysclock(self):
        """Ticks (``Clock``)."""
        return self._clock(0)

    @computed
    def rtclock(self):
        """Whole seconds, settable (``RealTimeClock``)."""
        return self._clock(1)

    @computed
    def hrclock(self):
        """Nanoseconds (``Clock``)."""
        return self._clock(2)

    def _clock(self, i):
        c = self._clocks
        if c is None:
            from .clocks import Clock, RealTimeClock
            c = self._clocks = (
                Clock(self, "sysclock", self._tick), RealTimeClock(self),
                Clock(self, "hrclock", units_per_ns(self.tick_hz)))
        return c[i]

    @computed
    def current(self):
        return self._current

    def blocked(self):
        """{thread name: what it waits for} of every blocked thread."""
        out = {}
        for t in self._threads:
            if t.state == SUSPENDED:
                out[t.name] = waiting_for(t._trap)
        return out


computed_attrs(KernelApi)
