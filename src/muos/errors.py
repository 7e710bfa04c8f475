"""The exceptions of the muos contract (API.md, "Errors").

Owns: ``MuosError``, the base of every muos exception (``except
muos.MuosError`` catches any kernel refusal). The others are
moreerrors.py's, and this module gives them too: imported at its end on
CPython, loaded at first use on MicroPython (a class costs about 100
bytes of a board's heap even frozen; the kernel's own raise sites import
them where they raise). Imports ``compat``.
"""

from .compat import MICROPYTHON

__all__ = (
    "MuosError", "ContextError", "DeadlockError", "Stalled", "Interrupted",
    "NotOwnerError", "OwnerDead", "NotRecoverable", "Full", "Empty",
    "ThreadError",
)


class MuosError(Exception):
    """Base class of every muos exception."""


if MICROPYTHON:
    def __getattr__(name):
        from . import moreerrors
        return getattr(moreerrors, name)
else:
    from .moreerrors import (ContextError, DeadlockError, Empty, Full,
                             Interrupted, NotOwnerError, NotRecoverable,
                             OwnerDead, Stalled, ThreadError)
