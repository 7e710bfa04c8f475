"""muos: a real-time operating system kernel for Python (µOS++ concepts).

Threads are ``async def`` functions scheduled by priority on one CPU whose
time is simulated (``SimPort``, the default) or real. This module holds
the public names of API.md and ``run()``.
"""

from .compat import MICROPYTHON, PURE
if PURE and not MICROPYTHON:
    from . import _plain     # the .py modules, not the compiled ones
    _plain.install()
from .calls import now, sleep_for, spawn, this_thread, yield_now
from .kernel import Kernel
from .thread import TERMINATED, Priority
if not MICROPYTHON:
    # (on MicroPython these load on first use: _LAZY below; the names
    # above are the ones run() and most programs use)
    from .calls import busy
    from .morecalls import (in_isr, set_deadline, sleep_until, suspend,
                            this_core)
    from .errors import ContextError, Interrupted, MuosError
    from .running import current_kernel
    from .ports.sim import SimPort
    from .stats import Stats
    from .thread import READY, RUNNING, SUSPENDED, Thread
    from .condvar import ConditionVariable
    from .outcome import RunResult
    from .powermodel import PowerModel
    from .recorders import recording
    from .critical import (interrupts_disabled, interrupts_masked,
                           scheduler_locked)
    from .evflags import ALL, ANY, EventFlags
    from .mempool import MemoryPool
    from .mqueue import MessageQueue
    from .mutex import Mutex
    from .jobs import Job, periodic
    from .binarysem import BinarySemaphore
    from .semaphore import Semaphore
    from .spinlock import Spinlock
    from .threadstats import ThreadStats
    from .timer import Timer
    from .trace import Trace
    from .waitany import wait_any
    from .moreerrors import (DeadlockError, Empty, Full, NotOwnerError,
                             NotRecoverable, OwnerDead, Stalled, ThreadError)

HostPort = None
if not MICROPYTHON:       # (a board has no host.py: its ports package
    try:                  # loads with the kernel's first port)
        from .ports.host import HostPort  # type: ignore[assignment]
    except ImportError:
        pass

__version__ = "0.1.0"

# (a tuple of constants: frozen on a board, it takes no heap; a list
# would take about 300 bytes)
__all__ = (
    "run", "RunResult", "Kernel", "Thread", "Priority", "READY", "RUNNING",
    "SUSPENDED", "TERMINATED", "this_thread", "this_core", "set_deadline",
    "now",
    "sleep_for",
    "sleep_until", "yield_now", "busy", "spawn", "suspend", "in_isr",
    "scheduler_locked", "periodic", "Job", "Mutex", "Semaphore",
    "BinarySemaphore", "Spinlock", "SimPort", "Stats", "ThreadStats", "Trace",
    "MuosError", "ContextError", "DeadlockError", "Stalled", "Interrupted",
    "NotOwnerError", "OwnerDead", "NotRecoverable", "Full", "Empty",
    "ThreadError", "EventFlags", "ALL", "ANY", "MessageQueue",
    "ConditionVariable", "MemoryPool", "wait_any", "Timer",
    "interrupts_disabled", "interrupts_masked", "PowerModel", "build",
    "current_kernel", "recording", "Watchdog",
)

# loaded on first use (``muos.Watchdog``; on MicroPython every object):
# there a module costs heap even frozen (its functions and classes: the
# objects about 0.5-1 KB each, the trace 1.5 KB; watchdog.py compiled from
# source about 11 KB), paid only by programs that use it (issue 16 #2).
# Name, module, name, module ...: a tuple of constants, which a board
# keeps in flash (a dict would be heap)
_LAZY = ("Watchdog", "watchdog", "ConditionVariable", "condvar",
         "ALL", "evflags", "ANY", "evflags", "EventFlags", "evflags",
         "MemoryPool", "mempool", "MessageQueue", "mqueue",
         "Mutex", "mutex", "Job", "jobs", "periodic", "jobs",
         "BinarySemaphore", "binarysem", "Semaphore", "semaphore",
         "Spinlock", "spinlock", "ThreadStats", "threadstats",
         "Timer", "timer", "Trace", "trace", "wait_any", "waitany",
         "DeadlockError", "moreerrors", "Empty", "moreerrors",
         "Full", "moreerrors", "NotOwnerError", "moreerrors",
         "NotRecoverable", "moreerrors", "OwnerDead", "moreerrors",
         "Stalled", "moreerrors", "ThreadError", "moreerrors",
         "scheduler_locked", "critical", "interrupts_disabled", "critical",
         "interrupts_masked", "critical", "recording", "recorders",
         "PowerModel", "powermodel", "RunResult", "outcome",
         "busy", "calls", "in_isr", "morecalls", "set_deadline", "morecalls",
         "sleep_until", "morecalls", "suspend", "morecalls",
         "this_core", "morecalls",
         "ContextError", "moreerrors", "Interrupted", "moreerrors",
         "MuosError", "errors", "current_kernel", "running",
         "SimPort", "ports.sim", "Stats", "stats", "READY", "thread",
         "RUNNING", "thread", "SUSPENDED", "thread", "Thread", "thread")
TYPE_CHECKING = False
if TYPE_CHECKING:                 # mypy: the real names
    from .watchdog import Watchdog


def __getattr__(attr):
    mod = None
    for i in range(0, len(_LAZY), 2):
        if _LAZY[i] == attr:
            mod = _LAZY[i + 1]
            break
    if mod is None:
        if MICROPYTHON:
            # ``from . import smp`` looks in the package first, and
            # MicroPython does not go on to import the submodule when
            # __getattr__ raises: import it here
            try:
                return __import__("muos." + attr, None, None, ["*"])
            except ImportError:
                pass
        raise AttributeError("module 'muos' has no attribute %r" % (attr,))
    m = __import__(mod, globals(), None, [attr], 1)
    value = getattr(m, attr)
    globals()[attr] = value
    return value


if HostPort is not None:
    __all__ += ("HostPort",)  # type: ignore[assignment]
else:
    del HostPort
if not PURE and not MICROPYTHON:
    from . import _plain
    _plain.warn_stale()


def build():
    """Which build of muos runs: "compiled" (CPython: the core compiled
    by Cython, the trap in C) or "plain" (the same modules as Python
    source: MicroPython, no compiler at install, or ``MUOS_PURE=1``)."""
    from . import kernel
    f = getattr(kernel, "__file__", "") or ""
    return "plain" if f.endswith(".py") or MICROPYTHON else "compiled"


# the recording() blocks in force, innermost last (recorders.py)
_recorders = []  # type: list


def run(main, *args, port=None, until=None, trace=False, **kernel_options):
    """Run ``main(*args)`` as thread "main" at Priority.NORMAL on a new
    kernel until main returns, ``until`` ticks pass, or main can never run
    again (``Stalled``). If main raises, ``ThreadError`` from it. Ctrl-C
    (``KeyboardInterrupt``) stops it: the exception is re-raised with a
    ``result`` attribute, a RunResult (value None) with the stats and
    trace of the run so far."""
    rec = _recorders[-1] if _recorders else None
    if rec is not None and rec.trace and not trace:
        trace = True
    k = Kernel(port, trace=trace, **kernel_options)
    t = k.spawn(main, *args, name="main", priority=Priority.NORMAL)
    try:
        why = k.run(until, stop_on=t)
    except KeyboardInterrupt as e:
        from .outcome import stopped
        stopped(k, e)
        raise
    except BaseException:
        k.close()
        raise
    try:
        from .outcome import outcome   # (outcome.py: loaded at the end)
        return outcome(k, t, why, rec)
    finally:
        # threads left blocked end now, in this kernel (not later in the
        # garbage collector, possibly inside another run)
        k.close()
