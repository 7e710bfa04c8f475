"""A muos call never awaited (API.md, "Observability"): ``m.lock()``
without ``await`` does nothing, so it is reported as Python reports a
coroutine never awaited: a RuntimeWarning naming the call, at the file
and line that dropped it. The compiled build always reports it (a flag
on the C trap); the plain build under ``python -X dev`` (checked in a
subprocess). Calls that are awaited, handed to ``wait_any``, refused
with an error, or closed are not reported."""

import os
import subprocess
import sys
import warnings

import pytest

import muos

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

compiled = pytest.mark.skipif(muos.build() != "compiled",
                              reason="the plain build reports it only "
                                     "under python -X dev (tested below)")


def _run(body):
    """Run ``body`` (an async function) and collect the warnings."""
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        muos.run(body)
    return [(str(w.message), w.lineno, os.path.basename(w.filename))
            for w in got if issubclass(w.category, RuntimeWarning)]


def line_of(text):
    src = open(__file__).read().splitlines()
    return [i + 1 for i, s in enumerate(src) if s.strip() == text][0]


@compiled
def test_each_blocking_call_dropped_is_reported_at_its_line():
    m = muos.Mutex("bus")
    s = muos.Semaphore(0, name="s")
    q = muos.MessageQueue(2, name="q")
    p = muos.MemoryPool(1, 8, name="p")
    f = muos.EventFlags("f")

    async def other():
        await muos.sleep_for(1)

    async def body():
        t = muos.spawn(other, name="o")
        m.lock()
        s.wait()
        s.timed_wait(3)
        q.send(1)
        q.receive()
        p.alloc()
        f.wait(1)
        muos.sleep_for(5)
        muos.busy(1)
        muos.suspend()
        t.join()

    got = _run(body)
    me = os.path.basename(__file__)
    assert got == [
        ("muos: Mutex 'bus'.lock() was never awaited",
         line_of("m.lock()"), me),
        ("muos: Semaphore 's'.wait() was never awaited",
         line_of("s.wait()"), me),
        ("muos: Semaphore 's'.timed_wait() was never awaited",
         line_of("s.timed_wait(3)"), me),
        ("muos: MessageQueue 'q'.send() was never awaited",
         line_of("q.send(1)"), me),
        ("muos: MessageQueue 'q'.receive() was never awaited",
         line_of("q.receive()"), me),
        ("muos: MemoryPool 'p'.alloc() was never awaited",
         line_of("p.alloc()"), me),
        ("muos: EventFlags 'f'.wait() was never awaited",
         line_of("f.wait(1)"), me),
        ("muos: muos.sleep_for() or sleep_until() was never awaited",
         line_of("muos.sleep_for(5)"), me),
        ("muos: muos.busy() was never awaited", line_of("muos.busy(1)"),
         me),
        ("muos: muos.suspend() was never awaited",
         line_of("muos.suspend()"), me),
        ("muos: Thread 'o'.join() was never awaited",
         line_of("t.join()"), me)]


@compiled
def test_calls_used_as_meant_are_not_reported():
    m = muos.Mutex("m")
    s = muos.Semaphore(1)

    async def body():
        await s.wait()
        assert m.try_lock()                    # (a trap tried, not awaited)
        m.unlock()
        async with m:
            await muos.sleep_for(1)
        s.post()
        i, v = await muos.wait_any(s.wait(), m.lock(), timeout=1)
        assert i == 0                          # the losers withdrawn
        with pytest.raises(ValueError):
            muos.sleep_for(-1)                 # refused: no trap dropped
        with pytest.raises(TypeError):
            await muos.wait_any(s.wait(), timeout="1")
        muos.busy(1).close()                   # closed, as a coroutine
        async for job in muos.periodic(2):
            if job.index == 1:
                break
        await muos.yield_now()

    assert _run(body) == []


def test_plain_build_reports_under_dev_mode(tmp_path):
    app = tmp_path / "app.py"
    app.write_text("import muos\n"
                   "m = muos.Mutex('m')\n"
                   "async def main():\n"
                   "    m.lock()\n"
                   "    await muos.busy(1)\n"
                   "muos.run(main)\n")
    env = dict(os.environ, MUOS_PURE="1",
               PYTHONPATH=os.path.join(ROOT, "src"))
    p = subprocess.run([sys.executable, "-X", "dev", str(app)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "app.py:4: RuntimeWarning: muos: Mutex 'm'.lock() was never " \
           "awaited" in p.stderr
    p = subprocess.run([sys.executable, str(app)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert "never awaited" not in p.stderr      # (no cost outside -X dev)
