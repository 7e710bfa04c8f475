"""Traps: the one awaitable through which a thread leaves the CPU.

Owns: the trap kinds and the ``Trap`` record. Imports nothing. A thread
awaits a Trap; the kernel receives it from ``coroutine.send()``, acts on
its ``kind`` (plain int constants, dispatched by if/elif) and later
resumes the thread with the value the waker chose, or throws into it.

A blocking call builds its Trap without side effects, so that
``wait_any`` can try several operations and withdraw the losers: the
object's ``_try(trap)`` runs only when the kernel processes the trap.
"""

__all__ = [
    "Trap", "SLEEP", "YIELD", "BUSY", "WAIT", "SUSPEND", "ANY", "PASS",
    "BLOCK", "NEVER",
]

SLEEP = 1     # arg: absolute wake-up time in ns
YIELD = 2     # to the tail of the caller's ready list
BUSY = 3      # arg: CPU work in ns
WAIT = 4      # obj._try(trap) or wait on trap.q; timeout: absolute ns or None
SUSPEND = 5   # until Thread.resume()
ANY = 6       # arg: list of WAIT traps; the first to complete wins
PASS = 7      # a preemption point that returns arg


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


BLOCK = _Sentinel("BLOCK")   # returned by _try(): the operation must wait
NEVER = _Sentinel("NEVER")   # no timeout


class Trap:
    """One pending kernel operation of one thread."""

    __slots__ = ("kind", "obj", "arg", "q", "timeout", "fail", "thread",
                 "seq", "index")

    def __init__(self, kind, obj=None, arg=None, q=None, timeout=None,
                 fail=None):
        self.kind = kind
        self.obj = obj          # the sync object (WAIT), else None
        self.arg = arg          # operation argument (message, mask, ...)
        self.q = q              # the WaitQueue to wait on (WAIT)
        self.timeout = timeout  # relative ns, or None for no timeout
        self.fail = fail        # value on timeout, or an exception class
        # set when used: thread (by the kernel when it processes the
        # trap), seq (arrival order in the wait queue), index (position
        # among wait_any's operations); unset until then

    def __iter__(self):
        return (yield self)

    __await__ = __iter__

    def __repr__(self):
        return "<Trap %d %r>" % (self.kind, self.obj)
