"""The exceptions of the muos contract (API.md, "Errors") but their base:
a call made where it is not allowed, an interrupted wait, a deadlock
refused, a stalled run, a mutex unlocked by another thread or left by a
dead owner, a full or empty queue, a thread's error.

Owns: those classes; ``muos`` and ``muos.errors`` give them too. Imports
``errors`` (their base, ``MuosError``). On MicroPython loaded at the
first use of one of them (a program that raises none never loads it).
"""

from .errors import MuosError

__all__ = (
    "ContextError", "Interrupted", "DeadlockError", "Stalled",
    "NotOwnerError", "OwnerDead", "NotRecoverable", "Full", "Empty",
    "ThreadError",
)


class Killed(BaseException):
    """Thrown out of a thread that kills itself; never seen by users (the
    kernel's own: not in the contract, not in ``__all__``)."""


class ContextError(MuosError):
    """A call made where it is not allowed: blocking in an interrupt
    handler, a timer callback or a scheduler-locked region, or a kernel
    call with no kernel running."""


class Interrupted(MuosError):
    """The waiting thread was interrupted (``Thread.interrupt()``)."""


class DeadlockError(MuosError):
    """A lock that could never succeed: relocking a non-recursive mutex, or
    a wait that closes a cycle of owners. ``cycle`` lists the threads."""

    def __init__(self, message, cycle=None):
        super().__init__(message)
        self.cycle = list(cycle) if cycle else []


class Stalled(MuosError):
    """``muos.run()`` found that main can never run again. ``blocked`` maps
    each blocked thread's name to a description of what it waits for."""

    def __init__(self, message, blocked=None):
        super().__init__(message)
        self.blocked = dict(blocked) if blocked else {}


class NotOwnerError(MuosError):
    """A mutex was unlocked by a thread that does not own it."""


class OwnerDead(MuosError):
    """A robust mutex was acquired after its previous owner ended while
    holding it. The caller now owns it; call ``consistent()`` to keep it."""


class NotRecoverable(MuosError):
    """A robust mutex whose dead owner's state was never made consistent."""


class Full(MuosError):
    """A queue or pool had no room (``try_``/``timed_`` forms)."""


class Empty(MuosError):
    """A queue had nothing to receive (``try_``/``timed_`` forms)."""


class ThreadError(MuosError):
    """A thread ended with an exception; ``__cause__`` (and ``exception``)
    hold the original one."""

    def __init__(self, message, exception=None, thread=None):
        super().__init__(message)
        self.exception = exception
        self.thread = thread
