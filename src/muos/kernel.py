"""The kernel: run loop, current thread, ready list, traps, priorities.

Owns: ``Kernel`` and the notion of "the running kernel". Imports the
layers below it (thread, ready, timeq, waitq, traps, stats, trace, errors,
ports.sim). It never knows what a semaphore or a mutex is: objects give it
traps (``obj._try(trap)`` and ``trap.q``) and call ``wake()``; a wait
queue's ``on_change`` hook is how inheritance propagates through it.

Time is an integer count of nanoseconds (``self._now``); the port decides
how it passes. The loop, one iteration per decision:
fire what is due -> pick who runs -> let time pass (busy work, idle) or
step the running coroutine to its next trap -> handle the trap.
"""

from .clocks import Clock, RealTimeClock
from .diag import describe, report, waiting_for
from .errors import ContextError, Interrupted
from .irq import Interrupt, Interrupts
from .power import idle_sleep
from .ready import ReadyList
from .stats import Stats, ns_to_ticks, ticks_to_ns
from .thread import (READY, RUNNING, SUSPENDED, TERMINATED, Killed,
                     Priority, Thread, make_coroutine)
from .timeq import TimeQueue
from .trace import Trace
from .traps import ANY, BLOCK, BUSY, PASS, SLEEP, SUSPEND, WAIT, YIELD, Trap

__all__ = ["Kernel", "current_kernel", "running_kernel", "IDLE_WAIT",
           "ANY_HANDLER", "describe"]

_running = None      # the kernel whose loop is running now

IDLE_WAIT = 8        # trap kind of the idle thread: sleep until an event
# the handler of ANY traps, supplied by the module that makes them
# (muos.waitany, a layer above), so the kernel needs no import of it
ANY_HANDLER = [None]  # type: list
_IDLE_TRAP = Trap(IDLE_WAIT)


def running_kernel():
    return _running


def current_kernel(what="this call"):
    """The running kernel, or ContextError naming the call."""
    k = _running
    if k is None:
        raise ContextError("%s needs a running muos kernel (call it from a "
                           "thread started by muos.run or Kernel.run)" % what)
    return k


async def _idle_body(k):
    while True:
        k._reclaim()
        await _IDLE_TRAP


class Kernel:
    """One CPU, its threads and its clock (API.md, "Running")."""

    def __init__(self, port=None, *, tick_hz=1000, preemptive=True,
                 time_slice=1, trace=False):
        if type(tick_hz) is not int or tick_hz <= 0:
            raise ValueError("Kernel: tick_hz must be a positive int, not %r"
                             % (tick_hz,))
        if port is None:
            from .ports.sim import SimPort
            port = SimPort()
        self.tick_hz = tick_hz
        self.port = port
        self.preemptive = bool(preemptive)
        self.time_slice = time_slice
        self._now = 0
        self._ready = ReadyList()
        self._tq = TimeQueue()
        self._threads = []
        self._current = None
        self._last = None            # the thread that last had the CPU
        self._seq = 0                # arrival order in wait queues
        self._nthreads = 0
        self._dead = 0               # ended threads not yet reclaimed
        self._lock = 0               # scheduler lock depth
        self._isr = 0                # interrupt nesting depth
        self._overhead = 0           # ns of kernel work before the next step
        self._stop_on = None         # muos.run stops when this thread ends
        self._quiet = None           # its exception is raised, not printed
        self._stop = False
        self.stats = Stats(tick_hz, getattr(port, "power", None))
        self.trace = Trace(tick_hz, self.stats) if trace else None
        self._trace = self.trace
        port.attach(self)
        self._switch_cost = port.cost_ns("switch_cost", tick_hz)
        self._tick_cost = port.cost_ns("tick_cost", tick_hz)
        self._irqs = Interrupts(self)
        self.interrupts = []
        self.sysclock = Clock(self, "sysclock", 1000000000 // tick_hz)
        self.rtclock = RealTimeClock(self)
        self.hrclock = Clock(self, "hrclock", 1)
        self.idle = self._new_thread(_idle_body(self), "idle", Priority.IDLE)
        self.idle._coro.send(None)   # started: no "never awaited" warning

    def close(self):
        """Discard threads that never started (muos.run does this when it
        returns), so that Python does not warn about unawaited coroutines."""
        for t in self._threads:
            if t.state != TERMINATED and t._stats.switches == 0:
                try:
                    t._coro.close()
                except Exception:
                    pass

    # -- time --
    @property
    def time_slice(self):
        return self._slice

    @time_slice.setter
    def time_slice(self, v):
        if v is not None and (type(v) is not int or v <= 0):
            raise ValueError("Kernel: time_slice must be a positive int of "
                             "ticks or None, not %r" % (v,))
        self._slice = v

    @property
    def now(self):
        return ns_to_ticks(self._now, self.tick_hz)

    def to_ns(self, ticks, what="duration"):
        """Ticks (int or float, >= 0) to integer nanoseconds."""
        return ticks_to_ns(ticks, self.tick_hz, what)

    def abs_ns(self, tick, what="time"):
        """An absolute tick (may be in the past) to ns."""
        if type(tick) in (int, float) and tick < 0:
            return -self.to_ns(-tick, what)
        return self.to_ns(tick, what)

    # -- threads --
    @property
    def threads(self):
        return [t for t in self._threads if t.state != TERMINATED]

    @property
    def current(self):
        return self._current

    def _new_thread(self, coro, name, priority):
        self._nthreads += 1
        t = Thread(self, coro, name, priority, self._nthreads)
        t._stats = self.stats.add_thread(name)
        self._threads.append(t)
        self._ready.push_tail(t)
        self._emit("spawn", t, None, priority)
        return t

    def spawn(self, fn, *args, name=None, priority=Priority.NORMAL):
        """Create a thread running ``fn(*args)`` (an ``async def``) at the
        tail of its priority's ready list. ISR-safe."""
        coro, fname = make_coroutine(fn, args, name, priority)
        if name is None:
            name = "%s-%d" % (fname, self._nthreads + 1)
        return self._new_thread(coro, name, priority)

    def _reclaim(self):
        # amortised O(1): sweep when a quarter of the list has ended
        if self._dead and self._dead * 4 >= len(self._threads):
            self._dead = 0
            self._threads = [t for t in self._threads
                             if t.state != TERMINATED]

    # -- interrupts and timers --
    def interrupt(self, name, handler, *, priority=1, cost=0):
        """A new interrupt line whose ``handler()`` runs in interrupt
        context when triggered (see irq.py)."""
        irq = Interrupt(self, name, handler, priority, cost)
        self.interrupts.append(irq)
        self.stats.isr_latency[name] = irq.stats
        return irq

    # -- tracing --
    def _emit(self, kind, t, obj=None, details=None):
        tr = self._trace
        if tr is not None:
            tr.emit(self._now, kind, None if t is None else t.name,
                    tr.name_of(obj), details)

    # -- the run loop --
    def run(self, until=None):
        """Run until ``until`` ticks or until no thread can run again.
        Returns why it stopped: "until", "stopped" or "idle"."""
        global _running
        until_ns = None if until is None else self.abs_ns(until, "until")
        if _running is not None and _running is not self:
            raise ContextError("Kernel.run: another kernel is running")
        prev = _running
        _running = self
        try:
            return self._loop(until_ns)
        finally:
            _running = prev
            self.stats.elapsed_ns = self._now

    def _loop(self, until_ns):
        tq = self._tq
        ready = self._ready
        port = self.port
        while True:
            if self._stop:
                return "stopped"
            now = self._now
            if until_ns is not None and now >= until_ns:
                return "until"
            # 1. everything due at `now` happens, in scheduling order
            while True:
                p = tq.pop_due(now)
                if p is None:
                    break
                if type(p) is Thread:
                    self._timeout(p)
                else:
                    p.fire(self)
            # 2. interrupt handlers come before any thread
            irqs = self._irqs
            if (irqs.pending or irqs.foreign) and irqs.dispatch():
                continue
            if irqs.stack:
                irqs.run_top(until_ns)
                continue
            # 3. kernel work (switch, tick) that only interrupts preempt
            if self._overhead:
                target = now + self._overhead
                nt = tq.next_time()
                if nt is not None and nt < target:
                    target = nt
                if until_ns is not None and target > until_ns:
                    target = until_ns
                self._now = port.advance(target, True)
                self._overhead -= self._now - now
                if self._overhead < 0:
                    self._overhead = 0
                continue
            # 4. who runs
            cur = self._current
            if cur is not None:
                top = ready.top()
                if top is not None and self._lock == 0 and not irqs.mask:
                    if cur is self.idle or (
                            self.preemptive and top.priority > cur.priority):
                        cur.state = READY
                        if (self._slice is not None and cur is not self.idle
                                and now >= cur._slice_end
                                and ready.has_other(cur.priority)):
                            # its slice expired at this same instant: that
                            # sends it to the tail (API.md) before the
                            # preemption would keep it at the head
                            ready.push_tail(cur)
                        else:
                            ready.push_head(cur)
                        if self._trace is not None:
                            self._emit("preempt", cur, None, top.name)
                        cur = None
                    elif (self.preemptive and self._slice is not None
                          and now >= cur._slice_end
                          and top.priority == cur.priority):
                        cur.state = READY
                        ready.push_tail(cur)
                        if self._trace is not None:
                            self._emit("ready", cur, None, "slice")
                        cur = None
            if cur is None:
                cur = ready.top()
                ready.remove(cur)
                self._switch_to(cur)
                if self._overhead:
                    continue
            # 5. time passes while it computes (or idles), or it steps
            if cur._work > 0 or cur._sleeping:
                if self._advance(cur, until_ns) is False:
                    return "idle"
            else:
                self._step(cur)

    def _switch_to(self, t):
        t.state = RUNNING
        self._current = t
        prev = self._last
        if t is not prev:
            self._last = t
            self.stats.context_switches += 1
            t._stats.switches += 1
            self._overhead += self._switch_cost
        if self._trace is not None:
            self._emit("switch", t, None, None if prev is None else prev.name)
        if self._slice is not None:
            tick = 1000000000 // self.tick_hz
            t._slice_end = (self._now // tick + self._slice) * tick
        if t is self.idle and self._dead * 4 >= len(self._threads) > 0:
            t._sleeping = False      # let it reclaim before it sleeps again

    def _advance(self, cur, until_ns):
        now = self._now
        nt = self._tq.next_time()
        if cur._sleeping:
            return idle_sleep(self, nt, until_ns)
        target = now + cur._work
        if nt is not None and nt < target:
            target = nt
        if (self.preemptive and self._slice is not None
                and self._lock == 0 and not self._irqs.mask
                and self._ready.has_other(cur.priority)):
            se = cur._slice_end
            if se <= now:
                se = now   # slice already over: rotate at this instant
            if target is None or se < target:
                target = se
        tc = self._tick_cost
        if tc:
            # the tick interrupt steals tc at every boundary while computing
            tick = 1000000000 // self.tick_hz
            nb = (now // tick + 1) * tick
            if nb < target:
                target = nb
        if until_ns is not None and target > until_ns:
            target = until_ns
        new = self.port.advance(target, True)
        dt = new - now
        self._now = new
        cur._stats.cpu_ns += dt
        if tc and new % tick == 0 and dt > 0:
            self._overhead += tc
        cur._work -= dt
        if cur._work <= 0:
            cur._work = 0
            # one instant: work ending at t ends before anything else at t
            self._step(cur)

    def _step(self, t):
        """Run ``t``'s Python code up to its next await; handle the trap."""
        exc = t._wake_exc
        try:
            if exc is not None:
                t._wake_exc = None
                trap = t._coro.throw(exc)
            else:
                v = t._wake_value
                t._wake_value = None
                trap = t._coro.send(v)
        except StopIteration as e:
            self._finish(t, e.args[0] if e.args else None, None)
            return
        except Killed:
            self._finish(t, None, None, "kill")
            return
        except Exception as e:
            self._finish(t, None, e)
            return
        if type(trap) is not Trap:
            t._wake_exc = TypeError(
                "thread %r awaited %r, which is not a muos operation "
                "(asyncio objects do not work in muos threads)"
                % (t.name, trap))
            return
        kind = trap.kind
        if kind == WAIT:
            self._wait(t, trap)
        elif kind == BUSY:
            t._work = trap.arg
        elif kind == SLEEP:
            if trap.arg <= self._now:
                pass                # nothing to wait for: no Interrupted
            elif t.interrupted:
                # like every blocking call: a pending interrupt ends the
                # wait before it starts (µOS++ EINTR)
                t._wake_exc = Interrupted("thread %r interrupted before "
                                          "sleeping" % t.name)
            else:
                trap.thread = t
                t._trap = trap
                t._tentry = self._tq.push(trap.arg, t)
                self._block(t, trap, "sleep")
        elif kind == YIELD:
            t.state = READY
            self._ready.push_tail(t)
            self._current = None
            if self._trace is not None:
                self._emit("ready", t, None, "yield")
        elif kind == PASS:
            t._wake_value = trap.arg
        elif kind == SUSPEND:
            if t._resume_pending:
                t._resume_pending = False
            elif t.interrupted:
                t._wake_exc = Interrupted("thread %r interrupted" % t.name)
            else:
                trap.thread = t
                t._trap = trap
                self._block(t, trap, "suspend")
        elif kind == ANY:
            ANY_HANDLER[0](self, t, trap)   # set by muos.waitany
        elif kind == IDLE_WAIT:
            t._sleeping = True
        else:
            t._wake_exc = ValueError("thread %r: unknown trap %r"
                                     % (t.name, trap))

    # -- blocking and waking --
    def _wait(self, t, trap):
        trap.thread = t
        try:
            v = trap.obj._try(trap)
        except Exception as e:
            t._wake_exc = e
            return
        if v is not BLOCK:
            t._wake_value = v
            return
        if t.interrupted:
            t._wake_exc = Interrupted("thread %r interrupted before waiting "
                                      "on %s" % (t.name, describe(trap.obj)))
            return
        timeout = trap.timeout
        if timeout is not None and timeout <= 0:
            self._deliver_fail(t, trap)
            return
        self._seq += 1
        trap.seq = self._seq
        t._trap = trap
        trap.q.push(trap)
        if timeout is not None:
            t._tentry = self._tq.push(self._now + timeout, t)
        self._block(t, trap, trap.obj)
        if trap.q.on_change is not None:
            trap.q.on_change()

    def _block(self, t, trap, what):
        t.state = SUSPENDED
        if self._current is t:
            self._current = None
        if self._trace is not None:
            self._emit("suspend", t, what)
        self.stats._block(t, what, self._now)

    def _deliver_fail(self, t, trap):
        fail = trap.fail
        if isinstance(fail, type) and issubclass(fail, BaseException):
            t._wake_exc = fail("%s: timed out" % describe(trap.obj))
        else:
            t._wake_value = fail

    def _withdraw(self, t, keep=None):
        """Take ``t`` off every queue it waits on (but ``keep``) and cancel
        its timeout; returns the trap it was blocked in."""
        self.stats._unblock(t, self._now)
        trap = t._trap
        t._trap = None
        e = t._tentry
        if e is not None:
            e[2] = None
            t._tentry = None
        if trap is None:
            return None
        if trap.kind == ANY:
            ops = trap.arg
        elif trap.kind == WAIT:
            ops = (trap,)
        else:
            return trap
        for op in ops:
            if op is not keep and op.q.remove(op):
                if op.q.on_change is not None:
                    op.q.on_change()
        return trap

    def _make_ready(self, t, why):
        t.state = READY
        self._ready.push_tail(t)
        if self._trace is not None:
            self._emit("ready", t, None, why)

    def wake(self, trap, value=None, exc=None):
        """Complete ``trap``'s wait with ``value`` (or raise ``exc`` in the
        waiter). The caller has already removed it from its queue. ISR-safe."""
        t = trap.thread
        blocked = t._trap
        self._withdraw(t, trap)
        if blocked is not None and blocked.kind == ANY:
            value = (trap.index, value)
        t._wake_value = value
        t._wake_exc = exc
        if self._trace is not None:
            self._emit("wake", t, trap.obj)
        self._make_ready(t, "wake")

    def _timeout(self, t):
        t._tentry = None
        trap = self._withdraw(t)
        if trap is None:
            return
        if trap.kind == SLEEP:
            t._wake_value = None
            self._make_ready(t, "sleep")
            return
        if trap.kind == ANY:
            t._wake_value = (None, None)
        else:
            self._deliver_fail(t, trap)
        self._emit("timeout", t, trap.obj if trap.kind == WAIT else None)
        self._make_ready(t, "timeout")

    def _finish(self, t, result, exc, how="return"):
        t.state = TERMINATED
        self._dead += 1
        t.result = result
        t.exception = exc
        t._work = 0
        if self._current is t:
            self._current = None
        if self._last is t:
            self._last = None
        self._emit("exit", t, None,
                   how if exc is None else type(exc).__name__)
        held = t._held
        while held:
            held[-1]._owner_died(t)
        q = t._joinq
        while q:
            trap = q.pop()
            if exc is None:
                self.wake(trap, result)
            else:
                self.wake(trap, None, t._error())
        if exc is not None and t is not self._quiet:
            report("thread %r" % t.name, exc)
        if t is self._stop_on:
            self._stop = True

    # -- priorities --
    def recompute_priority(self, t):
        """Effective priority = max(base, what each held mutex gives)."""
        p = t.base_priority
        for m in t._held:
            b = m._boost()
            if b > p:
                p = b
        if p == t.priority:
            return
        old = t.priority
        t.priority = p
        self._emit("priority", t, None, (old, p))
        self.stats._priority(t, self._now)
        if t.state == READY:
            self._ready.remove(t)
            self._ready.push_tail(t)
        elif t.state == SUSPENDED:
            trap = t._trap
            if trap is not None and trap.kind in (WAIT, ANY):
                ops = trap.arg if trap.kind == ANY else (trap,)
                for op in ops:
                    op.q.reposition(op)
                    if op.q.on_change is not None:
                        op.q.on_change()

    # -- contexts --
    def _check_block(self, what, obj=None):
        if (not self._isr and not self._lock and not self._irqs.mask
                and self._current is not None):
            return self
        if obj is not None:
            what = "%s.%s" % (describe(obj), what)
        if self._isr:
            raise ContextError("%s may block: not allowed in an interrupt "
                               "handler or timer callback" % what)
        if self._lock:
            raise ContextError("%s may block: not allowed while the "
                               "scheduler is locked" % what)
        if self._irqs.mask:
            raise ContextError("%s may block: not allowed with interrupts "
                               "disabled or masked" % what)
        if self._current is None:
            raise ContextError("%s must be called from a thread" % what)
        return self

    def _thread_context(self, what):
        if self._isr:
            raise ContextError("%s: not allowed in an interrupt handler or "
                               "timer callback" % what)
        t = self._current
        if t is None:
            raise ContextError("%s must be called from a thread" % what)
        return t

    def blocked(self):
        """{thread name: what it waits for} of every blocked thread."""
        out = {}
        for t in self._threads:
            if t.state == SUSPENDED:
                out[t.name] = waiting_for(t._trap)
        return out

