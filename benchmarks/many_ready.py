"""Switch cost with 10,000 ready threads against 2: a list-scanning RTOS
slows down with idle tasks; muos's ready list is O(1) per operation.
Target: the cost with 10,000 ready threads <= 1.2x the cost with 2.

Two threads ping-pong through semaphores at a priority above a crowd of
threads that are all ready (each busy for a long time at lower
priority), so every switch passes a full ready list."""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))

import muos  # noqa: E402
from common import REPEAT, quick, report  # noqa: E402


def pingpong_with_crowd(n, crowd):
    """Seconds the 2 * n hand-overs take with ``crowd`` ready threads
    below them (timed inside the run: the crowd's creation and clean-up
    are not part of it)."""
    a = muos.Semaphore(0)
    b = muos.Semaphore(0)
    span = []

    async def ping():
        for _ in range(n):
            b.post()
            await a.wait()

    async def pong():
        for _ in range(n):
            await b.wait()
            a.post()

    async def idler():
        await muos.busy(10 ** 9)

    async def main():
        for i in range(crowd):
            muos.spawn(idler, priority=10 + i % 50)
        t0 = time.process_time()
        t1 = muos.spawn(ping, priority=200)
        t2 = muos.spawn(pong, priority=200)
        await t1.join()
        await t2.join()
        span.append(time.process_time() - t0)

    muos.run(main)
    return span[0]


def main():
    q = quick()
    n = 2000 if q else 50000
    crowd = 1000 if q else 10000
    # interleaved rounds (as common.median_rates): a slow moment of the
    # machine slows both cases alike
    spans = {0: [], crowd: []}
    pingpong_with_crowd(n, 0)                    # warm-up
    for _ in range(REPEAT):
        for c in (0, crowd):
            spans[c].append(pingpong_with_crowd(n, c))
    base = 2 * n / statistics.median(spans[0])
    with_crowd = 2 * n / statistics.median(spans[crowd])
    results = {"2 threads": base, "%d ready threads" % crowd: with_crowd}
    return report("many_ready", results,
                  {"slowdown": base / with_crowd},
                  "slowdown <= 1.2x", "switches/s")


if __name__ == "__main__":
    main()
