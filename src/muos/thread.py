"""Threads: the thread control block and the priority levels.

Owns: ``Thread`` (the TCB: state, priorities, links into the ready list,
the pending trap, accounting), ``Priority`` and the state constants.
Imports ``errors``, ``waitq``. All scheduling decisions are the kernel's:
the public methods here validate and delegate to ``self._kernel``.
"""

from .errors import ThreadError
from .traps import BLOCK
from .waitq import WaitQueue

__all__ = ["Thread", "Priority", "READY", "RUNNING", "SUSPENDED",
           "TERMINATED", "check_priority"]

# set by muos.evflags (a layer above) to its ThreadFlags class
FLAGS_FACTORY = None

READY = "READY"
RUNNING = "RUNNING"
SUSPENDED = "SUSPENDED"
TERMINATED = "TERMINATED"


class Priority:
    """Priority levels (µOS++): a higher number is more urgent."""

    IDLE = 0
    LOWEST = 1
    LOW = 32
    BELOW_NORMAL = 64
    NORMAL = 96
    ABOVE_NORMAL = 128
    HIGH = 160
    REALTIME = 192
    HIGHEST = 254


def check_priority(p, what):
    """Validate a user priority: an int from 1 to 254."""
    if type(p) is not int:
        raise TypeError("%s: priority must be an int from 1 to 254, not %r"
                        % (what, p))
    if p < Priority.LOWEST or p > Priority.HIGHEST:
        raise ValueError("%s: priority %r out of range 1..254" % (what, p))
    return p


class Thread:
    """A muos thread: an ``async def`` function scheduled by priority."""

    __slots__ = (
        "name", "base_priority", "priority", "state", "result", "exception",
        "interrupted", "_kernel", "_coro", "_stats", "_seq",
        "_wake_value", "_wake_exc", "_trap", "_tentry", "_work",
        "_rnext", "_rprev", "_rlevel", "_held", "_ceilings",
        "_resume_pending", "_joinq", "_slice_end", "_flags", "_reported",
        "_sleeping",
    )

    def __init__(self, kernel, coro, name, priority, seq):
        self.name = name
        self.base_priority = priority
        self.priority = priority
        self.state = READY
        self.result = None
        self.exception = None
        self.interrupted = False
        self._kernel = kernel
        self._coro = coro
        self._stats = None
        self._seq = seq
        self._wake_value = None
        self._wake_exc = None
        self._trap = None          # the trap this thread is blocked in
        self._tentry = None        # its timeout entry in the time queue
        self._work = 0             # CPU work left in a busy(), ns
        self._rnext = None
        self._rprev = None
        self._rlevel = 0
        self._held = []            # mutexes held, in locking order
        self._ceilings = 0
        self._resume_pending = False
        self._joinq = WaitQueue(self)
        self._slice_end = 0
        self._flags = None
        self._reported = False
        self._sleeping = False

    def __repr__(self):
        return "<Thread %s prio=%d %s>" % (self.name, self.priority,
                                            self.state)

    # -- public --
    def set_priority(self, priority):
        """Change the base priority; the effective one is recomputed (it
        may stay higher while inherited). May preempt the caller at its
        next await. ISR-safe."""
        check_priority(priority, "Thread %r" % self.name)
        self._kernel._set_base_priority(self, priority)

    def join(self):
        """Wait for the thread to end; its result, or ThreadError from its
        exception. Thread context; may block."""
        return self._kernel._join(self)

    def interrupt(self):
        """Set ``interrupted``; a blocked thread's wait raises
        ``muos.Interrupted``. ISR-safe."""
        self._kernel._interrupt(self)

    def kill(self):
        """End the thread now (state TERMINATED)."""
        self._kernel._kill(self)

    def resume(self):
        """Wake the thread from ``await muos.suspend()``; a resume that
        arrives first is kept for the next suspend. ISR-safe."""
        self._kernel._resume(self)

    @property
    def cpu_time(self):
        return self._stats.cpu_time

    @property
    def switches(self):
        return self._stats.switches

    @property
    def stats(self):
        return self._stats

    @property
    def flags(self):
        """The thread's own EventFlags: anyone sets, only it waits."""
        f = self._flags
        if f is None:
            f = FLAGS_FACTORY(self)
            self._flags = f
        return f

    @property
    def waiting_on(self):
        """The wait queue this thread is blocked on, or None."""
        trap = self._trap
        return None if trap is None else trap.q

    @property
    def alive(self):
        return self.state != TERMINATED

    def _try(self, trap):
        # join: the waker (the thread's end) completes it otherwise
        if self.state == TERMINATED:
            if self.exception is not None:
                raise self._error()
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
