"""Condition variables (µOS++ ``condition_variable``, POSIX
``pthread_cond_t``).

Owns: ``ConditionVariable``. Built only on the wait queue, traps and the
mutex's own release path. ``wait(mutex)`` releases the mutex and queues
the thread in one kernel step (no other thread runs in between), then
reacquires the mutex before returning, also on timeout and interruption.
"""

from .errors import Interrupted
from .moreerrors import Killed, NotOwnerError
from .diag import check_name, describe
from .running import current_kernel
from .traps import BLOCK, WAIT, TimedTrap, Trap
from .waitq import WaitQueue

__all__ = ("ConditionVariable",)


class ConditionVariable:
    """Threads wait for a condition guarded by a mutex."""

    def __init__(self, name=None):
        self.name = check_name(name, "ConditionVariable")
        self._q = WaitQueue(self)

    def __repr__(self):
        return "<%s waiting=%d>" % (describe(self), len(self._q))

    def _try(self, trap):
        # runs inside the kernel when the wait is processed: release the
        # mutex and always wait
        m = trap.arg
        t = trap.thread
        if m.owner is not t:
            raise NotOwnerError("%s.wait: thread %r does not own %s" % (
                describe(self), t.name, describe(m)))
        m._count = 1
        m._release(t)
        return BLOCK

    def _check(self, mutex, what):
        from .mutex import Mutex
        if not isinstance(mutex, Mutex):
            raise TypeError("%s: needs a muos.Mutex, not %r"
                            % (what, mutex))
        k = current_kernel(what)._check_block(what)
        if mutex.owner is not k._current:
            raise NotOwnerError("%s: the calling thread %r does not own %s"
                                % (what, k._current.name, describe(mutex)))
        return k

    def wait(self, mutex):
        """Release ``mutex``, wait for a notification, relock it. Thread
        context; may block."""
        self._check(mutex, "%s.wait" % describe(self))
        return self._wait(mutex, None)

    def timed_wait(self, mutex, ticks):
        """Like ``wait``; False if not notified within ``ticks`` (the
        mutex is relocked either way). Thread context; may block."""
        what = "%s.timed_wait" % describe(self)
        k = self._check(mutex, what)
        return self._wait(mutex, k.to_ns(ticks, what + ": ticks"))

    async def _wait(self, mutex, timeout):
        count = mutex._count           # a recursive owner's depth
        try:
            notified = await (
                Trap(WAIT, self, mutex, self._q) if timeout is None
                else TimedTrap(WAIT, self, mutex, self._q, timeout, False))
        except BaseException:
            # interrupted, thrown (Thread.throw, asyncio's cancel) or
            # killed: the mutex is relocked before the caller's cleanup
            # runs (POSIX); a killed thread relocks it only if it is free
            # at once (thread.py's _close), else its cleanup runs without
            # it
            await _relock(mutex, count)
            raise
        await _relock(mutex, count)
        return notified

    def notify_one(self):
        """Wake the most urgent waiter. ISR-safe."""
        q = self._q
        q.wake_one(True)

    def notify_all(self):
        """Wake every waiter, most urgent first. ISR-safe."""
        q = self._q
        q.wake_all(True)


async def _relock(mutex, count):
    """Reacquire ``mutex`` even if the thread is (or gets) interrupted,
    so that the caller's unlock stays correct; the flag is kept."""
    k = current_kernel("ConditionVariable")
    t = k._current
    was = t.interrupted
    thrown = None
    while True:
        t.interrupted = False
        try:
            await mutex.lock()
            break
        except Interrupted:
            was = True
        except Killed:
            raise
        except BaseException as e:   # a throw() meanwhile: after relocking
            thrown = e
        finally:
            t.interrupted = t.interrupted or was
    mutex._count = count
    if thrown is not None:
        raise thrown
