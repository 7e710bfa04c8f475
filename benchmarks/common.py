"""Shared helpers of the benchmarks: timing, medians, the report format.

Every benchmark measures muos and its peers in the same process run, takes
the median of 5 repetitions after a warm-up (CPU time of the process, so
that other work on the machine does not count), prints one JSON line (for
machines) and a small table with ratios (for people).
"""

import json
import platform
import statistics
import sys
import time

REPEAT = 5


def median_rates(cases, repeat=REPEAT, warmup=1):
    """Operations per second of each case ``{name: (fn, ops, clock)}``
    (``fn()`` performs ``ops`` operations), median of ``repeat`` rounds
    after ``warmup`` ones. Each round runs every case once, so that a slow
    moment of the machine slows all of them alike and the ratios hold.
    The clock is the process's CPU time (``time.process_time``: other
    processes do not count) except for work spread over OS threads
    (``time.perf_counter``)."""
    for _ in range(warmup):
        for name in cases:
            cases[name][0]()
    rates = {name: [] for name in cases}
    for _ in range(repeat):
        for name in cases:
            fn, ops, clock = cases[name]
            t = clock()
            fn()
            rates[name].append(ops / (clock() - t))
    return {name: statistics.median(rates[name]) for name in cases}


def median_time(fn, repeat=REPEAT, warmup=1, clock=time.process_time):
    """Seconds ``fn()`` takes (by default the process's CPU time), median
    of ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times)


def machine():
    return {"python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(), "muos build": muos_build()}


def muos_build():
    """Which build of muos runs here: "compiled" (Cython and the C trap,
    built by pip) or "plain" (the .py modules: MUOS_PURE=1 selects them;
    run a benchmark both ways to compare)."""
    try:
        import muos
    except ImportError:         # a benchmark of MicroPython only
        return None
    return muos.build()


def report(name, results, ratios=None, target=None, unit="ops/s"):
    """Print the JSON line and the table; returns the JSON object."""
    out = {"benchmark": name, "unit": unit, "results": results,
           "ratios": ratios or {}, "target": target, "machine": machine()}
    print(json.dumps(out, sort_keys=True))
    width = max(len(k) for k in results) + 2
    print("%s (%s)" % (name, unit))
    for k, v in results.items():
        print("  %-*s %14s" % (width, k, _fmt(v)))
    for k, v in (ratios or {}).items():
        print("  %-*s %14.2fx" % (width, k, v))
    if target:
        print("  target: %s" % target)
    sys.stdout.flush()
    return out


def _fmt(v):
    if isinstance(v, float):
        if v >= 1000:
            return "{:,.0f}".format(v)
        return "%.3f" % v
    return str(v)


def quick(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    return "--quick" in argv
