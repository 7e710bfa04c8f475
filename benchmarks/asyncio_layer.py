"""An Event ping-pong through muos.asyncio against CPython's asyncio (the
same program, ``import muos.asyncio as asyncio``), with the raw coroutine
trampoline and muos's own Semaphore hand-over beside them; then the same
on MicroPython 1.27 (muos.asyncio against MicroPython's asyncio), on the
unix and the Cortex-M3 (QEMU, -icount shift=0: a microsecond is 1,000
instructions) firmware builds of tools/firmware when they can be built.
Target (issue 17): muos.asyncio >= 2x CPython's asyncio; on MicroPython no
slower than its asyncio. The unit is hand-overs per second (MicroPython:
microseconds per hand-over)."""

import asyncio
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "src"))
sys.path.insert(0, HERE)

import muos  # noqa: E402
import muos.asyncio  # noqa: E402
from common import median_rates, quick, report  # noqa: E402
from pingpong import muos_pp, raw  # noqa: E402

from asyncio_pingpong import pingpong as _pingpong  # noqa: E402  (pingpong
# put tools/mpy on the path)


def event_pp(aio, n, port=None):
    """The program (tools/mpy/asyncio_pingpong.py's, which MicroPython
    runs too): two tasks hand an Event back and forth ``n`` times."""
    _pingpong(aio, n, port)


def micropython_rows():
    """{label: us per hand-over} from tools/mpy/asyncio_pingpong.py on each
    firmware build, or the reason there are none."""
    script = os.path.join(ROOT, "tools", "mpy", "asyncio_pingpong.py")
    rows = {}
    for port in ("unix", "qemu"):
        p = subprocess.run(
            [sys.executable, os.path.join(ROOT, "tools", "firmware",
                                          "run.py"),
             "--port", port, "--timeout", "600", script],
            capture_output=True, text=True, check=False)
        if p.returncode != 0:
            return None, (p.stderr.strip().splitlines() or ["failed"])[-1]
        for line in p.stdout.splitlines():
            what, _, us = line.partition(": ")
            if us.endswith("us per hand-over"):
                rows["%s, %s" % (port, what)] = float(us.split()[0])
    return rows, None


def main():
    n = 2000 if quick() else 50000
    cpu = time.process_time
    cases = {
        "raw coroutine trampoline": (lambda: raw(n), 2 * n, cpu),
        "asyncio Event": (lambda: event_pp(asyncio, n), 2 * n, cpu),
        "muos.asyncio Event (HostPort)": (
            lambda: event_pp(muos.asyncio, n), 2 * n, cpu),
        "muos.asyncio Event (SimPort)": (
            lambda: event_pp(muos.asyncio, n, muos.SimPort), 2 * n, cpu),
        "muos Semaphore (SimPort)": (lambda: muos_pp(n), 2 * n, cpu),
    }
    results = median_rates(cases)
    a = results["asyncio Event"]
    ratios = {
        "muos.asyncio (HostPort) / asyncio":
            results["muos.asyncio Event (HostPort)"] / a,
        "muos.asyncio (SimPort) / asyncio":
            results["muos.asyncio Event (SimPort)"] / a,
        "muos Semaphore / asyncio": results["muos Semaphore (SimPort)"] / a,
    }
    report("asyncio_layer", results, ratios,
           "muos.asyncio >= 2x asyncio", "hand-overs/s")
    if quick():
        return
    rows, why = micropython_rows()
    if not rows:
        print("asyncio_layer on MicroPython: not measured (%s)"
              % (why or "no output"))
        return
    ratios = {}
    for port in ("unix", "qemu"):
        base = rows.get("%s, asyncio" % port)
        for k, v in rows.items():
            if k.startswith(port + ", muos") and base:
                ratios["%s / MicroPython asyncio" % k] = v / base
    report("asyncio_layer_micropython", rows, ratios,
           "muos.asyncio no slower than MicroPython's asyncio (ratio <= 1)",
           "us per hand-over (qemu: 1 us = 1,000 instructions)")


if __name__ == "__main__":
    main()
