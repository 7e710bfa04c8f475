#!/usr/bin/env python3
"""Measure muos's heap on the MicroPython 1.27 firmware: the "fits on" table.

    python tools/deploy/measure.py [--heaps 100k,110k,190k] [--no-mount]

Runs tools/deploy/fits.py (a MicroPython script: the heap after ``import
muos``, a Kernel, a blocked thread, a typical 8-thread program) on:

- the unix port (64-bit), muos frozen, and from the .mpy files of
  tools/deploy/mpy.py (``MICROPYPATH`` = the bundle's lib, without
  ``.frozen``);
- the qemu MPS2-AN385 board (Cortex-M3, 32-bit like the boards), muos
  frozen, with its 140 KB heap (136.8 KB usable) and, built here for the
  purpose, with each usable heap of --heaps (a board's: the same GC and
  code, only the heap's size differs);
- the unix port and the qemu board with muos from the .mpy files in a
  ROMFS image (tools/deploy/romfs.py: on the board, in its flash),
  when mpremote is installed;
- the same boards with muos from the .mpy files, then from the .py
  sources (src/, compiled by the board at import), read over the serial
  line by ``mpremote mount`` (qemu's serial on a pty; the board has no
  filesystem of its own), when mpremote is installed (``pip install
  mpremote==1.27.0``; --no-mount skips it). The mount's own code takes
  about 5 KB of the heap first, which a board's filesystem does not.

The firmware is tools/firmware/build.py's (test extras included: the same
products as tests/test_firmware.py, cached in build/firmware/); the heap
variants go to build/firmware/<source>/qemu-heap<BYTES>/. Prints a
Markdown table, then each run's figures. Needs what build.py needs, and
qemu-system-arm.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FITS = HERE / "fits.py"
QEMU_ARGS = ["-machine", "mps2-an385", "-nographic", "-monitor", "null",
             "-semihosting", "-icount", "shift=0"]
_LINE = re.compile(r"^([a-z_0-9]+) (-?\d+)$", re.M)


def _load(name: str, path: Path) -> ModuleType:
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod


fwrun = _load("muos_firmware_run", ROOT / "tools" / "firmware" / "run.py")
fwbuild = fwrun.load_build()
deploy = _load("muos_deploy_mpy", HERE / "mpy.py")
romfs = _load("muos_deploy_romfs", HERE / "romfs.py")


def parse(text: str) -> dict[str, int]:
    """fits.py's ``name bytes`` lines."""
    return {m.group(1): int(m.group(2)) for m in _LINE.finditer(text)}


def failure(text: str) -> str:
    """The last line of a traceback (e.g. a MemoryError), or ''."""
    lines = [x for x in text.strip().splitlines() if x.strip()]
    for line in reversed(lines):
        if "Error" in line:
            return line.strip()
    return lines[-1].strip() if lines else ""


def run_unix(micropython: Path, micropypath: str,
             script: Path = FITS, timeout: float = 120) -> tuple[int, str]:
    """Run script on the unix port with this MICROPYPATH (nothing else on
    sys.path but the script's folder): (status, stdout + stderr)."""
    env = dict(os.environ, MICROPYPATH=micropypath)
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([str(micropython), str(script)], cwd=d, env=env,
                           capture_output=True, text=True, timeout=timeout,
                           check=False)
    return p.returncode, p.stdout + p.stderr


def mpremote_available() -> bool:
    return importlib.util.find_spec("mpremote") is not None


def run_qemu_mounted(elf: Path, lib: Path, script: Path = FITS,
                     timeout: float = 300) -> tuple[int, str]:
    """Boot the board with its serial line on a pty and run script there
    through ``mpremote connect PTY mount LIB run SCRIPT``: muos is read
    from LIB (.mpy files) over the serial line."""
    qemu = subprocess.Popen(
        [fwrun.QEMU] + QEMU_ARGS + ["-serial", "pty", "-kernel", str(elf)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        assert qemu.stdout is not None
        line = qemu.stdout.readline()
        m = re.search(r"(/dev/pts/\d+)", line)
        if not m:
            raise RuntimeError(f"qemu gave no pty: {line!r}")
        time.sleep(0.5)                         # the board boots
        p = subprocess.run(
            [sys.executable, "-m", "mpremote", "connect", m.group(1),
             "mount", str(lib), "run", str(script)],
            capture_output=True, text=True, timeout=timeout, check=False)
        out = p.stdout + p.stderr
        return (1 if "Traceback" in out else p.returncode), out
    finally:
        qemu.kill()
        qemu.wait()
        if qemu.stdout is not None:
            qemu.stdout.close()


# The GC keeps its tables in the heap: MICROPY_HEAP_SIZE=143360 gives
# gc.mem_alloc() + gc.mem_free() == 140032 on this board.
GC_SHARE = 140032 / 143360


def make_heap_size(usable: int) -> int:
    """The MICROPY_HEAP_SIZE whose GC heap holds about ``usable`` bytes
    (rounded up to a KiB)."""
    return -(-int(usable / GC_SHARE) // 1024) * 1024


def qemu_with_heap(heap: int) -> Path:
    """The qemu firmware (test extras frozen) with MICROPY_HEAP_SIZE=HEAP,
    built once into the build cache (make reruns only what changed)."""
    return fwbuild.build_qemu_variant(f"qemu-heap{heap}",
                                      [f"MICROPY_HEAP_SIZE={heap}"])


def kb(n: int | None) -> str:
    return "-" if n is None else f"{n / 1024:.1f}"


COLUMNS = ["heap", "import", "port", "kernel", "blocked_thread",
           "sleeping_thread", "program8", "peak8"]


def table(rows: list[tuple[str, dict[str, int], str]]) -> str:
    head = ("| build | heap KB | import muos KB | + port KB | Kernel KB | "
            "blocked thread B | sleeping thread B | 8-thread program KB | "
            "peak KB | free after KB |")
    lines = [head, "|" + "---|" * 10]
    for name, f, err in rows:
        free = None
        if "peak8" in f and "heap" in f and "free_at_start" in f:
            free = f["free_at_start"] - f["peak8"]
        cells = [name, kb(f.get("heap")), kb(f.get("import")),
                 kb(f.get("port")), kb(f.get("kernel")),
                 str(f.get("blocked_thread", "-")),
                 str(f.get("sleeping_thread", "-")),
                 kb(f.get("program8")), kb(f.get("peak8")), kb(free)]
        if err:
            cells[-1] = err
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _size(text: str) -> int:
    m = re.fullmatch(r"(\d+)([kK]?)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"bad size: {text!r}")
    return int(m.group(1)) * (1024 if m.group(2) else 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heaps", default="100k,110k,190k",
                    help="usable GC heaps (gc.mem_alloc() + gc.mem_free(); "
                    "bytes, or k for KiB; '' for none) of the qemu variants "
                    "to build and measure")
    ap.add_argument("--no-mount", action="store_true",
                    help="skip the .mpy runs on qemu (mpremote mount)")
    args = ap.parse_args(argv)
    heaps = [_size(h) for h in args.heaps.split(",") if h.strip()]
    fw = fwbuild.build(None, ("unix", "qemu"), test_extras=True, quiet=True)
    tool = deploy.find_mpy_cross(fw.mpy_cross)
    mount = not args.no_mount and mpremote_available()
    rows: list[tuple[str, dict[str, int], str]] = []
    raw: list[tuple[str, str]] = []

    def add(name: str, status: int, out: str) -> None:
        figures = parse(out)
        err = "" if status == 0 and figures.get("program8_ran") == 1 \
            else failure(out) or f"status {status}"
        rows.append((name, figures, err))
        raw.append((name, out))

    with tempfile.TemporaryDirectory() as d:
        bundle = deploy.compile_bundle(Path(d) / "mpy", tool)
        add("unix (64-bit), frozen", *run_unix(fw.unix, ".frozen"))
        add("unix (64-bit), .mpy", *run_unix(fw.unix, str(bundle.lib)))
        image = None
        if mpremote_available():
            try:
                image = romfs.build_image(bundle.lib, Path(d) / "muos.romfs")
            except romfs.RomfsError as e:   # (an mpremote without romfs)
                rows.append(("ROMFS", {}, str(e).splitlines()[0]))
            else:
                add("unix (64-bit), .mpy (ROMFS)",
                    *romfs.measure_unix(fw.unix, image, FITS))
        elfs = [fw.qemu] + [qemu_with_heap(make_heap_size(h)) for h in heaps]
        if image is not None:
            add("Cortex-M3, .mpy (ROMFS in flash)",
                *romfs.measure_qemu(image, FITS))
        for elf in elfs:
            name = "Cortex-M3"
            res = fwrun.run_qemu(elf, FITS)
            add(name + ", frozen", 1 if res.stderr else res.returncode,
                res.stdout + res.stderr)
            if mount:
                add(name + ", .mpy (mount)",
                    *run_qemu_mounted(elf, bundle.lib))
                add(name + ", .py (mount)",
                    *run_qemu_mounted(elf, ROOT / "src"))
    print(table(rows))
    if not mount:
        print("\n(.mpy on qemu not measured: "
              + ("--no-mount)" if args.no_mount
                 else "mpremote is not installed)"))
    print(f"\n.mpy bundle: {len(bundle.files)} files, {bundle.size} bytes "
          f"(mpy-cross: {tool.version})")
    for name, out in raw:
        print(f"\n## {name}\n{out.rstrip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
