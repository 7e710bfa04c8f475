"""Threads: the thread control block and the priority levels.

Owns: ``Thread`` (the TCB: state, priorities, links into the ready list,
the pending trap, accounting), ``Priority`` and the state constants.
Imports ``compat`` and ``stats``; its control and reading API (join,
throw, interrupt, kill ...) is ``threadapi.ThreadApi``, its base on
CPython, loaded at first use on MicroPython (a board pays no heap for the
methods a program never calls).
"""

from .compat import (MICROPYTHON, cold_part, computed_attrs, init_fields,
                     lazy_fields)
from .stats import ThreadCounters
from .traps import Trap, new_trap

__all__ = ("Thread", "Priority", "READY", "RUNNING", "SUSPENDED",
           "TERMINATED", "check_priority", "make_coroutine")

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


def make_coroutine(fn, args, name, priority):
    """Validate spawn's arguments, then ``fn(*args)``; returns (coroutine,
    default name stem). Arguments are checked first so that a refusal
    leaves no never-awaited coroutine behind."""
    if name is not None and not isinstance(name, str):
        raise TypeError("spawn: thread name must be a str, not %r" % (name,))
    check_priority(priority, "spawn %r" % (
        name if name is not None else getattr(fn, "__name__", fn),))
    fname = getattr(fn, "__name__", "thread")
    if hasattr(fn, "send") and hasattr(fn, "throw"):
        return fn, fname                 # an already-created coroutine
    if not callable(fn):
        raise TypeError("spawn: %r is not an async def function" % (fn,))
    coro = fn(*args)
    if not (hasattr(coro, "send") and hasattr(coro, "throw")):
        raise TypeError("spawn: %r is not an async def function (it "
                        "returned %r)" % (fn, coro))
    return coro, fname


if MICROPYTHON:    # (its API loads at first use: compat.cold_part)
    globals()["ThreadApi"] = ThreadCounters
else:
    from .threadapi import ThreadApi


class Thread(ThreadApi):
    """A muos thread: an ``async def`` function scheduled by priority.
    Here: what the switch path uses; its control and reading API
    (``join``, ``kill``, ``stats`` ...) is ``ThreadApi``'s."""

    # ``name`` and the counters the kernel keeps (CPU time, switches,
    # waits) are ThreadCounters's fields, held by the thread itself (no
    # object beside it); its statistics are read through ``stats`` (a
    # ThreadStats view). What few threads set (end result, joiners,
    # flags, pending resume) is in its ThreadExtra (``_extra()``)
    __slots__ = (
        "base_priority", "priority", "state",
        "interrupted", "_kernel", "_coro",
        "_wake_value", "_wake_exc", "_trap", "_spare", "_tentry", "_work",
        "_primed",
        "_held", "_dl", "_core",
    )

    def __init__(self, kernel, coro, name, priority):
        # the kernel's Stats.add_thread completes the statistics' part
        # (and numbers a name already taken: "w", "w#2", ...)
        self.name = name
        self.base_priority = priority
        self.priority = priority
        self.state = READY
        self._kernel = kernel
        self._coro = coro
        init_fields(self, _THREAD_FIELDS)
        if MICROPYTHON:
            # every field a switch writes, now and in one order: each
            # thread's table of attributes the same, and as large as a
            # thread that has waited and slept has anyway (a board's
            # look-ups then hit where the bytecode's cache expects them:
            # the lock 10 %, the hand-over 3 % faster; 48 bytes more a
            # thread before its first sleep, BENCHMARKS.md)
            for name in _PRIMED:
                setattr(self, name, getattr(self, name))

    def __repr__(self):
        return "<Thread %s prio=%d %s>" % (self.name, self.priority,
                                            self.state)


computed_attrs(Thread)
cold_part(Thread, "threadapi", "ThreadApi", (
    "set_priority", "deadline", "set_deadline", "core", "affinity",
    "set_affinity", "migrations", "_not_idle", "join", "throw",
    "_given_nothing", "interrupt", "kill", "resume", "stats", "cpu_time",
    "tick_hz", "flags", "result", "exception", "waiting_on", "alive", "_try",
    "_error"))


def prime(k, t):
    """Make thread ``t``'s first steps on kernel ``k`` allocate nothing
    (``Kernel.prime``): an entry and room for its first sleep in the time
    queue (released when it ends) and, on MicroPython, its first trap
    with every field set and a waits table with room for a first object
    (every field a switch writes is set when a thread is made).
    MicroPython's asyncio tasks switch under ``micropython.heap_lock()``
    before they ever ran (muos.asyncio primes its tasks there; issue 16
    #4); a trap, a table and an entry more per thread, so plain threads
    are not primed (their first steps allocate, then nothing:
    tests/test_heap_lock.py).
    A thread that waits has all of these anyway."""
    if t._primed or t.state == TERMINATED:
        return
    t._primed = True
    k._tq.reserve()
    if not MICROPYTHON:
        return
    trap = new_trap(Trap)
    trap.kind = 0
    trap.obj = None
    trap.arg = None
    trap.q = None
    trap.thread = t
    trap.seq = 0
    trap.index = 0
    trap._up = 0
    t._spare = trap
    w = {None: 0}
    del w[None]      # (a free slot: the first key goes in without growing)
    t.waits = w


# (the fields a switch writes, and two it reads at each wait and wake-up,
# which would otherwise be looked up in the instance's table, then the
# class's: 23 keys with the others, in a table of 23 slots that a thread
# which has waited and slept has anyway (one more would grow it by 48
# bytes), and a look-up that misses a full table, as every method call's
# does first, probes all of it)
_PRIMED = ("_trap", "_tentry", "_wake_value", "_wake_exc", "_work",
           "_rnext", "_rprev", "blk_at", "blk_on", "switches", "cpu_ns",
           "_spare", "waits", "slept", "_dl", "interrupted")


# the fields most threads never change (see compat.py)
_THREAD_FIELDS = lazy_fields(Thread, {
    "interrupted": False,
    # what its await ends with: set when it is woken, cleared when it
    # steps (None while it waits: the switch path stores only others)
    "_wake_value": None, "_wake_exc": None,
    "_primed": False,         # Kernel.prime made its first steps ready
    "_trap": None,            # the trap this thread is blocked in
    "_spare": None,           # the plain trap it awaited last (traps.reuse)
    "_tentry": None,          # its timeout entry in the time queue
    "_work": 0,               # CPU work left in a busy(), ns; the idle
                              # thread: IDLE_SLEEP while the CPU sleeps
    "_rnext": None, "_rprev": None,   # links in the ready list
    "_held": (),              # mutexes held, in locking order
    "_dl": None,              # effective deadline, ns (own or inherited)
    "_core": -1,              # the core it runs or last ran on (-1: none)
})
# MicroPython only (no slot on CPython): the TimedTrap it awaited last,
# for its next timed wait (traps.timed); the default of `slept`, which
# _PRIMED sets (a ThreadCounters' own, set by _init_stats: on its class
# it would grow that table a step)
lazy_fields(Thread, {"_tspare": None, "slept": 0})
