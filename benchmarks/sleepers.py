"""10,000 threads each sleeping random periods: kernel events per second,
muos against SimPy on the same workload (same seeds, same sleeps).
Target: muos >= SimPy. An event is one wake-up."""

import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))

import muos  # noqa: E402
from common import (  # noqa: E402
    median_rates, quick, report)


def plan(threads, wakeups):
    rng = random.Random(42)
    return [[rng.randint(1, 1000) for _ in range(wakeups)]
            for _ in range(threads)]


def muos_sleepers(p):
    async def sleeper(delays):
        for d in delays:
            await muos.sleep_for(d)

    async def main():
        ts = [muos.spawn(sleeper, d, priority=100) for d in p]
        for t in ts:
            await t.join()

    muos.run(main)


def simpy_sleepers(p):
    import simpy
    env = simpy.Environment()

    def sleeper(env, delays):
        for d in delays:
            yield env.timeout(d)

    for d in p:
        env.process(sleeper(env, d))
    env.run()


def main():
    q = quick()
    threads = 1000 if q else 10000
    wakeups = 5 if q else 20
    p = plan(threads, wakeups)
    events = threads * wakeups
    cpu = time.process_time
    reps = 3 if q else 5
    cases = {"muos": (lambda: muos_sleepers(p), events, cpu)}
    try:
        import simpy  # noqa: F401
        cases["SimPy"] = (lambda: simpy_sleepers(p), events, cpu)
    except ImportError:
        pass
    results = median_rates(cases, repeat=reps)
    ratios = {}
    if "SimPy" in results:
        ratios["muos / SimPy"] = results["muos"] / results["SimPy"]
    return report("sleepers", results, ratios, "muos >= SimPy", "events/s")


if __name__ == "__main__":
    main()
