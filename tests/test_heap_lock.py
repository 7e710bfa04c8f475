"""Issue 16 #4: after a warm-up, threads switch under MicroPython's
``micropython.heap_lock()``: a Semaphore ping-pong, sleep_for, yield_now,
a Mutex lock/unlock with a waiter, timed waits (one that ends before its
timeout, one that times out), periodic jobs, an interrupt waking a
thread, a message queue fed by a handler (and a sender blocked on a
full one), event flags set by a handler, EDF periodic threads, a task
watchdog fed and Mutex.try_lock, each on SimPort and on MachinePort
(tests/board/heap_lock.py), then each on SimPort past 2**30 ns of kernel
time (where a 32-bit port's kernel has moved its time origin: rebase.py),
and sleeps through such moves; on the WebAssembly build (node) and on
the unix and Cortex-M3 firmware builds (tools/firmware). A case that
allocates raises MemoryError with the heap locked, which the script
reports by name.

Skips without node and the WebAssembly package, or without the firmware
toolchains, as tests/test_micropython.py and tests/test_firmware.py do
(and fails instead where CI requires them)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_firmware import builds  # noqa: F401  (the session's firmware)

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "board" / "heap_lock.py"
CASES = ["sleeps through the first time-origin move", "sleep_for",
         "yield_now", "semaphore ping-pong",
         "mutex with a waiter", "timed waits", "periodic",
         "interrupt waking a thread", "message queue", "full message queue",
         "event flags", "EDF periodic threads", "watchdog fed",
         "mutex try_lock"]
# then every case again past 2**30 ns of (simulated) kernel time, where a
# 32-bit port's kernel has moved its time origin (rebase.py), and sleeps
# through such moves with the heap locked
LATE = CASES + ["sleeps through time-origin moves"]
EXPECTED = "".join("%s on %s: ok\n" % (c, p)
                   for p in ("SimPort", "MachinePort") for c in CASES
                   ) + "".join("%s on SimPort, after 2.5 s: ok\n" % c
                               for c in LATE) + "done\n"


def test_expected_output_names_every_case() -> None:
    # the script's cases are the list, on both ports
    text = SCRIPT.read_text()
    for c in LATE:
        assert '("%s", ' % c in text or '(("%s",' % c in text
    assert EXPECTED.count(": ok") == 28 + 15


def test_heap_lock_under_webassembly() -> None:
    from test_micropython import PKG_DIR, RUNNER, TIMEOUT, _require_mpy
    node = _require_mpy()
    p = subprocess.run([node, str(RUNNER), str(PKG_DIR), str(SCRIPT)],
                       capture_output=True, text=True, timeout=TIMEOUT,
                       cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert p.stdout == EXPECTED, p.stdout + p.stderr


@pytest.mark.parametrize("port", ("unix", "qemu"))
def test_heap_lock_on_firmware(port: str,
                               builds) -> None:  # noqa: F811
    from test_firmware import firmware, run_on
    fw = firmware(builds, port)
    rc, out, err = run_on(port, fw, SCRIPT)
    assert rc == 0, err
    assert out == EXPECTED, out + err
