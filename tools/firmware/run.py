#!/usr/bin/env python3
"""Run scripts on the firmware that tools/firmware/build.py makes.

    python tools/firmware/run.py [--port unix|qemu|all] [--src SRC]
                                 [--timeout S] SCRIPT.py [SCRIPT2.py ...]

Builds first (cached: see build.py; with ``--test-extras``, so the scripts
of tests/mpy find muos.demos and their helper modules), then runs each
script in a fresh interpreter and writes its stdout to ours; a traceback
goes to stderr and makes the exit status 1 (like tools/mpy/run.mjs).

- unix port: ``micropython SCRIPT`` with ``MICROPYPATH=.frozen``, so
  ``sys.path`` is the script's folder then the frozen modules (the
  built-in default would add ~/.micropython/lib and /usr/lib/micropython):
  the frozen muos is the one imported, never src/muos (a script beside a
  ``muos`` folder is refused). This port prints the traceback of an
  uncaught exception last on stdout: it is moved to stderr.
- qemu: the MPS2-AN385 board, ``qemu-system-arm -machine mps2-an385
  -nographic -monitor null -semihosting -icount shift=0 -serial stdio
  -kernel firmware.elf``; at its ``>>>`` prompt the script goes through
  the serial line in the raw REPL's raw-paste mode (Ctrl-A, then
  ``\\x05A\\x01``, the source under the board's flow control, Ctrl-D), as
  mpremote and upstream's pyboard.py do. The board answers with the
  script's stdout, ``\\x04``, the traceback if any, ``\\x04``: explicit end
  markers, no echo to strip, stdout and errors apart, and the source is
  compiled as it arrives (it never sits whole in the 140 KB heap, as in
  paste mode). The board's ``\\r\\n`` become ``\\n``. Its stdout and
  stderr share the serial line: what MicroPython writes to stderr
  elsewhere (``Warning: ...`` lines) and muos's reports of a failed
  thread or handler (muos/diag.py) are moved from stdout to stderr, any
  other print to sys.stderr stays in stdout. After the run, or at the
  timeout, qemu is killed.

Limits: on qemu a ``sys.exit(n)`` ends the run with status 0 whatever n
(the raw REPL does not report it); the board has no filesystem, so a
script can import only what is frozen.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
DEFAULT_TIMEOUT = 120.0  # seconds per script

QEMU = "qemu-system-arm"
QEMU_ARGS = ["-machine", "mps2-an385", "-nographic", "-monitor", "null",
             "-semihosting", "-icount", "shift=0", "-serial", "stdio"]


class Result(NamedTuple):
    """What a run gave, as (exit status, stdout, stderr)."""

    returncode: int
    stdout: str
    stderr: str


class RunTimeout(Exception):
    """The script did not finish in time; .partial holds what it printed."""

    def __init__(self, msg: str, partial: Result):
        super().__init__(msg)
        self.partial = partial


class RunError(Exception):
    """The interpreter or the board did not behave as expected."""


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def load_build() -> ModuleType:
    """tools/firmware/build.py as a module (under a name of its own: a
    plain ``import build`` could find the PyPI package ``build``)."""
    name = "muos_firmware_build"
    mod = sys.modules.get(name)
    if mod is None:
        spec = importlib.util.spec_from_file_location(name, HERE / "build.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod


_TRACEBACK = "Traceback (most recent call last):\n"


# -- unix port ------------------------------------------------------------

def run_unix(micropython: os.PathLike[str] | str,
             script: os.PathLike[str] | str,
             timeout: float = DEFAULT_TIMEOUT,
             cwd: os.PathLike[str] | str | None = None) -> Result:
    """Run SCRIPT under the unix port: frozen modules and the script's
    folder on sys.path, nothing else."""
    script = Path(script).resolve()
    if (script.parent / "muos").exists():
        raise RunError(f"{script.parent}/muos would shadow the frozen muos")
    env = dict(os.environ)
    env["MICROPYPATH"] = ".frozen"
    proc = subprocess.Popen(
        [str(Path(micropython).resolve()), str(script)],
        cwd=cwd or script.parent, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise RunTimeout(
            f"unix port: {script.name} timed out after {timeout} s",
            Result(-9, _text(out), _text(err))) from None
    stdout, stderr = _text(out), _text(err)
    if proc.returncode != 0:
        # 1.27's unix port prints an uncaught exception's traceback last,
        # on stdout (pyexec_file): give it back to stderr
        i = stdout.rfind(_TRACEBACK)
        if i >= 0 and (i == 0 or stdout[i - 1] == "\n"):
            stdout, stderr = stdout[:i], stdout[i:] + stderr
    return Result(proc.returncode, stdout, stderr)


# -- qemu board ---------------------------------------------------------------

class _Board:
    """qemu-system-arm running the firmware, its serial line on stdio."""

    def __init__(self, elf: Path, deadline: float):
        self.deadline = deadline
        self.buf = b""
        self.errfile = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [QEMU] + QEMU_ARGS + ["-kernel", str(elf)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.errfile)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.fin = self.proc.stdin
        self.fout = self.proc.stdout.fileno()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                f.close()
        self.errfile.close()

    def qemu_stderr(self) -> str:
        self.errfile.seek(0)
        return _text(self.errfile.read())

    def write(self, data: bytes) -> None:
        self.fin.write(data)
        self.fin.flush()

    def _fill(self) -> None:
        """Wait for more output (RunTimeout past the deadline)."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([self.fout], [], [], min(left, 1.0))
        if ready:
            data = os.read(self.fout, 65536)
            if not data:
                raise RunError(
                    "qemu exited (status %s); its stderr:\n%s"
                    % (self.proc.wait(), self.qemu_stderr()))
            self.buf += data

    def read_until(self, token: bytes) -> bytes:
        """Output up to and including token."""
        while True:
            i = self.buf.find(token)
            if i >= 0:
                out = self.buf[:i + len(token)]
                self.buf = self.buf[i + len(token):]
                return out
            self._fill()

    def read(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def _raw_paste(board: _Board, code: bytes) -> None:
    """Send code in raw-paste mode, under the board's flow control."""
    board.write(b"\x05A\x01")
    reply = board.read(2)
    if reply != b"R\x01":
        raise RunError(f"the board refused raw-paste mode: {reply!r}")
    window = int.from_bytes(board.read(2), "little")
    room = window   # one window is free now; the \x01 that follows: two
    i = 0
    while i < len(code):
        while room == 0 or board.buf:
            c = board.read(1)
            if c == b"\x01":
                room += window
            elif c == b"\x04":    # the board stopped reading (an error)
                board.write(b"\x04")
                return
            else:
                raise RunError(f"unexpected {c!r} during raw paste")
        chunk = code[i:i + room]
        board.write(chunk)
        room -= len(chunk)
        i += len(chunk)
    board.write(b"\x04")
    ack = board.read_until(b"\x04")
    if ack.strip(b"\x01") != b"\x04":
        raise RunError(f"raw paste not acknowledged: {ack!r}")


def _cooked(b: bytes) -> str:
    return _text(b.replace(b"\r\n", b"\n"))


# What MicroPython itself writes to stderr, and muos's report of a failed
# thread or handler (muos/diag.py: a line, then sys.print_exception's
# traceback: a header, indented frames, the exception's line).
_STDERR_BLOCK = re.compile(
    r"^(?:Warning: [^\n]*\n"
    r"|muos: [^\n]* ended with an exception:\n"
    r"(?:Traceback \(most recent call last\):\n(?:  [^\n]*\n)*)?"
    r"[^\n]*\n)", re.M)


def split_stderr(text: str) -> tuple[str, str]:
    """The board has one serial line for stdout and stderr: take out of
    text what would go to stderr elsewhere (MicroPython's warnings, muos's
    failure reports); return (stdout, stderr)."""
    err: list[str] = []

    def take(m: re.Match[str]) -> str:
        err.append(m.group(0))
        return ""

    return _STDERR_BLOCK.sub(take, text), "".join(err)


def run_qemu(elf: os.PathLike[str] | str, script: os.PathLike[str] | str,
             timeout: float = DEFAULT_TIMEOUT) -> Result:
    """Run SCRIPT's source on a freshly started MPS2-AN385 board."""
    code = Path(script).read_bytes()
    board = _Board(Path(elf), time.monotonic() + timeout)
    out = b""
    err = b""
    stage = "booting"
    try:
        board.read_until(b">>> ")
        stage = "entering the raw REPL"
        board.write(b"\x01")
        board.read_until(b"raw REPL; CTRL-B to exit\r\n>")
        stage = "sending the script"
        _raw_paste(board, code)
        stage = "running"
        out = board.read_until(b"\x04")[:-1]
        stage = "printing the error"
        err = board.read_until(b"\x04")[:-1]
        stage = "returning to the prompt"
        board.read_until(b">")
        stdout, reports = split_stderr(_cooked(out))
        return Result(1 if err else 0, stdout, reports + _cooked(err))
    except TimeoutError:
        if stage == "running":
            out, board.buf = board.buf, b""
        elif stage == "printing the error":
            err, board.buf = board.buf, b""
        partial = Result(-9, _cooked(out), _cooked(err))
        raise RunTimeout(
            f"qemu: {Path(script).name} timed out after {timeout} s while "
            f"{stage}; last output: {board.buf[-300:]!r}; qemu's stderr: "
            f"{board.qemu_stderr()[-1000:]}", partial) from None
    finally:
        board.close()


# -- command line -----------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Run scripts on the unix port and/or the qemu MPS2-AN385 "
        "board, with muos frozen in (built first, cached).")
    ap.add_argument("scripts", nargs="+", type=Path)
    ap.add_argument("--port", choices=("unix", "qemu", "all"),
                    default="all")
    ap.add_argument("--src", help="MicroPython source (see build.py)")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    args = ap.parse_args(argv)
    for s in args.scripts:
        if not s.is_file():
            ap.error(f"no such script: {s}")
    ports = ("unix", "qemu") if args.port == "all" else (args.port,)
    build = load_build()
    try:
        fw = build.build(args.src, ports, test_extras=True, quiet=True)
    except build.BuildError as e:
        print(f"run.py: {e}", file=sys.stderr)
        return 2
    if "qemu" in ports and shutil.which(QEMU) is None:
        print(f"run.py: {QEMU} is not on PATH", file=sys.stderr)
        return 2
    status = 0
    for script in args.scripts:
        for port in ports:
            if len(ports) > 1:
                print(f"== {port}: {script}", file=sys.stderr, flush=True)
            try:
                if port == "unix":
                    res = run_unix(fw.unix, script, args.timeout)
                else:
                    res = run_qemu(fw.qemu, script, args.timeout)
            except RunTimeout as e:
                res = e.partial
                print(f"run.py: {e}", file=sys.stderr)
            sys.stdout.write(res.stdout)
            sys.stdout.flush()
            sys.stderr.write(res.stderr)
            sys.stderr.flush()
            if status == 0 and res.returncode != 0:
                status = 1 if res.returncode < 0 else res.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
