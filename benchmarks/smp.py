"""Several cores (issue 18): what a hand-over costs on 4 cores against
one (target <= 1.5x), and simulated time per wall second of 4 cores x
1,000 periodic threads (target >= 100x real time), tracing off.

The ping-pong is benchmarks/pingpong.py's (two threads, two
semaphores), run on ``Kernel(cores=4)``: each hand-over wakes a thread
that the placement puts on an idle core. The periodic load: 1,000
threads of periods 1-10 s (1 kHz tick) and total utilization 3.0 (0.75
per core), rate-monotonic priorities, global scheduling."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))

import muos  # noqa: E402
import pingpong  # noqa: E402
from common import (  # noqa: E402
    median_rates, median_time, quick, report)


def task_set(n=1000, total_u=3.0, seed=1):
    """(C, T) in ticks: periods 1,000-10,000, utilization ``total_u``."""
    rng = muos.SimPort(seed=seed).random
    periods = [rng.randint(100, 1000) * 10 for _ in range(n)]
    weights = [rng.uniform(0.5, 1.5) for _ in range(n)]
    scale = total_u / sum(weights)
    return [(max(1, round(w * scale * t)), t)
            for w, t in zip(weights, periods)]


def periodic_load(horizon, cores=4, tasks=None):
    tasks = task_set() if tasks is None else tasks
    order = sorted(range(len(tasks)), key=lambda i: tasks[i][1])
    prio = {}
    for rank, i in enumerate(order):
        prio[i] = max(1, 250 - rank * 249 // len(tasks))

    async def task(c, t):
        async for _ in muos.periodic(t, start=0):
            await muos.busy(c)

    async def main():
        muos.this_thread().set_priority(254)
        for i, (c, t) in enumerate(tasks):
            muos.spawn(task, c, t, priority=prio[i])
        await muos.sleep_until(horizon)

    return muos.run(main, cores=cores)


def main():
    q = quick()
    n = 2000 if q else 20000
    cpu = time.process_time
    rates = median_rates({
        "hand-over, 1 core": (lambda: pingpong.muos_pp(n), 2 * n, cpu),
        "hand-over, 4 cores": (lambda: pingpong.muos_pp(n, 4), 2 * n, cpu),
    }, repeat=3)
    horizon = 2000 if q else 20000
    tasks = task_set()
    wall = median_time(lambda: periodic_load(horizon, 4, tasks), repeat=1,
                       warmup=0)
    results = dict(rates)
    results["4 cores x 1,000 periodic threads: simulated s"] = horizon / 1e3
    results["... wall s"] = wall
    ratios = {
        "4-core hand-over cost / 1-core": rates["hand-over, 1 core"]
        / rates["hand-over, 4 cores"],
        "simulated / wall (4 x 1,000)": horizon / 1e3 / wall,
    }
    return report("smp", results, ratios,
                  "hand-over <= 1.5x, periodic >= 100x real time",
                  "switches/s")


if __name__ == "__main__":
    main()
