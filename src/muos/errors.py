"""The exceptions of the muos contract (API.md, "Errors").

Owns: ``MuosError``, the base of every muos exception (``except
muos.MuosError`` catches any kernel refusal), and the two the switch path
raises or catches, ``ContextError`` and ``Interrupted``. The others, which
few programs meet, are moreerrors.py's, and this module gives them too:
imported at its end on CPython, loaded at first use on MicroPython (a
class costs about 100 bytes of a board's heap even frozen). Imports
``compat``.
"""

from .compat import MICROPYTHON

__all__ = (
    "MuosError", "ContextError", "DeadlockError", "Stalled", "Interrupted",
    "NotOwnerError", "OwnerDead", "NotRecoverable", "Full", "Empty",
    "ThreadError",
)


class MuosError(Exception):
    """Base class of every muos exception."""


class ContextError(MuosError):
    """A call made where it is not allowed: blocking in an interrupt
    handler, a timer callback or a scheduler-locked region, or a kernel
    call with no kernel running."""


class Interrupted(MuosError):
    """The waiting thread was interrupted (``Thread.interrupt()``)."""


if MICROPYTHON:
    def __getattr__(name):
        from . import moreerrors
        return getattr(moreerrors, name)
else:
    from .moreerrors import (DeadlockError, Empty, Full, NotOwnerError,
                             NotRecoverable, OwnerDead, Stalled, ThreadError)
