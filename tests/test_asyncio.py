"""muos.asyncio: every name of the contract, cancellation in every state,
exceptions, timeouts and priorities, on simulated time (exact ticks:
tick_hz 1000, so asyncio.sleep(0.005) is 5 ticks), plus TCP streams on
the loopback interface (HostPort).

Each expected log is derived in a comment."""

import muos
import muos.asyncio as asyncio

import pytest


def run(coro):
    return asyncio.run(coro, port=muos.SimPort())


def test_contract_names():
    names = ("run create_task sleep sleep_ms gather wait_for wait_for_ms "
             "Event ThreadSafeFlag Lock Queue QueueFull QueueEmpty Task "
             "current_task CancelledError TimeoutError get_event_loop "
             "new_event_loop Loop open_connection start_server StreamReader "
             "StreamWriter").split()
    for n in names:
        assert getattr(asyncio, n) is not None, n
    assert asyncio.TimeoutError is TimeoutError       # CPython 3.11+
    assert issubclass(asyncio.CancelledError, BaseException)
    assert not issubclass(asyncio.CancelledError, Exception)
    with pytest.raises(AttributeError):
        asyncio.no_such_name   # noqa: B018
    for m in ("run_forever", "run_until_complete", "create_task", "stop",
              "close", "set_exception_handler", "get_exception_handler",
              "default_exception_handler", "call_exception_handler"):
        assert callable(getattr(asyncio.Loop, m)), m


def test_tasks_are_muos_threads_and_time_is_exact():
    log = []

    async def child(i):
        await asyncio.sleep(0.005 * i)          # 5*i ticks
        log.append((muos.now(), i, muos.this_thread().name))
        return i * 10

    async def main():
        t = asyncio.create_task(child(1), name="one")
        assert isinstance(t.thread, muos.Thread)
        assert t.thread.priority == muos.Priority.NORMAL
        r = await asyncio.gather(t, child(2), child(3))
        await asyncio.sleep_ms(4)
        return r, muos.now()

    # the three children end at 5, 10, 15; main sleeps 4 more: 19
    assert run(main()) == ([10, 20, 30], 19)
    assert log == [(5, 1, "one"), (10, 2, "task"), (15, 3, "task#2")]


def test_priority_bounds_latency():
    # an event set at 0 by a NORMAL task: a HIGH waiter runs before the
    # two NORMAL tasks queued ahead of it (each computes 3 ticks; being
    # of one priority, they share the CPU tick by tick: a ends at 5)
    log = []

    async def worker(n):
        await muos.busy(3)
        log.append((muos.now(), n))

    async def urgent(ev):
        await ev.wait()
        log.append((muos.now(), "urgent"))

    async def main():
        ev = asyncio.Event()
        asyncio.create_task(urgent(ev), priority=muos.Priority.HIGH)
        await asyncio.sleep(0)
        asyncio.create_task(worker("a"))
        asyncio.create_task(worker("b"))
        ev.set()
        await asyncio.sleep(0.010)

    run(main())
    assert log == [(0, "urgent"), (5, "a"), (6, "b")]


def test_cancel_in_every_state():
    log = []

    async def sleeper():
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            log.append(("sleeping", muos.now()))
            raise

    async def computing():
        try:
            await muos.busy(10)
        except asyncio.CancelledError:
            log.append(("computing", muos.now()))
            raise

    async def never_started():
        log.append("ran")                      # never: cancelled first

    async def catcher():
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            log.append(("caught", muos.now()))
        return "went on"

    async def main():
        s = asyncio.create_task(sleeper())
        c = asyncio.create_task(computing(), priority=50)
        n = asyncio.create_task(never_started())
        k = asyncio.create_task(catcher())
        assert n.cancel() is True
        await asyncio.sleep(0.002)             # s, k sleep; c computes
        assert s.cancel() and c.cancel() and k.cancel()
        for t in (s, c, n):
            with pytest.raises(asyncio.CancelledError):
                await t
            assert t.done() and t.cancelled()
        assert await k == "went on"
        assert s.cancel() is False              # already done
        with pytest.raises(RuntimeError, match="can't cancel self"):
            asyncio.current_task().cancel()

    run(main())
    # c (priority 50) computed 0..2 while main slept; each is thrown at 2
    assert sorted(log) == [("caught", 2), ("computing", 2), ("sleeping", 2)]


def test_cancel_is_forwarded_to_the_awaited_task():
    log = []

    async def inner():
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            log.append("inner cancelled")
            raise

    async def outer():
        try:
            await asyncio.create_task(inner())
        except asyncio.CancelledError:
            log.append("outer cancelled")
            raise

    async def main():
        t = asyncio.create_task(outer())
        await asyncio.sleep(0.001)
        t.cancel()
        with pytest.raises(asyncio.CancelledError):
            await t

    run(main())
    assert log == ["inner cancelled", "outer cancelled"]


def test_event_wait_returns_true_and_a_cancel_after_set_raises_there():
    # asyncio's semantics: set() wakes the waiter, but nothing is handed
    # to it, so a cancel before it runs raises CancelledError at its wait
    # (not at its next await, as for a semaphore unit it would keep)
    log = []

    async def waiter(ev, name):
        try:
            got = await ev.wait()
            log.append((name, "got", got))
            await asyncio.sleep(0)
            log.append((name, "went on"))
        except asyncio.CancelledError:
            log.append((name, "cancelled"))

    async def main():
        ev = asyncio.Event()
        a = asyncio.create_task(waiter(ev, "a"))
        b = asyncio.create_task(waiter(ev, "b"))
        await asyncio.sleep(0)               # both wait
        ev.set()                             # both woken, neither ran
        b.cancel()
        await asyncio.gather(a, b, return_exceptions=True)
        # set already: returns True at once, without leaving the CPU
        switches = muos.current_kernel().stats.context_switches
        assert await ev.wait() is True
        assert muos.current_kernel().stats.context_switches == switches

    run(main())
    assert log == [("a", "got", True), ("b", "cancelled"), ("a", "went on")]


def test_exceptions_and_the_handler():
    seen = []

    async def bad():
        raise ValueError("bad")

    async def main():
        loop = asyncio.get_event_loop()
        loop.set_exception_handler(lambda lp, ctx: seen.append(
            (ctx["message"], repr(ctx["exception"]))))
        assert loop.get_exception_handler() is not None
        t = asyncio.create_task(bad())
        with pytest.raises(ValueError):
            await t                            # retrieved: not reported
        asyncio.create_task(bad())             # nobody retrieves it
        await asyncio.sleep(0.001)
        r = await asyncio.gather(bad(), asyncio.sleep(0),
                                 return_exceptions=True)
        assert repr(r[0]) == "ValueError('bad')" and r[1] is None

    run(main())
    assert seen == [("Task exception wasn't retrieved", "ValueError('bad')")]


def test_main_exception_propagates_as_itself():
    async def main():
        raise KeyError("k")

    with pytest.raises(KeyError):
        run(main())


def test_wait_for_timeouts():
    async def slow():
        await asyncio.sleep(0.050)
        return "slow"

    async def main():
        assert await asyncio.wait_for(slow(), 0.100) == "slow"
        t0 = muos.now()
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(slow(), 0.010)
        t1 = muos.now()
        assert await asyncio.wait_for_ms(slow(), 60) == "slow"
        return t0, t1, muos.now()

    # 50 ticks; a 10-tick timeout (the runner cancelled at once); 50 more
    assert run(main()) == (50, 60, 110)


def test_lock_has_asyncio_semantics_and_serves_by_priority():
    log = []

    async def user(lock, n):
        async with lock:
            log.append((muos.now(), n))
            await asyncio.sleep(0.001)

    async def main():
        lock = asyncio.Lock()
        await lock.acquire()
        asyncio.create_task(user(lock, "low"), priority=40)
        asyncio.create_task(user(lock, "high"), priority=150)
        await asyncio.sleep(0)
        lock.release()
        # handed to "high" (the more urgent), which has not resumed yet:
        # asyncio's locked() is False until it does
        assert lock.locked() is False
        await asyncio.sleep(0.005)
        assert not lock.locked()
        with pytest.raises(RuntimeError, match="Lock not acquired"):
            lock.release()

    run(main())
    assert log == [(0, "high"), (1, "low")]


def test_queue():
    got = []

    async def consumer(q):
        while True:
            item = await q.get()
            got.append((muos.now(), item))
            q.task_done()

    async def main():
        q = asyncio.Queue(maxsize=2)
        asyncio.create_task(consumer(q), priority=40)
        for i in range(4):
            await q.put(i)
        # the consumer (40) runs only when main blocks, at put(2): it
        # takes 0 and 1; the queue then holds 2 and 3
        assert q.full() and q.qsize() == 2
        with pytest.raises(asyncio.QueueFull):
            q.put_nowait(4)
        await q.join()                 # the consumer empties it
        assert q.empty()
        with pytest.raises(asyncio.QueueEmpty):
            q.get_nowait()

    run(main())
    assert got == [(0, i) for i in range(4)]


def test_thread_safe_flag_from_a_handler():
    log = []

    async def main():
        flag = asyncio.ThreadSafeFlag()
        k = muos.current_kernel()
        irq = k.interrupt("pin", flag.set)
        irq.trigger_at(7)
        await flag.wait()
        log.append(muos.now())
        flag.set()                     # already set: returns at once
        await flag.wait()
        log.append(muos.now())

    run(main())
    assert log == [7, 7]


def test_loop_api_and_mixing_with_muos_threads():
    log = []

    async def ticker():
        for _ in range(3):
            log.append(("tick", muos.now()))
            await asyncio.sleep(0.002)

    async def stopper(loop):
        await asyncio.sleep(0.003)
        loop.stop()

    loop = asyncio.new_event_loop(muos.SimPort())
    loop.create_task(ticker())
    loop.create_task(stopper(loop))
    loop.run_forever()                 # stopped at 3
    log.append(("stopped", loop.time()))
    loop.run_forever()                 # the rest, then idle on sim time
    loop.close()
    assert log == [("tick", 0), ("tick", 2), ("stopped", 0.003),
                   ("tick", 4)]

    # asyncio code inside a muos program acts on its kernel
    async def main():
        t = asyncio.create_task(asyncio.sleep(0.005))
        await t
        return muos.now()

    assert muos.run(main).value == 5


def test_run_refuses_inside_a_loop():
    async def main():
        c = asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="running event loop"):
            asyncio.run(c)
        c.close()                      # (as asyncio: never awaited)

    run(main())


def test_run_ends_pending_tasks_deterministically():
    log = []

    async def leftover():
        try:
            await asyncio.sleep(10)
        finally:
            log.append("cleaned up")

    async def main():
        asyncio.create_task(leftover())
        await asyncio.sleep(0)

    run(main())
    assert log == ["cleaned up"]


def test_tcp_echo_on_loopback():
    # a server and 20 concurrent clients, 5 lines each, over real sockets
    async def handle(r, w):
        while True:
            line = await r.readline()
            if not line:
                break
            w.write(line.upper())
            await w.drain()
        await w.wait_closed()

    async def client(i, port):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        out = []
        for j in range(5):
            w.write(b"hello %d %d\n" % (i, j))
            await w.drain()
            out.append(await r.readline())
        w.write(b"x" * 100000 + b"\n")     # more than a socket buffer
        await w.drain()
        big = await r.readexactly(100001)
        await w.wait_closed()
        return out, big

    async def main():
        srv = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=32)
        port = srv.sockets[0].getsockname()[1]
        res = await asyncio.gather(*[client(i, port) for i in range(20)])
        srv.close()
        await srv.wait_closed()
        return res

    res = asyncio.run(main())
    assert len(res) == 20
    for i, (out, big) in enumerate(res):
        assert out == [b"HELLO %d %d\n" % (i, j) for j in range(5)]
        assert big == b"X" * 100000 + b"\n"


def test_open_connection_refused():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                          # nobody listens there now

    async def main():
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", port)

    asyncio.run(main())


def test_streams_need_a_readiness_port():
    async def main():
        with pytest.raises(NotImplementedError, match="HostPort"):
            await asyncio.open_connection("127.0.0.1", 9)

    run(main())


def test_thread_safe_flag_from_another_os_thread():
    # HostPort: set() from another OS thread triggers the flag's line,
    # which the kernel runs between two of its operations (never from
    # the other thread itself)
    import threading
    import time

    async def main():
        flag = asyncio.ThreadSafeFlag()
        seen = []

        def other():
            time.sleep(0.05)
            seen.append(threading.get_ident())
            flag.set()

        threading.Thread(target=other).start()
        t0 = time.monotonic()
        await flag.wait()                  # the kernel sleeps meanwhile
        return time.monotonic() - t0, seen[0] != threading.get_ident()

    waited, foreign = asyncio.run(main())
    assert foreign and 0.04 <= waited < 2


def test_stream_write_without_drain_and_close_under_a_reader():
    # MicroPython's rule: write() sends at once what the socket takes
    # (a close without drain loses nothing); a task blocked reading a
    # stream that another task closes is resumed, and its read fails
    got = []

    async def handle(r, w):
        got.append(await r.read())         # until EOF
        await w.wait_closed()

    async def main():
        srv = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(b"hello\n")
        await w.wait_closed()              # no drain
        await asyncio.sleep(0.05)
        r2, w2 = await asyncio.open_connection("127.0.0.1", port)

        async def reader():
            try:
                await r2.read(10)
            except OSError as e:
                return type(e).__name__
            return "read"

        t = asyncio.create_task(reader())
        await asyncio.sleep(0.01)          # it blocks reading
        await w2.wait_closed()
        res = await asyncio.wait_for(t, 1)
        srv.close()
        await srv.wait_closed()
        return res

    res = asyncio.run(main())
    assert got[0] == b"hello\n"
    assert res == "OSError"


# -- what a review found (each failed before its fix) ------------------------

def test_lock_cancelled_waiter_then_release_in_one_step():
    # main holds the lock, w waits; in one step main cancels w and
    # releases: w has left the queue, so the lock goes free and main
    # takes it again at once (0); w, cancelled, then waits for it and
    # gets it when main releases it at 20: never two holders
    log = []

    async def w(lock):
        try:
            await lock.acquire()
        except asyncio.CancelledError:
            log.append("cancelled")
        await lock.acquire()
        log.append(("w in", muos.now()))
        await asyncio.sleep(0.010)
        lock.release()

    async def main():
        lock = asyncio.Lock()
        await lock.acquire()
        t = asyncio.create_task(w(lock))
        await asyncio.sleep(0)
        t.cancel()
        lock.release()
        async with lock:
            log.append(("main in", muos.now()))
            await asyncio.sleep(0.020)
            log.append(("main out", muos.now()))
        await t
        return lock.locked()

    assert run(main()) is False
    assert log == [("main in", 0), "cancelled", ("main out", 20),
                   ("w in", 20)]


def test_queue_cancelled_getter_does_not_take_the_wake_up():
    # getters a then b wait; a is cancelled and an item put in one step:
    # b (the one still waiting) gets it
    got = []

    async def getter(q, name):
        try:
            got.append((name, await q.get()))
        except asyncio.CancelledError:
            got.append((name, "cancelled"))

    async def main():
        q = asyncio.Queue()
        a = asyncio.create_task(getter(q, "a"))
        b = asyncio.create_task(getter(q, "b"))
        await asyncio.sleep(0)
        a.cancel()
        q.put_nowait("x")
        await asyncio.gather(a, b)
        return q.qsize()

    assert run(main()) == 0
    assert sorted(got) == [("a", "cancelled"), ("b", "x")]


def test_cancel_in_condition_wait_relocks_the_mutex():
    # Thread.throw (asyncio's cancel) in cv.wait(m): m is held again when
    # the exception leaves the wait, so 'async with m' unlocks it
    async def main():
        m = muos.Mutex("m")
        cv = muos.ConditionVariable("cv")
        seen = []

        async def w():
            try:
                async with m:
                    try:
                        await cv.wait(m)
                    finally:
                        seen.append(m.owner is muos.this_thread())
            except KeyError:
                seen.append("caught")

        t = muos.spawn(w)
        await muos.sleep_for(1)
        t.throw(KeyError("k"))
        await t.join()
        return seen, m.locked

    assert muos.run(main).value == ([True, "caught"], False)


def test_spinlock_handed_over_then_thrown_is_released():
    # on two cores s spins on the lock o holds; o releases it (handed to
    # s) and throws into s at once: s keeps it and 'async with' releases
    # it at its next await, so the lock ends free and s's core unmasked
    log = []

    async def s_body(sl):
        try:
            async with sl:
                log.append(("s holds", muos.now()))
                await muos.busy(1)
        except KeyError:
            log.append(("s thrown", muos.now(), sl.owner))

    async def main():
        sl = muos.Spinlock("sl")
        await sl.acquire()
        s = muos.spawn(s_body, sl, name="s")
        await muos.busy(2)                   # s spins on core 1 meanwhile
        sl.release()
        s.throw(KeyError("k"))
        await s.join()
        return sl.owner

    assert muos.run(main, cores=2).value is None
    assert log == [("s holds", 2), ("s thrown", 2, None)]


def test_cancelled_error_in_a_plain_thread_ends_only_it():
    async def main():
        async def victim():
            raise asyncio.CancelledError()

        async def other():
            await muos.sleep_for(2)
            return "other ran"

        v = muos.spawn(victim, name="victim")
        o = muos.spawn(other)
        r = await o.join()
        return r, type(v.exception).__name__

    assert muos.run(main).value == ("other ran", "CancelledError")


def test_killed_tasks_end_cancelled_and_are_not_kept():
    from muos.asyncio import core
    kept = []

    async def leftover():
        await asyncio.sleep(10)

    async def main():
        kept.append(asyncio.create_task(leftover()))
        asyncio.current_task()
        await asyncio.sleep(0)

    async def plain():                      # a muos thread, not a task
        asyncio.current_task()
        await asyncio.sleep(0.001)

    run(main())
    assert kept[0].done() and kept[0].cancelled()
    assert muos.run(plain).now == 1
    assert core._tasks == {}


def test_cancel_forwards_to_the_last_pending_awaited_task():
    # A awaits B, B awaits C, which has ended: cancelling A cancels B (the
    # last one still pending), and A sees it
    log = []

    async def c():
        return "c"

    async def b(ct):
        await asyncio.sleep(0.001)          # c is done by then
        try:
            await ct
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            log.append(("B cancelled", muos.now()))
            raise

    async def a(bt):
        try:
            await bt
        except asyncio.CancelledError:
            log.append(("A cancelled", muos.now()))

    async def main():
        ct = asyncio.create_task(c())
        bt = asyncio.create_task(b(ct))
        at = asyncio.create_task(a(bt))
        await asyncio.sleep(0.005)
        at.cancel()
        await at

    run(main())
    assert log == [("B cancelled", 5), ("A cancelled", 5)]


def test_handler_set_before_run_serves_the_run():
    seen = []

    async def bad():
        raise ValueError("v")

    async def main():
        asyncio.create_task(bad())
        await asyncio.sleep(0.001)

    asyncio.get_event_loop().set_exception_handler(
        lambda lp, ctx: seen.append(repr(ctx["exception"])))
    try:
        run(main())
    finally:
        asyncio.get_event_loop().set_exception_handler(None)
    assert seen == ["ValueError('v')"]


def test_two_loops_in_two_os_threads():
    import threading
    out = {}

    async def work(n):
        await asyncio.sleep(0.02)
        return n

    def other():
        out["other"] = asyncio.run(work(2))

    async def main():
        th = threading.Thread(target=other)
        th.start()
        r = await work(1)
        while th.is_alive():
            await asyncio.sleep(0.005)
        return r

    out["main"] = asyncio.run(main())
    assert out == {"main": 1, "other": 2}


def test_thread_safe_flags_share_one_interrupt_line():
    async def main():
        flags = [asyncio.ThreadSafeFlag() for _ in range(12)]
        k = muos.current_kernel()

        async def waiter(f):
            await f.wait()

        ts = [asyncio.create_task(waiter(f)) for f in flags]
        await asyncio.sleep(0)
        for f in flags:
            f.set()
        await asyncio.gather(*ts)
        return [i.name for i in k.interrupts].count("ThreadSafeFlag")

    assert run(main()) == 1
