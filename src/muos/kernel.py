"""The kernel: run loop, current thread, ready list, traps, waking.

Owns: ``Kernel`` (its plain parts are in kernelbase.py, the wait/wake
protocol in blocking.py, how time passes on the CPU in power.py; which
kernel runs is running.py's). Imports the layers below it (thread,
ready, timeq, waitq, traps, stats, trace, errors, ports.sim). It never
knows what a semaphore or a mutex is: objects give it traps
(``obj._try(trap)`` and ``trap.q``) and call ``wake()``; a wait queue's
``on_change`` hook is how inheritance propagates through it.

Time is an integer count of nanoseconds (``self._now``); the port decides
how it passes. The loop, one iteration per decision:
fire what is due -> pick who runs -> let time pass (busy work, idle) or
step the running coroutine to its next trap -> handle the trap. The
common cases (a wait that blocks, a sleep, a plain wake-up, a sleep that
ends, SimPort's idle time) are written out inline in the loop and in
``wake``: the switch path that benchmarks/ measures. Cython compiles it
on CPython (kernel.pxd); it runs plain on MicroPython, ``MUOS_PURE=1``.
"""

from heapq import heappop, heappush

from .irq import Interrupts
from .kernelbase import valid_slice
from .blocking import Blocking, preempt, throw_in
from .power import advance, idle_sleep, spend_overhead
from . import running
from .ready import ReadyList
from .stats import Stats
from .thread import READY, RUNNING, SUSPENDED, Priority, Thread
from .timeq import TimeQueue
from .units import rebase_span, tick_units
from .traps import BLOCK, BUSY, IDLE_WAIT, PASS, SLEEP, WAIT, Trap

__all__ = ("Kernel", "IDLE_WAIT")

_NEVER = float("inf")  # no rebase (rebase.py)

# (MicroPython looks a builtin up in the module's table, a miss, then in
# the builtins': a global, it is one look-up, the wake-up 3 % faster on
# the board; Cython compiles the builtin itself whatever this holds)
globals()["type"] = type


async def _idle_body(k):
    trap = Trap(IDLE_WAIT)       # its own, awaited again and again
    while True:
        k._reclaim()
        await trap


class Kernel(Blocking):
    """One CPU, its threads and its clock (API.md, "Running")."""

    def __init__(self, port=None, *, tick_hz=1000, preemptive=True,
                 time_slice=1, trace=False, edf=False, cores=1):
        if type(tick_hz) is not int or tick_hz <= 0:
            raise ValueError("Kernel: tick_hz must be a positive int, not %r"
                             % (tick_hz,))
        if type(cores) is not int or cores < 1:
            raise ValueError("Kernel: cores must be a positive int, not %r"
                             % (cores,))
        if port is None:
            from .ports.sim import SimPort
            port = SimPort()
        self.tick_hz = tick_hz
        self.port = port
        self.preemptive = bool(preemptive)   # (properties on CPython)
        # periodic jobs set their thread's deadline (API.md, "Deadlines")
        self._edf = bool(edf)
        self.time_slice = valid_slice(time_slice)
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
        self._slice_from = 0         # when the current thread was switched in
        self._stop_on = None         # run(stop_on=): stop when it ends
        self._killing = []           # kills in progress (Thread.kill)
        self.failed = []             # (name, exception) of failed threads
        self._retrieved = []          # ... those a joiner was handed
        self._stop = False
        self._forever = False        # run(forever=True)
        self.stats = Stats(tick_hz, getattr(port, "power", None))
        self._mwaits = self.stats._mwaits   # waits on mutexes in progress
        if trace is True or trace is False or trace is None:
            n = None
        elif type(trace) is int and trace > 0:
            n = trace                # the last n events: a ring buffer
        else:
            raise ValueError("Kernel: trace must be True, False or a "
                             "positive int (keep the last N events), not "
                             "%r" % (trace,))
        if trace:
            from .trace import Trace   # (MicroPython: loaded only if used)
            self.trace = Trace(tick_hz, self.stats, n)
        else:
            self.trace = None
        self._trace = self.trace
        port.attach(self)
        # a real port's clock runs while Python code runs: it times every
        # step of a thread (ports/__init__.py, the port contract)
        self._timed_steps = bool(getattr(port, "timed_steps", False))
        self._switch_cost = port.cost_ns("switch_cost", tick_hz)
        self._tick_cost = port.cost_ns("tick_cost", tick_hz)
        self._irqs = Interrupts(self)
        self.interrupts = []
        self._tick = tick_units(tick_hz)     # time units per tick
        self._clocks = None          # sysclock, rtclock, hrclock: when read
        self._cores = None           # several cores: their smp.Core
        # public time = _now + _epoch (rebase.py; _span None: never)
        self._epoch_ticks = 0
        self._rebasers = []     # objects holding kernel times (a Watchdog)
        self._span = (rebase_span(tick_hz) if cores == 1 and getattr(
            port, "rebase", None) is not None else None)
        self.stats._span = self._span
        self._cpu = 0                # the core the fields below act on
        if cores > 1:
            from . import smp     # (MicroPython: loaded only if used)
            smp.setup(self, cores, _idle_body)
            return
        self.idle = self._new_thread(_idle_body(self), "idle", Priority.IDLE)
        self.idle._coro.send(None)   # started: no "never awaited" warning
        # (a board's first idle allocates not; imported here: a global
        # less in this module's table, BENCHMARKS.md)
        from .thread import prime
        prime(self, self.idle)

    # -- the run loop --
    def run(self, until=None, *, stop_on=None, forever=False):
        """Run until ``until`` ticks or until no thread can run again, or
        ``stop_on`` (a thread) ends: its exception is then left to the
        caller (any other thread's is reported on stderr, and kept in
        ``failed``), or ``stop()``. ``forever=True``: on a real port an
        idle kernel keeps waiting (for interrupts, files, ``stop()`` from
        another OS thread) instead of returning, as asyncio's
        ``run_forever``; simulated time has nothing to wait for. Returns
        why it stopped: "until", "stopped" or "idle"."""
        until_ns = None if until is None else self.abs_ns(until, "until")
        running.check_free(self)
        self._stop_on = stop_on
        self._forever = bool(forever)
        try:
            # (registered inside the try: a Ctrl-C at any point leaves
            # nothing registered behind)
            running.enter(self)
            return self._loop(until_ns)
        finally:
            if self._cores is not None:
                from .smp import load
                load(self, self._cores[0])
            running.leave(self)
            self.stats.elapsed_ns = self._now + self._epoch

    def _loop(self, until_ns):
        # the trap kinds, states and types the switch path compares with,
        # as locals (a global is a look-up on MicroPython; C ints compiled)
        k_sleep = SLEEP
        k_wait = WAIT
        k_busy = BUSY
        k_pass = PASS
        s_ready = READY
        s_running = RUNNING
        s_suspended = SUSPENDED
        thread_type = Thread
        trap_type = Trap
        tq = self._tq
        heap = tq._heap
        buckets = tq._buckets
        ready = self._ready
        levels = ready._levels
        heads = ready._heads
        listed = ready._listed
        irqs = self._irqs
        pending = irqs.pending         # (lists never replaced: their
        foreign = irqs.foreign         # truth a local's, not a look-up)
        istack = irqs.stack
        mwaits = self._mwaits          # (also one list for good)
        idle = self.idle
        timed = self._timed_steps
        port = self.port
        resume = charge = None
        if timed:
            # the port's two calls around each step, bound once: a board's
            # port holds 23 fields in a full table, which a method's
            # look-up misses first, probing all of it (the hand-over on
            # MachinePort, benchmarks/mpy_switch.py)
            resume = port.resume
            charge = port.charge
        switch_cost = self._switch_cost
        traced = self._trace is not None   # fixed for the kernel's life
        smp = self._cores is not None
        stats = self.stats
        # SimPort's idle time jumps (step 5): not another advance (a
        # subclass's, an object's own); sim.py not loaded, not a SimPort
        import sys
        sim = sys.modules.get("muos.ports.sim")
        jumps = (sim is not None and not smp and stats.power is None
                 and type(port).advance is sim.SimPort.advance
                 and "advance" not in getattr(port, "__dict__", ()))
        if smp:
            from .smp import select
        if self._span is None:
            rebase_at = _NEVER
        else:
            rebase_at = 2 * self._span
            from .rebase import rebase
        # the first instant the loop stops at: a rebase or until_ns
        limit = (rebase_at if until_ns is None or until_ns > rebase_at
                 else until_ns)
        while True:
            if self._stop:
                self._stop = False      # stop() is consumed by one run()
                return "stopped"
            now = self._now
            if now >= limit:
                if now >= rebase_at:
                    until_ns = rebase(self, until_ns)
                    now = self._now
                if until_ns is not None and now >= until_ns:
                    return "until"
                limit = (rebase_at if until_ns is None or until_ns > rebase_at
                         else until_ns)
            if smp:
                # several cores: smp.py fires what is due, places the
                # threads, runs handlers and lets time pass; it loads the
                # core whose thread steps now (or None: look again)
                sel = select(self, until_ns)
                if sel is None:
                    continue
                if sel is False:
                    return "idle"
                cur = sel
                now = self._now
            else:
                # 1. everything due at `now` happens, in scheduling order
                while heap and heap[0] <= now:
                    # the instant's entries, in scheduling order
                    e = buckets.pop(heappop(heap))   # tq.pop_earliest()
                    while e is not None:
                        p = e[1]
                        en = e[2]
                        e[1] = None
                        if type(p) is thread_type:
                            th = p
                            w = th._trap
                            if (w is None or w.kind != k_sleep or traced
                                    or mwaits):
                                self._timeout(th)
                            elif th._dl is not None:
                                th._tentry = None      # a sleep ends
                                w.thread = th
                                self.wake(w, w.obj)
                            else:
                                # a sleep ends: _timeout's and wake's
                                # common case, written out (mpy_switch)
                                th._tentry = None
                                lv = th.priority
                                if listed[lv]:
                                    pass
                                elif heads[lv] is None:
                                    ready.top_level(lv)   # (makes its head)
                                else:
                                    heappush(levels, -lv)  # top_level's
                                    listed[lv] = 1
                                # its sleep's time (a field, no dict
                                # look-up; a sleep sets no blk_on: its
                                # trap tells it, blocking._withdraw)
                                th.slept += now - th.blk_at
                                th._trap = None
                                if w.obj is not None:   # (else None
                                    th._wake_value = w.obj  # already)
                                th.state = s_ready
                                h = heads[lv]                # push_tail
                                nxt = h._rprev
                                th._rnext = h
                                th._rprev = nxt
                                nxt._rnext = th
                                h._rprev = th
                        elif p is not None:      # (None: cancelled)
                            p.fire(self)
                        e[2] = tq._free        # tq.recycle(e)
                        tq._free = e
                        e = en
                # 2. interrupt handlers come before any thread
                if pending or foreign or istack:
                    if (pending or foreign) and irqs.dispatch():
                        continue
                    if istack:
                        irqs.run_top(until_ns)
                        continue
                # 3. kernel work (switch, tick) that only interrupts preempt
                if self._overhead:
                    spend_overhead(self, now, until_ns)
                    continue
                # 4. who runs (the ready list is only looked at when a thread
                # at least as urgent as the current one may be ready)
                cur = self._current
                if cur is not None and levels:
                    lv = -levels[0]      # may be a level emptied since
                    if (cur is idle and not traced and not self._lock
                            and not irqs.mask):
                        # the idle thread leaves the CPU (preempt's
                        # case, written out: it stays in the ready list,
                        # alone at level 0, while it runs too); if no
                        # other is ready (a level emptied since) the
                        # pick takes it again
                        cur.state = s_ready
                        cur = None
                    elif cur is idle or lv > cur.priority or (
                            lv == cur.priority and (
                                heads[lv]._rnext is not heads[lv]
                                or ready._ndl)):
                        cur = preempt(self, cur, now)
                if cur is None:
                    if ready._ndl:
                        # a thread with a deadline is ready: ordered by it
                        cur = ready.pop_top()
                    else:
                        # the most urgent ready thread off its list (the idle
                        # thread is always ready when none runs)
                        while True:
                            lv = -levels[0]
                            h = heads[lv]
                            first = h._rnext
                            if first is not h:
                                break
                            heappop(levels)      # a level emptied since
                            listed[lv] = 0
                        cur = first
                        if cur is not idle:      # (which stays listed)
                            nxt = cur._rnext
                            h._rnext = nxt
                            nxt._rprev = h
                            cur._rnext = None
                    cur.state = s_running
                    self._current = cur
                    prev = self._last
                    if traced:
                        self._trace.on_switch(self, cur, prev)
                    if cur is not idle:
                        self._slice_from = now   # its round-robin slice
                    elif self._dead and self._dead * 4 >= len(self._threads):
                        cur._work = 0        # reclaim before sleeping again
                    if cur is not prev:
                        self._last = cur
                        cur.switches += 1    # context_switches sums them
                        if switch_cost:
                            self._overhead += switch_cost
                            continue           # spent before it steps
                # 5. time passes while it computes (or idles), or it steps
                work = cur._work
                if work < 0:       # IDLE_SLEEP: the CPU sleeps
                    if jumps and heap:
                        nt = heap[0]
                        if buckets[nt][1] is not None and (
                                until_ns is None or nt <= until_ns):
                            # idle_sleep's common case, SimPort's jump
                            # (two calls less: benchmarks/mpy_switch.py)
                            port._now = nt
                            idle.cpu_ns += nt - now
                            stats._idle += nt - now
                            self._now = nt
                            continue
                    if not idle_sleep(self, until_ns):
                        return "idle"
                    continue
                if work:
                    if advance(self, cur, until_ns):
                        continue          # time passed: look again
                    # its work ended: it steps at this same instant, before
                    # anything else due now
                    now = self._now
            if timed:
                # a real port: the clock catches up (the thread resumes
                # at the real time) and the step is charged to it after
                t0 = resume(self)
            exc = cur._wake_exc
            try:
                if exc is not None:
                    cur._wake_exc = None
                    got = throw_in(cur, exc)
                else:
                    v = cur._wake_value
                    if v is not None:
                        cur._wake_value = None
                    got = cur._coro.send(v)
            except BaseException as e:
                if timed:
                    charge(self, cur, t0)
                self._ended(cur, e)
                continue
            if timed:
                charge(self, cur, t0)
                now = self._now
            if type(got) is not trap_type:     # a TimedTrap, or not a trap
                self._trap_in(cur, got)
                continue
            trap = got
            cur._spare = trap          # to reuse once this await ends
            kind = trap.kind
            if kind != k_wait:
                when = trap.arg
                if kind == k_busy:
                    cur._work = when
                    continue
                if (kind != k_sleep or when <= now or cur.interrupted
                        or traced):
                    if kind == k_pass:    # a preemption point (the
                        cur._wake_value = when  # exit of async with)
                    else:
                        self._trap_in(cur, trap)
                    continue
                # the common sleep, inline (see _trap_in; its trap's
                # thread is set only if wake() is to read it, below: a
                # trap of five fields has a free slot in its table)
                cur._trap = trap
                entry = tq._free                    # tq.push inline
                if entry is None:
                    entry = [when, cur, None, None]
                else:
                    tq._free = entry[2]
                    entry[0] = when
                    entry[1] = cur
                    entry[2] = None
                if when in buckets:     # (a dict's `in`: no method call)
                    b = buckets[when]
                    b[3][2] = entry
                    b[3] = entry
                else:
                    buckets[when] = entry
                    entry[3] = entry
                    heappush(heap, when)
                cur._tentry = entry
                cur.state = s_suspended
                self._current = None
                cur.blk_at = now       # (no blk_on: see the fire loop)
                continue
            # the common wait, inline: try it; if it must block, queue it
            trap.thread = cur
            obj = trap.obj
            try:
                v = obj._try(trap)
            except Exception as e:
                cur._wake_exc = e
                continue
            if v is not BLOCK:
                cur._wake_value = v
                continue
            q = trap.q
            if cur.interrupted or not q.fast or traced:
                self._suspend(cur, trap)
                continue
            self._seq += 1
            trap.seq = self._seq
            cur._trap = trap
            items = q.items
            if not items or items[-1].thread.priority > cur.priority or (
                    items[-1].thread.priority == cur.priority
                    and cur._dl is None):
                items.append(trap)       # behind every one as urgent
            else:
                q.push(trap)
            cur.state = s_suspended
            self._current = None
            cur.blk_at = now
            cur.blk_on = obj
