"""The kernel's plain parts: thread creation and end, time conversions
and the context checks every blocking call makes.

Owns: ``KernelBase``, the base of the kernel's layers: blocking.py
(waiting and waking) builds on it, kernel.py (the run loop) on that.
Its own base is ``kernelapi.KernelApi`` (interrupt lines, stop, close,
settings, clocks, absolute times, views), loaded at first use on
MicroPython. Imports ``compat``, ``thread``, ``units`` (and, where they
are needed, ``diag`` for a message, ``moreerrors`` to raise,
``threadapi`` for a spawn with an affinity).
"""

from .units import public_ticks, ticks_to_ns
from .compat import MICROPYTHON, cold_part, computed, computed_attrs
from .thread import TERMINATED, Priority, Thread, make_coroutine

__all__ = ("KernelBase", "valid_slice")


def valid_slice(v):
    """``v`` as a time slice (a positive int of ticks, or None), or a
    ValueError naming it."""
    if v is not None and (type(v) is not int or v <= 0):
        raise ValueError("Kernel: time_slice must be a positive int of "
                         "ticks or None, not %r" % (v,))
    return v


if MICROPYTHON:    # (its API loads at first use: compat.cold_part)
    globals()["KernelApi"] = object
else:
    from .kernelapi import KernelApi


class KernelBase(KernelApi):
    """What ``Kernel`` offers besides running (see kernel.py) that its
    threads use: creating them, their end, time conversions, the checks
    of blocking calls; the rest is ``KernelApi``'s."""

    # the run loop's state as slots (typed fields when compiled:
    # kernelbase.pxd); every other attribute lives in the __dict__
    if not MICROPYTHON:
        # (MicroPython ignores __slots__: there it would be one more entry
        # in the class's table, which that makes a step larger)
        __slots__ = ("_now", "_stop", "_overhead", "_current", "_last",
                     "_seq", "_slice_from", "_ready", "_trace", "_mwaits",
                     "_isr", "_lock", "_irqs", "tick_hz", "_tick",
                     "__dict__", "__weakref__")

    # -- threads and interrupt lines: creation and end --
    def _new_thread(self, coro, name, priority):
        self._nthreads += 1
        t = Thread(self, coro, name, priority)
        self.stats.add_thread(name, t)
        self._threads.append(t)
        self._ready.push_tail(t)
        if self._trace is not None:
            self._trace.on_spawn(self, t)
        return t

    def spawn(self, fn, *args, name=None, priority=Priority.NORMAL,
              affinity=None):
        """Create a thread running ``fn(*args)`` (an ``async def``) at the
        tail of its priority's ready list; ``affinity``: the cores it may
        run on (None: any). ISR-safe."""
        if affinity is not None:
            from .threadapi import check_affinity
            affinity = check_affinity(self, affinity, "spawn %r" % (
                name if name is not None else getattr(fn, "__name__", fn),))
        coro, fname = make_coroutine(fn, args, name, priority)
        if name is None:
            name = "%s-%d" % (fname, self._nthreads + 1)
        t = self._new_thread(coro, name, priority)
        if affinity is not None:
            t._extra().affinity = affinity
        return t

    def _reclaim(self):
        # amortised O(1): sweep when a quarter of the list has ended
        if self._dead and self._dead * 4 >= len(self._threads):
            self._dead = 0
            self._threads = [t for t in self._threads
                             if t.state != TERMINATED]

    def _finish(self, t, result, exc, how="return"):
        t.state = TERMINATED
        self._dead += 1
        if result is not None or exc is not None:
            x = t._extra()       # most threads end with None: no record
            x.result = result
            x.exception = exc
        t._work = 0
        t._coro = None     # (whoever keeps the thread: not its coroutine)
        t._spare = None    # (its trap refers to it: no cycle left behind)
        if t._primed:
            self._tq.release()
        if self._current is t:
            self._current = None
        if self._last is t:
            self._last = None
        if self._trace is not None:
            self._trace.on_exit(self, t,
                                how if exc is None else type(exc).__name__)
        held = t._held
        while held:
            held[-1]._owner_died(t)
        q = None if t._x is None else t._x.joinq
        joined = bool(q)
        while q:
            if exc is None:
                q.wake_one(result)
            else:               # one error per joiner (join(unwrap=True):
                q.fail_one(exc if q.items[0].arg else t._error())  # exc)
        if exc is not None:
            self.failed.append((t.name, exc))
            if joined:
                # retrieved by the threads that joined it: each gets it
                # (ThreadError from it); reported where they do not
                # handle it, not here (issue 15 #8: one failure, one
                # report)
                self._retrieved.append(exc)
            elif t is not self._stop_on:
                from .diag import report    # (loaded to report it)
                report("thread %r" % t.name, exc)
        if t is self._stop_on:
            self._stop = True
        self.stats.retire(t)     # its statistics: counters, not the thread
        self._reclaim()          # (also without idle time: a busy system)

    @computed
    def _epoch(self):
        # how far the time origin moved (rebase.py), kernel time units (a
        # long int on a board after a while: made when read, not kept)
        return self._epoch_ticks * self._tick

    @computed
    def now(self):
        return public_ticks(self._now, self._epoch_ticks, self.tick_hz)

    def to_ns(self, ticks, what="duration"):
        """Ticks (int or float, >= 0) to integer nanoseconds."""
        return ticks_to_ns(ticks, self.tick_hz, what)

    # -- contexts --
    def _check_block(self, what, obj=None):
        if (not self._isr and not self._lock and not self._irqs.mask
                and self._current is not None):
            return self
        if obj is not None:
            from .diag import describe    # (loaded for the error only)
            what = "%s.%s" % (describe(obj), what)
        from .moreerrors import ContextError   # (loaded to raise it)
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
        t = self._current
        if self._isr or t is None:
            from .moreerrors import ContextError   # (loaded to raise it)
            if self._isr:
                raise ContextError("%s: not allowed in an interrupt handler "
                                   "or timer callback" % what)
            raise ContextError("%s must be called from a thread" % what)
        return t

computed_attrs(KernelBase)
cold_part(KernelBase, "kernelapi", "KernelApi", (
    "interrupt", "close", "stop", "_get_preemptive", "_set_preemptive",
    "preemptive", "_get_slice", "_set_slice", "time_slice", "threads",
    "sysclock", "rtclock", "hrclock", "_clock", "current", "blocked",
    "abs_ns", "_signed_ns", "prime"))
