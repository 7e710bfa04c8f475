"""An asyncio program gains a latency bound: one priority, nothing else.

Peter Hinch's scenario (MicroPython forum): four asyncio tasks each run
50, 30, 25 and 10 ms of code between two awaits, and an interrupt sets a
ThreadSafeFlag that a handler task waits on. Under asyncio the handler
waits behind every task queued before it: up to 50 + 30 + 25 + 10 = 115
ms. The same program on ``muos.asyncio``, with the handler created at
``priority=muos.Priority.HIGH``, runs it as soon as the task on the CPU
reaches its next await: at most 50 ms, the longest stretch without one.
Simulated time, so every latency is exact.
"""

import muos
import muos.asyncio as asyncio

__all__ = ["WORK", "EVENTS", "HORIZON", "main", "run", "demo"]

# the docstring's first line, for demo() (python -OO drops docstrings)
TITLE = ("An asyncio program gains a latency bound: one priority, "
         "nothing else.")

WORK = (50, 30, 25, 10)     # ms each task runs between two awaits
EVENTS = (1, 300)           # when the interrupt comes (ms)
HORIZON = 500


async def blocking(ms):
    """``ms`` of code that never awaits (asyncio cannot switch inside
    it): CPU work with the scheduler locked (interrupts still come)."""
    with muos.scheduler_locked():
        await muos.busy(ms)


async def worker(ms):
    while True:
        await blocking(ms)
        await asyncio.sleep(0)


async def handler(flag, fired, latencies):
    while True:
        await flag.wait()
        latencies.append(muos.now() - fired[0])


async def main(priority):
    """The asyncio program: the handler at ``priority``, the workers at
    the default (``Priority.NORMAL``); the handler's latencies (ms)."""
    flag = asyncio.ThreadSafeFlag()
    fired = [0]
    latencies = []

    def isr():
        fired[0] = muos.now()
        flag.set()

    irq = muos.current_kernel().interrupt("pin", isr)
    for t in EVENTS:
        irq.trigger_at(t)
    asyncio.create_task(handler(flag, fired, latencies), name="handler",
                        priority=priority)
    for ms in WORK:
        asyncio.create_task(worker(ms), name="w%d" % ms)
    await asyncio.sleep(HORIZON / 1000)
    return latencies


def run(priority):
    """The handler's latencies with the handler at ``priority``."""
    return asyncio.run(main(priority), port=muos.SimPort())


def demo(out=print):
    same = run(muos.Priority.NORMAL)
    high = run(muos.Priority.HIGH)
    out(TITLE)
    out("")
    out("four tasks run %s ms between awaits; an interrupt at %s"
        % ("/".join(str(w) for w in WORK),
           " and ".join(str(e) for e in EVENTS)))
    out("ms sets a ThreadSafeFlag that a handler task waits on. Its latency,")
    out("interrupt to handler:")
    out("  handler like every task (asyncio's only choice): %s ms"
        % ", ".join(str(x) for x in same))
    out("  handler at priority=Priority.HIGH:                %s ms"
        % ", ".join(str(x) for x in high))
    out("")
    out("The tasks take turns: 50 ms (0-50), 30 (50-80), 25 (80-105), 10")
    out("(105-115), again from 115. At 1 ms the handler becomes ready behind")
    out("the three tasks already queued: it runs at 115 (114 ms) unless its")
    out("priority puts it first, at 50, when the first task awaits (49 ms).")
    out("At 300 ms the 30 ms task runs (280-310): the 25, 10 and 50 ms tasks")
    out("are queued before the handler, which runs at 395 (95 ms), or at")
    out("310 (10 ms). The bound: %d ms (the longest stretch without an await)"
        % max(WORK))
    out("against %d ms (the sum of them)." % sum(WORK))
    return same, high
