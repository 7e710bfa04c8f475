"""MicroPython's upstream asyncio tests, run against muos.asyncio.

Each of the 33 scripts in tests/upstream/micropython_asyncio runs with
``import asyncio`` giving ``muos.asyncio`` (run_asyncio.py), under CPython
and under MicroPython (the WebAssembly build, tools/mpy, and the unix
and Cortex-M3 firmware builds of tests/test_firmware.py); its stdout must
equal the ``.exp`` file (under CPython with exception reprs normalised to
CPython's) or, without one, the script's stdout under CPython's own
asyncio (MicroPython's run-tests.py rule). Scripts needing MicroPython-only
modules are skipped under CPython. The pass counts are printed at the end
of the session.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_firmware import builds  # noqa: F401  (the session's firmware)

ROOT = Path(__file__).resolve().parent.parent
UP = ROOT / "tests" / "upstream"
SCRIPTS = sorted((UP / "micropython_asyncio").glob("asyncio_*.py"))
RUNNER = UP / "run_asyncio.py"
TIMEOUT = 60
RETRIES = 3       # runs of a script that failed (wall-clock timing)

# filled by the tests, printed by conftest's terminal summary
RESULTS: dict[str, str] = {}
MPY_RESULTS: dict[str, str] = {}
FW_RESULTS: dict[str, dict[str, str]] = {"unix": {}, "qemu": {}}

# what run_asyncio.py does, for the WebAssembly runner (no argv there;
# the script sits beside it, in /script)
WRAPPER = """import sys
import muos.asyncio
sys.modules["asyncio"] = muos.asyncio
sys.modules["uasyncio"] = muos.asyncio
_f = open("/script/%s")
_src = _f.read()
_f.close()
exec(_src, {"__name__": "__main__"})
"""

# the same for a firmware build (no file system on the board): the script
# follows this prelude in one file
PRELUDE = """import sys
import muos.asyncio
sys.modules["asyncio"] = muos.asyncio
sys.modules["uasyncio"] = muos.asyncio
"""

# expected to fail under MicroPython until the issue named is done (none
# since asyncio_heaplock passes: tasks are primed, Kernel.prime)
MPY_XFAIL: dict[str, str] = {}

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


@functools.cache
def reference(script: Path) -> str:
    """The ``.exp`` file, or the script's output under CPython's asyncio."""
    exp = script.with_name(script.name + ".exp")
    if exp.exists():
        return exp.read_text()
    ref = _run([str(script)])
    assert ref.returncode == 0, ref.stderr
    return ref.stdout


def expected(script: Path) -> str:
    return cpython_repr(reference(script))


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_upstream_script(script: Path) -> None:
    if needs_micropython(script):
        RESULTS[script.name] = "needs MicroPython"
        pytest.skip("needs MicroPython's own modules (runs under "
                    "MicroPython)")
    want = expected(script)
    got = _run([str(RUNNER), str(script)])
    for _ in range(RETRIES):
        # (a few scripts print wall-clock durations rounded to 100 ms,
        # asyncio_basic's "took 200 400 0": a loaded machine can push
        # one past; MicroPython's own runner has the same exposure)
        if got.returncode == 0 and got.stdout == want:
            break
        got = _run([str(RUNNER), str(script)])
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


@pytest.fixture(scope="module")
def under_micropython(tmp_path_factory) -> dict[str, tuple[int, str, str]]:
    """Every script run on muos.asyncio under the MicroPython WebAssembly
    build, four at a time: name -> (exit status, stdout, stderr)."""
    from test_micropython import PKG_DIR, _require_mpy
    from test_micropython import RUNNER as MPY_RUNNER
    node = _require_mpy()
    top = tmp_path_factory.mktemp("upstream_mpy")

    def one(script: Path) -> tuple[int, str, str]:
        d = top / script.stem
        d.mkdir(exist_ok=True)
        shutil.copy(script, d / script.name)
        w = d / ("run_" + script.name)
        w.write_text(WRAPPER % script.name)
        try:
            p = subprocess.run([node, str(MPY_RUNNER), str(PKG_DIR),
                                str(w)], capture_output=True, text=True,
                               timeout=TIMEOUT, cwd=ROOT)
        except subprocess.TimeoutExpired as e:
            return -1, e.stdout or "", "timed out after %d s" % TIMEOUT
        return p.returncode, p.stdout, p.stderr

    one_again = one
    with ThreadPoolExecutor(4) as ex:
        out = dict(zip([p.name for p in SCRIPTS], ex.map(one, SCRIPTS)))
    for script in SCRIPTS:
        # again, alone, what failed four at a time (wall-clock durations
        # rounded to 100 ms, as under CPython above)
        for _ in range(RETRIES):
            rc, got, _ = out[script.name]
            if script.name in MPY_XFAIL or (
                    rc == 0 and got == reference(script)):
                break
            out[script.name] = one_again(script)
    return out


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_upstream_script_under_micropython(script: Path,
                                           under_micropython) -> None:
    rc, out, err = under_micropython[script.name]
    if out == "SKIP\n":
        MPY_RESULTS[script.name] = "skipped by itself"
        pytest.skip("the script skips itself under this MicroPython build")
    ok = rc == 0 and out == reference(script)
    MPY_RESULTS[script.name] = "pass" if ok else "FAIL"
    if script.name in MPY_XFAIL and not ok:
        pytest.xfail(MPY_XFAIL[script.name])
    assert rc == 0, err
    assert out == reference(script), err


@pytest.fixture(scope="module")
def on_firmware(builds,  # noqa: F811  (test_firmware's fixture)
                tmp_path_factory) -> dict[str, dict[str, object]]:
    """Every script run on each firmware build that exists: port ->
    {name: Result, or the reason it is unavailable}."""
    from test_firmware import PORTS, fwrun
    top = tmp_path_factory.mktemp("upstream_fw")
    files = {}
    for script in SCRIPTS:
        f = top / script.name
        f.write_text(PRELUDE + script.read_text())
        files[script.name] = f
    out: dict[str, dict[str, object]] = {}
    for port in PORTS:
        fw = builds.paths.get(port)
        if fw is None:
            out[port] = {}
            continue

        def one(name: str, port=port, fw=fw) -> object:
            try:
                if port == "unix":
                    return fwrun.run_unix(fw, files[name], TIMEOUT)
                return fwrun.run_qemu(fw, files[name], TIMEOUT)
            except fwrun.RunTimeout as e:
                return e.partial._replace(returncode=-1)

        with ThreadPoolExecutor(2) as ex:
            names = [p.name for p in SCRIPTS]
            out[port] = dict(zip(names, ex.map(one, names)))
        for script in SCRIPTS:       # once more, alone (see above)
            r = out[port][script.name]
            if script.name not in MPY_XFAIL and (
                    r.returncode != 0 or r.stdout != reference(script)):
                out[port][script.name] = one(script.name)
    return out


@pytest.mark.parametrize("port", ("unix", "qemu"))
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_upstream_script_on_firmware(script: Path, port: str,
                                     builds,  # noqa: F811
                                     on_firmware) -> None:
    from test_firmware import firmware
    firmware(builds, port)             # skips (or fails) without it
    r = on_firmware[port][script.name]
    rc, out, err = r.returncode, r.stdout, r.stderr
    if out == "SKIP\n":
        FW_RESULTS[port][script.name] = "skipped by itself"
        pytest.skip("the script skips itself on this build")
    ok = rc == 0 and out == reference(script)
    FW_RESULTS[port][script.name] = "pass" if ok else "FAIL"
    if script.name in MPY_XFAIL and not ok:
        pytest.xfail(MPY_XFAIL[script.name])
    assert rc == 0, err
    assert out == reference(script), err


def summary() -> str | None:
    lines = []
    if RESULTS:
        passed = sum(v == "pass" for v in RESULTS.values())
        mpy = sum(v == "needs MicroPython" for v in RESULTS.values())
        lines.append(
            "MicroPython's upstream asyncio tests on muos.asyncio under "
            "CPython: %d of %d pass (%d of %d run; %d need MicroPython)"
            % (passed, len(SCRIPTS), passed, len(RESULTS) - mpy, mpy))
    if MPY_RESULTS:
        passed = sum(v == "pass" for v in MPY_RESULTS.values())
        lines.append(
            "MicroPython's upstream asyncio tests on muos.asyncio under "
            "MicroPython (WebAssembly): %d of %d pass" % (passed,
                                                          len(SCRIPTS)))
    for port, label in (("unix", "unix port"),
                        ("qemu", "Cortex-M3 board under QEMU")):
        res = FW_RESULTS[port]
        if res:
            lines.append(
                "MicroPython's upstream asyncio tests on muos.asyncio on the "
                "%s firmware: %d of %d pass" % (
                    label, sum(v == "pass" for v in res.values()),
                    len(SCRIPTS)))
    return "\n".join(lines) or None


def test_tcp_echo_on_the_micropython_unix_port(builds,  # noqa: F811
                                               tmp_path: Path) -> None:
    """muos.asyncio's streams on MachinePort (select.poll), on the unix
    firmware build: a server and four clients on the loopback interface
    print what CPython's run (HostPort) prints."""
    import socket

    from test_firmware import firmware, fwrun
    fw = firmware(builds, "unix")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    script = tmp_path / "tcp_echo.py"
    script.write_text((ROOT / "tests" / "asyncio_scripts" / "tcp_echo.py")
                      .read_text().replace("PORT = 0", "PORT = %d" % port))
    cpy = _run([str(script)])
    assert cpy.returncode == 0, cpy.stderr
    assert cpy.stdout.count("20001 b'XXX'") == 4
    mpy = fwrun.run_unix(fw, script, TIMEOUT)
    assert mpy.returncode == 0, mpy.stderr
    assert mpy.stdout == cpy.stdout
