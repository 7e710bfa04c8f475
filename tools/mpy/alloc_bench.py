"""Bytes of heap each operation allocates once warmed up, on MicroPython
(gc.mem_alloc with the collector off): what tests/board/heap_lock.py
asserts is zero, and what still allocates, in numbers. Run it on a build:

    node tools/mpy/run.mjs src/muos tools/mpy/alloc_bench.py
    python tools/firmware/run.py --port qemu tools/mpy/alloc_bench.py

Self-contained (a script sent to the board cannot import its
neighbours). The last rows start past 2**30 ns of kernel time, where a
32-bit port's kernel has moved its time origin (rebase.py) so that its
times are small ints again; before that, every time there was a long
int (96 bytes per round trip: docs/architecture.md, "Not yet
bounded")."""

import gc

import muos

ROUNDS = 100


def measure(label, setup, warm=60, edf=False, start=0):
    """Bytes per round of ``step()`` (an awaitable per call, made by
    ``setup()`` in the main thread), after ``warm`` rounds."""
    res = []

    async def main():
        step = setup()
        if start:
            await muos.sleep_for(start)
        for _ in range(warm):
            await step()
        gc.collect()
        gc.disable()
        m0 = gc.mem_alloc()
        for _ in range(ROUNDS):
            await step()
        m1 = gc.mem_alloc()
        gc.enable()
        res.append((m1 - m0) / ROUNDS)

    muos.run(main, edf=edf)
    print("%-44s %7.1f B" % (label, res[0]))


def ponger():
    """(a, b): a thread posts ``a`` for each ``b``."""
    a = muos.Semaphore(0)
    b = muos.Semaphore(0)

    async def pong():
        while True:
            await b.wait()
            a.post()

    muos.spawn(pong, priority=100)
    return a, b


def semaphore():
    a, b = ponger()

    def step():
        b.post()
        return a.wait()
    return step


def sleeps():
    return lambda: muos.sleep_for(1)


def timed_out():
    s = muos.Semaphore(0)
    return lambda: s.timed_wait(1)


def timed_early():
    a, b = ponger()

    def step():
        b.post()
        return a.timed_wait(5)
    return step


def queue(priority):
    def setup():
        q = muos.MessageQueue(2)

        async def sender():
            while True:
                await q.send(1, priority)

        muos.spawn(sender, priority=100)
        return q.receive
    return setup


def flags():
    f = muos.EventFlags()

    async def setter():
        while True:
            f.set(1)
            await muos.sleep_for(1)

    muos.spawn(setter, priority=100)
    return lambda: f.wait(1)


def condition():
    m = muos.Mutex()
    cv = muos.ConditionVariable()

    async def notifier():
        while True:
            await m.lock()
            cv.notify_one()
            m.unlock()
            await muos.sleep_for(1)

    muos.spawn(notifier, priority=100)

    async def step():
        await m.lock()
        await cv.wait(m)
        m.unlock()
    # (a coroutine per round: its own allocation counted too)
    return step


def watchdog():
    wd = muos.Watchdog(5)
    wd.register()

    def step():
        wd.feed()
        return muos.sleep_for(1)
    return step


def timer():
    n = [0]

    def tick():
        n[0] += 1

    muos.Timer(tick, periodic=True).start(1)
    return lambda: muos.sleep_for(1)


def try_locks():
    m = muos.Mutex()

    def step():
        if m.try_lock():
            m.unlock()
        return muos.sleep_for(1)
    return step


def edf_jobs():
    async def job(period):
        async for _job in muos.periodic(period):
            await muos.busy(1)

    muos.spawn(job, 3)
    muos.spawn(job, 4)
    return lambda: muos.sleep_for(1)


measure("Semaphore hand-over (round trip)", semaphore)
measure("sleep_for(1)", sleeps)
measure("Semaphore.timed_wait that times out", timed_out)
measure("Semaphore.timed_wait that ends early", timed_early)
measure("MessageQueue receive, priority 0 sender", queue(0))
measure("MessageQueue receive, priority 5 sender", queue(5))
measure("EventFlags.wait", flags)
measure("ConditionVariable wait (and its coroutine)", condition)
measure("EDF periodic threads, per tick of main", edf_jobs, warm=250,
        edf=True)
measure("Watchdog.feed and a sleep", watchdog)
measure("Mutex.try_lock, unlock and a sleep", try_locks)
measure("a periodic Timer's callback, per tick", timer)
measure("Semaphore round trip past 2**30 ns", semaphore, start=1100)
measure("sleep_for(1) past 2**30 ns", sleeps, start=2500)
measure("EDF periodic threads past 2**30 ns", edf_jobs, warm=250,
        edf=True, start=2500)
print("done")
