"""The text of the warning for a muos call never awaited (API.md,
"Observability"): ``m.lock()`` without ``await`` does nothing, so muos
says so as Python does for a coroutine never awaited, a RuntimeWarning at
the line that dropped it. The C trap reports it when it is freed (one
test of a flag on the switch path); the plain build under ``python -X
dev`` only (a ``__del__`` on every trap would cost every await).

Owns: ``never_awaited``, ``call_name`` and the plain build's traps
(``plain_traps``: a Trap that reports itself under ``-X dev``). Imports
``traps`` (loaded by it). CPython only: MicroPython has neither the C
trap nor ``-X dev``, so a board keeps none of this.
"""

import sys
import warnings

from .traps import (ANY, BUSY, PASS, RELEASE, SLEEP, SPIN, SUSPEND, WAIT,
                    YIELD)

__all__ = ("never_awaited", "call_name", "plain_traps")

_VERBS = {"Mutex": "lock", "MemoryPool": "alloc", "Thread": "join"}


def call_name(trap):
    """The call that made ``trap``, in words: "Mutex 'm'.lock()"."""
    kind = trap.kind
    if kind == WAIT and trap.obj is not None:
        obj = trap.obj
        cls = type(obj).__name__
        verb = _VERBS.get(cls, "wait")
        if cls == "MessageQueue":
            verb = "send" if trap.q is obj._senders else "receive"
        if trap.timeout is not None:
            verb = "timed_" + verb
        name = getattr(obj, "name", None)
        return "%s%s.%s()" % (cls, "" if name is None else " %r" % name,
                              verb)
    return _KIND_CALLS.get(kind, "a muos call (trap kind %d)" % kind)


_KIND_CALLS = {
    SLEEP: "muos.sleep_for() or sleep_until()", BUSY: "muos.busy()",
    YIELD: "muos.yield_now()", PASS: "muos.yield_now()",
    SUSPEND: "muos.suspend()", ANY: "muos.wait_any()",
    RELEASE: "muos.periodic()", SPIN: "Spinlock.acquire()",
}


def never_awaited(trap, stacklevel=2):
    """Warn that ``trap``'s call was never awaited (RuntimeWarning)."""
    warnings.warn("muos: %s was never awaited" % call_name(trap),
                  RuntimeWarning, stacklevel=stacklevel)


def _new_plain(cls):
    """An empty Python Trap (no __init__ call: its fields are set by the
    caller), not being awaited."""
    t = object.__new__(cls)
    t._up = 0
    return t


def _consumed_nothing(trap):
    return None


def _consumed(trap):
    """The kernel took ``trap`` without an await (wait_any's operations,
    try_lock's): no never-awaited warning."""
    trap.used = 1


def plain_traps(trap_class):
    """(Trap, new_trap, consumed) of the plain build on CPython: under
    ``-X dev`` a subclass of ``trap_class`` that reports itself never
    awaited when freed unawaited; else ``trap_class`` itself."""
    if not getattr(sys.flags, "dev_mode", False):
        return trap_class, _new_plain, _consumed_nothing

    class _CheckedTrap(trap_class):  # type: ignore[valid-type,misc]
        """The plain Trap that reports itself never awaited (-X dev)."""

        __slots__ = ("used",)

        def __iter__(self):
            self.used = 1
            return (yield from super().__iter__())

        __await__ = __iter__

        def close(self):
            self.used = 1         # (as a coroutine closed unawaited)

        def __del__(self):
            if not getattr(self, "used", 0):
                self.used = 1
                never_awaited(self, 3)

    return _CheckedTrap, _new_plain, _consumed
