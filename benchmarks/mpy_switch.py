"""muos's own hand-over and timed wake-up on MicroPython 1.27, beside
MicroPython's asyncio in the same run (issue 16 #3): tools/mpy/
switch_bench.py on the WebAssembly build (node), the unix port and the
Cortex-M3 board under QEMU (-icount shift=0: a microsecond is 1,000
instructions, exact) of tools/firmware, when they can be run.

Rows: a Semaphore ping-pong (muos, SimPort and MachinePort) against
asyncio's Event ping-pong, microseconds per hand-over; a wake-up of one
of ten threads sleeping 1..10 ms (muos.sleep_for, SimPort and
MachinePort; asyncio.sleep_ms), its idle time taken out; an uncontended
lock and unlock of a Mutex against asyncio's Lock (no target: a muos
Mutex also tracks ownership, inheritance and hold times). Targets: muos
no slower than asyncio (ratio <= 1); MachinePort <= 1.3x SimPort."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, HERE)

from common import quick, report  # noqa: E402

SCRIPT = os.path.join(ROOT, "tools", "mpy", "switch_bench.py")


def _parse(text):
    rows = {}
    for line in text.splitlines():
        what, _, us = line.rpartition(": ")
        if us.endswith(" us"):
            rows[what] = float(us.split()[0])
    return rows


def run_build(build):
    """{row: us} of one build, or None (not available here)."""
    if build == "wasm":
        node = os.environ.get("NODE", "node")
        cmd = [node, os.path.join(ROOT, "tools", "mpy", "run.mjs"),
               os.path.join(ROOT, "src", "muos"), SCRIPT]
    else:
        cmd = [sys.executable, os.path.join(ROOT, "tools", "firmware",
                                            "run.py"),
               "--port", build, "--timeout", "900", SCRIPT]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           check=False, cwd=ROOT)
    except OSError:
        return None
    if p.returncode != 0:
        return None
    return _parse(p.stdout)


def main():
    builds = (("qemu", "Cortex-M3 (qemu; 1 us = 1,000 instructions)"),
              ("unix", "unix port (C _asyncio)"),
              ("wasm", "WebAssembly build"))
    if quick():
        builds = builds[1:2]        # (the board takes minutes)
    measured = 0
    for build, label in builds:
        rows = run_build(build)
        if rows and build == "wasm":
            # its MachinePort idles in time.sleep_ms on the browser's
            # clock, which the idle time taken out does not match: no row
            rows.pop("wake-up, muos sleep_for (MachinePort)", None)
        if not rows:
            print("mpy_switch %s: not measured (build unavailable)" % build)
            continue
        ratios = {}
        ev = rows.get("hand-over, asyncio Event")
        sl = rows.get("wake-up, asyncio sleep_ms")
        lk = rows.get("lock, asyncio Lock")
        for k, v in rows.items():
            if k.startswith("hand-over, muos") and ev:
                ratios[k + " / asyncio"] = v / ev
            if k.startswith("wake-up, muos") and sl:
                ratios[k + " / asyncio"] = v / sl
            if k.startswith("lock, muos") and lk:
                ratios[k + " / asyncio"] = v / lk
        sim = rows.get("hand-over, muos Semaphore (SimPort)")
        mach = rows.get("hand-over, muos Semaphore (MachinePort)")
        if sim and mach:
            ratios["MachinePort / SimPort hand-over"] = mach / sim
        report("mpy_switch %s: %s" % (build, label), rows, ratios,
               "muos / asyncio <= 1; MachinePort / SimPort <= 1.3",
               "us per event")
        measured += 1
        if quick():
            return
    if quick() and not measured:
        print(json.dumps({"benchmark": "mpy_switch", "skipped":
                          "no MicroPython unix firmware (tools/firmware)"}))


if __name__ == "__main__":
    main()
