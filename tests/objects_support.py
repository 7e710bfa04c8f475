"""Helpers shared by the tests of the synchronisation objects: a tick log,
the running thread, and ``play()``, which runs threads under main and fails
the test if one of them raised."""

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
