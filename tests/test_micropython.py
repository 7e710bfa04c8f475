"""Run the portable scripts in tests/mpy under CPython and MicroPython.

Each ``tests/mpy/*.py`` script is run twice, under ``sys.executable`` with
``src`` on PYTHONPATH and under the MicroPython WebAssembly interpreter
(``node tools/mpy/run.mjs src/muos SCRIPT``); both must exit 0 and print
exactly the same stdout (MicroPython's own test habit). Conventions for the
scripts are in tests/mpy/README.md.

Needs node and ``npm ci`` in tools/mpy. Without them the tests skip, unless
the environment sets ``MUOS_REQUIRE_MPY=1`` (CI does), which turns the skip
into a failure.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PKG_DIR = SRC / "muos"
SCRIPT_DIR = ROOT / "tests" / "mpy"
RUNNER = ROOT / "tools" / "mpy" / "run.mjs"
MPY_MODULE = (
    ROOT / "tools" / "mpy" / "node_modules" / "@micropython"
    / "micropython-webassembly-pyscript" / "micropython.mjs"
)
TIMEOUT = 120  # seconds, per interpreter run

SCRIPTS = sorted(SCRIPT_DIR.glob("*.py"))

Result = tuple[int, str, str]  # exit status, stdout, stderr


def _require_mpy() -> str:
    """Return the node executable, or skip (fail if MUOS_REQUIRE_MPY=1)."""
    node = shutil.which("node")
    if node is None:
        problem = "node is not on PATH"
    elif not MPY_MODULE.is_file():
        problem = (
            f"{MPY_MODULE.relative_to(ROOT)} is missing"
            " (run `npm ci` in tools/mpy)"
        )
    else:
        return node
    if os.environ.get("MUOS_REQUIRE_MPY") == "1":
        pytest.fail(
            "MicroPython check required (MUOS_REQUIRE_MPY=1) but "
            + problem,
            pytrace=False,
        )
    pytest.skip("MicroPython check unavailable: " + problem)
    raise AssertionError("unreachable")


def _rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


def cpython_env() -> dict[str, str]:
    """The environment of the CPython runs: src first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    env["PYTHONIOENCODING"] = "utf-8"  # MicroPython always prints UTF-8
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _start(cmd: list[str], env: dict[str, str] | None) -> subprocess.Popen:
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def _finish(name: str, proc: subprocess.Popen, deadline: float) -> Result:
    try:
        left = max(0.0, deadline - time.monotonic())
        out, err = proc.communicate(timeout=left)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    if timed_out:
        pytest.fail(
            f"{name} timed out after {TIMEOUT} s; stdout so far:\n"
            f"{_text(out)[-4000:]}\nstderr:\n{_text(err)[-4000:]}",
            pytrace=False,
        )
    return proc.returncode, _text(out), _text(err)


def run_both(script: Path) -> tuple[Result, Result]:
    """Run one script under both interpreters, concurrently."""
    node = _require_mpy()
    start = time.monotonic()
    cpy = _start([sys.executable, _rel(script)], cpython_env())
    mpy = _start([node, _rel(RUNNER), _rel(PKG_DIR), _rel(script)], None)
    try:
        cres = _finish("CPython", cpy, start + TIMEOUT)
        mres = _finish("MicroPython", mpy, start + TIMEOUT)
    finally:
        for p in (cpy, mpy):
            if p.poll() is None:
                p.kill()
                p.wait()
    return cres, mres


def _diff(a: str, b: str, name: str, other: str = "MicroPython") -> str:
    lines = difflib.unified_diff(
        a.splitlines(keepends=True),
        b.splitlines(keepends=True),
        fromfile=f"{name} (CPython)",
        tofile=f"{name} ({other})",
    )
    return "".join(
        x if x.endswith("\n") else x + "\n\\ No newline at end of output\n"
        for x in lines
    )


def _runner_output(script: Path, text: str) -> bytes:
    """``text`` written to ``script``, run by the node runner: its stdout
    (a failure's stderr fails the test)."""
    node = _require_mpy()
    script.write_text(text)
    proc = subprocess.run(
        [node, str(RUNNER), str(PKG_DIR), str(script)],
        cwd=ROOT, capture_output=True, timeout=TIMEOUT, check=False,
    )
    assert proc.returncode == 0, _text(proc.stderr)
    return proc.stdout


def test_runner_works(tmp_path: Path) -> None:
    """The node runner itself works, even before any script exists."""
    out = _runner_output(
        tmp_path / "hello.py",
        "import sys\nprint('hello', sys.implementation.name, end='')\n")
    assert out == b"hello micropython"


def test_runner_returns_to_javascript_between_parts(tmp_path: Path) -> None:
    """A "# run.mjs: back to JavaScript" line splits a script in parts
    run in one interpreter (names kept), the garbage of each collected
    before the next: 200 KB made and dropped in the first part still
    count in it, and no longer in the second."""
    out = _runner_output(
        tmp_path / "parts.py",
        "import gc\n"
        "gc.collect()\n"
        "base = gc.mem_alloc()\n"
        "junk = [bytearray(1000) for _ in range(200)]\n"
        "del junk\n"
        "gc.collect()\n"
        "print(gc.mem_alloc() - base > 150000)\n"
        "# run.mjs: back to JavaScript\n"
        "gc.collect()\n"
        "print(gc.mem_alloc() - base < 50000, end='')\n")
    assert out == b"True\nTrue"


def compare(name: str, cpython: Result, other: Result,
            label: str = "MicroPython") -> list[str]:
    """What is wrong with two runs of a script: a non-zero exit status or
    different stdouts (empty if nothing)."""
    (crc, cout, cerr), (mrc, mout, merr) = cpython, other
    problems = []
    if crc != 0:
        problems.append(f"CPython exited with {crc}; stderr:\n{cerr}")
    if mrc != 0:
        problems.append(f"{label} exited with {mrc}; stderr:\n{merr}")
    if cout != mout:
        problems.append(
            "stdout differs:\n" + _diff(cout, mout, name, label))
    return problems


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_same_output(script: Path) -> None:
    cres, mres = run_both(script)
    problems = compare(script.name, cres, mres)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_heap_per_blocked_thread_within_issue_8_target() -> None:
    """tools/mpy/heap.py under the WebAssembly build: a thread blocked on a
    semaphore costs at most 512 bytes of MicroPython heap (issue 8), and
    a sleeping one at most 640 (measured 492 and 589)."""
    node = _require_mpy()
    proc = subprocess.run(
        [node, _rel(RUNNER), _rel(PKG_DIR), "tools/mpy/heap.py"],
        cwd=ROOT, capture_output=True, timeout=TIMEOUT, check=False)
    out = _text(proc.stdout)
    assert proc.returncode == 0, out + _text(proc.stderr)
    got = {}
    for line in out.splitlines():
        if line.startswith("per thread"):
            what, _, n = line.rpartition(":")
            got[what] = int(n.split()[0])
    assert got["per thread blocked on a Semaphore"] <= 512, got
    assert got["per thread in sleep_for"] <= 640, got
