"""Mutexes with priority inheritance or ceiling, recursion and robustness.

Owns: ``Mutex`` (µOS++ ``mutex``, POSIX ``pthread_mutex_t`` semantics).
Built only on the wait queue and traps. Its rarer operations (try_lock,
timed_lock, robustness, views) are ``mutexapi.MutexApi``'s, loaded at
first use on MicroPython. The kernel computes effective
priorities from ``_boost()`` of the mutexes a thread holds; this module
tells it when that may have changed (owner change, waiter arrival,
departure or move, through the queue's ``on_change``). ``unlock()`` makes
the most urgent waiter the owner: the woken thread never retries.
"""

from .compat import MICROPYTHON, cold_part, computed_attrs
from .running import RUNNING, current_kernel
from .thread import TERMINATED, check_priority
from .traps import BLOCK, PASS, WAIT, Trap, reuse
from .waitq import WaitQueue

__all__ = ("Mutex",)

_CONSISTENT = 0
_INCONSISTENT = 1     # robust, owner died, new owner not yet consistent()
_UNRECOVERABLE = 2


def _waited_owner(o):
    """The owner of the mutex thread ``o`` waits for, or None."""
    trap = o._trap
    if trap is None or trap.kind != WAIT or not isinstance(trap.obj, Mutex):
        return None
    return trap.obj.owner


if MICROPYTHON:    # (its API loads at first use: compat.cold_part)
    globals()["MutexApi"] = object
else:
    from .mutexapi import MutexApi


class Mutex(MutexApi):
    """A mutual-exclusion lock owned by one thread at a time (here what
    lock and unlock use; the rest is ``MutexApi``'s)."""

    NORMAL = "normal"
    ERRORCHECK = "errorcheck"
    RECURSIVE = "recursive"
    NONE = "none"
    INHERIT = "inherit"
    PROTECT = "protect"

    def __init__(self, name=None, *, kind="normal", protocol="inherit",
                 ceiling=None, robust=False):
        label = "Mutex %r" % name if name is not None else "Mutex"
        if kind not in ("normal", "errorcheck", "recursive"):
            raise ValueError("%s: kind must be Mutex.NORMAL, ERRORCHECK or "
                             "RECURSIVE, not %r" % (label, kind))
        if protocol not in ("none", "inherit", "protect"):
            raise ValueError("%s: protocol must be Mutex.NONE, INHERIT or "
                             "PROTECT, not %r" % (label, protocol))
        if protocol == "protect":
            if ceiling is None:
                raise ValueError("%s: protocol PROTECT needs a ceiling"
                                 % label)
            check_priority(ceiling, label + " ceiling")
        elif ceiling is not None:
            raise ValueError("%s: a ceiling (%r) needs protocol PROTECT"
                             % (label, ceiling))
        if name is not None:
            from .diag import check_name    # (loaded for a name only)
            check_name(name, "Mutex")
        else:
            # the name Stats.name_of gives it at its first unlock (read
            # by Stats.on_hold at every unlock; a field of unnamed mutexes
            # only, not a class default: that made the class's table a
            # step larger on a board)
            self._stat_name = None
        self.name = name
        self.kind = kind
        self.protocol = protocol
        self.ceiling = ceiling
        self.robust = bool(robust)
        self.owner = None
        self._count = 0
        self._since = 0            # the owner's CPU time when it locked
        self._state = _CONSISTENT
        self._q = WaitQueue(self, self._waiters_changed
                            if protocol == "inherit" else None)

    def __repr__(self):
        return "<Mutex %r owner=%s waiting=%d>" % (
            self.name, None if self.owner is None else self.owner.name,
            len(self._q))

    # -- priority --
    def _boost(self):
        """What gives this mutex's owner a key, or None: the mutex itself
        (its ceiling, with the owner's own deadline), or the head waiter
        (its priority and deadline: API.md, an INHERIT mutex's owner
        inherits its most urgent waiter's key). Not a (priority,
        deadline) tuple: a lock that waits allocates nothing."""
        if self.protocol == "protect":
            return self
        if self.protocol == "inherit":
            h = self._q.head()
            if h is not None:
                return h.thread
        return None

    def _waiters_changed(self):
        o = self.owner
        if o is not None and o.state != TERMINATED:
            o._kernel.recompute_priority(o)

    # -- the one internal path for locking --
    def _try(self, trap):
        # (the errors are made by the cold part: their messages would
        # make this frame too large for MicroPython's C stack, and it
        # would come from the heap at every lock)
        t = trap.thread
        if self._state == _UNRECOVERABLE:
            raise self._not_recoverable()
        if self.protocol == "protect" and t.base_priority > self.ceiling:
            raise self._above_ceiling(t)
        owner = self.owner
        if owner is None:
            self._acquire(t)
            if self._state == _INCONSISTENT:
                raise self._owner_dead()
            return True
        if owner is t:
            if self.kind == "recursive":
                self._count += 1
                return True
            raise self._owned_already(t)
        if trap.timeout != 0:
            # only a caller that would really wait can close a cycle:
            # try_lock (and timed_lock(0)) just fail
            self._check_cycle(t)
        return BLOCK

    def _check_cycle(self, t):
        # the chain of owners from t is walked without a list (a lock
        # that waits allocates nothing: issue 16 #4), and again to name
        # it when it closes a cycle
        o = self.owner
        while o is not None:
            if o is t:
                raise self._cycle(t)      # (made by the cold part)
            o = _waited_owner(o)

    def _acquire(self, t):
        self.owner = t
        self._count = 1
        self._since = t.cpu_ns
        if type(t._held) is list:
            t._held.append(self)
        else:
            t._held = [self]       # most threads never hold a mutex
        if self.protocol == "protect" or self._q.items:
            # it may raise t's key (a ceiling, a waiter to inherit
            # from); a mutex that gives nothing changes nothing
            t._kernel.recompute_priority(t)

    def _release(self, t):
        """Give the mutex to the most urgent waiter (or nobody)."""
        t._held.remove(self)
        # how long it computed holding it (muos analyze APP.py: the
        # critical sections of the task model)
        t._kernel.stats.on_hold(t, self, t.cpu_ns - self._since)
        self.owner = None
        self._count = 0
        q = self._q
        if q.items:
            self._acquire(q.head().thread)
            if self._state == _INCONSISTENT:
                q.fail_one(self._owner_dead())
            else:
                q.wake_one(True)
        if t.state != TERMINATED and (t.priority != t.base_priority
                                      or t._dl is not None):
            # its key may drop back (a thread at its own priority, with
            # no deadline, has nothing to drop: no mutex raised it)
            t._kernel.recompute_priority(t)

    # -- public API --
    def lock(self):
        """Lock, waiting while another thread owns it. Thread context; may
        block."""
        k = RUNNING[0]
        if (k is None or k._isr or k._lock or k._irqs.mask
                or k._current is None):          # raise the context's error
            k = current_kernel("Mutex.lock")
            if k._isr or k._current is None:
                k._thread_context("%s.lock" % self._label())
            k._check_block("lock", self)
        return reuse(k._current, WAIT, self, None, self._q)

    def unlock(self):
        """Unlock; only the owner may. Thread context."""
        k = RUNNING[0]              # (as lock: the running kernel, read
        if k is None or k._isr or k._current is None:     # in one cell)
            k = current_kernel("Mutex.unlock")
            if k._isr or k._current is None:   # (the label only to raise)
                k._thread_context("%s.unlock" % self._label())
        t = k._current
        if self.owner is not t:
            from .moreerrors import NotOwnerError
            raise NotOwnerError("%s: thread %r cannot unlock it, %s" % (
                self._label(), t.name,
                "it is not locked" if self.owner is None else
                "its owner is %r" % self.owner.name))
        if self._count > 1:
            self._count -= 1
            return
        if self._state == _INCONSISTENT:
            self._make_unrecoverable(t)
            return
        self._release(t)

    def __aenter__(self):
        return self.lock()

    def __aexit__(self, exc_type, exc, tb):
        # the exit of ``async with`` is an await: a preemption point
        # returning False. A thread killed in cv.wait(m) while another
        # held m runs its cleanup without m: it does not unlock it then
        # (named arguments, not *exc: a tuple per exit is heap)
        if exc_type is not None:
            from .moreerrors import Killed   # (loaded with the exception)
            if exc_type is Killed and self.owner is not \
                    current_kernel("Mutex")._current:
                return Trap(PASS, None, False)
        self.unlock()
        k = RUNNING[0]
        if k is None or k._isr:
            k = current_kernel("Mutex")    # (several OS threads run kernels)
        return reuse(k._current, PASS, None, False)

computed_attrs(Mutex)
cold_part(Mutex, "mutexapi", "MutexApi", (
    "_label", "locked", "_chain", "_cycle", "_owner_dead",
    "_not_recoverable", "_above_ceiling", "_owned_already", "_owner_died",
    "try_lock", "timed_lock", "_make_unrecoverable", "consistent",
    "waiters"))
