"""Memory per thread under MicroPython 1.27 (``gc.mem_alloc``), measured
by tools/mpy/heap.py in the WebAssembly build run by node: a thread
blocked on a Semaphore and one in ``sleep_for``, the package import and a
kernel. Target: <= 512 B per blocked thread. Needs node and ``npm ci`` in
tools/mpy; reports nothing to measure without them."""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))

from common import report  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RUNNER = os.path.join(ROOT, "tools", "mpy", "run.mjs")
MODULES = os.path.join(ROOT, "tools", "mpy", "node_modules")
LABELS = {
    "import muos": "import muos",
    "a Kernel (idle thread, ...)": "a Kernel",
    "per thread blocked on a Semaphore": "thread blocked on a Semaphore",
    "per thread in sleep_for": "thread in sleep_for",
}


def measure():
    node = shutil.which("node")
    if node is None or not os.path.isdir(MODULES):
        return None
    p = subprocess.run(
        [node, RUNNER, os.path.join(ROOT, "src", "muos"),
         os.path.join(ROOT, "tools", "mpy", "heap.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    out = {}
    for line in p.stdout.splitlines():
        what, sep, n = line.rpartition(":")
        what = what.strip()
        if sep and what in LABELS:
            out[LABELS[what]] = int(n.split()[0])
    return out


def main():
    results = measure()
    if results is None:
        why = ("node or tools/mpy/node_modules missing (cd tools/mpy && "
               "npm ci)")
        print(json.dumps({"benchmark": "mpy_memory", "skipped": why}))
        print("mpy_memory: %s; nothing measured" % why)
        return None
    return report("mpy_memory", results,
                  {"blocked thread / 512 B target":
                   results["thread blocked on a Semaphore"] / 512.0},
                  "<= 512 B per blocked thread (MicroPython)", "bytes")


if __name__ == "__main__":
    main()
