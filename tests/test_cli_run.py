"""The command line (API.md "Command line"): ``muos run APP.py`` and
``muos demo NAME`` with ``--trace``, ``--vcd``, ``--report``, ``--stats``;
``--port``; the progress bar; clear errors and exit statuses."""

import json
import subprocess
import sys
import textwrap

import pytest

import muos
from muos.cli import main as cli
from muos.export.perfetto import events as perfetto_events


def app(tmp_path, text, name="app.py"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return str(p)


OK_APP = """
    import muos

    async def main():
        sem = muos.Semaphore(0, name="sem")

        async def worker():
            await sem.wait()
            await muos.busy(2)

        muos.spawn(worker, name="worker", priority=muos.Priority.HIGH)
        await muos.sleep_for(3)
        sem.post()
        await muos.sleep_for(5)
        return 42
"""


def test_run_writes_every_file(tmp_path, capsys):
    pytest.importorskip("vcd")      # --vcd needs the vcd extra (pyvcd)
    path = app(tmp_path, OK_APP)
    out = tmp_path / "out"
    status = cli(["run", path, "--trace", str(out) + ".json",
                  "--vcd", str(out) + ".vcd", "--report",
                  str(out) + ".html", "--stats"])
    o = capsys.readouterr().out
    assert status == 0
    assert "main returned 42 at tick 8" in o
    for ext in ("json", "html"):
        assert "wrote %s.%s (muos run %s)" % (out, ext, path) in o
    assert "wrote %s.vcd (muos run %s; GTKWave: gtkwave %s.gtkw)" % (
        out, path, out) in o
    assert "statistics of muos run" in o and "worker" in o
    data = json.load(open(str(out) + ".json"))
    names = {e["args"]["name"] for e in data["traceEvents"]
             if e["name"] == "thread_name"}
    assert names == {"idle", "main", "worker"}
    assert "<svg" in open(str(out) + ".html").read()
    assert "$enddefinitions" in open(str(out) + ".vcd").read()


def test_run_until_and_timeline(tmp_path, capsys):
    path = app(tmp_path, OK_APP)
    assert cli(["run", path, "--until", "4", "--timeline"]) == 0
    o = capsys.readouterr().out
    assert "main returned" not in o          # stopped at 4, before main
    assert "suspend   worker" in o


@pytest.mark.parametrize("text, status, message", [
    (None, 2, "no such file"),
    ("x = 1\n", 2, "defines no main(); write `async def main():`"),
    ("def main():\n    pass\n", 2, "is not an async def function"),
    ("raise RuntimeError('at import')\n", 1,
     "raised an exception while loading"),
])
def test_run_errors_before_running(tmp_path, capsys, text, status, message):
    path = str(tmp_path / "missing.py") if text is None else app(
        tmp_path, text)
    assert cli(["run", path]) == status
    err = capsys.readouterr().err
    assert message in err
    if text and "import" in text:
        assert "RuntimeError: at import" in err      # the traceback


def test_run_main_raises(tmp_path, capsys):
    path = app(tmp_path, """
        import muos

        async def main():
            await muos.sleep_for(2)
            raise ValueError("bad value")
    """)
    assert cli(["run", path]) == 1
    err = capsys.readouterr().err
    assert "muos run: thread 'main' failed:" in err
    assert "Traceback" in err and "ValueError: bad value" in err
    assert 'raise ValueError("bad value")' in err


def test_run_other_thread_crashes(tmp_path, capsys):
    path = app(tmp_path, """
        import muos

        async def worker():
            await muos.sleep_for(1)
            {}["missing"]

        async def main():
            muos.spawn(worker, name="worker")
            await muos.sleep_for(5)
            return "done"
    """)
    assert cli(["run", path]) == 1
    cap = capsys.readouterr()
    assert "main returned 'done' at tick 5" in cap.out   # it ran on
    assert "thread 'worker' ended with an exception" in cap.err
    assert "KeyError: 'missing'" in cap.err and "Traceback" in cap.err
    assert "muos run: thread 'worker' failed: KeyError" in cap.err


def test_run_stalled(tmp_path, capsys):
    path = app(tmp_path, """
        import muos

        async def main():
            await muos.Semaphore(0, name="never").wait()
    """)
    assert cli(["run", path]) == 1
    err = capsys.readouterr().err
    assert "main can never run again: main waits for Semaphore 'never'" \
        in err


def test_run_port_host(tmp_path, capsys, monkeypatch):
    path = app(tmp_path, """
        import muos

        async def main():
            await muos.sleep_for(3)
            return type(muos.this_thread()._kernel.port).__name__
    """)
    if getattr(muos, "HostPort", None) is not None:
        assert cli(["run", path, "--port", "host"]) == 0
        assert "main returned 'HostPort'" in capsys.readouterr().out
    monkeypatch.delattr(muos, "HostPort", raising=False)
    assert cli(["run", path, "--port", "host"]) == 2
    assert "--port host needs muos.HostPort" in capsys.readouterr().err
    assert cli(["run", path, "--port", "sim"]) == 0
    assert "main returned 'SimPort'" in capsys.readouterr().out


LONG_APP = """
    import muos

    async def main():
        m = muos.Mutex("m")
        k = muos.this_thread()._kernel
        irq = k.interrupt("irq", lambda: None, priority=2, cost=0.5)
        irq.trigger_every(7, offset=3)

        async def job(period, work):
            async for _ in muos.periodic(period, start=0):
                await muos.busy(work)
                async with m:
                    await muos.busy(1)

        async def peer():
            while True:
                await muos.busy(3)

        muos.spawn(job, 10, 2, name="fast", priority=200)
        muos.spawn(job, 25, 4, name="slow", priority=100)
        muos.spawn(peer, name="peer1", priority=10)
        muos.spawn(peer, name="peer2", priority=10)
        await muos.sleep_until(30000)
"""


def test_sliced_run_equals_one_run_and_shows_progress(tmp_path, capsys):
    pytest.importorskip("rich")
    path = app(tmp_path, LONG_APP)
    out = str(tmp_path / "t.json")
    # the CLI runs in slices of simulated time (1000 ticks, then more):
    # the trace must be the same as one muos.run
    assert cli(["run", path, "--trace", out, "--progress", "always"]) == 0
    err = capsys.readouterr().err
    assert "muos run" in err and "tick" in err      # the bar was drawn
    ns = {}
    exec(compile(textwrap.dedent(LONG_APP), "app", "exec"), ns)
    r = muos.run(ns["main"], trace=True)
    assert json.load(open(out)) == json.loads(json.dumps(
        perfetto_events(r.trace)))


def test_progress_never_and_without_rich(tmp_path, capsys, monkeypatch):
    path = app(tmp_path, OK_APP)
    assert cli(["run", path, "--progress", "never"]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setitem(__import__("sys").modules, "rich.progress", None)
    path = app(tmp_path, LONG_APP.replace("30000", "3000"), "long.py")
    assert cli(["run", path, "--progress", "always"]) == 0
    assert "the progress bar needs rich" in capsys.readouterr().err


def test_demo_stats_and_files(tmp_path, capsys):
    base = str(tmp_path / "sl")
    assert cli(["demo", "superloop", "--stats", "--report",
                base + ".html"]) == 0
    o = capsys.readouterr().out
    # superloop's demo() returns no RunResult: the runs are collected
    assert "wrote %s-1.html (muos demo superloop, run 1 of 2)" % base in o
    assert "wrote %s-2.html" % base in o
    assert o.count("statistics of muos demo superloop, run") == 2
    assert cli(["demo", "nosuch"]) == 2
    assert "unknown demo" in capsys.readouterr().err


def test_demo_cannot_write(tmp_path, capsys):
    missing = str(tmp_path / "no" / "dir" / "pf.json")
    assert cli(["demo", "pathfinder", "--trace", missing]) == 1
    assert "cannot write" in capsys.readouterr().err


CORES_APP = """
    import sys
    import muos

    async def main():
        k = muos.current_kernel()
        return (len(k.stats.cores), k._edf, k.tick_hz, sys.argv[1:])
"""


def test_run_cores_edf_tick_hz_and_app_args(tmp_path, capsys):
    path = app(tmp_path, CORES_APP)
    status = cli(["run", path, "--cores", "2", "--edf", "--tick-hz", "100",
                  "--", "a", "-x"])
    o = capsys.readouterr().out
    assert status == 0
    assert "main returned (2, True, 100, ['a', '-x'])" in o


def test_run_honours_the_apps_port_and_kernel_options(tmp_path, capsys):
    path = app(tmp_path, CORES_APP.replace(
        "    async def main", "    PORT = muos.SimPort(switch_cost=0)\n"
        "    KERNEL_OPTIONS = {'cores': 3, 'tick_hz': 50}\n\n"
        "    async def main"))
    assert cli(["run", path]) == 0
    assert "main returned (3, False, 50, [])" in capsys.readouterr().out
    # the command line wins over KERNEL_OPTIONS
    assert cli(["run", path, "--cores", "1"]) == 0
    assert "main returned (1, False, 50, [])" in capsys.readouterr().out


def test_run_refuses_bad_kernel_options(tmp_path, capsys):
    path = app(tmp_path, CORES_APP)
    assert cli(["run", path, "--cores", "0"]) == 2
    assert "cores must be a positive int" in capsys.readouterr().err
    assert cli(["run", path, "--port", "host", "--cores", "2"]) == 2
    assert "runs one core" in capsys.readouterr().err


def test_a_failure_is_reported_once_without_muos_frames(tmp_path):
    # issue 15 #8: a thread that raises and is joined: one report (main's
    # failure, the thread's exception as its cause), with the program's
    # frames only, and no summary line repeating it
    app = tmp_path / "app.py"
    app.write_text(
        "import muos\n"
        "async def bad():\n"
        "    await muos.sleep_for(1)\n"
        "    raise ValueError('boom')\n"
        "async def main():\n"
        "    t = muos.spawn(bad)\n"
        "    await t.join()\n")
    p = subprocess.run([sys.executable, "-m", "muos", "run", str(app)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    err = p.stderr
    assert err.count("raise ValueError('boom')") == 1, err
    assert err.count("muos run: thread 'main' failed") == 1
    assert "traceback above" not in err
    assert "kernel.py" not in err and "importlib" not in err, err
    assert "blocking.py" not in err, err
    # a thread nobody joins: reported when it ends, its frames only, and
    # named once more in the summary
    app.write_text(
        "import muos\n"
        "async def bad():\n"
        "    raise KeyError('k')\n"
        "async def main():\n"
        "    muos.spawn(bad)\n"
        "    await muos.sleep_for(2)\n")
    p = subprocess.run([sys.executable, "-m", "muos", "run", str(app)],
                       capture_output=True, text=True, timeout=60)
    err = p.stderr
    assert p.returncode == 1
    assert err.count("raise KeyError('k')") == 1, err
    assert "kernel.py" not in err, err
    assert "thread 'bad-3' failed: KeyError" in err
