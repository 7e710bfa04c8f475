"""A thread's cold part: the control and reading API that the switch
path never uses (join, throw, interrupt, kill, resume, priorities,
deadline and affinity, the end's result, statistics).

Owns: ``ThreadApi`` (``Thread``'s base on CPython; on MicroPython loaded at
the first use of one of its names: ``compat.cold_part``) and ``Deferred``
(a throw held for the next await). Imports
``compat``, ``diag``, ``errors``, ``stats``, ``traps``, ``units``,
``waitq`` and ``thread`` (the states and checks it shares with the switch
path; already loaded whenever this is). Scheduling decisions are the
kernel's: the control methods here only use the kernel's primitives
(``_withdraw``, ``_make_ready``, ``_finish``, ``_check_block``) through
``self._kernel``.
"""

from .compat import computed, computed_attrs
from .diag import waiting_for
from .errors import ContextError, Interrupted
from .moreerrors import DeadlockError, Killed, ThreadError
from .stats import ThreadCounters, cpu_total
from .thread import (READY, SUSPENDED, TERMINATED, Priority,
                     check_priority)
from .traps import BLOCK, PASS, SPINNING, SUSPEND, WAIT, Trap
from .units import ns_to_ticks, public_ticks
from .waitq import WaitQueue

__all__ = ("ThreadApi", "check_affinity")


class Deferred:
    """A ``throw()`` held for the thread's next await: its current await
    completed with something handed to it, which it keeps (a semaphore
    unit, a mutex, a message: nothing handed over is lost). Not an
    exception: that is how blocking.throw_in knows it."""

    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


def check_affinity(k, aff, what):
    """``None``, a core index or an iterable of them -> None or a sorted
    tuple of valid indices."""
    if aff is None:
        return None
    n = 1 if k._cores is None else len(k._cores)
    if type(aff) is int:
        aff = (aff,)
    try:
        items = None if isinstance(aff, str) else list(aff)
    except TypeError:
        items = None
    if items is None:
        raise TypeError("%s: affinity must be None, a core index or an "
                        "iterable of them, not %r" % (what, aff))
    out = []
    for i in items:
        if type(i) is not int or not 0 <= i < n:
            raise ValueError("%s: core %r out of range 0..%d" % (
                what, i, n - 1))
        if i not in out:
            out.append(i)
    out = tuple(sorted(out))
    if not out:
        raise ValueError("%s: affinity %r names no core" % (what, aff))
    return out


class ThreadApi(ThreadCounters):
    """``Thread``'s control and reading API (see the module doc)."""

    __slots__ = ()

    def set_priority(self, priority):
        """Change the base priority; the effective one is recomputed (it
        may stay higher while inherited). May preempt the caller at its
        next await. ISR-safe."""
        check_priority(priority, "Thread %r" % self.name)
        self._not_idle("set_priority")
        if self.state != TERMINATED:
            self.base_priority = priority
            self._kernel.recompute_priority(self)

    @computed
    def deadline(self):
        """Its own absolute deadline in ticks, or None (API.md,
        "Deadlines"); the scheduler orders by the effective one, which an
        INHERIT mutex's waiters may make earlier."""
        x = self._x
        d = None if x is None else x.deadline_ns
        return None if d is None else public_ticks(
            d, self._kernel._epoch_ticks, self._kernel.tick_hz)

    def set_deadline(self, ticks):
        """Set its deadline ``ticks`` from now (None clears it): threads
        of equal priority run earliest deadline first. May preempt the
        caller at its next await. ISR-safe."""
        k = self._kernel
        if ticks is None:
            d = None
        else:
            d = k._now + k.to_ns(ticks, "Thread %r.set_deadline: ticks"
                                 % self.name)
        self._not_idle("set_deadline")
        if self.state != TERMINATED:
            k.set_deadline_ns(self, d)

    # -- cores (API.md, "Several cores") --
    @computed
    def core(self):
        """The core it runs on, or last ran on; None before it first
        ran (on one core: 0 once it ran)."""
        c = self._core
        if c < 0:
            return 0 if self.switches and self._kernel._cores is None \
                else None
        return c

    @computed
    def affinity(self):
        """None (any core) or the tuple of core indices it may run on."""
        x = self._x
        return None if x is None else x.affinity

    def set_affinity(self, cores):
        """Restrict it to ``cores`` (None, a core index or an iterable of
        them); takes effect at the next scheduling decision."""
        aff = check_affinity(self._kernel, cores,
                             "Thread %r.set_affinity" % self.name)
        self._not_idle("set_affinity")
        if aff is not None or self._x is not None:
            self._extra().affinity = aff

    @computed
    def migrations(self):
        """Times it resumed on another core than the one it last ran on."""
        x = self._x
        return 0 if x is None else x.migrations

    def _not_idle(self, what):
        # an idle thread runs whenever nothing else can: it cannot be
        # killed or given another priority (API.md)
        if self.base_priority == Priority.IDLE:
            raise ContextError("Thread %r.%s: the idle thread cannot be "
                               "killed, suspended, re-prioritised or "
                               "given a deadline"
                               % (self.name, what))

    def join(self, *, unwrap=False):
        """Wait for the thread to end; its result, or ThreadError from its
        exception (``unwrap=True``: the exception itself, as a layer that
        reports failures its own way wants). Thread context; may block."""
        k = self._kernel
        k._check_block("Thread %r.join" % self.name)
        if k._current is self:
            raise DeadlockError("thread %r cannot join itself" % self.name,
                                [self])
        x = self._extra()
        q = x.joinq
        if q is None:
            q = x.joinq = WaitQueue(self)
        return Trap(WAIT, self, True if unwrap else None, q)

    def throw(self, exc):
        """Raise ``exc`` (an exception or its class) once inside the
        thread, at its current await: a wait ends (withdrawn, as by
        ``interrupt()``), a sleep or ``busy()`` is cut short, a ready
        thread raises it where it resumes (asyncio's ``Task.cancel``).
        If its current await has already completed with something handed
        to it (a result that is not None: a semaphore unit, a mutex, a
        message; not the True of an object that declares
        ``hands_over = False``), it keeps it and ``exc`` is raised at its
        next await (POSIX deferred cancellation: nothing handed over is
        lost). Not seen as handed over: a ``MessageQueue`` message that
        is None, and a blocked ``send`` whose message entered the queue
        (its sender then raises though the message was sent). A second
        throw before the first is raised replaces it. From the thread
        itself the call raises ``exc``. False if the thread had ended.
        ISR-safe."""
        if isinstance(exc, type) and issubclass(exc, BaseException):
            exc = exc()
        elif not isinstance(exc, BaseException):
            raise TypeError("Thread %r.throw: %r is not an exception"
                            % (self.name, exc))
        if self.state == TERMINATED:
            return False
        self._not_idle("throw")
        k = self._kernel
        if self is k._current and k._isr == 0:
            raise exc
        if self.state == SUSPENDED and self._trap is not None:
            trap = k._withdraw(self)          # a wait, sleep or suspend
            self._wake_value = None
            self._wake_exc = exc
            if k._trace is not None:
                k._trace.on_interrupt(k, self, trap.obj)
            k._make_ready(self, "throw")
        elif self._work:                      # busy() or spinning
            if self._work == SPINNING:
                k._withdraw(self)             # it stops asking for it
            self._work = 0
            self._wake_value = None
            self._wake_exc = exc
        elif ((self._wake_value is not None and not self._given_nothing())
              or type(self._wake_exc) is Deferred):
            self._wake_exc = Deferred(exc)
        else:
            self._wake_value = None
            self._wake_exc = exc
        return True

    def _given_nothing(self):
        """Whether the await that completed (the thread's last trap) was a
        wait on an object whose waits hand nothing over, though they end
        with a value (``hands_over = False`` on its class: muos.asyncio's
        Event, whose wait returns True)."""
        t = self._spare
        return (t is not None and t.kind == WAIT
                and getattr(t.obj, "hands_over", True) is False)

    def interrupt(self):
        """Set ``interrupted``; a blocked thread's wait raises
        ``muos.Interrupted`` (µOS++ ``thread::interrupt``). ISR-safe."""
        self.interrupted = True
        if self.state == SUSPENDED and self._trap is not None:
            k = self._kernel
            trap = k._withdraw(self)
            self._wake_exc = Interrupted(
                "thread %r interrupted while waiting on %s" % (
                    self.name, waiting_for(trap)))
            if k._trace is not None:
                k._trace.on_interrupt(k, self, trap.obj)
            k._make_ready(self, "interrupt")

    def kill(self):
        """End the thread now (state TERMINATED); its ``finally`` blocks
        run as the thread itself."""
        if self.state == TERMINATED:
            return
        self._not_idle("kill")
        k = self._kernel
        if self is k._current and k._isr == 0:
            raise Killed()
        killing = k._killing       # [thread, killed meanwhile] of the
        for e in killing:          # kills in progress, by their killer
            if e[0] is self:
                # a killer killed by its victim's cleanup: it is running
                # this call (its coroutine cannot be closed now); it ends
                # when its own kill() returns (issue 14 #3)
                e[1] = True
                return
        if self.state == READY:
            k._ready.remove(self)
        k._withdraw(self)
        if k._current is self:
            k._current = None
        saved = k._current
        isr = k._isr
        mine = None
        if isr == 0 and saved is not None:
            mine = [saved, False]  # saved runs this call
            killing.append(mine)
        k._current = self          # so that finally-blocks act as it,
        k._isr = 0                 # in thread context even if a handler
        try:                       # killed it
            _close(self._coro, self)
        finally:
            k._isr = isr
            k._current = saved
            if mine is not None:
                killing.remove(mine)
        k._finish(self, None, None, "kill")
        if mine is not None and mine[1]:
            raise Killed()         # the killer ends as itself, now

    def resume(self):
        """Wake the thread from ``await muos.suspend()``; a resume that
        arrives first is kept for the next suspend. ISR-safe."""
        trap = self._trap
        if (self.state == SUSPENDED and trap is not None
                and trap.kind == SUSPEND):
            k = self._kernel
            k._withdraw(self)
            self._wake_value = None
            k._make_ready(self, "resume")
        elif self.state != TERMINATED:
            self._extra().resume_pending = True

    @computed
    def stats(self):
        """Its statistics (a ThreadStats, made when read; always
        current): CPU time, waits, periodic jobs and response times."""
        from .threadstats import ThreadStats   # (loaded when first read)
        return ThreadStats(of=self)

    @computed
    def cpu_time(self):
        """Ticks of CPU it used."""
        return ns_to_ticks(cpu_total(self), self._kernel.tick_hz)

    @computed
    def tick_hz(self):
        """Its kernel's tick rate (not a field: a board's thread keeps
        its table of attributes at 23 slots)."""
        return self._kernel.tick_hz

    @computed
    def flags(self):
        """The thread's own EventFlags: anyone sets, only it waits."""
        x = self._extra()
        f = x.flags
        if f is None:
            # a layer above, imported on first use (the one upward import
            # of the core: tests/test_layering.py, LAZY_UP)
            from .evflags import ThreadFlags
            f = x.flags = ThreadFlags(self)
        return f

    @computed
    def result(self):
        """What its function returned (None until it ends)."""
        x = self._x
        return None if x is None else x.result

    @computed
    def exception(self):
        """The exception it ended with, or None."""
        x = self._x
        return None if x is None else x.exception

    @computed
    def waiting_on(self):
        """The wait queue this thread is blocked on, or None."""
        trap = self._trap
        return None if trap is None else trap.q

    @computed
    def alive(self):
        return self.state != TERMINATED

    def _try(self, trap):
        # join: the waker (the thread's end) completes it otherwise
        if self.state == TERMINATED:
            if self.exception is not None:
                raise (self.exception if trap.arg else self._error())
            return self.result
        return BLOCK

    def _error(self):
        e = ThreadError("thread %r ended with %s: %s" % (
            self.name, type(self.exception).__name__, self.exception),
            self.exception, self)
        # API.md: join "raises muos.ThreadError from it" (the waker throws
        # it into the joiner, so no `raise ... from` can set it there)
        try:
            e.__cause__ = self.exception
        except (AttributeError, TypeError):
            pass            # MicroPython has no __cause__
        return e


computed_attrs(ThreadApi)


def _close(coro, t):
    """Close killed thread ``t``'s coroutine so that all its ``finally``
    blocks run now: an await met on the way out completes at once if it
    can (a plain preemption point such as the exit of ``async with m``,
    or a blocking call whose operation succeeds now: ``m.lock()`` of a
    free mutex, the relock of ``cv.wait``) and is cut short otherwise
    (Killed thrown there again), instead of leaving the rest to the
    garbage collector (a bare ``close()`` stops at the first await).
    Killed, not GeneratorExit: thrown through the ``await`` of a
    coroutine, that would close the inner one, which could then not
    await (cv.wait's relock)."""
    try:
        trap = coro.throw(Killed())
        for _ in range(1000):
            kind = trap.kind if isinstance(trap, Trap) else None
            if kind == PASS:
                trap = coro.send(trap.arg)
                continue
            if kind == WAIT:
                trap.thread = t
                try:
                    v = trap.obj._try(trap)
                except Exception as e:
                    trap = coro.throw(e)
                    continue
                if v is not BLOCK:
                    trap = coro.send(v)
                    continue
            trap = coro.throw(Killed())
    except BaseException:
        pass
    try:
        coro.close()
    except BaseException:
        pass
