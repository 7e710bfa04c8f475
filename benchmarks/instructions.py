"""Instructions per event under valgrind's callgrind: a measure of the
switch path that does not move with the machine's load (wall-clock
ratios on a shared 2-core machine move by 10-20 % between runs).

    python benchmarks/instructions.py [--quick]

Each workload runs twice, at two sizes, in its own interpreter under
``valgrind --tool=callgrind``; the difference of the two instruction
totals divided by the difference of events is the cost of one event
(start-up and imports cancel out). Not run by ``python -m benchmarks``
(it needs valgrind and takes about a minute); use it to compare two
versions of the kernel exactly. Instructions are not time: asyncio does
more of its work in C, so its time per instruction is lower (measured
here: muos/asyncio is about 1.4x better in time than in instructions).
"""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))

from common import quick, report  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "src")

# name: (python statement using k, events per unit of k)
WORKLOADS = {
    "pingpong muos": ("import pingpong; pingpong.muos_pp(1000 * k)", 2000),
    "pingpong muos, 4 cores": (
        "import pingpong; pingpong.muos_pp(1000 * k, 4)", 2000),
    "pingpong muos, plain build": (
        "import pingpong; pingpong.muos_pp(1000 * k)", 2000),
    "pingpong asyncio": ("import pingpong; pingpong.asyncio_pp(1000 * k)",
                         2000),
    "pingpong SimPy": ("import pingpong; pingpong.simpy_pp(1000 * k)", 2000),
    "pingpong raw": ("import pingpong; pingpong.raw(1000 * k)", 2000),
    "hand-over above 10,000 ready threads": (
        "import many_ready; many_ready.pingpong_with_crowd(1000 * k, "
        "10000)", 2000),
    "sleepers muos": ("import sleepers; sleepers.muos_sleepers("
                      "sleepers.plan(10000, k))", 10000),
    "sleepers muos, plain build": (
        "import sleepers; sleepers.muos_sleepers(sleepers.plan(10000, k))",
        10000),
    "simtime muos, plain build": (
        "import simtime; simtime.workload(2000 * k)", 2),
    "sleepers SimPy": ("import sleepers; sleepers.simpy_sleepers("
                       "sleepers.plan(10000, k))", 10000),
    "simtime muos (per simulated second)": (
        "import simtime; simtime.workload(2000 * k)", 2),
}


def instructions(stmt, k, plain=False):
    code = ("import sys; sys.path[:0] = [%r, %r]; import muos; k = %d; %s"
            % (SRC, HERE, k, stmt))
    env = dict(os.environ)
    env.pop("MUOS_PURE", None)
    # string hashes are randomized per process: dict layouts, and so the
    # instructions of every lookup, would move a few hundred per event
    env["PYTHONHASHSEED"] = "0"
    if plain:
        env["MUOS_PURE"] = "1"      # the .py modules (muos/_plain.py)
    p = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, "-c", code],
        capture_output=True, text=True, check=True, env=env)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if m is None:
        raise RuntimeError("callgrind printed no total:\n" + p.stderr)
    return int(m.group(1))


def per_event(stmt, unit, small, large, plain=False):
    return ((instructions(stmt, large, plain)
             - instructions(stmt, small, plain))
            / (unit * (large - small)))


def main():
    if shutil.which("valgrind") is None:
        print("instructions.py needs valgrind (apt install valgrind)")
        return None
    small, large = (1, 2) if quick() else (1, 3)
    names = list(WORKLOADS)
    if quick():
        names = ["pingpong muos"]
    results = {}
    for name in names:
        stmt, unit = WORKLOADS[name]
        try:
            results[name] = per_event(stmt, unit, small, large,
                                      "plain build" in name)
        except subprocess.CalledProcessError as e:
            if "simpy" in (e.stderr or "").lower():
                continue            # SimPy not installed
            raise
    ratios = {}
    for peer in ("asyncio", "SimPy"):
        key = "pingpong " + peer
        if key in results:
            ratios["pingpong %s / muos" % peer] = \
                results[key] / results["pingpong muos"]
    if "hand-over above 10,000 ready threads" in results:
        ratios["10,000 ready threads / 2"] = (
            results["hand-over above 10,000 ready threads"]
            / results["pingpong muos"])
    if "sleepers SimPy" in results and "sleepers muos" in results:
        ratios["sleepers SimPy / muos"] = (results["sleepers SimPy"]
                                           / results["sleepers muos"])
    return report("instructions", results, ratios,
                  "fewer instructions per event (exact, load-independent)",
                  "instructions/event")


if __name__ == "__main__":
    main()
