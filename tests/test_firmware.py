"""Run the portable scripts on real MicroPython 1.27 firmware, muos frozen.

tools/firmware/build.py builds two ports from the MicroPython source
(tools/firmware/micropython-1.27.0.tar.gz, or $MUOS_MPY_SRC), with
the modules of package.json frozen in as ``muos`` (plus, for these tests,
``muos.demos`` and the helper modules of tests/mpy): the unix port
(``micropython``, docstrings compiled out, 64-bit) and the bare-metal
``qemu`` port on the ARM MPS2-AN385 board (Cortex-M3, 140 KB heap,
32-bit small ints, single-precision floats) run by qemu-system-arm. The
build happens once per session (about a minute the first time, then
cached in build/firmware/ until a frozen file changes); see
tools/firmware/run.py for how a script is run on each.

Every ``tests/mpy/*.py`` script must print on each build exactly what it
prints under CPython, as tests/test_micropython.py checks for the
WebAssembly build; so must each demo the core can run (``demo()``, under
``python -OO`` for CPython: no docstrings on either side). The heap that
``import muos`` takes on each build is printed.

Without make and a C compiler (unix), arm-none-eabi-gcc with newlib and
qemu-system-arm (qemu), or the MicroPython source, the tests skip, unless
the environment sets ``MUOS_REQUIRE_FIRMWARE=1`` (CI does), which turns
the skip into a failure (``MUOS_REQUIRE_FIRMWARE=unix`` requires the unix
port only). A failed build fails the tests.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest
from muos.demos import DEMOS
from test_micropython import (
    ROOT,
    SCRIPTS,
    SRC,
    TIMEOUT,
    Result,
    _finish,
    _rel,
    _start,
    compare,
    cpython_env,
)


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


fwrun = _load("muos_firmware_run", ROOT / "tools" / "firmware" / "run.py")
fwbuild = fwrun.load_build()

PORTS = ("unix", "qemu")
LABEL = {"unix": "unix port", "qemu": "qemu MPS2-AN385"}

# Scripts that fail on a build for a known muos problem: (port, script) ->
# (text the failure shows, reason). Expected to fail only that way.
KNOWN_FAILURES: dict[tuple[str, str], tuple[str, str]] = {}


@dataclass
class Builds:
    """The session's firmware: path per port, or why there is none."""

    paths: dict[str, Path] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def _required(port: str) -> bool:
    req = os.environ.get("MUOS_REQUIRE_FIRMWARE", "")
    if req == "1":
        return True
    return port in [p.strip() for p in req.split(",")]


@pytest.fixture(scope="session")
def builds() -> Builds:
    """Build every port this machine can build (cached), once."""
    b = Builds()
    src = fwbuild.source_path()
    todo = []
    for port in PORTS:
        missing = fwbuild.missing_tools((port,), run=True)
        if not src.exists():
            b.unavailable[port] = (
                f"MicroPython source {src} not found (set MUOS_MPY_SRC to a "
                "1.27 source tarball or directory)")
        elif missing:
            b.unavailable[port] = "missing " + ", ".join(missing)
        else:
            todo.append(port)
    start = time.monotonic()
    for port in todo:          # apart: one's failure leaves the other
        try:
            fw = fwbuild.build(None, (port,), test_extras=True, quiet=True)
        except fwbuild.BuildError as e:
            b.broken[port] = str(e)
        else:
            b.paths[port] = fw.unix if port == "unix" else fw.qemu
    b.seconds = time.monotonic() - start
    return b


def firmware(builds: Builds, port: str) -> Path:
    """The port's product, or skip (fail if required or broken)."""
    if port in builds.paths:
        return builds.paths[port]
    if port in builds.broken:
        pytest.fail(f"building the {port} firmware failed: "
                    + builds.broken[port], pytrace=False)
    problem = builds.unavailable[port]
    if _required(port):
        pytest.fail(f"{port} firmware required (MUOS_REQUIRE_FIRMWARE="
                    f"{os.environ['MUOS_REQUIRE_FIRMWARE']}) but {problem}",
                    pytrace=False)
    pytest.skip(f"{port} firmware unavailable: {problem}")
    raise AssertionError("unreachable")


def run_on(port: str, fw: Path, script: Path,
           timeout: float = TIMEOUT) -> Result:
    """Run a script on a build; a timeout is a test failure."""
    try:
        if port == "unix":
            return fwrun.run_unix(fw, script, timeout)
        return fwrun.run_qemu(fw, script, timeout)
    except fwrun.RunTimeout as e:
        pytest.fail(f"{e}\nstdout so far:\n{e.partial.stdout[-4000:]}"
                    f"\nstderr:\n{e.partial.stderr[-4000:]}", pytrace=False)
        raise AssertionError("unreachable") from None


@functools.cache
def run_cpython(script: Path, *flags: str) -> Result:
    """CPython's run of a script (the same for both builds: once)."""
    arg = _rel(script) if script.is_relative_to(ROOT) else str(script)
    proc = _start([sys.executable, *flags, arg], cpython_env())
    try:
        return _finish("CPython", proc, time.monotonic() + TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def check(name: str, port: str, cres: Result, fres: Result,
          known: tuple[str, str] | None = None) -> None:
    """Fail on any difference, or xfail if it is the known failure."""
    problems = compare(name, cres, fres, LABEL[port])
    if not problems:
        return
    text = "\n".join(problems)
    if known is not None and known[0] in fres[1] + fres[2]:
        pytest.xfail(known[1])
    pytest.fail(text, pytrace=False)


# -- the firmware itself ------------------------------------------------------

@pytest.mark.parametrize("port", PORTS)
def test_frozen_muos_is_package_json(builds: Builds, port: str,
                                     tmp_path: Path) -> None:
    """The firmware runs; muos is imported frozen, with the modules of
    package.json and the test extras, and without the CPython-only ones."""
    fw = firmware(builds, port)
    absent = ["muos.ports.host", "muos.export", "muos.cli", "muos._plain",
              "muos.analysis", "muos.__main__"]
    present = ["muos.ports.micropython", "muos.demos.pathfinder",
               "fakeboard", "asyncio"]
    script = tmp_path / "frozen.py"
    script.write_text(
        "import sys\n"
        "import muos\n"
        "print(sys.implementation.name, muos.__path__)\n"
        f"for name in {present!r}:\n"
        "    __import__(name)\n"
        f"for name in {absent!r}:\n"
        "    try:\n"
        "        __import__(name)\n"
        "        print('frozen:', name)\n"
        "    except ImportError:\n"
        "        pass\n"
        "async def main():\n"
        "    await muos.sleep_for(5)\n"
        "print(muos.run(main).now)\n")
    rc, out, err = run_on(port, fw, script)
    assert (rc, err) == (0, "")
    assert out == "micropython .frozen/muos\n5\n"


@pytest.mark.parametrize("port", PORTS)
def test_runner_reports_errors(builds: Builds, port: str,
                               tmp_path: Path) -> None:
    """An uncaught exception: what was printed, then the traceback on
    stderr and exit status 1; a syntax error likewise."""
    fw = firmware(builds, port)
    script = tmp_path / "fails.py"
    script.write_text("print('before')\nraise ValueError('boom')\n")
    rc, out, err = run_on(port, fw, script)
    assert (rc, out) == (1, "before\n")
    assert err.rstrip().endswith("ValueError: boom"), err
    script.write_text("print('never')\ndef f(:\n")
    rc, out, err = run_on(port, fw, script)
    assert (rc, out) == (1, "")
    assert "SyntaxError" in err


def test_qemu_runner_times_out(builds: Builds, tmp_path: Path) -> None:
    """A script that never ends is stopped at the timeout, with what it
    printed, and qemu is killed."""
    fw = firmware(builds, "qemu")
    script = tmp_path / "forever.py"
    script.write_text("print('started')\nwhile True:\n    pass\n")
    start = time.monotonic()
    with pytest.raises(fwrun.RunTimeout) as info:
        fwrun.run_qemu(fw, script, timeout=3)
    assert time.monotonic() - start < 10
    assert info.value.partial.stdout == "started\n"


# -- the portable scripts -------------------------------------------------

CASES = [(port, s) for s in SCRIPTS for port in PORTS]


@pytest.mark.parametrize(
    ("port", "script"), CASES, ids=[f"{p}-{s.name}" for p, s in CASES])
def test_same_output(builds: Builds, port: str, script: Path) -> None:
    fw = firmware(builds, port)
    fres = run_on(port, fw, script)
    check(script.name, port, run_cpython(script), fres,
          KNOWN_FAILURES.get((port, script.name)))


# -- the demos, docstrings compiled out --------------------------------------

def _demos() -> list[tuple[str, str, set[str]]]:
    """(name, module, top-level imports) of the demos that do not need
    the CPython-only muos.analysis (which the firmware does not have)."""
    out = []
    for name, module in sorted(DEMOS.items()):
        path = SRC / (module.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imports.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imports.add(node.module)
        if not any(i == "muos.analysis" or i.startswith("muos.analysis.")
                   or i == "fractions" for i in imports):
            out.append((name, module, imports))
    return out


DEMO_CASES = [(port, d) for d in _demos() for port in PORTS]


@pytest.mark.parametrize(
    ("port", "demo"), DEMO_CASES,
    ids=[f"{p}-{d[0]}" for p, d in DEMO_CASES])
def test_demo_runs_without_docstrings(builds: Builds, port: str,
                                      demo: tuple[str, str, set[str]],
                                      tmp_path: Path) -> None:
    """Each demo the core can run prints on the firmware (frozen: no
    docstrings) what it prints under ``python -OO``."""
    name, module, _imports = demo
    fw = firmware(builds, port)
    script = tmp_path / f"demo_{name.replace('-', '_')}.py"
    script.write_text(
        f"import {module} as demo\n"
        "demo.demo()\n"
        "print(getattr(demo.demo, '__doc__', None))\n")
    fres = run_on(port, fw, script)
    check(script.name, port, run_cpython(script, "-OO"), fres)


# -- heap ---------------------------------------------------------------------

# (short: the script's own text and names change the figures by a few
# hundred bytes, through the pool that interns the names a program
# makes at run time, such as the submodules' "muos.kernel")
HEAP_SCRIPT = """\
import gc
objs = None
gc.collect()
gc.collect()
before = gc.mem_alloc()
heap = before + gc.mem_free()
import muos
gc.collect()
gc.collect()
after = gc.mem_alloc()
objs = (muos.Semaphore(0), muos.Mutex())
gc.collect()
gc.collect()
print(after - before, heap, gc.mem_free(), gc.mem_alloc() - before)
"""


@pytest.mark.parametrize("port", PORTS)
def test_heap_after_import_muos(builds: Builds, port: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str],
                                record_property) -> None:
    """Prints the heap ``import muos`` takes on each build, and
    tools/mpy/heap.py's figures; checks issue 16 #2's target on the
    Cortex-M3 board (32-bit, frozen, exact): ``import muos`` and a
    Semaphore and a Mutex in at most 12 KB (12,240 bytes in session 13;
    BENCHMARKS.md has each step)."""
    fw = firmware(builds, port)
    script = tmp_path / "heap.py"
    script.write_text(HEAP_SCRIPT)
    rc, out, err = run_on(port, fw, script)
    assert rc == 0, err
    used, heap, free, total = (int(x) for x in out.split())
    assert 0 < used < total < heap
    rc, more, err = run_on(port, fw, ROOT / "tools" / "mpy" / "heap.py")
    assert rc == 0, err
    record_property(f"import_muos_heap_bytes_{port}", used)
    if port == "qemu":
        assert total <= 12 * 1024, total
    with capsys.disabled():
        print(f"\n[{LABEL[port]}] import muos: {used} bytes of heap, "
              f"{total} with a Semaphore and a Mutex "
              f"({free} of {heap} free after; firmware build this "
              f"session: {builds.seconds:.1f} s); tools/mpy/heap.py:\n"
              + "".join("    " + line + "\n" for line in more.splitlines()))


def test_default_source_is_the_kept_tarball(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """build.py's source: the argument, else $MUOS_MPY_SRC, else the
    tarball kept in tools/firmware (the file ../shared/micropython has,
    where that exists beside the repository)."""
    monkeypatch.delenv("MUOS_MPY_SRC", raising=False)
    kept = ROOT / "tools" / "firmware" / "micropython-1.27.0.tar.gz"
    assert fwbuild.source_path() == kept.resolve()
    shared = ROOT.parent / "shared" / "micropython" / kept.name
    if shared.exists():
        assert shared.read_bytes() == kept.read_bytes()
    monkeypatch.setenv("MUOS_MPY_SRC", str(tmp_path))
    assert fwbuild.source_path() == tmp_path.resolve()
    assert fwbuild.source_path(ROOT) == ROOT


def test_frozen_files_are_package_json() -> None:
    """The manifest freezes exactly package.json's files as muos; the test
    extras are muos.demos and the tests/mpy modules a script imports."""
    import json

    with open(ROOT / "package.json", encoding="utf-8") as f:
        listed = sorted(t for t, _ in json.load(f)["urls"])
    plain = fwbuild.Frozen.select(test_extras=False)
    assert [t for t, _ in plain.muos] == listed
    assert plain.extras == ()
    extras = [t for t, _ in fwbuild.Frozen.select(test_extras=True).extras]
    assert "muos/demos/pathfinder.py" in extras
    assert "fakeboard.py" in extras
    assert not any(t.startswith("muos/") and not t.startswith("muos/demos/")
                   for t in extras)
