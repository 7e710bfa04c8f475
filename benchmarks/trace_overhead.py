"""What tracing costs: the same workload (periodic threads sharing a
mutex with priority inheritance, a producer and a consumer on a message
queue, an interrupt that posts a semaphore, round-robin peers) run with
``trace=False`` and ``trace=True``, median of 5 runs each.

Target: tracing on <= 2x tracing off. Tracing off must cost nothing
measurable: ``--against DIR`` also times the trace-off run with the
``muos`` package found in DIR (for example a copy of ``src`` taken before
a change to the kernel's choke points), in a fresh process, and reports
the ratio (1.00 means no cost).

``python benchmarks/trace_overhead.py [--quick] [--against DIR]``
"""

import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if "--child" not in sys.argv:
    sys.path.insert(0, os.path.join(HERE, "..", "src"))
sys.path.insert(0, HERE)

import muos  # noqa: E402
from common import REPEAT, quick, report  # noqa: E402

HORIZON = 20000       # ticks simulated per run


async def workload(horizon):
    bus = muos.Mutex("bus")
    q = muos.MessageQueue(4, name="q")
    sem = muos.Semaphore(0, name="sem")
    k = muos.this_thread()._kernel
    irq = k.interrupt("uart", sem.post, priority=3, cost=0.25)
    irq.trigger_every(7, offset=3)

    async def control(period, work, hold):
        async for _ in muos.periodic(period, start=0):
            await muos.busy(work)
            async with bus:
                await muos.busy(hold)

    async def producer():
        n = 0
        while True:
            await q.send(n)
            n += 1
            await muos.sleep_for(2)

    async def consumer():
        while True:
            await q.receive()
            await muos.busy(0.5)

    async def uart():
        while True:
            await sem.wait()
            await muos.busy(0.5)

    async def peer():
        while True:
            await muos.busy(3)
            await muos.yield_now()

    muos.spawn(control, 10, 2, 1, name="fast", priority=200)
    muos.spawn(control, 25, 3, 2, name="mid", priority=150)
    muos.spawn(control, 50, 5, 4, name="slow", priority=40)
    muos.spawn(producer, name="producer", priority=120)
    muos.spawn(consumer, name="consumer", priority=110)
    muos.spawn(uart, name="uart", priority=180)
    muos.spawn(peer, name="peer1", priority=20)
    muos.spawn(peer, name="peer2", priority=20)
    await muos.sleep_until(horizon)
    return k.stats.context_switches


def one(trace, horizon):
    return muos.run(workload, horizon, trace=trace)


def timed(fn):
    """CPU seconds of ``fn()``: this process's own time, so that other
    processes on the machine add less noise."""
    t = time.process_time()
    fn()
    return time.process_time() - t


def child(horizon, repeat):
    """Time the trace-off run with whatever ``muos`` is on sys.path."""
    one(False, horizon)                          # warm-up
    t = statistics.median([timed(lambda: one(False, horizon))
                           for _ in range(repeat)])
    print(json.dumps({"off": t, "file": muos.__file__}))


def child_time(src, horizon, repeat):
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child",
         str(horizon), str(repeat)],
        env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["off"]


def main(argv):
    if "--child" in argv:
        child(int(argv[argv.index("--child") + 1]),
              int(argv[argv.index("--child") + 2]))
        return 0
    horizon = HORIZON // 10 if quick(argv) else HORIZON
    repeat = 3 if quick(argv) else REPEAT
    r = one(True, horizon)
    events = len(r.trace)
    switches = r.value
    one(False, horizon)                          # warm-up
    offs, ons = [], []
    for _ in range(repeat):                      # interleaved: fair noise
        offs.append(timed(lambda: one(False, horizon)))
        ons.append(timed(lambda: one(True, horizon)))
    off = statistics.median(offs)
    on = statistics.median(ons)
    results = {"trace off, s": off, "trace on, s": on,
               "events": events, "context switches": switches,
               "events per s (on)": events / on}
    ratios = {"on / off": on / off}
    if "--against" in argv:
        # fresh processes, alternating, so that both trees see the same
        # machine; each process reports its median of 3
        src = argv[argv.index("--against") + 1]
        mine_src = os.path.join(HERE, "..", "src")
        base, mine = [], []
        for _ in range(repeat):
            base.append(child_time(src, horizon, 3))
            mine.append(child_time(mine_src, horizon, 3))
        results["trace off, baseline tree, s"] = statistics.median(base)
        results["trace off, this tree, s"] = statistics.median(mine)
        ratios["off / baseline off"] = (statistics.median(mine)
                                        / statistics.median(base))
    report("trace_overhead", results, ratios,
           target="on / off <= 2.0; off / baseline off ~ 1.00 (noise)",
           unit="CPU seconds, median of %d" % repeat)
    # the smoke mode checks the benchmark runs, not the machine's speed
    return 0 if quick(argv) or ratios["on / off"] <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
