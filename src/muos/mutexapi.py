"""A mutex's cold part: what ``lock`` and ``unlock`` of a consistent
mutex never use (try_lock, timed_lock, a robust mutex's owner dying and
recovery, the deadlock chain named, views).

Owns: ``MutexApi`` (``Mutex``'s base on CPython; on MicroPython loaded at
the first use of one of its names: ``compat.cold_part``). Imports
``compat``, ``errors``, ``running``, ``traps`` and ``mutex`` (its state
constants; loaded whenever this is).
"""

from .compat import MICROPYTHON, computed, computed_attrs
from .moreerrors import DeadlockError, NotRecoverable, OwnerDead
from .mutex import _CONSISTENT, _INCONSISTENT, _UNRECOVERABLE, _waited_owner
from .running import RUNNING, current_kernel
from .traps import BLOCK, WAIT, consumed, timed

__all__ = ("MutexApi",)


class MutexApi:
    """``Mutex``'s rarer operations (see the module doc)."""

    __slots__ = ()

    def _label(self):
        return "Mutex %r" % self.name if self.name is not None else "Mutex"

    @computed
    def locked(self):
        return self.owner is not None

    def _chain(self, t):
        chain = [t]
        o = self.owner
        while o is not t:
            chain.append(o)
            o = _waited_owner(o)
        return chain

    def _cycle(self, t):
        # Mutex._check_cycle's error: the chain of owners named
        chain = self._chain(t)
        return DeadlockError(
            "%s: thread %r would wait in a cycle: %s" % (
                self._label(), t.name,
                " -> ".join(x.name for x in chain + [t])), chain)

    def _owner_dead(self):
        return OwnerDead("%s: previous owner died holding it; call "
                         "consistent() to keep using it" % self._label())

    # the errors of Mutex._try, made here (see there)
    def _not_recoverable(self):
        return NotRecoverable("%s is not recoverable: its owner died and "
                              "the state was never made consistent"
                              % self._label())

    def _above_ceiling(self, t):
        return ValueError("%s: thread %r of priority %d is above the "
                          "ceiling %d" % (self._label(), t.name,
                                          t.base_priority, self.ceiling))

    def _owned_already(self, t):
        return DeadlockError("%s: thread %r already owns it"
                             % (self._label(), t.name), [t])

    def _owner_died(self, t):
        """Called by the kernel when owner ``t`` ends holding the mutex."""
        if not self.robust:
            t._held.remove(self)   # stays locked by a dead thread (POSIX)
            return
        self._state = _INCONSISTENT
        self._release(t)

    def try_lock(self):
        """Lock if free (or owned, for RECURSIVE). Thread context."""
        k = RUNNING[0]
        if k is None or k._isr or k._current is None:
            k = current_kernel("Mutex.try_lock")
            k._thread_context("%s.try_lock" % self._label())   # raises
        t = k._current
        trap = timed(t, WAIT, self, None, self._q, 0, None)
        consumed(trap)             # tried here, never awaited
        trap.thread = t
        try:
            return self._try(trap) is not BLOCK
        finally:
            if MICROPYTHON:
                # never awaited: the thread's next timed call may take it
                # again (a try_lock in a loop allocates nothing)
                t._tspare = trap

    def timed_lock(self, ticks):
        """Like ``lock`` but False after ``ticks``. Thread context; may
        block."""
        k = RUNNING[0]
        if (k is None or k._isr or k._lock or k._irqs.mask
                or k._current is None):          # raise the context's error
            k = current_kernel("Mutex.timed_lock")
            k._thread_context("%s.timed_lock" % self._label())
            k._check_block("%s.timed_lock" % self._label())
        if type(ticks) is int and ticks >= 0:
            ns = ticks * k._tick     # (no message made: nothing allocated)
        else:
            ns = k.to_ns(ticks, "%s.timed_lock: ticks" % self._label())
        return timed(k._current, WAIT, self, None, self._q, ns, False)

    def _make_unrecoverable(self, t):
        self._state = _UNRECOVERABLE
        t._held.remove(self)
        self.owner = None
        self._count = 0
        q = self._q
        while q.items:
            q.fail_one(NotRecoverable("%s is not recoverable"
                                      % self._label()))
        t._kernel.recompute_priority(t)

    def consistent(self):
        """Mark a robust mutex's state consistent after ``OwnerDead``."""
        k = current_kernel("Mutex.consistent")
        t = k._thread_context("%s.consistent" % self._label())
        if self._state != _INCONSISTENT or self.owner is not t:
            raise ValueError("%s: consistent() is for the owner after "
                             "OwnerDead" % self._label())
        self._state = _CONSISTENT

    @computed
    def waiters(self):
        return self._q.threads()


computed_attrs(MutexApi)
