"""Interrupts: lines, priorities, nesting, masking and their accounting.

Owns: ``Interrupt`` (one interrupt line: handler, priority, cost, pending
bit, latency statistics), ``IsrStats``, the critical-section context
managers and ``Interrupts``, the kernel's interrupt controller (pending
lines, the stack of active handlers, the mask). Imports ``errors``,
``stats``. The kernel loop calls ``dispatch()`` and
``run_top()``; nothing here switches threads.

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
from .units import ns_to_ticks

__all__ = ["Interrupt", "IsrStats", "Interrupts", "MASK_ALL",
           "check_irq_priority"]

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


class IsrStats:
    """Per interrupt line: trigger-to-handler latency and handler time."""

    __slots__ = ("name", "tick_hz", "count", "missed", "min_ns", "max_ns",
                 "sum_ns", "cpu_ns", "core", "run_ns", "gap_ns", "_last")

    def __init__(self, name, tick_hz):
        self.name = name
        self.tick_hz = tick_hz
        self.count = 0        # handler runs
        self.missed = 0       # triggers while already pending
        self.min_ns = None
        self.max_ns = 0
        self.sum_ns = 0
        self.cpu_ns = 0
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
        self.sum_ns += ns
        if self.min_ns is None or ns < self.min_ns:
            self.min_ns = ns
        if ns > self.max_ns:
            self.max_ns = ns

    @property
    def min(self):
        return None if self.min_ns is None else ns_to_ticks(self.min_ns,
                                                            self.tick_hz)

    @property
    def max(self):
        return None if not self.count else ns_to_ticks(self.max_ns,
                                                       self.tick_hz)

    @property
    def mean(self):
        if not self.count:
            return None
        return ns_to_ticks(self.sum_ns, self.tick_hz) / self.count

    @property
    def cpu_time(self):
        return ns_to_ticks(self.cpu_ns, self.tick_hz)

    def __repr__(self):
        return "<IsrStats %s n=%d min=%s max=%s mean=%s>" % (
            self.name, self.count, self.min, self.max, self.mean)


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

    @property
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


class _At:
    """A time-queue entry that triggers an interrupt once."""

    __slots__ = ("irq",)

    def __init__(self, irq):
        self.irq = irq

    def fire(self, kernel):
        self.irq._irqs.trigger(self.irq)


class _Every:
    """A time-queue entry that triggers an interrupt periodically,
    rescheduled from its own deadline (no drift)."""

    __slots__ = ("irq", "period", "when")

    def __init__(self, irq, period, when):
        self.irq = irq
        self.period = period
        self.when = when          # its own deadline, not when it fired

    def fire(self, kernel):
        irq = self.irq
        if irq is None:
            return
        self.when += self.period
        kernel._tq.push(self.when, self)
        irq._irqs.trigger(irq)


class Interrupts:
    """The interrupt controller of one kernel: pending lines, the stack of
    active handlers (``[irq, remaining_ns]`` frames) and the mask."""

    def __init__(self, kernel):
        self.k = kernel
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
        self._storm_at = -1      # the instant handlers last started at,
        self._storm_n = 0        # and how many started then

    def has_lines(self):
        """True when a line other than the software-timer one exists (an
        interrupt may then come from outside the kernel)."""
        timers = self.timer_irq
        for irq in self.k.interrupts:
            if irq is not timers:
                return True
        return False

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
            frame[0].stats.cpu_ns += new - now
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
