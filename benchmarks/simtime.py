"""Simulated time per wall second: 10 periodic threads (periods 10-100
ticks, 30% load, 1 kHz tick) on SimPort. Tickless, so the cost grows with
events, not with simulated time. Target: >= 1000x real time."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))

import muos  # noqa: E402
from common import (  # noqa: E402
    median_time, quick, report)

# (C, T) in ticks: periods 10..100, total utilization 0.30
TASKS = [(0.3, 10), (0.6, 20), (0.9, 30), (1.2, 40), (1.5, 50),
         (1.8, 60), (2.1, 70), (2.4, 80), (2.7, 90), (3.0, 100)]


def workload(horizon):
    async def task(c, t):
        async for _ in muos.periodic(t, start=0):
            await muos.busy(c)

    async def main():
        for i, (c, t) in enumerate(TASKS):
            muos.spawn(task, c, t, priority=200 - i)
        await muos.sleep_until(horizon)

    return muos.run(main)


def main():
    horizon = 10000 if quick() else 100000          # ticks of 1 ms
    u = sum(c / t for c, t in TASKS)
    # CPU time of this process: the wall time on an idle machine
    wall = median_time(lambda: workload(horizon))
    simulated = horizon / 1000.0                      # seconds
    results = {"simulated s": simulated, "wall s": wall, "utilization": u}
    ratios = {"simulated / wall": simulated / wall}
    return report("simtime", results, ratios, ">= 1000x real time", "s")


if __name__ == "__main__":
    main()
