"""Names muos loads on first use (a module ``__getattr__``, as
MicroPython's asyncio does) are the same objects on both interpreters:
``muos.periodic`` is the function whether its module (jobs.py) was
imported first or not (a submodule named periodic.py would take the
function's place in the package on MicroPython when imported)."""

import sys

import muos
from muos.compat import MICROPYTHON
from muos.jobs import Job

if MICROPYTHON:          # (CPython loads every module with muos)
    assert "muos.moreerrors" not in sys.modules
    assert "muos.critical" not in sys.modules

print("periodic is", type(muos.periodic).__name__, muos.periodic.__name__,
      "Job", Job is muos.Job)
from muos import periodic  # noqa: E402
log = []


async def main():
    async for job in periodic(3):
        log.append((muos.now(), job.index, job.release, job.deadline))
        if job.index == 2:
            break

muos.run(main)
print(log)
for name in ("Semaphore", "BinarySemaphore", "Mutex", "EventFlags",
             "MessageQueue", "Timer", "ConditionVariable", "MemoryPool",
             "Watchdog", "wait_any", "Spinlock", "Trace", "ThreadStats",
             "scheduler_locked", "interrupts_disabled", "interrupts_masked",
             "recording", "PowerModel", "busy", "in_isr", "set_deadline",
             "sleep_until", "suspend", "this_core", "current_kernel",
             "SimPort", "Stats", "Thread", "ContextError", "Interrupted",
             "MuosError"):
    print(name, getattr(muos, name).__name__)
print(muos.ALL, muos.ANY, muos.READY, muos.RUNNING, muos.SUSPENDED)
# the errors but their base (moreerrors.py): the same classes through
# muos, muos.errors (a module __getattr__ on MicroPython) and their module
from muos.errors import OwnerDead  # noqa: E402
from muos import moreerrors  # noqa: E402
for name in ("ContextError", "Interrupted", "DeadlockError", "Stalled",
             "NotOwnerError", "OwnerDead", "NotRecoverable", "Full",
             "Empty", "ThreadError"):
    cls = getattr(muos, name)
    print(name, cls is getattr(moreerrors, name),
          cls is getattr(muos.errors, name), issubclass(cls, muos.MuosError))
print("OwnerDead", OwnerDead is muos.OwnerDead)
with muos.recording() as runs:        # (recorders.py, loaded on first use)
    muos.run(main)
print("recorded", len(runs), runs[0].value, runs[0].now)
try:
    print(muos.no_such_name)
except AttributeError as e:
    print("AttributeError", e)
