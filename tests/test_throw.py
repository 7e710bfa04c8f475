"""Thread.throw (a one-shot exception at the thread's current await),
join(unwrap=True) and run(forever=True): the kernel mechanisms that
muos.asyncio's cancellation, tasks and loop are built on (issue 17).

Times are exact on SimPort; each expected log is derived in a comment."""

import threading
import time

import pytest

import muos


class Boom(Exception):
    pass


def test_throw_in_every_state():
    log = []

    async def main():
        s = muos.Semaphore(0)

        async def waiter():
            try:
                await s.wait()              # blocked: withdrawn at 1
            except Boom:
                log.append(("wait", muos.now(), len(s._q)))
            try:
                await muos.sleep_for(10)    # sleeping: cut short at 2
            except Boom:
                log.append(("sleep", muos.now()))
            # granted a unit at 3 and thrown before it resumes: it keeps
            # the unit (the value stays 0) and raises at its next await
            await s.wait()
            log.append(("got", muos.now(), s.value))
            try:
                await muos.yield_now()
            except Boom:
                log.append(("next await", muos.now()))
            try:
                await muos.busy(10)         # computing: cut short at 6
            except Boom:
                log.append(("busy", muos.now()))
            return 7

        t = muos.spawn(waiter, priority=50)
        await muos.sleep_for(1)
        assert t.throw(Boom) is True
        await muos.sleep_for(1)
        t.throw(Boom("x"))
        await muos.sleep_for(1)
        s.post()
        t.throw(Boom)
        await muos.sleep_for(1)
        # the waiter (50) ran busy from 3 to 4 while main (96) slept
        log.append(("main", muos.now(), t.state))
        await muos.sleep_for(2)             # 4..6: two more ticks of busy
        t.throw(Boom)
        log.append(("joined", await t.join(), muos.now()))
        assert t.cpu_time == 3
        assert t.throw(Boom) is False       # it has ended

    muos.run(main)
    assert log == [("wait", 1, 0), ("sleep", 2), ("got", 3, 0),
                   ("next await", 3), ("main", 4, "READY"), ("busy", 6),
                   ("joined", 7, 6)]


def test_throw_ready_thread_raises_where_it_resumes():
    # a thread preempted (or yielded) has nothing handed to it: the throw
    # is raised at that await, before any more of its code runs
    log = []

    async def main():
        async def worker():
            try:
                await muos.yield_now()
                log.append("resumed")       # never: thrown at the yield
            except Boom:
                log.append(("thrown", muos.now()))

        t = muos.spawn(worker)              # same priority: runs at our
        await muos.yield_now()              # yield, yields back to us
        assert t.state == muos.READY
        t.throw(Boom)
        await muos.yield_now()

    muos.run(main)
    assert log == [("thrown", 0)]


def test_throw_before_start_and_second_throw_replaces():
    log = []

    async def main():
        async def never():
            log.append("ran")               # never runs: thrown at start

        t = muos.spawn(never)
        t.throw(Boom("first"))
        t.throw(ValueError("second"))       # replaces the first
        with pytest.raises(muos.ThreadError) as ei:
            await t.join()
        log.append(type(ei.value.__cause__).__name__)

    muos.run(main)
    assert log == ["ValueError"]


def test_throw_self_raises_at_once_and_bad_input():
    async def main():
        me = muos.this_thread()
        with pytest.raises(Boom):
            me.throw(Boom)
        with pytest.raises(TypeError, match="throw: 3 is not an exception"):
            me.throw(3)
        with pytest.raises(muos.ContextError, match="idle"):
            muos.current_kernel().idle.throw(Boom)

    muos.run(main)


def test_throw_from_handler_mutex_kept_when_handed_over():
    # a mutex handed to a waiter that is thrown before it resumes stays
    # its own: 'async with' releases it when the exception leaves the
    # block at the next await (nothing handed over is lost)
    log = []

    async def main():
        m = muos.Mutex("m")
        k = muos.current_kernel()

        async def taker():
            try:
                async with m:
                    log.append(("holds", muos.now(), m.owner.name))
                    await muos.sleep_for(5)
            except Boom:
                log.append(("thrown", muos.now(), m.locked))

        await m.lock()
        t = muos.spawn(taker, name="taker", priority=50)
        irq = k.interrupt("irq", lambda: t.throw(Boom))
        await muos.sleep_for(1)         # taker blocks on m at 0
        m.unlock()                      # handed over at 1
        irq.trigger()                   # thrown in the handler, at 1
        await muos.sleep_for(1)

    muos.run(main)
    assert log == [("holds", 1, "taker"), ("thrown", 1, False)]


def test_join_unwrap():
    async def main():
        async def bad():
            raise Boom("own")

        b = muos.spawn(bad, name="bad")
        with pytest.raises(Boom, match="own"):
            await b.join(unwrap=True)        # blocked, then woken
        with pytest.raises(Boom, match="own"):
            await b.join(unwrap=True)        # already ended
        with pytest.raises(muos.ThreadError):
            await b.join()

    muos.run(main)


def test_run_forever_waits_on_a_real_port_until_stopped():
    # nothing is timed and no interrupt line exists: run() would return
    # at once; forever=True waits until stop() from another OS thread
    k = muos.Kernel(muos.HostPort())
    done = []

    async def main():
        done.append("ran")

    k.spawn(main)
    timer = threading.Timer(0.2, k.stop)
    t0 = time.monotonic()
    timer.start()
    assert k.run(forever=True) == "stopped"
    assert time.monotonic() - t0 >= 0.19
    assert done == ["ran"]
    assert k.run() == "idle"                 # without forever: returns
    k.port.close()


def test_run_forever_on_simulated_time_returns_when_idle():
    k = muos.Kernel()
    assert k.run(forever=True) == "idle"
