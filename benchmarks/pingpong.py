"""Two threads ping-pong: muos (Semaphore on SimPort, tracing off) against
the raw coroutine trampoline, asyncio (Event), SimPy (events) and
threading (Semaphore), all in this process. Target: muos >= 3x asyncio,
aim >= SimPy. The unit is switches (one hand-over from one side to the
other) per second."""

import asyncio
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools",
                                "mpy"))

import muos  # noqa: E402
from asyncio_pingpong import pingpong as _event_pingpong  # noqa: E402
from switch_bench import sem_pingpong as _sem_pingpong  # noqa: E402
from common import (  # noqa: E402
    median_rates, quick, report)


class _Yield:
    __slots__ = ()

    def __await__(self):
        yield self


def raw(n):
    """The limit: two coroutines handed control by a trampoline."""
    y = _Yield()

    async def side():
        for _ in range(n):
            await y

    a, b = side(), side()
    live = [a, b]
    while live:
        for c in list(live):
            try:
                c.send(None)
            except StopIteration:
                live.remove(c)


def muos_pp(n, cores=1):
    """muos's Semaphore ping-pong: tools/mpy/switch_bench.py's program
    (the one the MicroPython rows run), on SimPort."""
    _sem_pingpong(muos, n, muos.SimPort, cores=cores)


def asyncio_pp(n):
    """asyncio's Event ping-pong: tools/mpy/asyncio_pingpong.py's program
    (the one benchmarks/asyncio_layer.py and MicroPython run too)."""
    _event_pingpong(asyncio, n)


def simpy_pp(n):
    import simpy
    env = simpy.Environment()
    box = {"a": env.event(), "b": env.event()}

    def ping(env):
        for _ in range(n):
            box["b"].succeed()
            yield box["a"]
            box["a"] = env.event()

    def pong(env):
        for _ in range(n):
            yield box["b"]
            box["b"] = env.event()
            box["a"].succeed()

    env.process(ping(env))
    env.process(pong(env))
    env.run()


def threading_pp(n):
    a = threading.Semaphore(0)
    b = threading.Semaphore(0)

    def ping():
        for _ in range(n):
            b.release()
            a.acquire()

    def pong():
        for _ in range(n):
            b.acquire()
            a.release()

    t1 = threading.Thread(target=ping)
    t2 = threading.Thread(target=pong)
    t1.start()
    t2.start()
    t1.join()
    t2.join()


def main():
    q = quick()
    n = 2000 if q else 100000
    cpu = time.process_time
    cases = {
        "raw coroutine trampoline": (lambda: raw(n), 2 * n, cpu),
        "asyncio Event": (lambda: asyncio_pp(n), 2 * n, cpu),
        # two OS threads: wall time
        "threading Semaphore": (lambda: threading_pp(n // 10),
                                2 * (n // 10), time.perf_counter),
        "muos Semaphore (SimPort)": (lambda: muos_pp(n), 2 * n, cpu),
    }
    try:
        import simpy  # noqa: F401
        cases["SimPy events"] = (lambda: simpy_pp(n), 2 * n, cpu)
    except ImportError:
        pass
    results = median_rates(cases)
    m = results["muos Semaphore (SimPort)"]
    ratios = {"muos / asyncio": m / results["asyncio Event"]}
    if "SimPy events" in results:
        ratios["muos / SimPy"] = m / results["SimPy events"]
    ratios["muos / raw"] = m / results["raw coroutine trampoline"]
    return report("pingpong", results, ratios,
                  "muos >= 3x asyncio, aim >= SimPy", "switches/s")


if __name__ == "__main__":
    main()
