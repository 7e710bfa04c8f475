"""examples/micropython/*.py run on the fake board of tests/mpy/fakeboard.py
(CPython): the LED blinks on time while a thread computes, and a bouncing
button gives one press per push, through Pin.irq and MachinePort."""

import importlib.util
import os
import sys

import muos

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "mpy"))

from fakeboard import Board  # noqa: E402


def _load(board, name):
    """Import examples/micropython/<name>.py with the board's fakes."""
    board.load()                       # a port module bound to the board
    saved = board.install()
    try:
        path = os.path.join(ROOT, "examples", "micropython", name + ".py")
        spec = importlib.util.spec_from_file_location("ex_" + name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        board.restore(saved)
    return mod


def test_blinky(capsys):
    board = Board()
    ex = _load(board, "blinky")
    port = ex.MachinePort()
    stats = muos.run(ex.main, port, 10, port=port).value
    out = capsys.readouterr().out
    led = board.pins[0]
    print(out)
    assert led.changes == 41                 # at 0, 250, ... 10000 ms
    assert "t=5 s: 21 blinks" in out and "t=10 s: 41 blinks" in out
    assert stats.threads["blink"].max_response < 1
    assert stats.threads["crunch"].cpu_time > 9000     # the rest: crunch
    assert board.wraps >= 9


def test_button_debounced(capsys):
    board = Board()
    ex = _load(board, "button")
    port = ex.MachinePort()
    t0 = board.total
    for press in (200, 900, 2500):           # ms after the start
        for bounce in (0, 1, 3, 4):          # a few edges per push
            board.at(t0 + (press + bounce) * 1000,
                     lambda: board.pins[0]._edge())
    log = muos.run(ex.main, port, 3, port=port).value
    out = capsys.readouterr().out
    print(out)
    assert [round(t) for t, _ in log] == [200, 900, 2500]
    assert all(lat < 1 for _, lat in log)
    assert out.count("press ") == 3
    assert board.pins[1].changes == 3        # the LED toggled per press
    assert board.machine.sleeps > 5          # idle in lightsleep


def test_examples_run_under_micropython(tmp_path):
    """The same, on MicroPython 1.27 (skipped without node, like
    test_micropython.py): the examples use nothing CPython-only."""
    import shutil
    import subprocess

    from test_micropython import PKG_DIR, RUNNER, TIMEOUT, _require_mpy

    node = _require_mpy()
    for name in ("blinky", "button"):
        shutil.copy(os.path.join(ROOT, "examples", "micropython",
                                 name + ".py"), tmp_path / (name + ".py"))
    shutil.copy(os.path.join(ROOT, "tests", "mpy", "fakeboard.py"),
                tmp_path / "fakeboard.py")
    script = tmp_path / "drive.py"
    script.write_text(
        "import muos\n"
        "from fakeboard import Board\n"
        "board = Board(call_us=50)\n"
        "board.load()\n"
        "saved = board.install()\n"
        "import blinky\n"
        "import button\n"
        "board.restore(saved)\n"
        "port = blinky.MachinePort()\n"
        "muos.run(blinky.main, port, 5, port=port)\n"
        "print('led', board.pins[0].changes)\n"
        "port = button.MachinePort()\n"
        "t0 = board.total\n"
        "for ms in (300, 301, 1200):\n"
        "    board.at(t0 + ms * 1000, lambda: board.pins[1]._edge())\n"
        "log = muos.run(button.main, port, 2, port=port).value\n"
        "print([int(t) for t, _ in log])\n")
    proc = subprocess.run(
        [node, str(RUNNER), str(PKG_DIR), str(script)],
        cwd=ROOT, capture_output=True, timeout=TIMEOUT, check=False)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    # 20 or 21: whether main's last sleep or the blink at 5 s comes first
    assert "\nled 20\n" in out or "\nled 21\n" in out, out
    assert out.endswith("\n[300, 1200]\n"), out
