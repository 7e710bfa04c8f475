"""MicroPython's upstream asyncio tests, run against muos.asyncio.

Each of the 33 scripts in tests/upstream/micropython_asyncio runs under
CPython with ``import asyncio`` giving ``muos.asyncio`` (run_asyncio.py);
its stdout must equal the ``.exp`` file (exception reprs normalised to
CPython's) or, without one, the script's stdout under CPython's asyncio.
Scripts needing MicroPython-only modules are skipped here (they run under
MicroPython). The pass count is printed at the end of the session.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UP = ROOT / "tests" / "upstream"
SCRIPTS = sorted((UP / "micropython_asyncio").glob("asyncio_*.py"))
RUNNER = UP / "run_asyncio.py"
TIMEOUT = 60

# filled by the tests, printed by conftest's terminal summary
RESULTS: dict[str, str] = {}

_IMPORTS_MICROPYTHON = re.compile(r"^\s*import\s+(?:.*\b)?micropython\b",
                                  re.M)


def needs_micropython(script: Path) -> bool:
    """The script imports ``micropython``, or uses ``time.ticks_*``
    without checking that ``time`` has them."""
    text = script.read_text()
    return bool(_IMPORTS_MICROPYTHON.search(text)) or (
        "time.ticks_" in text and 'hasattr(time, "ticks_ms")' not in text)


def cpython_repr(text: str) -> str:
    """MicroPython's exception repr ``E(a,)`` written as CPython's."""
    return re.sub(r"\b(\w+)\((.*),\)", r"\1(\2)", text)


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True,
                          text=True, timeout=TIMEOUT, cwd=ROOT)


def expected(script: Path) -> str:
    exp = script.with_name(script.name + ".exp")
    if exp.exists():
        return cpython_repr(exp.read_text())
    ref = _run([str(script)])
    assert ref.returncode == 0, ref.stderr
    return ref.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_upstream_script(script: Path) -> None:
    if needs_micropython(script):
        RESULTS[script.name] = "needs MicroPython"
        pytest.skip("needs MicroPython's own modules (runs under "
                    "MicroPython)")
    got = _run([str(RUNNER), str(script)])
    want = expected(script)
    ok = got.returncode == 0 and got.stdout == want
    RESULTS[script.name] = "pass" if ok else "FAIL"
    assert got.returncode == 0, got.stderr
    assert got.stdout == want, got.stderr


def test_every_upstream_script_is_here() -> None:
    # the 33 scripts and their licence (MIT) came unchanged
    assert len(SCRIPTS) == 33
    assert (UP / "micropython_asyncio" / "LICENSE").exists()
    # the classification is what the README says: 5 need MicroPython
    assert sorted(p.stem for p in SCRIPTS if needs_micropython(p)) == [
        "asyncio_event_queue", "asyncio_heaplock", "asyncio_iterator_event",
        "asyncio_micropython", "asyncio_threadsafeflag"]


def summary() -> str | None:
    if not RESULTS:
        return None
    passed = sum(v == "pass" for v in RESULTS.values())
    mpy = sum(v == "needs MicroPython" for v in RESULTS.values())
    return ("MicroPython's upstream asyncio tests on muos.asyncio under "
            "CPython: %d of %d pass (%d of %d run; %d need MicroPython)"
            % (passed, len(SCRIPTS), passed, len(RESULTS) - mpy, mpy))
