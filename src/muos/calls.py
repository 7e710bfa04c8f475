"""The functions a running thread calls most: time, yielding, work,
spawning.

Owns: ``this_thread``, ``now``, ``sleep_for``, ``yield_now``, ``busy``
and ``spawn`` (the rarer calls are morecalls.py's, the critical
sections critical.py's). Imports the kernel. Blocking ones build a trap
and check their context before any await (API.md: the call itself
raises).
"""

from .running import RUNNING, can_block, current_kernel
from .units import ticks_to_ns
from .thread import Priority
from .traps import BUSY, PASS, SLEEP, YIELD, Trap, new_trap, reuse

# (the builtins sleep_for calls, made globals: kernel.py says why)
globals()["type"] = type
globals()["int"] = int

__all__ = ("this_thread", "now", "sleep_for", "yield_now", "busy", "spawn")


def this_thread():
    """The running thread. Thread context."""
    t = current_kernel("muos.this_thread")._current
    if t is None:
        from .moreerrors import ContextError   # (loaded to raise it)
        raise ContextError("muos.this_thread: no thread is running")
    return t


def now():
    """The system clock, in ticks. ISR-safe."""
    return current_kernel("muos.now").now


def sleep_for(ticks):
    """Sleep for ``ticks`` (µOS++ ``sleep_for``). Thread context; may block."""
    k = RUNNING[0]
    c = None if k is None else k._current
    if c is None or k._isr or k._lock or k._irqs.mask:
        # raises the context's error (or, in another OS thread than the
        # last kernel's, gives that thread's kernel)
        k = can_block("muos.sleep_for")
        c = k._current
    if type(ticks) is int and ticks >= 0:
        arg = k._now + ticks * k._tick
    else:        # (checked before the trap exists: a refused call
        #          leaves no trap never awaited behind)
        arg = k._now + ticks_to_ns(ticks, k.tick_hz, "sleep_for: ticks")
    # traps.reuse, inline (the measured wake-up: sleepers.py)
    t = c._spare
    if t is None:
        t = new_trap(Trap)
    else:
        c._spare = None
    t.kind = SLEEP
    t.obj = None
    t.arg = arg
    t.q = None
    return t

def yield_now():
    """Go to the tail of this priority's ready list. Thread context."""
    k = current_kernel("muos.yield_now")
    k._thread_context("muos.yield_now")
    if k._lock or k._irqs.mask:
        # no switch in a locked or masked section
        return reuse(k._current, PASS)
    return reuse(k._current, YIELD)


def busy(ticks):
    """Compute for ``ticks`` of CPU time: modelled, preemptible work on
    SimPort, a real spin on real ports. Thread context."""
    k = RUNNING[0]
    if k is None or k._isr or k._current is None:
        k = current_kernel("muos.busy")
        k._thread_context("muos.busy")
    if type(ticks) is int and ticks >= 0:
        arg = ticks * k._tick
    elif type(ticks) is float and 0.0 <= ticks < 1e30:
        arg = int(round(ticks * k._tick))   # (as ticks_to_ns does)
    else:            # ticks_to_ns: the rest, inf and NaN refused there
        arg = ticks_to_ns(ticks, k.tick_hz, "busy: ticks")
    # traps.reuse, inline (a job's work: simtime.py)
    c = k._current
    t = c._spare
    if t is None:
        t = new_trap(Trap)
    else:
        c._spare = None
    t.kind = BUSY
    t.obj = None
    t.arg = arg
    t.q = None
    return t


def spawn(fn, *args, name=None, priority=Priority.NORMAL, affinity=None):
    """Create a thread on the running kernel. ISR-safe."""
    return current_kernel("muos.spawn").spawn(fn, *args, name=name,
                                              priority=priority,
                                              affinity=affinity)
