"""The ``muos`` command line: ``muos demo NAME``, ``muos run APP.py`` and
``muos analyze TASKSET``.

CPython only (argparse, importlib). Imports the public package and the
demos; the kernel knows nothing of it.

``--trace``, ``--vcd``, ``--report`` and ``--stats`` work on every run:
``muos run`` has one; a demo has as many as it calls ``muos.run`` (the
CLI records each, with tracing on when a file is asked for), and writes
one file per run, ``FILE-1.ext``, ``FILE-2.ext``, ... when it has
several. ``muos run`` drives the kernel in slices of simulated time
(``Kernel.run(until=...)``) so that a progress bar can follow it; a
thread that ends with an exception, main or not, makes the exit status 1.
"""

import argparse
import importlib
import importlib.util
import inspect
import os
import sys
import time
import traceback

import muos
from muos.demos import DEMOS

__all__ = ("main",)


def _parser():
    p = argparse.ArgumentParser(
        prog="muos",
        description="muos: a real-time operating system kernel for Python "
                    "(µOS++ concepts) on exact simulated time.")
    p.add_argument("--version", action="version",
                   version="muos " + muos.__version__)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser("demo", help="run a ready-made scenario",
                       description="Run a ready-made scenario and explain "
                                   "what happened.")
    d.add_argument("name", nargs="?", help="one of: " + ", ".join(DEMOS))
    d.add_argument("--list", action="store_true", help="list the demos")
    _output_options(d, "; a demo of several runs writes one per run: "
                       "FILE-1.ext, FILE-2.ext, ...")
    r = sub.add_parser("run", help="run async def main() from APP.py",
                       description="Run `async def main()` from a Python "
                                   "file on a muos kernel. Arguments after "
                                   "-- reach APP.py as sys.argv[1:].")
    r.add_argument("app", metavar="APP.py")
    r.add_argument("--until", type=float, default=None, metavar="TICKS",
                   help="stop after this many ticks")
    r.add_argument("--port", choices=("sim", "host"), default=None,
                   help="sim: simulated time (the default, unless APP.py "
                        "sets PORT); host: the wall clock (muos.HostPort)")
    r.add_argument("--cores", type=int, default=None, metavar="N",
                   help="simulate N cores (global scheduling)")
    r.add_argument("--edf", action="store_true", default=None,
                   help="periodic jobs set their thread's deadline: "
                        "threads of one priority run EDF")
    r.add_argument("--tick-hz", type=int, default=None, metavar="HZ",
                   help="the system clock's rate (default 1000)")

    r.add_argument("--timeline", action="store_true",
                   help="print the trace as a text timeline at the end")
    r.add_argument("--progress", choices=("auto", "always", "never"),
                   default="auto",
                   help="a progress bar (needs rich: pip install "
                        "'muos[progress]'); auto: on a terminal, once the "
                        "run has taken a second of wall time")
    _output_options(r, "")
    a = sub.add_parser(
        "analyze", help="schedulability of a periodic task set, or of a "
                        "program",
        description="Response-time analysis and utilization tests of "
                    "periodic tasks under fixed-priority preemptive "
                    "scheduling (ticks). TASKSET is a TOML file of [[task]]"
                    " tables, a JSON list of objects, or a CSV file with a "
                    "header line; each task has C and T, and optionally D "
                    "(default T), name, B (blocking) and J (jitter). "
                    "APP.py (or a demo's name) is run on simulated time: "
                    "its periodic threads (muos.periodic) give the task "
                    "model (C: the longest job's CPU time; the longest "
                    "CPU time each holds each mutex gives the blocking "
                    "terms), which is analysed beside what the run "
                    "observed.",
        epilog="exit status: 0 schedulable, 1 not schedulable, 2 bad "
               "input (APP.py: 1 also when a run observed a response above "
               "its analysed bound)")
    a.add_argument("taskset", metavar="TASKSET|APP.py|DEMO",
                   help="a .toml, .json or .csv file; a program with "
                        "`async def main()`; or a demo's name")
    a.add_argument("--until", type=float, default=None, metavar="TICKS",
                   help="APP.py: stop the run after TICKS (default: when "
                        "main returns)")
    a.add_argument("--toml", metavar="OUT.toml", default=None,
                   help="APP.py: write the observed task model as a task "
                        "set (analyze it again with --order given)")
    a.add_argument("--order", choices=("rm", "dm", "given"), default="dm",
                   help="priority order: rate-monotonic, deadline-monotonic"
                        " (the default; the same as rm when every D = T) "
                        "or as listed in the file")
    a.add_argument("--simulate", action="store_true",
                   help="also run the tasks as muos threads and show the "
                        "measured worst response times")
    a.add_argument("--horizon", type=float, default=None, metavar="TICKS",
                   help="simulated ticks (default: the hyperperiod, "
                        "capped)")
    a.add_argument("--format", choices=("toml", "json", "csv"),
                   default=None, help="the file format (default: from the "
                                      "extension)")
    return p


def _output_options(p, note):
    p.add_argument("--trace", metavar="FILE.json",
                   help="write the trace as Chrome/Perfetto JSON (open it "
                        "in ui.perfetto.dev)" + note)
    p.add_argument("--vcd", metavar="FILE.vcd",
                   help="write thread states, interrupts and priorities as "
                        "a VCD waveform, and a GTKWave save file beside it "
                        "(FILE.gtkw: signals by thread, most urgent first; "
                        "needs pyvcd)" + note)
    p.add_argument("--report", metavar="FILE.html",
                   help="write a self-contained HTML report: timeline and "
                        "statistics" + note)
    p.add_argument("--stats", action="store_true",
                   help="print the statistics table at the end")


def _wants_trace(args):
    return bool(args.trace or args.vcd or args.report
                or getattr(args, "timeline", False))


def _run_results(obj, out=None, depth=0):
    """The RunResults in what a demo returned (lists, tuples), in order."""
    if out is None:
        out = []
    if isinstance(obj, muos.RunResult):
        out.append(obj)
    elif isinstance(obj, (list, tuple)) and depth < 4:
        for x in obj:
            _run_results(x, out, depth + 1)
    return out


def _numbered(path, i, n):
    """``path`` itself for a single run, else ``stem-i.ext``."""
    if n == 1:
        return path
    stem, ext = os.path.splitext(path)
    return "%s-%d%s" % (stem, i, ext)


def _export(args, results, what):
    """Write the files asked for, one set per run; 0, or 1 on failure."""
    n = len(results)
    for i, r in enumerate(results, 1):
        label = what if n == 1 else "%s, run %d of %d" % (what, i, n)
        if r.trace is None and (args.trace or args.vcd or args.report):
            print("muos: %s recorded no trace" % label, file=sys.stderr)
            return 1
        try:
            if args.trace:
                path = r.trace.to_perfetto(_numbered(args.trace, i, n))
                print("wrote %s (%s)" % (path, label))
            if args.vcd:
                path = r.trace.to_vcd(_numbered(args.vcd, i, n))
                from muos.export.vcd import gtkw_path
                print("wrote %s (%s; GTKWave: gtkwave %s)" % (
                    path, label, gtkw_path(path)))
            if args.report:
                path = r.trace.to_html(_numbered(args.report, i, n),
                                       title=label)
                print("wrote %s (%s)" % (path, label))
        except (OSError, ImportError) as e:
            print("muos: cannot write the %s files: %s" % (label, e),
                  file=sys.stderr)
            return 1
        if args.stats:
            print("statistics of %s:" % label)
            print(r.stats)
    return 0


def _demo(args):
    if args.list or args.name is None:
        for name in DEMOS:
            mod = importlib.import_module(DEMOS[name])
            # TITLE: docstrings are compiled out by python -OO
            title = getattr(mod, "TITLE", None) or (
                mod.__doc__ or "").strip().split("\n")[0]
            print("%-18s %s" % (name, title))
        return 0
    mod_name = DEMOS.get(args.name)
    if mod_name is None:
        print("muos demo: unknown demo %r; choose one of: %s" % (
            args.name, ", ".join(DEMOS)), file=sys.stderr)
        return 2
    mod = importlib.import_module(mod_name)
    # the demos call muos.run themselves: collect each run's result (and
    # record a trace in each when a file is asked for)
    trace = _wants_trace(args)
    with muos.recording(trace=trace) as runs:
        returned = mod.demo()
    for r in _run_results(returned):
        if not any(r is x for x in runs):
            runs.append(r)
    if not runs and (trace or args.stats):
        print("muos demo: %s made no run to export" % args.name,
              file=sys.stderr)
        return 1
    return _export(args, runs, "muos demo " + args.name)


def _load_app(path):
    """(``main``, the module) of the app file, or SystemExit with the
    message (status 2 for a usage error, 1 when the file itself
    raised)."""
    if not os.path.isfile(path):
        raise SystemExit("muos run: no such file: %s" % path)
    spec = importlib.util.spec_from_file_location("__muos_app__", path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        spec.loader.exec_module(mod)
    except Exception:
        traceback.print_exc()
        e = SystemExit("muos run: %s raised an exception while loading "
                       "(above)" % path)
        e.status = 1
        raise e from None
    fn = getattr(mod, "main", None)
    if fn is None:
        raise SystemExit("muos run: %s defines no main(); write "
                         "`async def main():`" % path)
    if not inspect.iscoroutinefunction(fn):
        raise SystemExit("muos run: main in %s is not an async def "
                         "function; write `async def main():`" % path)
    return fn, mod


def _kernel_options(args, mod):
    """The port and Kernel options of ``muos run``: APP.py's ``PORT`` and
    ``KERNEL_OPTIONS`` (a dict), overridden by the command line's."""
    opts = dict(getattr(mod, "KERNEL_OPTIONS", None) or {})
    for flag, key in (("cores", "cores"), ("edf", "edf"),
                      ("tick_hz", "tick_hz")):
        v = getattr(args, flag)
        if v is not None:
            opts[key] = v
    port = getattr(mod, "PORT", None)
    if args.port == "sim":
        port = muos.SimPort()
    elif args.port == "host":
        host = getattr(muos, "HostPort", None)
        if host is None:
            raise SystemExit("muos run: --port host needs muos.HostPort, "
                             "which this installation of muos does not "
                             "have")
        port = host()
    return port, opts


class _Progress:
    """A rich progress bar of simulated time, shown from the moment
    ``due()`` says so; nothing without rich."""

    def __init__(self, mode, until):
        self.mode = mode
        self.until = until
        self.bar = None
        self.task = None

    def due(self, wall):
        if self.bar is not None or self.mode == "never":
            return False
        if self.mode == "always":
            return True
        return wall >= 1.0 and sys.stderr.isatty()

    def start(self, now):
        try:
            from rich.console import Console
            from rich.progress import (BarColumn, Progress, TextColumn,
                                       TimeElapsedColumn)
        except ImportError:
            if self.mode == "always":
                print("muos run: the progress bar needs rich: pip install "
                      "'muos[progress]'", file=sys.stderr)
            self.mode = "never"
            return
        console = Console(file=sys.stderr,
                          force_terminal=self.mode == "always" or None)
        self.bar = Progress(TextColumn("muos run"), BarColumn(),
                            TextColumn("tick {task.fields[now]}"
                                       + ("" if self.until is None else
                                          " of %s" % self.until)),
                            TimeElapsedColumn(), console=console,
                            transient=True)
        self.task = self.bar.add_task("run", total=self.until, now=now)
        self.bar.start()

    def update(self, now):
        if self.bar is not None:
            self.bar.update(self.task, completed=now, now=now)

    def close(self):
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _drive(k, main, until, progress):
    """``k.run(until)`` in slices of simulated time, each about a tenth
    of a second of wall time, so that a progress bar can follow without
    slowing the run; returns why the kernel stopped."""
    step = k.tick_hz                  # a simulated second to begin with
    t0 = time.perf_counter()
    try:
        while True:
            target = int(k.now) + step
            if until is not None and target > until:
                target = until
            ts = time.perf_counter()
            why = k.run(target, stop_on=main)
            if why != "until" or (until is not None and k.now >= until):
                return why
            now = time.perf_counter()
            dt = now - ts
            step = step * 4 if dt < 0.025 else max(1, int(step * 0.1 / dt))
            if progress.due(now - t0):
                progress.start(k.now)
            progress.update(k.now)
    finally:
        progress.close()


def _run(args):
    saved_argv = sys.argv
    sys.argv = [args.app] + list(args.app_args)   # the app's own argv
    try:
        return _run_app(args)
    finally:
        sys.argv = saved_argv


def _run_app(args):
    try:
        fn, mod = _load_app(args.app)
        port, opts = _kernel_options(args, mod)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return getattr(e, "status", 2)
    until = args.until
    if until is not None and until == int(until):
        until = int(until)
    try:
        k = muos.Kernel(port, trace=_wants_trace(args), **opts)
    except (TypeError, ValueError) as e:
        print("muos run: %s" % e, file=sys.stderr)
        return 2
    t = k.spawn(fn, name="main", priority=muos.Priority.NORMAL)
    status = 0
    try:
        # main's exception is printed here
        why = _drive(k, t, until, _Progress(args.progress, until))
    except KeyboardInterrupt:
        print("muos run: interrupted at tick %s" % k.now, file=sys.stderr)
        why = "interrupted"
        status = 130
    except BaseException:
        k.close()
        raise
    value = None
    if t.state == muos.TERMINATED:
        if t.exception is not None:
            exc = t.exception
            print("muos run: thread 'main' failed:", file=sys.stderr)
            from muos.diag import format_exception
            sys.stderr.write(format_exception(exc))
            status = 1
        value = t.result
    elif why == "idle":
        blocked = k.blocked()
        print("muos run: main can never run again: " + "; ".join(
            "%s waits for %s" % (n, blocked[n]) for n in sorted(blocked)),
            file=sys.stderr)
        status = 1
    for name, exc in k.failed:
        if name != "main" and not any(exc is x for x in k._retrieved):
            print("muos run: thread %r failed: %s: %s (traceback above)" % (
                name, type(exc).__name__, exc), file=sys.stderr)
            status = status or 1
    if value is not None:
        print("main returned %r at tick %s" % (value, k.now))
    k.close()             # threads left blocked end now, in their kernel
    r = muos.RunResult(value, k.now, k.stats, k.trace, k)
    if args.timeline and r.trace is not None:
        print(r.trace.timeline())
    return _export(args, [r], "muos run " + args.app) or status


def _analyze(args):
    path = args.taskset
    if path.endswith(".py") or (path in DEMOS and not os.path.exists(path)):
        return _analyze_program(args)
    from muos import analysis
    horizon = args.horizon
    if horizon is not None and horizon == int(horizon):
        horizon = int(horizon)
    return analysis.analyze_main(args.taskset, order=args.order,
                                 simulate=args.simulate, horizon=horizon,
                                 fmt=args.format)


def _analyze_program(args):
    """``muos analyze APP.py`` (or a demo): run it on simulated time and
    print each run's observed task model beside its analysis."""
    from muos.analysis.observed import observed_report, task_model, to_toml
    path = args.taskset
    if path.endswith(".py"):
        try:
            fn, mod = _load_app(path)
            port, opts = _kernel_options(argparse.Namespace(
                port=None, cores=None, edf=None, tick_hz=None), mod)
        except SystemExit as e:
            print(str(e).replace("muos run", "muos analyze"),
                  file=sys.stderr)
            return getattr(e, "status", 2)
        if port is not None and getattr(port, "timed_steps", False):
            port = None          # a real port: simulated time instead
        try:
            k = muos.Kernel(port, **opts)
        except (TypeError, ValueError) as e:
            print("muos analyze: %s" % e, file=sys.stderr)
            return 2
        t = k.spawn(fn, name="main", priority=muos.Priority.NORMAL)
        until = args.until
        if until is not None and until == int(until):
            until = int(until)
        k.run(until, stop_on=t)
        k.close()
        runs = [(path, k.stats)]
    else:
        mod = importlib.import_module(DEMOS[path])
        with muos.recording() as recorded:
            mod.demo(out=lambda *a, **kw: None)
        runs = [("demo %s, run %d of %d" % (path, i + 1, len(recorded)),
                 r.stats) for i, r in enumerate(recorded)]
    status = 0
    for i, (label, stats) in enumerate(runs):
        if i:
            print("")
        text, ok = observed_report(stats, label)
        print(text)
        status = status or (0 if ok else 1)
        if args.toml:
            out = _numbered(args.toml, i, len(runs))
            with open(out, "w") as f:
                f.write(to_toml(task_model(stats)[0], label))
            print("wrote %s" % out)
    return status


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    app_args = []
    if argv[:1] == ["run"] and "--" in argv:     # muos run APP.py -- ARGS
        i = argv.index("--")
        argv, app_args = argv[:i], argv[i + 1:]
    args = _parser().parse_args(argv)
    args.app_args = app_args
    if args.command == "demo":
        return _demo(args)
    if args.command == "run":
        return _run(args)
    if args.command == "analyze":
        return _analyze(args)
    _parser().print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
