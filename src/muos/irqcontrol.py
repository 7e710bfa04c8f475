"""What the interrupt controller does (irq.py holds its state): triggers,
the dispatch of the most urgent pending line, its handler's CPU time,
masking, software timers' expiries and triggers from other OS threads.

Owns: ``InterruptControl`` (``Interrupts``'s base on CPython, which
declares the fields for Cython; on MicroPython loaded at the first use of
one of its names: ``compat.cold_part``, so a program without interrupt
lines, timers or critical sections keeps it out of a board's heap),
``MASK_ALL`` and ``check_irq_priority``. Imports ``diag``, ``errors``.
The kernel loop calls ``dispatch()`` and ``run_top()``; nothing here
switches threads.

Model (API.md): a trigger sets the line's pending bit (a trigger while
pending is counted as ``missed``, as on an NVIC). At the next decision
point the most urgent pending line above both the current handler's
priority and the mask starts: its handler's Python code runs at once, in
interrupt context, then the CPU stays in the handler for ``cost`` (plus
the port's ``isr_entry_cost``) before anything less urgent runs. A more
urgent line preempts that time. Threads run only when no handler is
active, so a thread a handler woke runs when the last nested handler
returns.
"""

from .diag import report
from .errors import MuosError

__all__ = ("InterruptControl", "MASK_ALL", "check_irq_priority")

MASK_ALL = 256      # above every interrupt priority
# handlers started at one instant beyond which simulated time can never
# move again: a zero-cost handler that triggers itself (issue 14 #8)
STORM = 100000


def check_irq_priority(p, what):
    if type(p) is not int:
        raise TypeError("%s: priority must be an int from 1 to 255, not %r"
                        % (what, p))
    if p < 1 or p > 255:
        raise ValueError("%s: priority %r out of range 1..255" % (what, p))
    return p


class InterruptControl:
    """The interrupt controller's work (see the module doc)."""

    # -- software timers: their callbacks run in one interrupt --
    def timer_expired(self, timer):
        if self.timer_irq is None:
            self.timer_irq = self.k.interrupt("timers", self._run_timers)
        self.due_timers.append(timer)
        if not self.timer_irq._pending:    # queued, not missed
            self.trigger(self.timer_irq)

    def cancel_timer(self, timer):
        """Drop a stopped timer's expiries not yet run."""
        due = self.due_timers
        while timer in due:
            due.remove(timer)

    def _run_timers(self):
        due = self.due_timers
        while due:
            # one at a time: a callback may stop a timer due after it
            tm = due.pop(0)
            if self.k._trace is not None:
                self.k._trace.on_timer(self.k, tm)
            try:
                tm._run()
            except Exception as e:
                report("timer %r callback" % tm.name, e)

    def trigger(self, irq, t=None):
        if irq._pending:
            irq.stats.missed += 1
            return
        irq._pending = True
        irq._t_trigger = self.k._now if t is None else t
        self._seq += 1
        irq._seq = self._seq
        self.pending.append(irq)

    def level(self):
        """Priority below which nothing may start now."""
        lv = self.mask
        if self.stack:
            p = self.stack[-1][0].priority
            if p > lv:
                lv = p
        return lv

    # -- triggers from outside the kernel's thread (real ports) --
    def post_foreign(self, irq, t=None):
        """Queue a trigger from an OS thread, a signal handler or a
        scheduled hardware IRQ, stamped with the port time ``t`` (ns, now
        by default), and wake the port. Only appends: safe between any two
        bytecodes of the kernel; the kernel loop drains the queue."""
        port = self.k.port
        self.foreign.append((irq, port.now() if t is None else t))
        port.wake()

    def drain(self):
        """Deliver the queued foreign triggers, oldest first. The kernel's
        clock catches up with the port first; each trigger's latency runs
        from its own stamp."""
        k = self.k
        now = k.port.now()
        if now > k._now:
            k._now = now
        f = self.foreign
        while f:
            irq, t = f.pop(0)
            self.trigger(irq, t if t < k._now else k._now)

    def dispatch(self):
        """Start the most urgent pending line allowed to run; True if one
        started. Foreign triggers are delivered first."""
        if self.foreign:
            self.drain()
        pend = self.pending
        if not pend:
            return False
        best = None
        for irq in pend:
            if best is None or irq.priority > best.priority:
                best = irq
        if best.priority <= self.level():
            return False
        pend.remove(best)
        best._pending = False
        k = self.k
        if k._now != self._storm_at:
            self._storm_at = k._now
            self._storm_n = 0
        self._storm_n += 1
        if self._storm_n > STORM:
            raise MuosError(
                "interrupt storm: line %r started %d handlers at tick %s "
                "and simulated time cannot pass (a handler of cost 0 that "
                "triggers its own line?)" % (best.name, self._storm_n - 1,
                                            k.now))
        best.stats._record(k._now - best._t_trigger)
        best.stats._started(k._now, best._cost_ns + self.entry_ns)
        frame = best._frame       # [irq, remaining ns]
        frame[1] = best._cost_ns + self.entry_ns
        self.stack.append(frame)
        k._isr += 1
        if k._trace is not None:
            k._trace.on_isr_enter(k, best)
        try:
            best.handler()
        except Exception as e:
            report("interrupt handler %r" % best.name, e)
        return True

    def run_top(self, until_ns):
        """Let the innermost handler's CPU time pass, up to the next event;
        pops the frame when its time is used up."""
        k = self.k
        frame = self.stack[-1]
        now = k._now
        if frame[1] > 0:
            target = now + frame[1]
            nt = k._tq.next_time()
            if nt is not None and nt < target:
                target = nt
            if until_ns is not None and target > until_ns:
                target = until_ns
            new = k.port.advance(target, True)
            k._now = new
            frame[1] -= new - now
            frame[0].stats._cpu += new - now
        if frame[1] <= 0:
            self.stack.pop()
            k._isr -= 1
            if k._trace is not None:
                k._trace.on_isr_exit(k, frame[0])

    # -- critical sections --------------------------------------------------
    def set_mask(self, level):
        old = self.mask
        k = self.k
        if old == 0 and level > 0:
            self.masked_since = k._now
            self.masked_by = k._current if not k._isr else None
        elif old > 0 and level == 0:
            k.stats.on_masked(k, self.masked_by,
                              k._now - self.masked_since)
        self.mask = level
        return old
