"""Interrupts: the kernel's interrupt controller, its state.

Owns: ``Interrupts`` (pending lines, the stack of active handlers, the
mask: what the kernel's checks read), moved with the time origin. What
it does once a program has lines, timers or critical sections (triggers,
dispatch, handlers' time, masking) is ``irqcontrol.InterruptControl``'s,
its base on CPython, loaded at first use on MicroPython; the lines
themselves (``Interrupt``, ``IsrStats``) are irqline.py's, loaded by a
program's first ``k.interrupt()``. Imports ``compat``, ``units``.
"""

from .compat import MICROPYTHON, cold_part
from .units import shifted

__all__ = ("Interrupts",)

if MICROPYTHON:    # (its work loads at first use: compat.cold_part)
    globals()["InterruptControl"] = object
else:
    from .irqcontrol import InterruptControl


class Interrupts(InterruptControl):
    """The interrupt controller of one kernel: pending lines, the stack of
    active handlers (``[irq, remaining_ns]`` frames) and the mask."""

    def __init__(self, kernel):
        self.k = kernel
        # (these three lists are never replaced: the kernel's loop holds
        # them; they change in place)
        self.pending = []        # lines with the pending bit, trigger order
        self.stack = []          # active frames, innermost last
        self.mask = 0            # lines of priority <= mask wait
        self.entry_ns = kernel.port.cost_ns("isr_entry_cost",
                                            kernel.tick_hz)
        self.masked_since = 0
        self.masked_by = None
        self._seq = 0
        self.foreign = []        # (irq, port ns) from other OS threads
        # the port's "not on the kernel's thread?" test (SimPort: none)
        self.is_foreign = getattr(kernel.port, "foreign", None)
        self.timer_irq = None    # runs expired software timers
        self.due_timers = []
        self.moving = False      # a rebase moves the stamps (rebase.py)
        self._storm_at = -1      # the instant handlers last started at,
        self._storm_n = 0        # and how many started then

    def rebase(self, d):
        """The kernel moved its time origin ``d`` later (rebase.py)."""
        # (only what still means something: a time that keeps moving back
        # would become a long int on a board)
        self._storm_at = -1        # an earlier instant than any to come
        if self.mask:
            self.masked_since = shifted(self.masked_since, d)
        f = self.foreign
        for i in range(len(f)):
            irq, t = f[i]
            f[i] = (irq, shifted(t, d))
        now = self.k._now
        lines = self.k.interrupts
        for i in range(len(lines)):
            irq = lines[i]
            if irq._pending:
                irq._t_trigger = shifted(irq._t_trigger, d)
            st = irq.stats
            last = st._last
            if last is not None:
                last = shifted(last, d)
                if st.gap_ns is not None and now - last > st.gap_ns:
                    last = None    # no gap from it can be the shortest
                st._last = last

    def has_lines(self):
        """True when a line other than the software-timer one exists (an
        interrupt may then come from outside the kernel)."""
        timers = self.timer_irq
        for irq in self.k.interrupts:
            if irq is not timers:
                return True
        return False


cold_part(Interrupts, "irqcontrol", "InterruptControl", (
    "timer_expired", "cancel_timer", "_run_timers", "trigger", "level",
    "post_foreign", "drain", "dispatch", "run_top", "set_mask"))
