"""Wake-up lateness on the wall clock: a 1 kHz periodic thread on HostPort
against asyncio's ``loop.call_at``, both with 10 background workers
computing in the same chunks, measured in the same run.

Lateness = when the periodic code runs - its release (``time.monotonic_ns``),
over N seconds each (default 10; ``--quick``: 1; ``--seconds S``). The
background workers compute ~CHUNK_US of Python between awaits (muos:
``yield_now()`` at a LOWer priority; asyncio: ``sleep(0)``). muos runs the
periodic thread as soon as the current chunk ends; asyncio's loop runs
every ready task once before it looks at its timers again. Prints one JSON
line and a table (microseconds). Not a test: the numbers are the
machine's.
"""

import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))

import muos  # noqa: E402
from common import quick, report  # noqa: E402

PERIOD_NS = 1000000        # 1 kHz
WORKERS = 10
CHUNK_US = 50


def calibrate():
    """Loop count of ``work`` that takes about CHUNK_US."""
    n = 1000
    while True:
        t = time.perf_counter()
        work(n)
        dt = time.perf_counter() - t
        if dt > 0.005:
            return max(1, int(n * CHUNK_US * 1e-6 / dt))
        n *= 2


def work(n):
    s = 0
    for i in range(n):
        s += i
    return s


def percentiles(lat):
    lat = sorted(lat)
    n = len(lat)
    return {"p50": lat[n // 2] / 1e3, "p99": lat[min(n - 1, n * 99 // 100)]
            / 1e3, "max": lat[-1] / 1e3, "n": n}


def run_muos(seconds, n):
    port = muos.HostPort(overrun_warn=None)
    late = []
    jobs = int(seconds * 1e9 // PERIOD_NS)

    async def periodic():
        epoch = port.epoch_ns
        async for job in muos.periodic(1):
            rel = int(round(job.release * 1000000))    # ticks are ms
            late.append(time.monotonic_ns() - epoch - rel)
            if job.index + 1 >= jobs:
                return

    async def worker():
        while True:
            work(n)
            await muos.yield_now()

    async def main():
        for i in range(WORKERS):
            muos.spawn(worker, name="worker%d" % i,
                       priority=muos.Priority.LOW)
        await muos.spawn(periodic, name="periodic",
                         priority=muos.Priority.HIGH).join()

    muos.run(main, port=port)
    return late[1:]          # the first release is the start itself


def run_asyncio(seconds, n):
    late = []
    jobs = int(seconds * 1e9 // PERIOD_NS)

    async def main():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        start = time.monotonic_ns() + PERIOD_NS
        k = [0]

        def tick():
            due = start + k[0] * PERIOD_NS
            late.append(time.monotonic_ns() - due)
            k[0] += 1
            if k[0] >= jobs:
                done.set_result(None)
                return
            # absolute times, like muos.periodic: no drift
            loop.call_at((start + k[0] * PERIOD_NS) / 1e9, tick)

        async def worker():
            while not done.done():
                work(n)
                await asyncio.sleep(0)

        tasks = [asyncio.ensure_future(worker()) for _ in range(WORKERS)]
        loop.call_at(start / 1e9, tick)
        await done
        await asyncio.gather(*tasks)

    # loop.time() is time.monotonic(): call_at takes the same clock
    asyncio.run(main())
    return late


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    seconds = 1.0 if quick(argv) else 10.0
    if "--seconds" in argv:
        seconds = float(argv[argv.index("--seconds") + 1])
    n = calibrate()
    m = percentiles(run_muos(seconds, n))
    a = percentiles(run_asyncio(seconds, n))
    results = {}
    for name, r in (("muos HostPort", m), ("asyncio call_at", a)):
        for q in ("p50", "p99", "max"):
            results["%s %s" % (name, q)] = r[q]
    ratios = {"asyncio/muos p50": a["p50"] / m["p50"],
              "asyncio/muos p99": a["p99"] / m["p99"]}
    out = report("host_timing (1 kHz periodic, %d workers x %d us chunks, "
                 "%g s, %d + %d wake-ups)" % (WORKERS, CHUNK_US, seconds,
                                               m["n"], a["n"]),
                 results, ratios, "muos p99 below asyncio's",
                 "us late")
    return out


if __name__ == "__main__":
    main()
