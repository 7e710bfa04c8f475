"""muos's own hand-overs on MicroPython, beside MicroPython's asyncio, in
one run of one interpreter (issue 16 #3; benchmarks/mpy_switch.py runs
it on the firmware builds). Prints microseconds of ``time.ticks_us`` per
event (on the QEMU board with -icount shift=0 a microsecond is 1,000
instructions):

- hand-over: a Semaphore ping-pong between two threads (muos, on SimPort
  and on MachinePort) against asyncio's Event ping-pong;
- lock: an uncontended ``async with`` of a muos Mutex (priority
  inheritance, the default) against asyncio's Lock;
- wake-up: ten threads sleeping 1..10 ms each in a loop, per wake-up
  (muos.sleep_for on SimPort and MachinePort, asyncio.sleep_ms).

Portable: also runs under CPython (time.perf_counter). Self-contained:
the board has no file system, a script sent to it cannot import its
neighbours, so the Event ping-pong here repeats asyncio_pingpong.py's."""

import time

try:
    ticks_us = time.ticks_us
    ticks_diff = time.ticks_diff
except AttributeError:                 # CPython
    def ticks_us():
        return int(time.perf_counter() * 1e6)

    def ticks_diff(a, b):
        return a - b

N = 2000
SLEEPERS = 10


def sem_pingpong(muos, n, port, **options):
    """muos's Semaphore ping-pong (benchmarks/pingpong.py's too): two
    threads, ``n`` round trips; ``options`` go to the kernel (cores=)."""
    a = muos.Semaphore(0)
    b = muos.Semaphore(0)

    async def ping():
        for _ in range(n):
            b.post()
            await a.wait()

    async def pong():
        for _ in range(n):
            await b.wait()
            a.post()

    async def main():
        t1 = muos.spawn(ping, priority=100)
        t2 = muos.spawn(pong, priority=100)
        await t1.join()
        await t2.join()

    t0 = ticks_us()
    muos.run(main, port=port(), **options)
    return ticks_diff(ticks_us(), t0) / (2 * n)


def event_pingpong(asyncio, n):
    async def main():
        a = asyncio.Event()
        b = asyncio.Event()

        async def ping():
            for _ in range(n):
                b.set()
                await a.wait()
                a.clear()

        async def pong():
            for _ in range(n):
                await b.wait()
                b.clear()
                a.set()

        await asyncio.gather(ping(), pong())

    t0 = ticks_us()
    asyncio.run(main())
    return ticks_diff(ticks_us(), t0) / (2 * n)


def mutex_lock(muos, n, port):
    """us per uncontended lock and unlock of a muos Mutex (``async
    with``), one thread."""
    m = muos.Mutex()

    async def main():
        for _ in range(n):
            async with m:
                pass

    t0 = ticks_us()
    muos.run(main, port=port())
    return ticks_diff(ticks_us(), t0) / n


def lock_lock(asyncio, n):
    """us per uncontended acquire and release of an asyncio Lock."""
    async def main():
        lock = asyncio.Lock()
        for _ in range(n):
            async with lock:
                pass

    t0 = ticks_us()
    asyncio.run(main())
    return ticks_diff(ticks_us(), t0) / n


def _wakeups(ms):
    # wake-ups of SLEEPERS threads sleeping 1..SLEEPERS ms each for ms
    return sum(ms // i for i in range(1, SLEEPERS + 1))


def muos_sleepers(muos, ms, port, real):
    """us per wake-up of muos.sleep_for, on a real port the idle time
    taken out (its statistics: the idle thread's time; SimPort's is
    simulated, its time jumps)."""
    async def sleeper(i):
        for _ in range(ms // i):
            await muos.sleep_for(i)

    async def main():
        ts = [muos.spawn(sleeper, i, priority=100)
              for i in range(1, SLEEPERS + 1)]
        for t in ts:
            await t.join()

    k = muos.Kernel(port())
    k.spawn(main)
    t0 = ticks_us()
    k.run()
    us = ticks_diff(ticks_us(), t0)
    if real:
        us -= k.stats.idle_ns // 1000
    return us / _wakeups(ms)


def asyncio_sleepers(asyncio, ms):
    """us per wake-up of asyncio.sleep_ms, the time its loop waits for the
    next one taken out."""
    idle = [0]
    q = asyncio.core._io_queue
    wait = q.wait_io_event

    def timed_wait(dt):
        t = ticks_us()
        wait(dt)
        idle[0] += ticks_diff(ticks_us(), t)

    async def sleeper(i):
        for _ in range(ms // i):
            await asyncio.sleep_ms(i)

    async def main():
        await asyncio.gather(*[sleeper(i) for i in range(1, SLEEPERS + 1)])

    q.wait_io_event = timed_wait
    try:
        t0 = ticks_us()
        asyncio.run(main())
        us = ticks_diff(ticks_us(), t0) - idle[0]
    finally:
        q.wait_io_event = wait
    return us / _wakeups(ms)


def _rows(kind, cases, warm, n, has_run):
    # each case warmed up, then measured: one printed row each
    for label, fn in cases:
        if label.startswith("asyncio") and not has_run:
            continue
        fn(warm)
        print("%s, %s: %.3f us" % (kind, label, fn(n)))


def main():
    import asyncio
    import muos
    from muos.ports.micropython import MachinePort
    # (the WebAssembly build's asyncio runs on the browser's event loop:
    # no asyncio.run, no asyncio rows there)
    has_run = hasattr(asyncio, "run") and hasattr(asyncio, "core")
    _rows("hand-over", (
        ("asyncio Event", lambda n: event_pingpong(asyncio, n)),
        ("muos Semaphore (SimPort)",
         lambda n: sem_pingpong(muos, n, muos.SimPort)),
        ("muos Semaphore (MachinePort)",
         lambda n: sem_pingpong(muos, n, MachinePort))), 50, N, has_run)
    _rows("lock", (
        ("asyncio Lock", lambda n: lock_lock(asyncio, n)),
        ("muos Mutex (SimPort)", lambda n: mutex_lock(muos, n, muos.SimPort)),
        ("muos Mutex (MachinePort)",
         lambda n: mutex_lock(muos, n, MachinePort))), 50, N, has_run)
    _rows("wake-up", (
        ("asyncio sleep_ms", lambda m: asyncio_sleepers(asyncio, m)),
        ("muos sleep_for (SimPort)",
         lambda m: muos_sleepers(muos, m, muos.SimPort, False)),
        ("muos sleep_for (MachinePort)",
         lambda m: muos_sleepers(muos, m, MachinePort, True))), 20, 500,
        has_run)


if __name__ == "__main__":
    main()
