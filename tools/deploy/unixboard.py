#!/usr/bin/env python3
"""The MicroPython unix port as a serial board for mpremote: try the
deployment commands without a board.

    python tools/deploy/unixboard.py [--micropython PATH] LIB_DIR

Starts the unix port's REPL (``micropython`` with ``MICROPYPATH=LIB_DIR``:
its ``sys.path`` is ``['', LIB_DIR]``, no frozen modules) on a pseudo
terminal and prints the device to give mpremote, e.g.::

    mpremote connect /dev/pts/3 resume mip install build/mpy/package.json
    mpremote connect /dev/pts/3 resume exec "import muos; print(muos.__file__)"

Always say ``resume``: mpremote's soft reset (Ctrl-D in the raw REPL)
ends the unix port instead of restarting it. The board's files are the
host's (the unix port's filesystem), so ``:lib`` is ``lib`` in the
folder the port runs in (``--cwd``, default LIB_DIR's parent). Without
--micropython, tools/firmware/build.py's unix port (built first). Ctrl-C
stops it. Python 3.9 or later, standard library only; POSIX.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import select
import subprocess
import sys
import threading
import tty
from collections.abc import Iterator
from pathlib import Path


def _pump(src: int, dst: int, stop: threading.Event) -> None:
    """Copy bytes from src to dst until stop is set or src ends."""
    while not stop.is_set():
        try:
            ready, _, _ = select.select([src], [], [], 0.1)
            if not ready:
                continue
            data = os.read(src, 4096)
        except OSError:
            return
        if not data:
            return
        view = memoryview(data)
        while view and not stop.is_set():
            try:
                n = os.write(dst, view)
            except BlockingIOError:
                select.select([], [dst], [], 0.1)
                continue
            except OSError:
                return
            view = view[n:]


@contextlib.contextmanager
def serial_board(micropython: os.PathLike[str] | str,
                 micropypath: os.PathLike[str] | str,
                 cwd: os.PathLike[str] | str | None = None) -> Iterator[str]:
    """Run the unix port's REPL behind a pty; yield the device (a path
    such as /dev/pts/3) that ``mpremote connect`` takes.

    Two pseudo terminals, both raw: the port's (its stdin/stdout/stderr)
    and the one mpremote opens, with their master sides copied into each
    other, like a USB serial line."""
    board_master, board_slave = pty.openpty()
    host_master, host_slave = pty.openpty()
    tty.setraw(board_slave)
    tty.setraw(host_slave)
    env = dict(os.environ, MICROPYPATH=str(micropypath))
    proc = subprocess.Popen(
        [str(Path(micropython).resolve())], stdin=board_slave,
        stdout=board_slave,
        stderr=board_slave, env=env, cwd=cwd, close_fds=True)
    os.close(board_slave)
    stop = threading.Event()
    threads = [threading.Thread(target=_pump, args=a, daemon=True)
               for a in ((board_master, host_master, stop),
                         (host_master, board_master, stop))]
    for t in threads:
        t.start()
    try:
        # host_slave stays open here: without an opener, reading its master
        # would fail (EIO) between two mpremote commands
        yield os.ttyname(host_slave)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=2)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for fd in (board_master, host_master, host_slave):
            os.close(fd)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Run the MicroPython unix port as a serial board for "
        "mpremote (say 'resume' in each mpremote command).")
    ap.add_argument("lib", type=Path, help="the board's lib folder "
                    "(MICROPYPATH); created if missing")
    ap.add_argument("--micropython", type=Path, default=None,
                    help="the unix port (default: tools/firmware/build.py's)")
    ap.add_argument("--cwd", type=Path, default=None,
                    help="the port's working folder (default: LIB's parent)")
    args = ap.parse_args(argv)
    mp = args.micropython
    if mp is None:
        import importlib.util

        path = Path(__file__).resolve().parent.parent / "firmware" / \
            "build.py"
        spec = importlib.util.spec_from_file_location("muos_firmware_build",
                                                      path)
        assert spec is not None and spec.loader is not None
        fwbuild = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = fwbuild
        spec.loader.exec_module(fwbuild)
        try:
            mp = fwbuild.build(None, ("unix",), test_extras=True,
                               quiet=True).unix
        except fwbuild.BuildError as e:
            print(f"unixboard.py: {e}", file=sys.stderr)
            return 1
    lib = args.lib.resolve()
    lib.mkdir(parents=True, exist_ok=True)
    with serial_board(mp, lib, args.cwd or lib.parent) as dev:
        print(dev, flush=True)
        print(f"# mpremote connect {dev} resume ...   (Ctrl-C to stop)",
              file=sys.stderr, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
