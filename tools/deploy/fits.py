"""How much heap muos takes on a MicroPython board: run it there.

    mpremote run tools/deploy/fits.py        # a board with muos installed
    python tools/deploy/measure.py           # the unix and qemu firmware

Prints ``name bytes`` lines, each a ``gc.mem_alloc()`` difference taken
after ``gc.collect()``:

- heap, free_at_start: the GC heap's size, and what is free before muos;
- import: ``import muos`` (frozen modules: their code stays in flash;
  .mpy files: their bytecode is loaded into the heap; .py files: compiled
  on the board, the most);
- port: ``import muos.ports.micropython`` on top;
- kernel: a ``muos.Kernel()`` (idle thread, clocks, ...);
- blocked_thread / sleeping_thread: each of 20 threads blocked on a
  Semaphore / in ``sleep_for``;
- program8: a typical program of 8 threads and its objects (a kernel; 2
  periodic threads, one feeding a MessageQueue of 8 to a consumer; 2
  threads sharing a Mutex; one woken by a Timer through a Semaphore, one
  by EventFlags; a LOW busy one; the main thread), the most it held
  while running, import not included;
- peak8: the most heap in use while the 8 threads ran, from before
  ``import muos`` (import, port, program8 and what the first runs left);
- program8_ran: 1 if every thread of program8 did its work.

Runs on SimPort (simulated time: no pins needed; the objects are the same
as on MachinePort). Portable: MicroPython only (gc.mem_alloc).
"""

import gc
import sys

if not hasattr(gc, "mem_alloc"):
    print("run this under MicroPython (gc.mem_alloc)")
    sys.exit(0)


def used():
    gc.collect()
    gc.collect()
    return gc.mem_alloc()


out = []
base = used()
out.append(("heap", gc.mem_alloc() + gc.mem_free()))
out.append(("free_at_start", gc.mem_free()))
import muos  # noqa: E402

after_import = used()
out.append(("import", after_import - base))
import muos.ports.micropython  # noqa: E402, F401

after_port = used()
out.append(("port", after_port - after_import))
k = muos.Kernel()
out.append(("kernel", used() - after_port))
del k
N = 20
res = {}


async def waiter(sem):
    await sem.wait()


async def sleeper():
    while True:
        await muos.sleep_for(10)


async def per_thread():
    sem = muos.Semaphore(0)
    await muos.sleep_for(1)
    before = used()
    for _ in range(N):
        muos.spawn(waiter, sem, name="w")
    await muos.sleep_for(1)                 # every waiter now blocked
    res["blocked_thread"] = (used() - before) // N
    before = used()
    for _ in range(N):
        muos.spawn(sleeper, name="s")
    await muos.sleep_for(1)
    res["sleeping_thread"] = (used() - before) // N
    for _ in range(N):
        sem.post()


muos.run(per_thread, until=5)
out.append(("blocked_thread", res["blocked_thread"]))
out.append(("sleeping_thread", res["sleeping_thread"]))

# -- a typical program of 8 threads ------------------------------------------

HIGH, NORMAL, LOW = muos.Priority.HIGH, muos.Priority.NORMAL, \
    muos.Priority.LOW
most = [0]


async def blink(state):
    async for _ in muos.periodic(10):
        state[0] ^= 1


async def sample(q):
    n = 0
    async for _ in muos.periodic(20):
        n += 1
        await q.send(n)


async def consume(q, total):
    while True:
        total[0] += await q.receive()


async def worker(m, shared, ticks):
    while True:
        async with m:
            shared[0] += 1
            await muos.busy(1)
        await muos.sleep_for(ticks)


async def button(sem, count):
    while True:
        await sem.wait()
        count[0] += 1


async def events(flags, count):
    while True:
        await flags.wait(3, muos.ANY)
        count[0] += 1


async def crunch():
    while True:
        await muos.busy(5)


async def main8(flags):
    q = muos.MessageQueue(8)
    m = muos.Mutex()
    sem = muos.Semaphore(0)
    state, total, shared, presses, seen = [0], [0], [0], [0], [0]
    tm = muos.Timer(sem.post, periodic=True, name="button")
    tm.start(7)
    muos.spawn(blink, state, name="blink", priority=HIGH)
    muos.spawn(sample, q, name="sample", priority=HIGH)
    muos.spawn(consume, q, total, name="consume")
    muos.spawn(worker, m, shared, 3, name="worker1")
    muos.spawn(worker, m, shared, 4, name="worker2")
    muos.spawn(button, sem, presses, name="button")
    muos.spawn(events, flags, seen, name="events")
    muos.spawn(crunch, name="crunch", priority=LOW)
    for i in range(20):
        await muos.sleep_for(10)
        flags.set(1 << (i % 2))
        most[0] = max(most[0], used())
    tm.stop()
    return total[0] > 0 and shared[0] > 0 and presses[0] > 0 \
        and seen[0] > 0 and state is not None


before = used()
flags = muos.EventFlags()
ok = muos.run(main8, flags, until=300).value
out.append(("program8", most[0] - before))
out.append(("peak8", most[0] - base))
out.append(("program8_ran", int(bool(ok))))
for name, value in out:
    print(name, value)
