"""Memory per blocked thread (tracemalloc, CPython): a muos thread waiting
on a Semaphore against an asyncio Task waiting on an Event and a SimPy
process waiting on an event. Target: muos <= 600 B."""

import asyncio
import os
import sys
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))

import muos  # noqa: E402
from common import quick, report  # noqa: E402


def per_thread_muos(n):
    sem = muos.Semaphore(0)
    out = {}

    async def waiter():
        await sem.wait()

    async def main():
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(n):
            muos.spawn(waiter, name="w")
        await muos.sleep_for(1)          # every waiter now blocked
        out["bytes"] = (tracemalloc.get_traced_memory()[0] - before) / n
        tracemalloc.stop()
        for _ in range(n):
            sem.post()

    muos.run(main)
    return out["bytes"]


def per_task_asyncio(n):
    out = {}

    async def main():
        ev = asyncio.Event()

        async def waiter():
            await ev.wait()

        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        tasks = [asyncio.ensure_future(waiter()) for _ in range(n)]
        await asyncio.sleep(0)
        out["bytes"] = (tracemalloc.get_traced_memory()[0] - before) / n
        tracemalloc.stop()
        ev.set()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    return out["bytes"]


def per_process_simpy(n):
    import simpy
    env = simpy.Environment()
    ev = env.event()

    def waiter(env):
        yield ev

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        env.process(waiter(env))
    env.run(until=1)
    b = (tracemalloc.get_traced_memory()[0] - before) / n
    tracemalloc.stop()
    return b


def main():
    n = 1000 if quick() else 10000
    results = {"muos thread on Semaphore": per_thread_muos(n),
               "asyncio Task on Event": per_task_asyncio(n)}
    try:
        results["SimPy process on event"] = per_process_simpy(n)
    except ImportError:
        pass
    return report("memory", results,
                  {"muos / asyncio": results["muos thread on Semaphore"]
                   / results["asyncio Task on Event"]},
                  "muos <= 600 B per blocked thread", "bytes/thread")


if __name__ == "__main__":
    main()
