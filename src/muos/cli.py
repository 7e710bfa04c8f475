"""The ``muos`` command line: ``muos demo NAME`` and ``muos run APP.py``.

CPython only (argparse, importlib). Imports the public package and the
demos; the kernel knows nothing of it.
"""

import argparse
import importlib
import importlib.util
import inspect
import os
import sys
import traceback

import muos
from muos.demos import DEMOS

__all__ = ["main"]


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
    r = sub.add_parser("run", help="run async def main() from APP.py",
                       description="Run `async def main()` from a Python "
                                   "file on a muos kernel.")
    r.add_argument("app", metavar="APP.py")
    r.add_argument("--until", type=float, default=None, metavar="TICKS",
                   help="stop after this many ticks")
    r.add_argument("--stats", action="store_true",
                   help="print the statistics table at the end")
    r.add_argument("--timeline", action="store_true",
                   help="print the trace as a text timeline at the end")
    return p


def _demo(args):
    if args.list or args.name is None:
        for name in DEMOS:
            mod = importlib.import_module(DEMOS[name])
            print("%-18s %s" % (name, (mod.__doc__ or "").strip()
                                .split("\n")[0]))
        return 0
    mod_name = DEMOS.get(args.name)
    if mod_name is None:
        print("muos demo: unknown demo %r; choose one of: %s" % (
            args.name, ", ".join(DEMOS)), file=sys.stderr)
        return 2
    importlib.import_module(mod_name).demo()
    return 0


def _load_app(path):
    if not os.path.isfile(path):
        raise SystemExit("muos run: no such file: %s" % path)
    spec = importlib.util.spec_from_file_location("__muos_app__", path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec.loader.exec_module(mod)
    fn = getattr(mod, "main", None)
    if fn is None:
        raise SystemExit("muos run: %s defines no main(); write "
                         "`async def main():`" % path)
    if not inspect.iscoroutinefunction(fn):
        raise SystemExit("muos run: main in %s is not an async def "
                         "function" % path)
    return fn


def _run(args):
    try:
        fn = _load_app(args.app)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    until = args.until
    if until is not None and until == int(until):
        until = int(until)
    want_trace = args.timeline
    try:
        r = muos.run(fn, until=until, trace=want_trace)
    except muos.ThreadError as e:
        print("muos run: thread 'main' failed:", file=sys.stderr)
        traceback.print_exception(type(e.exception), e.exception,
                                  e.exception.__traceback__)
        return 1
    except muos.Stalled as e:
        print("muos run: %s" % e, file=sys.stderr)
        return 1
    if r.value is not None:
        print("main returned %r at tick %s" % (r.value, r.now))
    if args.timeline and r.trace is not None:
        print(r.trace.timeline())
    if args.stats:
        print(r.stats)
    return 0


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    if args.command == "run":
        return _run(args)
    _parser().print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
