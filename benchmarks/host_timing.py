"""Wake-up lateness on the wall clock: a 1 kHz periodic thread on HostPort
against asyncio's ``loop.call_at``, both with background workers computing
in the same chunks, measured in the same run.

Lateness = when the periodic code runs - its release (``time.monotonic_ns``),
over N seconds per configuration (default 10; ``--quick``: 1; ``--seconds
S``). The background workers compute ~CHUNK_US of Python between awaits
(muos: ``yield_now()`` at a LOWer priority; asyncio: ``sleep(0)``). muos
runs the periodic thread as soon as the current chunk ends; asyncio's loop
runs every ready task once before it looks at its timers again.

``--workers N[,N...]`` (default 10; ``--sweep``: 1,10,100) measures muos
and asyncio for each worker count, and the ratios p99(most workers) /
p99(fewest) of each: near 1 for muos (its urgent thread only waits for the
current chunk), growing with the count for asyncio.

Both sides release at ``first + k*period``, never skipped (like
``muos.periodic``). A side that falls behind (asyncio with 100 workers:
one wake-up per round of all of them) is stopped at the end of its window;
the releases it has not served by then count as late by ``end - release``
(a lower bound) and are reported. Prints one JSON line and a table
(microseconds). Not a test: the numbers are the machine's.
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
WORKERS = (10,)
SWEEP = (1, 10, 100)
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


def percentiles(lat, behind=0):
    lat = sorted(lat)
    n = len(lat)
    return {"p50": lat[n // 2] / 1e3, "p99": lat[min(n - 1, n * 99 // 100)]
            / 1e3, "max": lat[-1] / 1e3, "n": n, "behind": behind}


def unserved(late, first, served, jobs, now):
    """Releases ``served``..``jobs-1`` (at ``first + k*period``) not run
    by ``now``: each counts as late by ``now - release``; returns how
    many there were."""
    left = 0
    for k in range(served, jobs):
        rel = first + k * PERIOD_NS
        if rel <= now:
            late.append(now - rel)
            left += 1
    return left


def run_muos(seconds, n, workers):
    port = muos.HostPort(overrun_warn=None)
    late = []
    behind = [0]
    jobs = int(seconds * 1e9 // PERIOD_NS)

    async def periodic():
        epoch = port.epoch_ns
        first = None
        async for job in muos.periodic(1):
            rel = int(round(job.release * 1000000))    # ticks are ms
            now = time.monotonic_ns() - epoch
            late.append(now - rel)
            if first is None:
                first = rel
            if job.index + 1 >= jobs:
                return
            if now >= first + jobs * PERIOD_NS:      # fell behind
                behind[0] = unserved(late, first, job.index + 1, jobs, now)
                return

    async def worker():
        while True:
            work(n)
            await muos.yield_now()

    async def main():
        for i in range(workers):
            muos.spawn(worker, name="worker%d" % i,
                       priority=muos.Priority.LOW)
        await muos.spawn(periodic, name="periodic",
                         priority=muos.Priority.HIGH).join()

    muos.run(main, port=port)
    # the first release is the start itself
    return percentiles(late[1:], behind[0])


def run_asyncio(seconds, n, workers):
    late = []
    behind = [0]
    jobs = int(seconds * 1e9 // PERIOD_NS)

    async def main():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        start = time.monotonic_ns() + PERIOD_NS
        end = start + jobs * PERIOD_NS
        k = [0]

        def tick():
            due = start + k[0] * PERIOD_NS
            now = time.monotonic_ns()
            late.append(now - due)
            k[0] += 1
            if k[0] >= jobs or now >= end:
                behind[0] = unserved(late, start, k[0], jobs, now)
                done.set_result(None)
                return
            # absolute times, like muos.periodic: no drift
            loop.call_at((start + k[0] * PERIOD_NS) / 1e9, tick)

        async def worker():
            while not done.done():
                work(n)
                await asyncio.sleep(0)

        tasks = [asyncio.ensure_future(worker()) for _ in range(workers)]
        loop.call_at(start / 1e9, tick)
        await done
        await asyncio.gather(*tasks)

    # loop.time() is time.monotonic(): call_at takes the same clock
    asyncio.run(main())
    return percentiles(late, behind[0])


def option(argv, name):
    """The value of ``name V`` or ``name=V`` in ``argv``, else None."""
    for i, a in enumerate(argv):
        if a == name:
            if i + 1 >= len(argv):
                raise SystemExit("host_timing: %s needs a value" % name)
            return argv[i + 1]
        if a.startswith(name + "="):
            return a[len(name) + 1:]
    return None


def worker_counts(argv):
    """``--workers N[,N...]``, else ``--sweep``: 1,10,100, else 10."""
    text = option(argv, "--workers")
    if text is None:
        return SWEEP if "--sweep" in argv else WORKERS
    try:
        counts = sorted({int(s) for s in text.split(",") if s.strip()})
    except ValueError:
        counts = []
    if not counts or counts[0] < 0:
        raise SystemExit("host_timing: --workers takes counts >= 0 "
                         "separated by commas, not %r" % text)
    return tuple(counts)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    seconds = 1.0 if quick(argv) else 10.0
    text = option(argv, "--seconds")
    if text is not None:
        seconds = float(text)
    counts = worker_counts(argv)
    n = calibrate()
    runs = {}
    for w in counts:
        runs[w] = (run_muos(seconds, n, w), run_asyncio(seconds, n, w))
    results = {}
    ratios = {}
    single = len(counts) == 1
    for w, (m, a) in runs.items():
        tag = "" if single else " %dw" % w
        for name, r in (("muos HostPort", m), ("asyncio call_at", a)):
            for q in ("p50", "p99", "max"):
                results["%s%s %s" % (name, tag, q)] = r[q]
        for q in ("p50", "p99"):
            ratios["asyncio/muos%s %s" % (tag, q)] = a[q] / m[q]
    target = "muos p99 below asyncio's"
    if not single:
        lo, hi = counts[0], counts[-1]
        for name, i in (("muos", 0), ("asyncio", 1)):
            ratios["%s p99 %dw/%dw" % (name, hi, lo)] = (
                runs[hi][i]["p99"] / runs[lo][i]["p99"])
        target += ", for every count; muos p99 %dw/%dw near 1" % (hi, lo)
    # wake-ups that ran (without the releases left over at the end)
    wakeups = " + ".join("%d" % (r["n"] - r["behind"])
                         for w in counts for r in runs[w])
    out = report("host_timing (1 kHz periodic, %s workers x %d us chunks, "
                 "%g s%s, %s wake-ups)"
                 % (",".join(map(str, counts)), CHUNK_US, seconds,
                    "" if single else " each", wakeups),
                 results, ratios, target, "us late")
    for w in counts:
        for name, r in (("muos HostPort", runs[w][0]),
                        ("asyncio call_at", runs[w][1])):
            if r["behind"]:
                print("  %s, %d workers: fell behind, %d of %d "
                      "releases not served\n    by the end (counted as "
                      "late by end - release, a lower bound)"
                      % (name, w, r["behind"], r["n"]))
    sys.stdout.flush()
    return out


if __name__ == "__main__":
    main()
