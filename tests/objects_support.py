"""Helpers shared by the tests of the synchronisation objects: a tick log,
the running thread, ``play()``, which runs threads under main and fails
the test if one of them raised, and ``check_service_order`` on a trace."""

import muos


class Log(list):
    def __call__(self, *what):
        self.append((muos.now(),) + what)


def me():
    return muos.this_thread()


def play(*specs, allowed=(), **kw):
    """Run (name, priority, fn) threads under main, which joins them; a
    thread ending with an exception not in ``allowed`` fails the test (so
    a broken thread cannot just drop log lines)."""

    async def main():
        ts = [muos.spawn(fn, name=n, priority=p) for n, p, fn in specs]
        for t in ts:
            try:
                await t.join()
            except muos.ThreadError:
                pass
        return ts

    kw.setdefault("until", 10000)
    r = muos.run(main, **kw)
    assert r.value is not None, "main did not finish"
    for t in r.value:
        if t.exception is not None and not isinstance(t.exception,
                                                       allowed):
            raise AssertionError("thread %r raised %r" % (t.name,
                                                          t.exception))
    return r.value


def check_service_order(events, names):
    """Every "wake" by one of the objects ``names`` goes to its most urgent
    waiter, the earliest arrival among equals. Waiters are tracked from
    "suspend" to "wake", "timeout" or "interrupt"; priorities from "spawn"
    and "priority" events."""
    prio = {}
    waiting = {n: [] for n in names}
    served = 0
    for _t, kind, name, obj, details in events:
        if kind == "spawn":
            prio[name] = details
        elif kind == "priority":
            prio[name] = details[1]
        elif obj in waiting:
            ws = waiting[obj]
            if kind == "suspend":
                ws.append(name)
            elif kind in ("timeout", "interrupt"):
                ws.remove(name)
            elif kind == "wake":
                best = max(prio[w] for w in ws)
                assert name == [w for w in ws if prio[w] == best][0], (
                    _t, obj, name, [(w, prio[w]) for w in ws])
                ws.remove(name)
                served += 1
    return served
