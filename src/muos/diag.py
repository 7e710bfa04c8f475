"""Diagnostics: how objects and waits are named in messages and reports.

Owns: ``describe``, ``waiting_for`` and the stderr reports of a failed
thread or handler. Imports ``compat``, ``traps`` (kinds) and ``sys``;
portable (the traceback module on CPython, ``sys.print_exception`` on
MicroPython).
"""

import sys

from .compat import MICROPYTHON
from .traps import ANY, RELEASE, SLEEP, SUSPEND

__all__ = ("describe", "waiting_for", "report", "check_name")


def describe(obj):
    """A short name for an object in messages: its type and name."""
    name = getattr(obj, "name", None)
    kind = type(obj).__name__
    if name is None:
        return kind
    return "%s %r" % (kind, name)


def waiting_for(trap):
    """What a blocked thread's trap waits for, in words."""
    if trap is None:
        return "nothing"
    if trap.kind == SLEEP or trap.kind == RELEASE:
        return "sleep"
    if trap.kind == SUSPEND:
        return "resume()"
    if trap.kind == ANY:
        return "any of " + ", ".join(waiting_for(op) for op in trap.arg)
    obj = trap.obj
    if type(obj).__name__ == "Thread":
        return "join of thread %r" % obj.name
    s = describe(obj)
    owner = getattr(obj, "owner", None)
    if owner is not None and hasattr(owner, "base_priority"):
        s += " (owner %r)" % owner.name
    return s


def report(what, exc):
    """Print an exception that ended a thread or handler, once."""
    err = sys.stderr
    err.write("muos: %s ended with an exception:\n" % what)
    if MICROPYTHON:
        sys.print_exception(exc, err)  # type: ignore[attr-defined]
    else:
        err.write(format_exception(exc))
    try:
        err.flush()
    except Exception:
        pass


if not MICROPYTHON:   # (the traceback module: CPython's)
    def _ours(filename):
        """A frame of muos itself (or of importlib), not of the program."""
        import os
        f = filename.replace("\\", "/")
        if f.startswith("<frozen importlib"):
            return True
        if not os.path.isabs(f):          # compiled modules: src/muos/x.py
            return f.startswith("src/muos/") or f.startswith("muos/")
        here = os.path.dirname(os.path.abspath(__file__)).replace("\\", "/")
        return f.startswith(here + "/")

    def format_exception(exc):
        """``exc``'s traceback as text, its causes included, without the
        frames of muos's own code (the kernel loop that stepped the thread,
        the call that raised for it): the program's frames only."""
        import traceback
        te = traceback.TracebackException(type(exc), exc, exc.__traceback__)
        seen = set()
        x = te
        while x is not None and id(x) not in seen:
            seen.add(id(x))
            kept = [f for f in x.stack if not _ours(f.filename)]
            if kept or x.stack:
                x.stack = traceback.StackSummary.from_list(kept)
            x = x.__cause__ or (None if x.__suppress_context__
                                else x.__context__)
        return "".join(te.format())


def check_name(name, what):
    """An object's name: a str or None (API.md), else TypeError naming
    ``what`` and the value."""
    if name is not None and not isinstance(name, str):
        raise TypeError("%s: name must be a str or None, not %r"
                        % (what, name))
    return name
