"""Computed attributes (compat.computed) read the same on both
interpreters; on MicroPython the classes the switch path stores to have
no property left (a property makes every store on their objects slow:
compat.py), and the kernel's two writable settings, plain attributes
there, still take effect when written during a run."""

import sys

import muos
from muos.compat import MICROPYTHON
from muos.jobs import Job
from muos.ports.micropython import MachinePort
from muos.stats import Stats
from muos.thread import Thread

HOT = (muos.Kernel, Thread, muos.Semaphore, muos.Mutex, Stats, Job,
       MachinePort, muos.EventFlags, muos.MessageQueue, muos.MemoryPool,
       muos.Timer)

if MICROPYTHON:
    found = []
    for cls in HOT:
        for name in dir(cls):
            if type(getattr(cls, name)) is property:
                found.append("%s.%s" % (cls.__name__, name))
    assert found == [], found
print("no property on the hot classes (MicroPython)")

log = []


async def high():
    log.append(("high runs", muos.now()))


async def main():
    k = muos.current_kernel()
    me = muos.this_thread()
    s = muos.Semaphore(2)
    m = muos.Mutex("m")
    log.append(("now", k.now, "value", s.value, "locked", m.locked))
    log.append(("slice", k.time_slice, "preemptive", k.preemptive))
    me.set_deadline(40)
    log.append(("deadline", me.deadline))
    # cooperative from here: a more urgent thread waits for the next await
    k.preemptive = False
    muos.spawn(high, name="high", priority=muos.Priority.HIGH)
    await muos.busy(3)
    log.append(("busy done", muos.now()))
    await muos.yield_now()
    k.preemptive = True
    k.time_slice = None
    log.append(("slice", k.time_slice, "preemptive", k.preemptive))
    async for job in muos.periodic(5):
        log.append(("job", job.index, job.release, job.deadline))
        if job.index == 1:
            break
    try:
        log.append(("read", k.no_such_thing))
    except AttributeError:
        log.append(("no such attribute: AttributeError",))


r = muos.run(main)
for entry in log:
    print(entry)
print("context switches", r.stats.context_switches, "now", r.now)
sys.stdout.write("done\n")
