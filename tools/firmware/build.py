#!/usr/bin/env python3
"""Build real MicroPython 1.27 firmware with muos frozen in.

    python tools/firmware/build.py [SRC] [--port unix|qemu|all]
                                   [--test-extras] [--cache DIR] [--force]

SRC is a MicroPython 1.27 source tarball or source directory; without it,
the environment's MUOS_MPY_SRC, else the tarball kept beside this script
(tools/firmware/micropython-1.27.0.tar.gz: MicroPython 1.27.0 trimmed to
the two ports, MIT, 2.2 MB, the same file as ../shared/micropython/'s, so
that CI needs nothing outside the repository). A tarball is extracted
once into the cache (build/firmware/ in the repository, git-ignored); a
directory is only read (every build product goes to the cache).

Builds, as /work/shared/micropython/README.md describes:

- mpy-cross;
- the unix port, VARIANT=standard without btree, ssl and ffi: a board-like
  interpreter (docstrings compiled out, the C ``_asyncio``), ``micropython``;
- the bare-metal ``qemu`` port for the ARM MPS2-AN385 board (Cortex-M3,
  140 KB heap, single-precision floats) run by ``qemu-system-arm``:
  ``firmware.elf``.

Both freeze the same manifest: the package ``muos`` made of exactly the
files that the repository's package.json (the mip package) lists, i.e. its
portable modules, and upstream's pure-Python ``asyncio`` (extmod), which
real boards freeze too. With ``--test-extras`` (what tests/test_firmware.py
builds) the firmware also holds what the portable test scripts import
besides muos: the ``muos.demos`` modules and the helper modules of
tests/mpy (e.g. fakeboard.py), since the bare-metal board has no
filesystem to load them from.

A build is skipped when its product exists and was made from the same
frozen files (a SHA-256 of their staged copies, the manifest and the make
options, kept in a stamp beside the product); otherwise ``make`` runs again
(incrementally: after a change to muos only the frozen code is rebuilt).
Prints the paths of the built ``micropython`` and ``firmware.elf``.

Needs make and a C compiler (and for qemu: arm-none-eabi-gcc, newlib); the
Debian packages are build-essential, gcc-arm-none-eabi and
libnewlib-arm-none-eabi (qemu-system-arm to run the board). Python 3.11,
standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SRC = ROOT / "src"
PACKAGE_JSON = ROOT / "package.json"
TEST_SCRIPTS = ROOT / "tests" / "mpy"
DEFAULT_SOURCE = Path(__file__).resolve().parent / "micropython-1.27.0.tar.gz"
DEFAULT_CACHE = ROOT / "build" / "firmware"
PORTS = ("unix", "qemu")
QEMU_BOARD = "MPS2_AN385"

# Bumped when the way of building changes, so that old products are redone.
BUILD_RECIPE = 2

UNIX_MAKE_ARGS = ["VARIANT=standard", "MICROPY_PY_BTREE=0",
                  "MICROPY_PY_SSL=0", "MICROPY_PY_FFI=0"]
QEMU_MAKE_ARGS = ["BOARD=" + QEMU_BOARD]


class BuildError(Exception):
    """The source, the toolchain or a build step is missing or failed."""


# -- what is frozen -----------------------------------------------------

def portable_files() -> list[str]:
    """The files of package.json (targets such as ``muos/kernel.py``),
    each checked to be a .py file under src/ at the same path."""
    with open(PACKAGE_JSON, encoding="utf-8") as f:
        urls = json.load(f)["urls"]
    out = []
    for target, url in urls:
        if not (target.startswith("muos/") and target.endswith(".py")
                and url == "src/" + target):
            raise BuildError(
                f"package.json: unexpected entry {[target, url]!r}")
        if not (ROOT / url).is_file():
            raise BuildError(f"package.json lists {url}, which is missing")
        out.append(target)
    return sorted(out)


def _imported_names(path: Path) -> set[str]:
    """Top-level module names a script imports (any nesting)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level \
                and node.module:
            names.add(node.module.split(".")[0])
    return names


def script_helpers() -> list[str]:
    """The modules of tests/mpy that a script there imports (fakeboard.py
    ...): file names relative to tests/mpy."""
    scripts = sorted(TEST_SCRIPTS.glob("*.py"))
    stems = {p.stem for p in scripts}
    used: set[str] = set()
    for p in scripts:
        used |= _imported_names(p) & stems
    return sorted(s + ".py" for s in used)


def demo_files() -> list[str]:
    """Every module of the muos.demos package (targets, muos/demos/...)."""
    base = SRC / "muos" / "demos"
    return sorted("muos/demos/" + p.name for p in base.glob("*.py"))


@dataclass(frozen=True)
class Frozen:
    """Files to freeze: (frozen path, file on disk) pairs."""

    muos: tuple[tuple[str, Path], ...]
    extras: tuple[tuple[str, Path], ...]

    @classmethod
    def select(cls, test_extras: bool) -> Frozen:
        muos = tuple((t, SRC / t) for t in portable_files())
        extras: list[tuple[str, Path]] = []
        if test_extras:
            extras += [(t, SRC / t) for t in demo_files()]
            extras += [(n, TEST_SCRIPTS / n) for n in script_helpers()]
        return cls(muos, tuple(extras))


def _asyncio_files(mpy_dir: Path) -> list[Path]:
    """extmod/asyncio's modules (not its manifest, nor the top-level
    uasyncio.py alias)."""
    base = mpy_dir / "extmod" / "asyncio"
    return sorted(p for p in base.glob("*.py")
                  if p.name not in ("manifest.py", "uasyncio.py"))


def stage(frozen: Frozen, stage_dir: Path, mpy_dir: Path) -> Path:
    """Copy the frozen files into stage_dir (a snapshot: the sources may
    change while make runs) and write the manifest; return its path."""
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    tree = stage_dir / "files"
    for target, path in frozen.muos + frozen.extras:
        dest = tree / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)   # a new mtime: mpy-cross redoes it
    muos = [t[len("muos/"):] for t, _ in frozen.muos]
    extra_pkg = [t[len("muos/"):] for t, _ in frozen.extras
                 if t.startswith("muos/")]
    extra_mod = [t for t, _ in frozen.extras if not t.startswith("muos/")]
    asyncio = _asyncio_files(mpy_dir)
    for path in asyncio:     # copied only for the key (frozen_key)
        dest = stage_dir / "asyncio" / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    lines = [
        "# Written by tools/firmware/build.py: do not edit.",
        "# muos: exactly the portable modules listed in package.json",
        f"package('muos', files={muos!r},",
        f"        base_path={str(tree)!r})",
        "# upstream's pure-Python asyncio, as frozen on boards (task.py is",
        "# used where the C _asyncio is missing, e.g. the qemu port)",
        f"package('asyncio', files={[p.name for p in asyncio]!r},",
        "        base_path='$(MPY_DIR)/extmod', opt=3)",
    ]
    if frozen.extras:
        lines.append("# test extras (--test-extras): what the scripts of "
                     "tests/mpy import besides muos")
    if extra_pkg:
        lines += [f"package('muos', files={extra_pkg!r},",
                  f"        base_path={str(tree)!r})"]
    for name in extra_mod:
        lines.append(f"module({name!r}, base_path={str(tree)!r})")
    manifest = stage_dir / "manifest.py"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def frozen_key(stage_dir: Path, port: str, make_args: list[str]) -> str:
    """SHA-256 of what decides a build's product: the staged files (paths
    and contents) and manifest, the make options and the recipe's
    version."""
    h = hashlib.sha256()
    h.update(f"recipe {BUILD_RECIPE} port {port}\n".encode())
    for a in make_args:
        h.update(f"make {a}\n".encode())
    files = sorted(p for p in stage_dir.rglob("*") if p.is_file())
    for path in files:
        data = path.read_bytes()
        rel = path.relative_to(stage_dir).as_posix()
        h.update(f"file {rel} {len(data)}\n".encode())
        h.update(data)
    return h.hexdigest()


# -- the MicroPython source ---------------------------------------------

def source_path(arg: str | os.PathLike[str] | None = None) -> Path:
    """The argument, else $MUOS_MPY_SRC, else the default tarball."""
    if arg:
        return Path(arg).expanduser().resolve()
    env = os.environ.get("MUOS_MPY_SRC")
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_SOURCE.resolve()


def _is_mpy_tree(d: Path) -> bool:
    return (d / "py" / "mpconfig.h").is_file() \
        and (d / "ports" / "unix" / "Makefile").is_file() \
        and (d / "mpy-cross" / "Makefile").is_file()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _extract(tarball: Path, dest: Path) -> Path:
    """Extract tarball (once) into dest; return the MicroPython tree."""
    done = dest / ".extracted"
    if not done.is_file():
        if dest.exists():
            shutil.rmtree(dest)
        tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
        try:
            with tarfile.open(tarball) as tf:
                if hasattr(tarfile, "data_filter"):   # 3.11.4+
                    tf.extractall(tmp, filter="data")
                else:
                    tf.extractall(tmp)  # noqa: S202 (a known tarball)
            tmp.rename(dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        done.write_text(str(tarball) + "\n", encoding="utf-8")
    for cand in [dest] + sorted(p for p in dest.iterdir() if p.is_dir()):
        if _is_mpy_tree(cand):
            return cand
    raise BuildError(f"{tarball}: no MicroPython source tree inside")


def work_dir(src: Path, cache: Path) -> Path:
    """The cache's directory for this source: by the tarball's SHA-256, or
    the source directory's path."""
    if src.is_dir():
        if not _is_mpy_tree(src):
            raise BuildError(f"{src} is not a MicroPython source tree")
        key = "dir-" + hashlib.sha256(str(src).encode()).hexdigest()[:16]
    elif src.is_file():
        key = "tar-" + _sha256_file(src)[:16]
    else:
        raise BuildError(
            f"MicroPython source not found: {src} (give a 1.27 source "
            "tarball or directory as argument or in MUOS_MPY_SRC)")
    work = cache / key
    work.mkdir(parents=True, exist_ok=True)
    return work


def source_tree(src: Path, work: Path) -> Path:
    """The MicroPython tree to build from: the directory itself (only
    read), or the tarball extracted once into work/src."""
    return src if src.is_dir() else _extract(src, work / "src")


# -- the toolchain --------------------------------------------------------

def missing_tools(ports: tuple[str, ...] = PORTS,
                  run: bool = False) -> list[str]:
    """Tools missing to build (and with run=True, to run) these ports."""
    need = ["make", "gcc"]
    if "qemu" in ports:
        need.append("arm-none-eabi-gcc")
        if run:
            need.append("qemu-system-arm")
    out = [t for t in need if shutil.which(t) is None]
    if "qemu" in ports and "arm-none-eabi-gcc" not in out \
            and not _has_newlib():
        out.append("newlib for arm-none-eabi (libnewlib-arm-none-eabi)")
    return out


def _has_newlib() -> bool:
    try:
        p = subprocess.run(
            ["arm-none-eabi-gcc", "-mthumb", "-mcpu=cortex-m3",
             "-print-file-name=libc.a"],
            capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return False
    return os.path.isabs(p.stdout.strip())


# -- building ---------------------------------------------------------------

@dataclass(frozen=True)
class Firmware:
    """The products of one build."""

    mpy_cross: Path
    unix: Path | None      # the unix port's ``micropython``
    qemu: Path | None      # the MPS2-AN385 board's ``firmware.elf``


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One build at a time in a cache directory (other processes wait)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _make(args: list[str], log: Path, quiet: bool,
          env: dict[str, str] | None = None) -> None:
    cmd = ["make"] + args
    if not quiet:
        print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    with open(log, "ab") as f:
        f.write(("\n$ " + " ".join(cmd) + "\n").encode())
        f.flush()
        p = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                           env=env, check=False)
    if p.returncode != 0:
        tail = log.read_bytes()[-6000:].decode("utf-8", "replace")
        raise BuildError(f"{' '.join(cmd)} failed ({p.returncode}); "
                         f"end of {log}:\n{tail}")


def _make_env(mpy_dir: Path, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    if mpy_dir.is_relative_to(work):
        # an extracted tarball: its version is v1.27.0, not that of the
        # git checkout above it (makeversionhdr.py asks git)
        env["GIT_CEILING_DIRECTORIES"] = str(mpy_dir.parent)
    return env


def build(src: str | os.PathLike[str] | None = None,
          ports: tuple[str, ...] = PORTS, *, test_extras: bool = False,
          cache: Path = DEFAULT_CACHE, jobs: int | None = None,
          force: bool = False, quiet: bool = False) -> Firmware:
    """Build mpy-cross and the given ports (cached); see the module doc."""
    for port in ports:
        if port not in PORTS:
            raise BuildError(f"unknown port {port!r} (one of {PORTS})")
    missing = missing_tools(ports)
    if missing:
        raise BuildError("missing to build: " + ", ".join(missing))
    cache = Path(cache).resolve()
    jobs = jobs or os.cpu_count() or 1
    source = source_path(src)
    frozen = Frozen.select(test_extras)
    work = work_dir(source, cache)
    with _locked(work / ".lock"):
        mpy_dir = source_tree(source, work)
        env = _make_env(mpy_dir, work)
        log = work / "build.log"
        log.write_bytes(b"")
        mpy_cross = work / "mpy-cross" / "mpy-cross"
        if force or not mpy_cross.is_file():
            _make(["-C", str(mpy_dir / "mpy-cross"), f"-j{jobs}",
                   "BUILD=" + str(work / "mpy-cross")], log, quiet, env)
        manifest = stage(frozen, work / "frozen", mpy_dir)
        products: dict[str, Path] = {}
        for port in ports:
            if port == "unix":
                port_args = UNIX_MAKE_ARGS
                product = work / "unix" / "micropython"
            else:
                port_args = QEMU_MAKE_ARGS
                product = work / "qemu" / "firmware.elf"
            key = frozen_key(manifest.parent, port, port_args)
            stamp = product.with_name(product.name + ".key")
            if force or not product.is_file() or not stamp.is_file() \
                    or stamp.read_text().strip() != key:
                stamp.unlink(missing_ok=True)
                _make(["-C", str(mpy_dir / "ports" / port), f"-j{jobs}"]
                      + port_args
                      + ["BUILD=" + str(product.parent),
                         "MICROPY_MPYCROSS=" + str(mpy_cross),
                         "FROZEN_MANIFEST=" + str(manifest)], log, quiet, env)
                if not product.is_file():
                    raise BuildError(f"make gave no {product}")
                stamp.write_text(key + "\n")
            products[port] = product
    return Firmware(mpy_cross, products.get("unix"), products.get("qemu"))


def build_qemu_variant(name: str, make_args: list[str],
                       manifest: Path | None = None) -> Path:
    """A variant of the qemu board's firmware (of the default source, in
    the default cache): ``make_args`` added (``MICROPY_HEAP_SIZE=...``),
    ``manifest`` frozen instead of the test firmware's (muos and its test
    extras), built into the cache's folder ``name`` (make redoes what
    changed only). Its firmware.elf (tools/deploy/measure.py, romfs.py)."""
    src = source_path()
    # mpy-cross, the source tree and the test firmware's manifest (with
    # its extras, as tests/test_firmware.py has them: no rebuild)
    fw = build(src, ("qemu",), test_extras=True, quiet=True)
    work = work_dir(src, DEFAULT_CACHE)
    out = work / name
    with _locked(work / ".lock"):
        mpy_dir = source_tree(src, work)
        log = work / f"{name}.log"
        log.write_bytes(b"")
        _make(["-C", str(mpy_dir / "ports" / "qemu"),
               f"-j{os.cpu_count() or 1}"] + QEMU_MAKE_ARGS
              + ["BUILD=" + str(out), "MICROPY_MPYCROSS=" + str(fw.mpy_cross),
                 "FROZEN_MANIFEST="
                 + str(manifest or work / "frozen" / "manifest.py")]
              + make_args, log, True, _make_env(mpy_dir, work))
    elf = out / "firmware.elf"
    if not elf.is_file():
        raise BuildError(f"make gave no {elf}")
    return elf


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Build MicroPython 1.27 firmware (unix port, qemu "
        "MPS2-AN385) with muos's portable modules frozen in.")
    ap.add_argument("src", nargs="?", help="MicroPython 1.27 source tarball "
                    "or directory (default: $MUOS_MPY_SRC, else "
                    "tools/firmware/micropython-1.27.0.tar.gz)")
    ap.add_argument("--port", choices=PORTS + ("all",), default="all")
    ap.add_argument("--test-extras", action="store_true",
                    help="also freeze muos.demos and the helper modules of "
                    "tests/mpy (what tests/test_firmware.py runs)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                    help="cache directory (default: build/firmware)")
    ap.add_argument("-j", "--jobs", type=int, default=None)
    ap.add_argument("--force", action="store_true",
                    help="run make even when the products are up to date")
    args = ap.parse_args(argv)
    ports = PORTS if args.port == "all" else (args.port,)
    start = time.monotonic()
    try:
        fw = build(args.src, ports, test_extras=args.test_extras,
                   cache=args.cache, jobs=args.jobs, force=args.force)
    except BuildError as e:
        print(f"build.py: {e}", file=sys.stderr)
        return 1
    print(f"# built in {time.monotonic() - start:.1f} s", file=sys.stderr)
    if fw.unix:
        print(fw.unix)
    if fw.qemu:
        print(fw.qemu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
