"""Threads (API.md "Running" and "Threads").

``muos.run`` and its result, ``until``, ``Stalled``, errors in main and
in other threads, ``join``, ``interrupt``, ``kill``, ``suspend`` and
``resume``, priorities, ``spawn``, ``this_thread``, the idle thread,
per-thread accounting and determinism.

Everything runs on SimPort; the comment next to each expected log
derives it. Thread "main" runs at Priority.NORMAL (96).
"""

import pytest

import muos
from muos import Priority as P

# -- muos.run -------------------------------------------------------------


def test_run_result_fields():
    async def main(a, b):
        await muos.sleep_for(4)
        await muos.busy(1)
        return a + b

    r = muos.run(main, 40, 2)
    assert r.value == 42
    assert r.now == 5
    assert isinstance(r.stats, muos.Stats)
    assert r.stats.threads["main"].cpu_time == 1
    assert r.trace is None
    assert isinstance(r.kernel, muos.Kernel)


def test_run_with_trace_records_events():
    async def main():
        await muos.sleep_for(1)

    r = muos.run(main, trace=True)
    assert isinstance(r.trace, muos.Trace)
    # (time in ns, kind, thread, object, details)
    assert r.trace.events == [
        (0, "spawn", "idle", None, 0),
        (0, "spawn", "main", None, 96),
        (0, "switch", "main", None, None),
        (0, "suspend", "main", "sleep", None),
        (0, "switch", "idle", None, "main"),
        (1000000, "ready", "main", None, "sleep"),
        (1000000, "preempt", "idle", None, "main"),
        (1000000, "switch", "main", None, "idle"),
        (1000000, "exit", "main", None, "return"),
    ]


def test_main_runs_as_main_at_normal_priority():
    async def main():
        t = muos.this_thread()
        return (t.name, t.priority, t.base_priority, t.state)

    assert muos.run(main).value == ("main", 96, 96, muos.RUNNING)


def test_until_stops_the_run(log):
    async def ticker():
        while True:
            await muos.sleep_for(4)
            log("tick")

    async def main():
        muos.spawn(ticker, name="T", priority=P.HIGH)
        await muos.busy(100)
        return "done"

    r = muos.run(main, until=10)
    # T ticks at 4 and 8; at 10 the run stops with main's work unfinished
    assert log == [(4, "tick"), (8, "tick")]
    assert r.value is None
    assert r.now == 10
    assert r.stats.threads["main"].cpu_time == 10


def test_until_later_than_main_ends_at_main():
    async def main():
        await muos.sleep_for(3)
        return 7

    r = muos.run(main, until=100)
    assert (r.value, r.now) == (7, 3)


def test_only_one_kernel_runs_at_a_time():
    async def inner():
        return "inner"

    async def main():
        with pytest.raises(muos.ContextError):
            muos.run(inner)
        await muos.sleep_for(1)
        return muos.now()

    assert muos.run(main).value == 1
    # one after the other is fine
    assert muos.run(inner).value == "inner"


def test_kernel_run_until_and_returns_without_raising():
    k = muos.Kernel()

    async def main():
        await muos.sleep_for(3)
        await muos.Semaphore(0).wait()      # forever

    t = k.spawn(main, name="main")
    k.run(until=2)
    assert k.now == 2
    assert t.state == muos.SUSPENDED
    k.run()                                 # nothing can run: returns
    assert k.now == 3
    assert t.state == muos.SUSPENDED


def test_stalled_names_who_waits_for_what():
    async def suspender():
        await muos.suspend()

    async def sem_waiter(s):
        await s.wait()

    async def locker(m):
        await m.lock()

    async def main():
        s = muos.Semaphore(0, name="s")
        m = muos.Mutex("m")
        await m.lock()
        x = muos.spawn(suspender, name="x")
        muos.spawn(sem_waiter, s, name="z")
        muos.spawn(locker, m, name="q")
        await x.join()

    with pytest.raises(muos.Stalled) as ei:
        muos.run(main)
    assert isinstance(ei.value, muos.MuosError)
    assert ei.value.blocked == {
        "main": "join of thread 'x'",
        "x": "resume()",
        "z": "Semaphore 's'",
        "q": "Mutex 'm' (owner 'main')",
    }
    assert "main can never run again" in str(ei.value)


def test_stalled_only_once_nothing_is_ahead(log):
    async def main():
        log("main waits")
        await muos.sleep_for(5)
        log("main suspends")
        await muos.suspend()

    with pytest.raises(muos.Stalled) as ei:
        muos.run(main)
    assert ei.value.blocked == {"main": "resume()"}
    assert log == [(0, "main waits"), (5, "main suspends")]


def test_main_raising_raises_thread_error_from_it(capsys):
    async def main():
        await muos.sleep_for(2)
        raise ValueError("boom")

    with pytest.raises(muos.ThreadError) as ei:
        muos.run(main)
    err = ei.value
    assert type(err.__cause__) is ValueError
    assert str(err.__cause__) == "boom"
    assert err.exception is err.__cause__
    assert err.thread.name == "main"
    assert err.thread.state == muos.TERMINATED
    # raised to the caller, not also printed
    assert capsys.readouterr().err == ""


def test_other_thread_raising_is_reported_once_and_others_go_on(
        log, capsys):
    async def faulty():
        await muos.sleep_for(1)
        raise KeyError("bad key")

    async def main():
        f = muos.spawn(faulty, name="faulty")
        await muos.sleep_for(3)
        log("main goes on")
        return f

    r = muos.run(main)
    f = r.value
    assert log == [(3, "main goes on")]
    assert f.state == muos.TERMINATED
    assert type(f.exception) is KeyError
    assert f.result is None
    assert r.now == 3
    err = capsys.readouterr().err
    assert err.count("muos: thread 'faulty' ended with an exception") == 1
    assert err.count("Traceback (most recent call last)") == 1
    assert "in faulty" in err               # the traceback names its code
    assert "KeyError: 'bad key'" in err


# -- join -----------------------------------------------------------------


def test_join_returns_the_value(log):
    async def worker(x):
        await muos.sleep_for(3)
        return x * 2

    async def main():
        w = muos.spawn(worker, 21, name="W")
        log("join")
        v = await w.join()
        log("joined %r" % v)
        assert w.result == 42
        assert w.state == muos.TERMINATED
        assert await w.join() == 42         # joining again: at once
        log("joined again")

    muos.run(main)
    assert log == [(0, "join"), (3, "joined 42"), (3, "joined again")]


def test_join_of_a_finished_thread_returns_at_once(log):
    async def worker():
        return "v"

    async def main():
        w = muos.spawn(worker, name="W", priority=P.HIGH)
        await muos.sleep_for(2)             # W ran and ended at 0
        assert w.state == muos.TERMINATED
        log("join %r" % (await w.join(),))

    muos.run(main)
    assert log == [(2, "join 'v'")]


def test_join_of_a_failed_thread_raises_thread_error_from_it(log, capsys):
    async def faulty():
        await muos.sleep_for(1)
        raise ZeroDivisionError("div")

    async def main():
        f = muos.spawn(faulty, name="F")
        for _ in range(2):      # while it runs, then once it has ended
            try:
                await f.join()
            except muos.ThreadError as e:
                log("ThreadError")
                assert type(e.__cause__) is ZeroDivisionError
                assert e.exception is f.exception
                assert e.thread is f

    muos.run(main)
    assert log == [(1, "ThreadError"), (1, "ThreadError")]
    # main was joining it when it failed: the exception went to main,
    # which handled it, so nothing is reported (issue 15 #8: a failure
    # is reported where it is not retrieved, once)
    err = capsys.readouterr().err
    assert "muos: thread 'F' ended with an exception" not in err


def test_several_joiners_are_woken_in_priority_order(log):
    async def worker():
        await muos.sleep_for(2)
        return 1

    async def joiner(name, w):
        await w.join()
        log(name)

    async def main():
        w = muos.spawn(worker, name="W")
        for n, p in (("lo", P.LOW), ("hi", P.HIGH), ("mid", P.NORMAL)):
            muos.spawn(joiner, n, w, name=n, priority=p)
        await w.join()          # main blocks first, at 0
        log("main")
        await muos.sleep_for(1)

    muos.run(main)
    # W (NORMAL, spawned first) runs and sleeps at 0, then the joiners
    # block in the order hi, mid, lo. All are woken at 2 and run by
    # priority, FIFO among equals (main joined before mid).
    assert log == [(2, "hi"), (2, "main"), (2, "mid"), (2, "lo")]


def test_join_self_raises_deadlock_error():
    async def main():
        with pytest.raises(muos.DeadlockError):
            muos.this_thread().join()
        return "ok"

    assert muos.run(main).value == "ok"


# -- interrupt ------------------------------------------------------------


async def _forever():
    await muos.sleep_for(1000)


@pytest.mark.parametrize("kind", ["sleep", "semaphore", "mutex", "join",
                                  "suspend"])
def test_interrupt_ends_a_wait_at_the_exact_tick(kind, log):
    async def waiter(obj):
        try:
            if kind == "sleep":
                await muos.sleep_for(100)
            elif kind == "semaphore":
                await obj.wait()
            elif kind == "mutex":
                await obj.lock()
            elif kind == "join":
                await obj.join()
            else:
                await muos.suspend()
            log("W returned")
        except muos.Interrupted:
            log("W interrupted")
        log("W flag %s" % muos.this_thread().interrupted)

    async def main():
        obj = None
        if kind == "semaphore":
            obj = muos.Semaphore(0, name="s")
        elif kind == "mutex":
            obj = muos.Mutex("m")
            await obj.lock()
        elif kind == "join":
            obj = muos.spawn(_forever, name="X", priority=P.LOW)
        w = muos.spawn(waiter, obj, name="W", priority=P.HIGH)
        await muos.sleep_for(3)         # W blocks at 0
        log("W is %s" % w.state)
        w.interrupt()
        log("W is %s" % w.state)        # ready; runs at main's await
        await muos.sleep_for(1)
        log("W is %s" % w.state)
        assert w.interrupted is True
        if kind == "semaphore":
            assert obj.value == 0
            assert obj.post() is True   # nobody waits any more
            assert obj.value == 1
        elif kind == "mutex":
            assert obj.owner is muos.this_thread()
            obj.unlock()
        elif kind == "join":
            obj.kill()

    muos.run(main)
    assert log == [(3, "W is SUSPENDED"), (3, "W is READY"),
                   (3, "W interrupted"), (3, "W flag True"),
                   (4, "W is TERMINATED")]


def test_interrupt_of_a_thread_that_is_not_blocked(log):
    async def worker(sem):
        t = muos.this_thread()
        log("W start %s" % t.interrupted)       # flag already set
        await muos.busy(1)                      # computing never waits
        assert await sem.wait() is True         # a unit: no wait
        await muos.sleep_for(0)                 # nothing to wait for
        await muos.sleep_until(0)               # in the past
        await muos.yield_now()
        log("W not interrupted yet")
        try:
            await muos.sleep_for(5)             # would wait: raises
        except muos.Interrupted:
            log("W sleep interrupted")
        # µOS++: the flag stays set (only interrupt(false) clears it),
        # so the next wait that would block raises too
        try:
            await sem.wait()
        except muos.Interrupted:
            log("W wait interrupted")
        log("W flag %s" % t.interrupted)

    async def main():
        sem = muos.Semaphore(1)
        w = muos.spawn(worker, sem, name="W", priority=P.LOW)
        w.interrupt()                   # W is ready, not blocked
        assert w.state == muos.READY and w.interrupted
        await w.join()

    muos.run(main)
    assert log == [(0, "W start True"), (1, "W not interrupted yet"),
                   (1, "W sleep interrupted"), (1, "W wait interrupted"),
                   (1, "W flag True")]


def test_interrupt_of_a_suspend_and_pending_interrupt_on_suspend(log):
    async def worker():
        try:
            await muos.suspend()
        except muos.Interrupted:
            log("W interrupted")

    async def main():
        w = muos.spawn(worker, name="W", priority=P.LOW)
        w.interrupt()           # before W ever runs
        await w.join()

    muos.run(main)
    assert log == [(0, "W interrupted")]


# -- kill -----------------------------------------------------------------


def test_kill_a_ready_thread_that_never_ran(log):
    async def worker():
        log("W ran")

    async def main():
        w = muos.spawn(worker, name="W", priority=P.LOW)
        w.kill()
        assert w.state == muos.TERMINATED
        assert w not in muos.this_thread()._kernel.threads
        await muos.sleep_for(1)
        assert await w.join() is None
        assert (w.result, w.exception) == (None, None)
        w.kill()                # killing again does nothing
        return w.state

    r = muos.run(main)
    assert r.value == muos.TERMINATED
    assert log == []


def test_kill_a_preempted_thread_in_the_middle_of_busy(log):
    async def worker():
        await muos.busy(10)
        log("W end")

    async def high(w):
        await muos.sleep_until(4)
        w.kill()
        log("killed W %s" % w.state)

    async def main():
        w = muos.spawn(worker, name="W", priority=P.LOW)
        muos.spawn(high, w, name="H", priority=P.HIGH)
        await muos.sleep_for(10)
        return w

    r = muos.run(main)
    w = r.value
    assert log == [(4, "killed W TERMINATED")]
    assert w.cpu_time == 4
    assert w.state == muos.TERMINATED


def test_kill_a_blocked_thread_runs_its_finally_as_itself(log):
    async def worker(sem):
        try:
            await sem.wait()
            log("W got it")
        finally:
            log("W finally as %s" % muos.this_thread().name)

    async def main():
        sem = muos.Semaphore(0)
        w = muos.spawn(worker, sem, name="W", priority=P.HIGH)
        await muos.sleep_for(2)
        w.kill()
        log("killed")
        assert w.state == muos.TERMINATED
        assert muos.this_thread().name == "main"
        assert sem.post() is True       # no waiter left: counted
        assert sem.value == 1
        await muos.sleep_for(1)

    r = muos.run(main)
    assert log == [(2, "W finally as W"), (2, "killed")]
    assert r.now == 3


def test_kill_a_sleeping_thread_wakes_its_joiners(log):
    async def sleeper():
        await muos.sleep_for(10)
        log("S woke")

    async def joiner(s):
        v = await s.join()
        log("J joined %r" % (v,))

    async def main():
        s = muos.spawn(sleeper, name="S")
        muos.spawn(joiner, s, name="J", priority=P.HIGH)
        await muos.sleep_for(3)
        s.kill()
        log("killed")
        await muos.sleep_for(20)        # S's timeout at 10 is gone
        log("main end")

    r = muos.run(main)
    # J is woken at 3 and runs at main's await; nothing happens at 10
    assert log == [(3, "killed"), (3, "J joined None"), (23, "main end")]
    assert r.now == 23


def test_self_kill(log, capsys):
    async def worker():
        try:
            log("W kills itself")
            muos.this_thread().kill()
            log("not reached")
        finally:
            log("W finally")
        log("not reached either")

    async def main():
        w = muos.spawn(worker, name="W")
        v = await w.join()
        log("joined %r" % (v,))
        assert w.state == muos.TERMINATED
        assert w.exception is None

    muos.run(main)
    assert log == [(0, "W kills itself"), (0, "W finally"),
                   (0, "joined None")]
    assert capsys.readouterr().err == ""    # a kill is no error


def test_kill_releases_an_async_with_mutex_and_runs_outer_finally(log):
    async def holder(m):
        try:
            async with m:
                log("H locked")
                await muos.sleep_for(10)
        finally:
            log("H finally as %s, locked %s" % (muos.this_thread().name,
                                                m.locked))

    async def other(m):
        async with m:
            log("X locked")

    async def main():
        m = muos.Mutex("m")
        h = muos.spawn(holder, m, name="H", priority=P.HIGH)
        await muos.sleep_for(1)         # H locks at 0 and sleeps
        x = muos.spawn(other, m, name="X", priority=P.HIGH)
        await muos.sleep_for(1)         # X blocks on m at 1
        h.kill()
        log("killed")
        assert h.state == muos.TERMINATED
        assert m.owner is x             # handed to the waiter
        await x.join()
        assert not m.locked

    muos.run(main)
    # the kill at 2 runs H's `async with` exit (unlock: X owns m) and
    # its outer finally, as H; X runs at main's next await
    assert log == [(0, "H locked"), (2, "H finally as H, locked True"),
                   (2, "killed"), (2, "X locked")]


def test_kill_main_ends_the_run():
    async def assassin(m):
        await muos.sleep_for(5)
        m.kill()

    async def main():
        muos.spawn(assassin, muos.this_thread(), name="A")
        await muos.sleep_for(100)
        return "not reached"

    r = muos.run(main)
    assert (r.value, r.now) == (None, 5)


# -- suspend / resume -----------------------------------------------------


def test_suspend_and_resume(log):
    async def worker():
        log("W suspends")
        await muos.suspend()
        log("W resumed")

    async def main():
        w = muos.spawn(worker, name="W", priority=P.HIGH)
        await muos.sleep_for(2)
        assert w.state == muos.SUSPENDED
        w.resume()
        assert w.state == muos.READY
        log("resume")
        await muos.sleep_for(1)

    muos.run(main)
    assert log == [(0, "W suspends"), (2, "resume"), (2, "W resumed")]


def test_resume_before_suspend_is_kept_once(log):
    async def worker():
        await muos.suspend()            # resumed already: at once
        log("W first")
        await muos.suspend()            # kept once only: waits
        log("W second")

    async def main():
        w = muos.spawn(worker, name="W", priority=P.LOW)
        w.resume()                      # before W ever ran
        w.resume()                      # not counted twice
        await muos.sleep_for(5)
        assert w.state == muos.SUSPENDED
        w.resume()
        await w.join()
        w.resume()                      # of a finished thread: nothing

    muos.run(main)
    assert log == [(0, "W first"), (5, "W second")]


# -- priorities -----------------------------------------------------------


def test_priority_constants():
    assert (P.IDLE, P.LOWEST, P.LOW, P.BELOW_NORMAL, P.NORMAL,
            P.ABOVE_NORMAL, P.HIGH, P.REALTIME, P.HIGHEST) == (
        0, 1, 32, 64, 96, 128, 160, 192, 254)
    assert (muos.READY, muos.RUNNING, muos.SUSPENDED, muos.TERMINATED) == (
        "READY", "RUNNING", "SUSPENDED", "TERMINATED")


@pytest.mark.parametrize("bad, exc", [
    (0, ValueError), (255, ValueError), (-1, ValueError),
    (1000, ValueError),
    (1.5, TypeError), ("x", TypeError), (None, TypeError),
    (96.0, TypeError),
])
def test_set_priority_range_and_type_checks(bad, exc):
    async def main():
        w = muos.spawn(_forever, name="worker", priority=P.LOW)
        with pytest.raises(exc) as ei:
            w.set_priority(bad)
        # the message names the object and the value
        assert "worker" in str(ei.value)
        assert repr(bad) in str(ei.value)
        assert (w.priority, w.base_priority) == (P.LOW, P.LOW)
        with pytest.raises(exc):
            muos.spawn(_forever, name="other", priority=bad)
        w.set_priority(1)               # the bounds are legal
        w.set_priority(254)
        assert w.priority == 254
        w.kill()
        return "ok"

    assert muos.run(main).value == "ok"


def test_set_priority_of_a_terminated_thread_is_ignored():
    async def worker():
        return 1

    async def main():
        w = muos.spawn(worker, name="W", priority=P.HIGH)
        await muos.sleep_for(1)
        w.set_priority(P.LOW)
        return w.priority

    assert muos.run(main).value == P.HIGH


# -- spawn, this_thread, idle ---------------------------------------------


def test_spawn_of_a_non_async_function_raises_type_error():
    def plain():
        return 1

    async def main():
        with pytest.raises(TypeError):
            muos.spawn(plain)
        with pytest.raises(TypeError):
            muos.spawn(42)
        with pytest.raises(TypeError):
            muos.spawn(_forever, name=3)
        return "ok"

    assert muos.run(main).value == "ok"


def test_spawn_outside_a_kernel_raises_context_error():
    with pytest.raises(muos.ContextError):
        muos.spawn(_forever)
    with pytest.raises(muos.ContextError):
        muos.this_thread()


def test_spawn_default_names_and_this_thread():
    seen = []

    async def worker():
        seen.append(muos.this_thread())

    async def main():
        # implementation choice: "<function name>-<creation number>",
        # counting idle (1) and main (2)
        a = muos.spawn(worker, priority=P.HIGH)
        b = muos.spawn(worker, name="named", priority=P.HIGH)
        c = muos.spawn(worker, priority=P.HIGH)
        await muos.sleep_for(1)
        return a, b, c

    a, b, c = muos.run(main).value
    assert (a.name, b.name, c.name) == ("worker-3", "named", "worker-5")
    assert seen == [a, b, c]            # this_thread() in each
    assert all(isinstance(t, muos.Thread) for t in seen)


def test_kernel_threads_include_idle():
    k = muos.Kernel()
    idle = k.threads[0]
    assert (idle.name, idle.priority) == ("idle", P.IDLE)
    assert k.threads == [idle]
    seen = {}

    async def worker():
        await muos.sleep_for(1)

    async def main():
        w = muos.spawn(worker, name="W")
        seen["during"] = [t.name for t in k.threads]
        await w.join()
        seen["after"] = [t.name for t in k.threads]

    k.spawn(main, name="main")
    k.run()
    assert seen == {"during": ["idle", "main", "W"],
                    "after": ["idle", "main"]}
    assert [t.name for t in k.threads] == ["idle"]


def test_idle_runs_only_when_nothing_else_can(switches):
    async def low():
        await muos.busy(2)

    async def main():
        muos.spawn(low, name="L", priority=P.LOWEST)
        await muos.sleep_for(5)

    r = muos.run(main, trace=True)
    # main sleeps at 0; L (LOWEST, still above IDLE) computes 0..2; idle
    # sleeps 2..5
    assert switches(r.trace) == [(0, "main"), (0, "L"), (2, "idle"),
                                 (5, "main")]
    assert r.stats.threads["idle"].cpu_time == 3


def test_thread_cpu_time_and_switches(log):
    async def high():
        for _ in range(3):
            await muos.busy(0.5)
            await muos.sleep_for(2)

    async def main():
        h = muos.spawn(high, name="H", priority=P.HIGH)
        await muos.busy(4)
        log("main busy done")
        await h.join()
        return h

    r = muos.run(main)
    h = r.value
    # H computes 0..0.5, 2.5..3 and 5..5.5 (1.5) and sleeps to 7.5;
    # main computes 0.5..2.5 and 3..5: its busy(4) ends at 5 exactly when
    # H is released (one instant: main's work ends first), then it joins.
    assert log == [(5, "main busy done")]
    assert h.cpu_time == 1.5
    assert h.switches == 4              # at 0, 2.5, 5 and 7.5 to end
    # its statistics: a view of its own counters, the same read either way
    assert h.stats.cpu_time == r.stats.threads["H"].cpu_time == 1.5
    assert h.stats.switches == r.stats.threads["H"].switches == 4
    m = r.stats.threads["main"]
    assert m.cpu_time == 4
    assert m.switches == 4              # at 0, 0.5, 3, 7.5
    assert r.now == 7.5


def test_two_runs_of_the_same_program_give_identical_traces():
    def program():
        async def worker(i, sem):
            async for job in muos.periodic(3 + i, start=0):
                await muos.busy(1 + i * 0.5)
                if job.index == 2:
                    break
            sem.post()

        async def main():
            sem = muos.Semaphore(0)
            for i in range(3):
                muos.spawn(worker, i, sem, name="w%d" % i,
                           priority=P.NORMAL)
            muos.spawn(worker, 3, sem, name="hi", priority=P.HIGH)
            for _ in range(4):
                await sem.wait()
            return muos.now()
        return main

    r1 = muos.run(program(), trace=True)
    r2 = muos.run(program(), trace=True)
    assert len(r1.trace.events) > 30
    assert r1.trace.events == r2.trace.events
    assert (r1.value, r1.now) == (r2.value, r2.now)


def test_await_results_do_not_leak_into_the_next_await():
    # the switch path hands each resumed thread the value its own await
    # produced: a wait's True must not come back from the yield, busy,
    # sleep or past sleep_until that follow it
    async def main():
        s = muos.Semaphore(1)
        got = [await s.wait(), await muos.yield_now(), await muos.busy(1),
               await muos.sleep_for(1), await muos.sleep_until(0)]
        s.post()
        got.append(await s.timed_wait(5))
        got.append(await muos.sleep_for(0))
        return got

    r = muos.run(main)
    assert r.value == [True, None, None, None, None, True, None]


def test_a_thread_is_its_own_stats_under_a_unique_name():
    # a name already taken is numbered, so that traces, stats and
    # exports never merge two threads: "w", "w#2", "w#3"
    async def w():
        await muos.sleep_for(1)

    async def main():
        ts = [muos.spawn(w, name="w") for _ in range(3)]
        for t in ts:
            await t.join()
        return ts

    r = muos.run(main)
    ts = r.value
    assert [t.name for t in ts] == ["w", "w#2", "w#3"]
    for t in ts:
        # the statistics are views of the thread's own counters (of a
        # record of them once it ended: the statistics do not keep the
        # thread); the thread is not a statistics object
        st_ = r.stats.threads[t.name]
        assert isinstance(st_, muos.ThreadStats)
        assert not isinstance(t, muos.ThreadStats)
        assert st_.name == t.stats.name == t.name
        assert t.stats._c is t and st_._c is not t
        # switched in at its start and again when its sleep ends; no
        # busy work, so no CPU time on SimPort
        assert t.switches == 2 and t.cpu_time == 0
        assert st_.switches == 2 and st_.cpu_time == 0


def test_the_idle_thread_cannot_be_killed_or_reprioritised():
    # issue 14 #2: killing it, or raising its priority (which starved
    # every thread), is a ContextError; a shutdown loop over k.threads
    # that kills "every other thread" meets it
    async def worker():
        await muos.sleep_for(100)

    async def main():
        k = muos.current_kernel()
        muos.spawn(worker, name="w")
        await muos.sleep_for(1)
        refused = []
        for t in k.threads:
            if t is muos.this_thread():
                continue
            try:
                t.kill()
            except muos.ContextError as e:
                refused.append((t.name, "kill", "idle thread" in str(e)))
        try:
            k.idle.set_priority(200)
        except muos.ContextError:
            refused.append(("idle", "set_priority"))
        await muos.sleep_for(1)      # the idle thread still runs the CPU
        return refused, k.idle.priority, k.idle.state, muos.now()

    r = muos.run(main)
    assert r.value == ([("idle", "kill", True), ("idle", "set_priority")],
                       0, "READY", 2)


def test_killing_a_ready_thread_whose_cleanup_drops_its_boost():
    # issue 14 #1. low (10) locks m and computes 0..1; high (30) blocks on
    # m at 1, so low inherits 30 and computes 1..2; the killer (40) wakes
    # at 2, preempting low (READY), and kills it: low's `async with`
    # exit releases m (its boost drops) and high gets m. The dead thread
    # must not go back to the ready list (it was stepped, without a
    # coroutine, and "ended" a second time with an AttributeError).
    log = []
    m = muos.Mutex("m")

    async def low():
        async with m:
            await muos.busy(10)

    async def high():
        await muos.sleep_for(1)
        async with m:
            log.append(("high got m", muos.now()))

    async def killer(lo):
        await muos.sleep_for(2)
        lo.kill()
        log.append(("killed", muos.now(), lo.state))
        await muos.sleep_for(1)

    async def main():
        lo = muos.spawn(low, name="low", priority=10)
        hi = muos.spawn(high, name="high", priority=30)
        ki = muos.spawn(killer, lo, name="killer", priority=40)
        await hi.join()
        await ki.join()
        return lo, muos.current_kernel()

    r = muos.run(main)
    lo, k = r.value
    assert log == [("killed", 2, "TERMINATED"), ("high got m", 2)]
    assert k.failed == [] and lo.exception is None
    assert r.stats.threads["low"].cpu_time == 2
    assert m.owner is None


@pytest.mark.skipif(muos.build() != "compiled",
                    reason="the plain build keeps priority a plain slot")
def test_priority_is_read_only():
    # issue 14 #5: assigning it bypassed the ready list (a crash before)
    async def main():
        t = muos.this_thread()
        with pytest.raises(AttributeError):
            t.priority = 300
        t.set_priority(120)
        assert t.priority == 120

    muos.run(main)


def test_a_killer_killed_by_its_victims_cleanup_ends_at_its_kill(log):
    # issue 14 #3: the victim's cleanup kills its killer, which is
    # running that very kill(): the killer ends when its kill() returns
    # (it went on running as a TERMINATED thread before)
    async def main():
        me = muos.this_thread()

        async def victim():
            try:
                await muos.sleep_for(100)
            finally:
                log("victim cleanup")
                me.kill()
                log("victim cleanup goes on")

        v = muos.spawn(victim, name="v", priority=200)
        await muos.sleep_for(1)
        try:
            v.kill()
        finally:
            log("main's own cleanup")
        log("main after kill")            # never

    r = muos.run(main)
    assert log == [(1, "victim cleanup"), (1, "victim cleanup goes on"),
                   (1, "main's own cleanup")]
    assert r.value is None and r.kernel.threads[-1].name != "main"


def _cv_kill(log, other_holds):
    m = muos.Mutex("m")
    cv = muos.ConditionVariable("cv")

    async def waiter():
        me = muos.this_thread()
        try:
            async with m:
                try:
                    await cv.wait(m)
                finally:
                    log("cleanup owns m: %s" % (m.owner is me))
        finally:
            log("outer cleanup, m owner %s" % (
                None if m.owner is None else m.owner.name))

    async def holder():
        async with m:
            await muos.sleep_for(5)

    async def main():
        w = muos.spawn(waiter, name="w", priority=200)
        await muos.sleep_for(1)          # w waits in cv.wait, m free
        if other_holds:
            muos.spawn(holder, name="h", priority=150)
            await muos.sleep_for(1)      # h holds m
        w.kill()
        log("killed, m owner %s" % (None if m.owner is None
                                    else m.owner.name))
        await muos.sleep_for(10)

    muos.run(main)


def test_a_thread_killed_in_cv_wait_cleans_up_with_the_mutex(log):
    _cv_kill(log, False)
    # POSIX: the mutex is relocked before the cleanup runs (it is free
    # here); the exit of 'async with m' unlocks it
    assert log == [(1, "cleanup owns m: True"),
                   (1, "outer cleanup, m owner None"),
                   (1, "killed, m owner None")]


def test_a_thread_killed_in_cv_wait_while_another_holds_the_mutex(log):
    _cv_kill(log, True)
    # h holds m at the kill: the cleanup runs without it (a kill cannot
    # wait), every finally block runs, and 'async with m' leaves h's m
    assert log == [(2, "cleanup owns m: False"),
                   (2, "outer cleanup, m owner h"),
                   (2, "killed, m owner h")]


def test_a_killed_threads_cleanup_can_take_a_free_mutex(log):
    m = muos.Mutex("m")

    async def victim():
        try:
            await muos.sleep_for(100)
        finally:
            async with m:                  # free: completes at once
                log("cleanup holds m: %s" % (m.owner is not None))
            log("cleanup done")

    async def main():
        v = muos.spawn(victim, name="v", priority=200)
        await muos.sleep_for(1)
        v.kill()
        assert m.owner is None
        await muos.sleep_for(1)

    muos.run(main)
    assert log == [(1, "cleanup holds m: True"), (1, "cleanup done")]


def test_one_trap_awaited_by_two_threads_is_refused():
    # issue 14 #8: a trap is one await. `first` waits on it from tick 0;
    # `second` awaits the same trap at tick 1: RuntimeError there, as a
    # coroutine awaited twice (both builds); first's wait is untouched:
    # the post at tick 2 completes it (True at tick 2)
    s = muos.Semaphore(0)
    shared = []

    async def first():
        t = s.wait()
        shared.append(t)
        got = await t
        return ("first", got, muos.now())

    async def second():
        await muos.sleep_for(1)
        try:
            await shared[0]
        except RuntimeError as e:
            return ("refused", "awaited already" in str(e), muos.now())
        return ("not refused",)

    async def main():
        a = muos.spawn(first)
        b = muos.spawn(second)
        await muos.sleep_for(2)
        s.post()
        return [await b.join(), await a.join()]

    assert muos.run(main).value == [("refused", True, 1),
                                    ("first", True, 2)]


def test_a_unit_handed_to_a_thread_killed_before_it_runs_ends_with_it():
    # issue 14 (decision, docs/concepts.md): w (LOW) waits on s; main
    # (NORMAL) posts at tick 1, handing w the unit (w READY, not run),
    # then kills w: the unit ends with w (s.value stays 0, as µOS++);
    # with throw() instead, w keeps its unit and raises at its next await
    async def main():
        s = muos.Semaphore(0)
        got = []

        async def w():
            try:
                got.append(await s.wait())
                await muos.sleep_for(5)
            except ValueError:
                got.append("raised at the next await")

        t = muos.spawn(w, priority=muos.Priority.LOW)
        await muos.sleep_for(1)
        s.post()
        t.kill()
        killed = (t.state, s.value, list(got))
        t2 = muos.spawn(w, priority=muos.Priority.LOW)
        await muos.sleep_for(1)
        s.post()
        t2.throw(ValueError)
        await t2.join()
        return killed, s.value, got

    assert muos.run(main).value == (
        (muos.TERMINATED, 0, []), 0, [True, "raised at the next await"])
