"""How ``muos.run()`` ends: what it returns (``RunResult``), the error
it raises for main, and what Ctrl-C keeps.

Owns: ``RunResult``, ``outcome`` and ``stopped``. Imports ``thread`` and
(to raise ``Stalled``) ``moreerrors``. Loaded when a run ends (on
MicroPython: a board program whose threads run forever never loads it;
about 250 bytes of heap frozen, issue 16 #2).
"""

from .thread import TERMINATED

__all__ = ("RunResult", "outcome", "stopped")


class RunResult:
    """What ``muos.run()`` returns: ``value``, ``now``, ``stats``,
    ``trace`` (None unless ``trace=True``) and the ``kernel``."""

    def __init__(self, value, now, stats, trace, kernel):
        self.value = value
        self.now = now
        self.stats = stats
        self.trace = trace
        self.kernel = kernel

    def __repr__(self):
        return "<RunResult value=%r now=%r>" % (self.value, self.now)


def stopped(k, e):
    """Ctrl-C on a real port: keep what the run measured in ``e.result``,
    and end the threads' coroutines now, quietly (their ``finally`` blocks
    run outside the kernel: a muos call there raises, and is ignored),
    rather than at garbage collection."""
    try:
        e.result = RunResult(None, k.now, k.stats, k.trace, k)
    except AttributeError:
        pass                  # MicroPython: no attributes on exceptions
    for t in k._threads:
        if t.state != TERMINATED:
            try:
                t._coro.close()
            except BaseException:
                pass


def outcome(k, t, why, rec):
    """What ``run()`` returns once its kernel stopped for ``why``, main
    being ``t``: main's value in a RunResult (kept by the ``recording``
    block ``rec``, if any); ThreadError from main's exception; Stalled
    when main can never run again."""
    if t.state == TERMINATED:
        if t.exception is not None:
            err = t._error()
            try:
                err.__cause__ = t.exception   # MicroPython: no chaining
            except AttributeError:
                pass
            raise err
        value = t.result
    elif why in ("until", "stopped"):
        value = None
    else:
        from .moreerrors import Stalled
        blocked = k.blocked()
        raise Stalled("main can never run again: " + "; ".join(
            "%s waits for %s" % (n, blocked[n]) for n in sorted(blocked)),
            blocked)
    r = RunResult(value, k.now, k.stats, k.trace, k)
    if rec is not None:
        rec.runs.append(r)
    return r
