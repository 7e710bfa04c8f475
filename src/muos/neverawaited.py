"""The text of the warning for a muos call never awaited (API.md,
"Observability"): ``m.lock()`` without ``await`` does nothing, so muos
says so as Python does for a coroutine never awaited, a RuntimeWarning at
the line that dropped it. The C trap reports it when it is freed (one
test of a flag on the switch path); the plain build under ``python -X
dev`` only (a ``__del__`` on every trap would cost every await).

Owns: ``never_awaited`` and ``call_name``. Imports ``traps`` (loaded by
it). CPython only: MicroPython has neither the C trap nor ``-X dev``, so
a board keeps none of this text.
"""

import warnings

from .traps import (ANY, BUSY, PASS, RELEASE, SLEEP, SPIN, SUSPEND, WAIT,
                    YIELD)

__all__ = ("never_awaited", "call_name")

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
