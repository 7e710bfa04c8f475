"""Interrupts (API.md "Interrupts, critical sections, timers, clocks").

Interrupt lines and their priorities: a more urgent line preempts a
running handler's time and the preempted one resumes; equal priority does
not preempt; every handler preempts every thread; a trigger from a thread
takes effect at its next await; a thread a handler wakes runs when the
last nested handler returns; pending bits and ``missed``; ``trigger_at``,
``trigger_every``, ``cancel``; latency statistics; handlers that raise;
a handler killing the thread it interrupted; blocking calls in a handler
raise ``ContextError`` while the ISR-safe ones work.

Everything runs on SimPort; the comment next to each expected value
derives it. Thread "main" runs at Priority.NORMAL (96).
"""

import pytest

import muos
from muos import Priority as P

from conftest import ns_ticks


def isr_events(trace):
    """``(tick, "enter"/"exit", line)`` of every handler entry and exit."""
    return [(ns_ticks(ev[0], trace.tick_hz), ev[1][4:], ev[3])
            for ev in trace.events if ev[1] in ("isr_enter", "isr_exit")]


def kernel_of():
    return muos.this_thread()._kernel


# -- priorities and nesting ------------------------------------------------


def test_low_handler_preempted_by_high_one_and_resumed(log):
    async def worker():
        await muos.busy(20)
        log("worker done")

    async def main():
        k = kernel_of()
        lo = k.interrupt("lo", lambda: log("lo"), priority=1, cost=4)
        hi = k.interrupt("hi", lambda: log("hi"), priority=5, cost=3)
        lo.trigger_at(2)
        hi.trigger_at(4)
        w = muos.spawn(worker, priority=10, name="worker")
        await w.join()
        return lo, hi, w

    r = muos.run(main, trace=True)
    lo, hi, w = r.value
    assert log == [(2, "lo"), (4, "hi"), (27, "worker done")]
    # lo runs 2..4 (2 of its 4), hi 4..7, lo's last 2 ticks 7..9; the
    # worker lost 4 + 3 = 7 ticks of its 20: done at 20 + 7 = 27
    assert isr_events(r.trace) == [(2, "enter", "lo"), (4, "enter", "hi"),
                                   (7, "exit", "hi"), (9, "exit", "lo")]
    assert (lo.stats.cpu_time, hi.stats.cpu_time) == (4, 3)
    assert w.cpu_time == 20                 # handler time is not its own


def test_equal_priority_does_not_preempt_and_lower_waits(log):
    async def main():
        k = kernel_of()
        a = k.interrupt("a", lambda: log("a"), priority=3, cost=4)
        b = k.interrupt("b", lambda: log("b"), priority=3, cost=2)
        c = k.interrupt("c", lambda: log("c"), priority=1, cost=1)
        a.trigger_at(2)
        b.trigger_at(3)
        c.trigger_at(3)
        await muos.sleep_for(20)
        return a, b, c

    r = muos.run(main, trace=True)
    a, b, c = r.value
    # a 2..6; b (same priority, pending since 3) only after a: 6..8;
    # c (less urgent, pending since 3) after both: 8..9
    assert log == [(2, "a"), (6, "b"), (8, "c")]
    assert isr_events(r.trace) == [
        (2, "enter", "a"), (6, "exit", "a"), (6, "enter", "b"),
        (8, "exit", "b"), (8, "enter", "c"), (9, "exit", "c")]
    # latency = start - trigger: a 2-2, b 6-3, c 8-3
    assert [(x.stats.min, x.stats.max) for x in (a, b, c)] == [
        (0, 0), (3, 3), (5, 5)]


def test_equal_priority_pending_lines_start_in_trigger_order(log):
    async def main():
        k = kernel_of()
        x = k.interrupt("x", lambda: log("x"), priority=2)
        y = k.interrupt("y", lambda: log("y"), priority=2)
        z = k.interrupt("z", lambda: log("z"), priority=2)
        y.trigger()
        z.trigger()
        x.trigger()
        await muos.sleep_for(1)

    muos.run(main)
    assert log == [(0, "y"), (0, "z"), (0, "x")]


def test_handler_code_is_atomic_and_the_urgent_line_it_triggers_runs_next(
        log):
    hi = mid = None

    def h_lo():
        log("lo start")
        hi.trigger()
        mid.trigger()              # less urgent than lo? no: 3 > 1
        log("lo end")

    async def main():
        nonlocal hi, mid
        k = kernel_of()
        lo = k.interrupt("lo", h_lo, priority=1, cost=5)
        mid = k.interrupt("mid", lambda: log("mid"), priority=3, cost=1)
        hi = k.interrupt("hi", lambda: log("hi"), priority=4, cost=2)
        lo.trigger_at(1)
        await muos.sleep_for(20)

    r = muos.run(main, trace=True)
    # lo's Python code runs whole at 1; then hi (4) starts at 1 and runs
    # 1..3, mid (3) 3..4, then lo's 5 ticks 4..9
    assert log == [(1, "lo start"), (1, "lo end"), (1, "hi"), (3, "mid")]
    assert isr_events(r.trace) == [
        (1, "enter", "lo"), (1, "enter", "hi"), (3, "exit", "hi"),
        (3, "enter", "mid"), (4, "exit", "mid"), (9, "exit", "lo")]


def test_three_levels_nest_and_unwind(log):
    async def main():
        k = kernel_of()
        l1 = k.interrupt("l1", lambda: log("l1"), priority=1, cost=10)
        l2 = k.interrupt("l2", lambda: log("l2"), priority=2, cost=10)
        l3 = k.interrupt("l3", lambda: log("l3"), priority=3, cost=10)
        l1.trigger_at(0)
        l2.trigger_at(3)
        l3.trigger_at(5)
        await muos.busy(1)
        log("main")

    r = muos.run(main, trace=True)
    # l1 0..3 (3 used), l2 3..5 (2 used), l3 5..15, l2 15..23 (8 left),
    # l1 23..30 (7 left); main's 1 tick of work 30..31
    assert isr_events(r.trace) == [
        (0, "enter", "l1"), (3, "enter", "l2"), (5, "enter", "l3"),
        (15, "exit", "l3"), (23, "exit", "l2"), (30, "exit", "l1")]
    assert log == [(0, "l1"), (3, "l2"), (5, "l3"), (31, "main")]


def test_every_handler_preempts_the_most_urgent_thread(log):
    async def top():
        await muos.busy(10)
        log("top done")

    async def main():
        k = kernel_of()
        irq = k.interrupt("lowest", lambda: log("isr"), priority=1, cost=3)
        irq.trigger_at(4)
        t = muos.spawn(top, priority=P.HIGHEST)
        await t.join()

    muos.run(main)
    # top (254) computes 0..4, the priority-1 handler 4..7, top 7..13
    assert log == [(4, "isr"), (13, "top done")]


def test_handlers_preempt_a_thread_in_cooperative_mode_and_scheduler_lock(
        log):
    async def main():
        k = kernel_of()
        irq = k.interrupt("i", lambda: log("isr"), cost=2)
        irq.trigger_at(1)
        irq.trigger_at(6)
        with muos.scheduler_locked():
            await muos.busy(4)
            log("locked work done")
        await muos.busy(4)
        log("work done")

    muos.run(main, preemptive=False)
    # handler 1..3 inside the locked section: its 4 ticks end at 6; the
    # second trigger at 6 comes after that work ends (one instant), so
    # handler 6..8, then 4 more ticks of work 8..12
    assert log == [(1, "isr"), (6, "locked work done"), (6, "isr"),
                   (12, "work done")]


# -- triggers from threads, waking threads ---------------------------------


def test_trigger_from_a_thread_takes_effect_at_its_next_await(log):
    async def main():
        k = kernel_of()
        irq = k.interrupt("i", lambda: log("isr"), cost=3)
        await muos.sleep_for(2)
        irq.trigger()
        log("after trigger")          # plain code: the handler waits
        assert irq.pending
        await muos.busy(2)
        log("busy done")
        return irq

    r = muos.run(main)
    # trigger at 2; handler at main's await, still 2, runs 2..5; busy
    # 5..7
    assert log == [(2, "after trigger"), (2, "isr"), (7, "busy done")]
    assert not r.value.pending
    assert (r.value.stats.count, r.value.stats.max) == (1, 0)


@pytest.mark.parametrize("entry", [0, 1])
def test_woken_thread_runs_when_the_last_nested_handler_returns(log, entry):
    sem = muos.Semaphore(0, name="s")
    hi = None

    async def worker():
        await sem.wait()
        log("worker woke")

    async def background():
        await muos.busy(50)
        log("background done")

    def h_lo():
        log("lo")
        sem.post()
        hi.trigger()

    async def main():
        nonlocal hi
        k = kernel_of()
        lo = k.interrupt("lo", h_lo, priority=1, cost=3)
        hi = k.interrupt("hi", lambda: log("hi"), priority=5, cost=2)
        muos.spawn(worker, priority=120)
        muos.spawn(background, priority=10)
        lo.trigger_at(5)
        await muos.sleep_for(100)

    muos.run(main, port=muos.SimPort(isr_entry_cost=entry))
    # lo at 5 posts (worker ready) and triggers hi, which starts at once:
    # hi takes 2 + entry, then lo's 3 + entry: the worker (120) runs at
    # 5 + 5 + 2*entry; the background lost that much of its 50
    end = 5 + 5 + 2 * entry
    assert log == [(5, "lo"), (5, "hi"), (end, "worker woke"),
                   (50 + 5 + 2 * entry, "background done")]


def test_woken_thread_less_urgent_than_the_interrupted_one_waits(log):
    sem = muos.Semaphore(0)

    async def waiter():
        await sem.wait()
        log("waiter woke")

    async def main():
        k = kernel_of()
        irq = k.interrupt("i", sem.post, cost=1)
        muos.spawn(waiter, priority=10)
        await muos.sleep_for(0)       # the waiter blocks at 0
        irq.trigger_at(2)
        await muos.busy(5)
        log("main done")

    muos.run(main)
    # handler 2..3 wakes the waiter (10 < 96): main's work 0..2, 3..6
    assert log == [(6, "main done")]


def test_kernel_lines_triggered_before_run_and_run_until_mid_handler():
    log = []
    k = muos.Kernel()
    irq = k.interrupt("i", lambda: log.append(("isr", k.now)), cost=3)
    irq.trigger()                       # before run: pending at 0
    irq.trigger_at(2)

    async def t():
        await muos.busy(4)
        log.append(("t", muos.now()))

    k.spawn(t)
    assert k.run(3) == "until"
    # 0..3 the first run; the trigger at 2 came while it ran: pending
    assert (k.now, irq.pending, log) == (3, True, [("isr", 0)])
    assert k.run() == "idle"
    # second run 3..6, then t's 4 ticks 6..10
    assert log == [("isr", 0), ("isr", 3), ("t", 10)]
    assert (irq.stats.count, irq.stats.missed, irq.stats.max) == (2, 0, 1)


# -- pending bits ----------------------------------------------------------


def test_trigger_while_pending_is_missed_while_running_is_kept(log):
    irq = None

    def h():
        log("isr")
        if len(log) == 1:
            irq.trigger()         # while running: pending again, kept
            irq.trigger()         # while pending: missed

    async def main():
        nonlocal irq
        irq = kernel_of().interrupt("i", h, cost=2)
        with muos.interrupts_disabled():
            irq.trigger()
            irq.trigger()         # missed
            irq.trigger()         # missed
            await muos.busy(1)
        await muos.busy(1)
        log("main")
        return irq

    r = muos.run(main)
    st = r.value.stats
    # first run at the exit (1) 1..3, the re-trigger runs 3..5; main's
    # last tick 5..6
    assert log == [(1, "isr"), (3, "isr"), (6, "main")]
    assert (st.count, st.missed) == (2, 3)
    # latencies: 1 - 0 and 3 - 1
    assert (st.min, st.max, st.mean) == (1, 2, 1.5)


# -- trigger_at, trigger_every, cancel -------------------------------------


def test_trigger_at_fractional_and_past_ticks(log):
    async def main():
        k = kernel_of()
        irq = k.interrupt("i", lambda: log("isr"))
        irq.trigger_at(2.5)
        await muos.sleep_for(4)
        irq.trigger_at(1)                  # in the past: at once
        await muos.sleep_for(1)

    muos.run(main)
    assert log == [(2.5, "isr"), (4, "isr")]


def test_trigger_every_over_many_periods(log):
    async def main():
        k = kernel_of()
        irq = k.interrupt("tick", lambda: log("t"), priority=2, cost=1)
        irq.trigger_every(7, offset=3)
        await muos.busy(5000)
        irq.cancel()
        await muos.sleep_for(100)
        return irq

    r = muos.run(main)
    # at 3 + 7i; each handler takes 1 of main's CPU, so main's 5000 ticks
    # end at t = 5000 + n, n the handlers started before t, i.e. the i
    # with 3 + 7i < t: n = 833 gives t = 5833 and i <= 832 (3 + 7*832 =
    # 5827): 833 handlers; cancel() at 5833 drops the one due at 5834
    times = [t for t, _ in log]
    assert times == [3 + 7 * i for i in range(833)]
    assert r.value.stats.count == 833
    assert r.value.stats.max == 0
    assert r.value.stats.cpu_time == 833
    assert r.now == 5933                   # 5833 + 100, nothing after


def test_trigger_every_first_release_not_in_the_past(log):
    async def main():
        k = kernel_of()
        a = k.interrupt("a", lambda: log("a"))
        b = k.interrupt("b", lambda: log("b"))
        await muos.sleep_for(10)
        a.trigger_every(4, offset=1)       # 1, 5, 9 past: 13, 17, ...
        b.trigger_every(5)                  # 0, 5 past; 10 is now
        await muos.sleep_for(10)
        a.cancel()
        b.trigger_every(3, offset=21)       # replaces b's series
        await muos.sleep_for(6)

    muos.run(main)
    assert log == [(10, "b"), (13, "a"), (15, "b"), (17, "a"),
                   (20, "b"), (21, "b"), (24, "b")]


class LatePort(muos.SimPort):
    """A SimPort that wakes from idle 0.25 tick late, like a real CPU
    leaving sleep (HostPort, MachinePort): periodic releases must still
    be computed from their own absolute ticks."""

    def advance(self, until_ns, busy):
        if not busy:
            until_ns += 250000
        return muos.SimPort.advance(self, until_ns, busy)


def test_trigger_every_does_not_drift_when_the_port_wakes_late(log):
    async def main():
        k = kernel_of()
        irq = k.interrupt("i", lambda: log("i"))
        irq.trigger_every(10, offset=10)
        await muos.sleep_for(45)
        irq.cancel()

    muos.run(main, port=LatePort())
    # every wake from idle is 0.25 late, but each release stays at 10k:
    # 10.25, 20.25, 30.25, 40.25 (not 10.25, 20.5, 30.75, 41)
    assert log == [(10.25, "i"), (20.25, "i"), (30.25, "i"), (40.25, "i")]


# -- latency statistics ----------------------------------------------------


def test_latency_statistics(log):
    async def main():
        k = kernel_of()
        irq = k.interrupt("tick", lambda: log("t"), priority=3)
        irq.trigger_every(10)
        await muos.sleep_until(9)
        with muos.interrupts_disabled():
            await muos.busy(3)                  # 9..12
        await muos.sleep_until(29)
        with muos.interrupts_masked(3):
            await muos.busy(5)                  # 29..34
        await muos.sleep_until(45)
        return k

    r = muos.run(main)
    k = r.value
    # releases 0, 10, 20, 30, 40; 10 waits for 12, 30 for 34
    assert log == [(0, "t"), (12, "t"), (20, "t"), (34, "t"), (40, "t")]
    st = k.stats.isr_latency["tick"]
    assert st is k.interrupts[0].stats
    # latencies 0, 2, 0, 4, 0
    assert (st.count, st.min, st.max, st.mean, st.missed) == (5, 0, 4, 1.2,
                                                              0)
    assert st.cpu_time == 0


def test_latency_statistics_before_any_trigger_and_fractional():
    async def main():
        k = kernel_of()
        a = k.interrupt("a", lambda: None)
        b = k.interrupt("b", lambda: None, priority=2, cost=0.5)
        c = k.interrupt("c", lambda: None, priority=1)
        b.trigger_at(1)
        c.trigger_at(1.25)              # waits for b to end at 1.5
        await muos.sleep_for(3)
        return a, b, c

    a, b, c = muos.run(main).value
    assert (a.stats.count, a.stats.min, a.stats.max, a.stats.mean) == (
        0, None, None, None)
    assert b.stats.cpu_time == 0.5
    assert (c.stats.min, c.stats.max, c.stats.mean) == (0.25, 0.25, 0.25)


def test_isr_entry_cost_is_charged_to_the_handler(log):
    async def main():
        k = kernel_of()
        irq = k.interrupt("i", lambda: log("isr"), cost=2)
        irq.trigger_at(1)
        await muos.busy(5)
        log("done")
        return irq

    r = muos.run(main, port=muos.SimPort(isr_entry_cost=0.5))
    # handler 1..3.5 (2 + 0.5): main's 5 ticks end at 7.5
    assert log == [(1, "isr"), (7.5, "done")]
    assert r.value.stats.cpu_time == 2.5


# -- handlers that fail, handlers that kill --------------------------------


def test_handler_exception_is_reported_and_the_kernel_continues(
        log, capsys):
    def bad():
        log("bad")
        raise ValueError("sensor on fire")

    async def main():
        k = kernel_of()
        irq = k.interrupt("bad", bad, cost=2)
        irq.trigger_at(1)
        irq.trigger_at(10)
        await muos.busy(5)
        log("main busy done")
        await muos.sleep_until(12)
        log("main end")
        return irq

    r = muos.run(main)
    # the handler's time is still spent: 1..3, main's 5 ticks end at 7
    assert log == [(1, "bad"), (7, "main busy done"), (10, "bad"),
                   (12, "main end")]
    assert r.value.stats.count == 2
    err = capsys.readouterr().err
    assert err.count("interrupt handler 'bad'") == 2
    assert "ValueError: sensor on fire" in err


def test_handler_kills_the_thread_it_interrupted(log):
    victim = None

    def h():
        log("isr, victim %s" % victim.state)
        victim.kill()
        log("killed, victim %s" % victim.state)

    async def body():
        try:
            await muos.busy(10)
            log("victim finished")        # never
        finally:
            log("victim cleanup")

    async def bystander():
        await muos.busy(1)
        log("bystander")

    async def main():
        nonlocal victim
        k = kernel_of()
        irq = k.interrupt("killer", h, cost=2)
        victim = muos.spawn(body, priority=50, name="victim")
        muos.spawn(bystander, priority=10)
        irq.trigger_at(3)
        v = await victim.join()
        log("joined %r" % (v,))
        return victim

    r = muos.run(main)
    v = r.value
    # main joins at 0; the victim computes 0..3; the handler at 3 kills it
    # (its finally runs at once); handler time 3..5; main (woken by the
    # end) at 5; the bystander never ran before main returned
    assert log == [(3, "isr, victim RUNNING"), (3, "victim cleanup"),
                   (3, "killed, victim TERMINATED"), (5, "joined None")]
    assert v.state == muos.TERMINATED
    assert (v.exception, v.cpu_time) == (None, 3)


def test_handler_kills_a_ready_thread_and_the_next_one_runs(log):
    async def victim_body():
        await muos.busy(4)
        log("victim")               # never

    async def other():
        await muos.busy(2)
        log("other")

    async def main():
        k = kernel_of()
        victim = muos.spawn(victim_body, priority=20)
        muos.spawn(other, priority=10)
        irq = k.interrupt("i", victim.kill, cost=1)
        irq.trigger_at(2)
        await muos.sleep_for(10)
        log(victim.state)

    muos.run(main)
    # victim 0..2, killed at 2; handler 2..3; other 3..5
    assert log == [(5, "other"), (10, "TERMINATED")]


# -- what a handler may and may not call -----------------------------------


def blocking_calls(k, objs):
    """Every call that may block (or needs an owner thread), by name."""
    sem, m, f, q, pool, cv, t = objs
    return [
        ("sem.wait", lambda: sem.wait()),
        ("sem.timed_wait", lambda: sem.timed_wait(5)),
        ("m.lock", lambda: m.lock()),
        ("m.try_lock", lambda: m.try_lock()),
        ("m.timed_lock", lambda: m.timed_lock(5)),
        ("m.unlock", lambda: m.unlock()),
        ("m.consistent", lambda: m.consistent()),
        ("m.__aenter__", lambda: m.__aenter__()),
        ("m.__aexit__", lambda: m.__aexit__(None, None, None)),
        ("f.wait", lambda: f.wait(1)),
        ("f.timed_wait", lambda: f.timed_wait(1, 5)),
        ("flags.wait", lambda: t.flags.wait(1)),
        ("q.send", lambda: q.send("x")),
        ("q.timed_send", lambda: q.timed_send("x", 5)),
        ("q.receive", lambda: q.receive()),
        ("q.timed_receive", lambda: q.timed_receive(5)),
        ("pool.alloc", lambda: pool.alloc()),
        ("pool.timed_alloc", lambda: pool.timed_alloc(5)),
        ("cv.wait", lambda: cv.wait(m)),
        ("cv.timed_wait", lambda: cv.timed_wait(m, 5)),
        ("t.join", lambda: t.join()),
        ("wait_any", lambda: muos.wait_any()),
        ("sleep_for", lambda: muos.sleep_for(1)),
        ("sleep_until", lambda: muos.sleep_until(100)),
        ("busy", lambda: muos.busy(1)),
        ("yield_now", lambda: muos.yield_now()),
        ("suspend", lambda: muos.suspend()),
        ("scheduler_locked", lambda: muos.scheduler_locked().__enter__()),
        ("sysclock.sleep_for", lambda: k.sysclock.sleep_for(1)),
        ("sysclock.sleep_until", lambda: k.sysclock.sleep_until(100)),
        ("rtclock.sleep_for", lambda: k.rtclock.sleep_for(1)),
        ("rtclock.sleep_until", lambda: k.rtclock.sleep_until(100)),
        ("hrclock.sleep_for", lambda: k.hrclock.sleep_for(1)),
        ("hrclock.sleep_until", lambda: k.hrclock.sleep_until(10 ** 9)),
    ]


def make_objects():
    return (muos.Semaphore(0), muos.Mutex("m"), muos.EventFlags("f"),
            muos.MessageQueue(2), muos.MemoryPool(1, 8),
            muos.ConditionVariable(), None)


def try_calls(calls, out):
    for name, call in calls:
        try:
            r = call()
        except muos.ContextError:
            out.append((name, "ContextError"))
        except Exception as e:
            out.append((name, type(e).__name__))
        else:
            close = getattr(r, "close", None)
            if close is not None:
                close()
            out.append((name, "no error"))


def test_blocking_calls_in_a_handler_raise_context_error(log):
    seen = []

    async def main():
        k = kernel_of()
        objs = make_objects()[:-1] + (muos.this_thread(),)
        calls = blocking_calls(k, objs)
        irq = k.interrupt("i", lambda: try_calls(calls, seen))
        irq.trigger()
        await muos.sleep_for(1)
        return calls

    calls = muos.run(main).value
    assert seen == [(name, "ContextError") for name, _ in calls]


def test_blocking_calls_in_a_timer_callback_raise_context_error():
    seen = []

    async def main():
        k = kernel_of()
        objs = make_objects()[:-1] + (muos.this_thread(),)
        calls = blocking_calls(k, objs)
        muos.Timer(try_calls, calls, seen).start(1)
        await muos.sleep_for(2)
        return calls

    calls = muos.run(main).value
    assert seen == [(name, "ContextError") for name, _ in calls]


def test_in_isr(log):
    async def main():
        k = kernel_of()
        log(("thread", muos.in_isr()))
        irq = k.interrupt("i", lambda: log(("handler", muos.in_isr())))
        irq.trigger()
        muos.Timer(lambda: log(("timer", muos.in_isr()))).start(1)
        await muos.sleep_for(2)
        log(("thread", muos.in_isr()))

    assert not muos.in_isr()            # no kernel running
    muos.run(main)
    assert log == [(0, ("thread", False)), (0, ("handler", True)),
                   (1, ("timer", True)), (2, ("thread", False))]


def test_isr_safe_calls_from_a_handler(log):
    sem = muos.Semaphore(0, name="sem")
    flags = muos.EventFlags("flags")
    q = muos.MessageQueue(2, name="q")
    full = muos.MessageQueue(1, name="full")
    pool = muos.MemoryPool(2, 4, name="pool")
    suspended = sleeper = owner = other = None

    async def w_sem():
        log(("sem", await sem.wait()))

    async def w_flags():
        log(("flags", await flags.wait(0b11)))

    async def w_q():
        log(("q", await q.receive()))

    async def w_send():
        await full.send("second")
        log("sender done")

    async def w_suspend():
        await muos.suspend()
        log("resumed")

    async def w_sleep():
        try:
            await muos.sleep_for(100)
        except muos.Interrupted:
            log("interrupted")

    async def w_own_flags():
        log(("own flags", await muos.this_thread().flags.wait(4)))

    def handler():
        log(("post", sem.post()))
        log(("try_wait", sem.try_wait()))
        log(("set", flags.set(0b11)))
        q.try_send("hello")
        log(("try_receive", full.try_receive()))   # the sender's turn
        a = pool.try_alloc()
        b = pool.try_alloc()
        log(("third block", pool.try_alloc(), pool.count))
        pool.free(a)
        pool.free(b)
        log(("pool count", pool.count))
        suspended.resume()
        sleeper.interrupt()
        owner.flags.set(4)
        muos.Timer(lambda: log("timer")).start(3)
        other.trigger()
        muos.spawn(spawned, priority=5)
        log("handler end")

    async def spawned():
        log("spawned runs")

    async def main():
        nonlocal suspended, sleeper, owner, other
        k = kernel_of()
        other = k.interrupt("other", lambda: log("other isr"), priority=2,
                            cost=1)
        irq = k.interrupt("i", handler, cost=2)
        # the waiters, most urgent first, so that their wake order shows
        for i, fn in enumerate([w_sem, w_flags, w_q, w_send, w_suspend,
                                w_sleep, w_own_flags]):
            t = muos.spawn(fn, priority=150 - i, name=fn.__name__)
            if fn is w_suspend:
                suspended = t
            elif fn is w_sleep:
                sleeper = t
            elif fn is w_own_flags:
                owner = t
        full.try_send("first")
        irq.trigger_at(5)
        await muos.sleep_for(20)

    muos.run(main)
    # at 5 the handler's code runs whole; "other" (priority 2) then
    # preempts it at once: 5..6, the rest of the handler 6..8. The timer
    # started at 5 for 3 is due at 8, when the handler's time ends (one
    # instant): its callback, an interrupt, runs at 8 before any thread.
    # Every waiter was woken at 5 and runs at 8, most urgent first (150,
    # 149, ...); "spawned" (5) comes last, main (96) being asleep
    assert log == [
        (5, ("post", True)), (5, ("try_wait", False)), (5, ("set", 0)),
        (5, ("try_receive", "first")), (5, ("third block", None, 2)),
        (5, ("pool count", 0)), (5, "handler end"), (5, "other isr"),
        (8, "timer"),
        (8, ("sem", True)), (8, ("flags", 3)), (8, ("q", "hello")),
        (8, "sender done"), (8, "resumed"), (8, "interrupted"),
        (8, ("own flags", 4)), (8, "spawned runs")]
    assert full.try_receive() == "second"


# -- arguments -------------------------------------------------------------


def test_interrupt_arguments_are_checked():
    k = muos.Kernel()
    h = lambda: None                                        # noqa: E731
    for p, exc in [(0, ValueError), (256, ValueError), (1.0, TypeError),
                   ("1", TypeError)]:
        with pytest.raises(exc, match="'x'"):
            k.interrupt("x", h, priority=p)
    with pytest.raises(TypeError, match="'x'"):
        k.interrupt("x", "not callable")
    with pytest.raises(ValueError):
        k.interrupt("x", h, cost=-1)
    irq = k.interrupt("x", h, priority=255, cost=1.5)
    assert (irq.name, irq.priority, irq.cost, irq.pending) == (
        "x", 255, 1.5, False)
    with pytest.raises(ValueError, match="'x'"):
        irq.trigger_every(0)
    assert k.stats.isr_latency["x"] is irq.stats


def test_handler_kill_runs_the_victims_cleanup_as_a_thread(log):
    m = muos.Mutex("m")

    async def victim_body():
        async with m:
            try:
                await muos.busy(10)
            finally:
                log(("cleanup", muos.in_isr()))

    async def other():
        await muos.sleep_for(1)
        async with m:
            log("other has m")

    async def main():
        k = kernel_of()
        victim = muos.spawn(victim_body, priority=50)
        muos.spawn(other, priority=40)
        k.interrupt("kill", victim.kill, cost=1).trigger_at(3)
        await muos.sleep_for(20)
        log(("owner", m.owner))

    muos.run(main)
    # the victim (50) computes 0..3 holding m; killed at 3 its cleanup
    # runs as the thread and unlocks; handler 3..4; "other" (40) never
    # ran: it sleeps 4..5 and then locks the free mutex at 5
    assert log == [(3, ("cleanup", False)), (5, "other has m"),
                   (20, ("owner", None))]


def test_an_interrupt_storm_at_one_instant_is_an_error_naming_the_line():
    # issue 14 #8: a zero-cost handler that triggers its own line would
    # stop simulated time forever; past irqcontrol.STORM handlers at one
    # instant the run raises, naming the line and the tick
    from muos import irqcontrol as irq_module

    async def main():
        k = muos.current_kernel()
        line = k.interrupt("echo", lambda: line.trigger())
        await muos.sleep_for(2)
        line.trigger()
        await muos.sleep_for(1)

    with pytest.raises(muos.MuosError, match=r"interrupt storm: line "
                       r"'echo' started %d handlers at tick 2"
                       % irq_module.STORM):
        muos.run(main)
