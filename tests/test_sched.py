"""The scheduler (API.md "Scheduling" and "Preemption points").

Preemption by spawn, post, set_priority and timeouts; the order of the
ready list (a preempted thread keeps the head, FIFO among equals,
``yield_now`` and an expired time slice go to the tail); round-robin with
``time_slice`` 1, 2 and None; cooperative mode; ``scheduler_locked``.

Everything runs on SimPort with zero costs, so each tick is exact; the
comment next to each expected log derives it. Thread "main" always runs
at Priority.NORMAL (96).
"""

import pytest

import muos
from muos import Priority as P

# -- preemption: a more urgent thread made ready by a plain call ----------


def test_spawn_of_more_urgent_thread_preempts_at_the_next_await(log):
    async def high():
        log("H run")

    async def main():
        muos.spawn(high, name="H", priority=P.HIGH)
        log("spawned")          # plain code after spawn: still main
        await muos.busy(1)      # the await is the preemption point
        log("main end")

    r = muos.run(main)
    # H runs at 0, at main's await, before main's busy starts; main's
    # busy(1) then runs 0..1.
    assert log == [(0, "spawned"), (0, "H run"), (1, "main end")]
    assert r.now == 1


def test_spawn_of_equal_or_lower_priority_does_not_preempt(log):
    async def worker(name):
        log(name)

    async def main():
        muos.spawn(worker, "eq", name="eq")      # NORMAL, like main
        muos.spawn(worker, "low", name="low", priority=P.LOW)
        await muos.busy(2)
        log("main blocks")
        await muos.sleep_for(1)
        log("main end")

    muos.run(main, time_slice=None)
    # No rotation (time_slice None): main computes 0..2 and blocks at 2;
    # then eq (NORMAL) and low (LOW) run at 2; main wakes at 2 + 1 = 3.
    assert log == [(2, "main blocks"), (2, "eq"), (2, "low"),
                   (3, "main end")]


def test_post_to_a_more_urgent_waiter_preempts_at_the_next_await(log):
    async def high(sem):
        log("H wait")
        await sem.wait()
        log("H got")

    async def main():
        sem = muos.Semaphore(0)
        muos.spawn(high, sem, name="H", priority=P.HIGH)
        await muos.busy(1)      # H runs first, at 0, and blocks on sem
        assert sem.post() is True
        log("posted")           # post() itself does not switch
        await muos.busy(1)      # H runs here, at 1; main's busy is 1..2
        log("main end")

    muos.run(main)
    assert log == [(0, "H wait"), (1, "posted"), (1, "H got"),
                   (2, "main end")]


def test_set_priority_raising_a_ready_thread_preempts_the_caller(log):
    async def worker():
        t = muos.this_thread()
        log("W run %d/%d" % (t.priority, t.base_priority))

    async def main():
        w = muos.spawn(worker, name="W", priority=P.LOW)
        await muos.busy(1)      # W (LOW) cannot run during 0..1
        w.set_priority(P.HIGH)
        log("raised")           # no switch inside the plain call
        await muos.busy(1)      # W runs at 1; main's busy is then 1..2
        log("main end")

    muos.run(main)
    assert log == [(1, "raised"), (1, "W run 160/160"), (2, "main end")]


def test_lowering_own_priority_below_a_ready_thread_switches(log):
    async def worker():
        log("W run")

    async def main():
        muos.spawn(worker, name="W", priority=P.BELOW_NORMAL)
        me = muos.this_thread()
        me.set_priority(P.LOW)
        log("lowered %d/%d" % (me.priority, me.base_priority))
        await muos.busy(1)      # W (64) now outranks main (32): W at 0
        log("main end")

    muos.run(main)
    assert log == [(0, "lowered 32/32"), (0, "W run"), (1, "main end")]


def test_set_priority_puts_a_ready_thread_at_the_tail_of_its_level(log):
    async def worker(name):
        log(name)

    async def main():
        muos.spawn(worker, "B", name="B", priority=P.LOW)
        c = muos.spawn(worker, "C", name="C", priority=P.LOWEST)
        muos.spawn(worker, "D", name="D", priority=P.LOW)
        c.set_priority(P.LOW)   # LOW was [B, D]: C joins behind D (µOS++)
        await muos.sleep_for(1)

    muos.run(main)
    assert log == [(0, "B"), (0, "D"), (0, "C")]


def test_timeout_of_a_more_urgent_thread_preempts_busy_work(log):
    async def high():
        await muos.sleep_for(3)
        log("H woke")
        await muos.busy(2)
        log("H end")

    async def main():
        muos.spawn(high, name="H", priority=P.HIGH)
        log("main busy")
        await muos.busy(10)
        log("main end")

    r = muos.run(main)
    # H sleeps to 3 at main's first await; main computes 0..3 (7 left),
    # H 3..5, main the remaining 7 from 5 to 12.
    assert log == [(0, "main busy"), (3, "H woke"), (5, "H end"),
                   (12, "main end")]
    assert r.stats.threads["main"].cpu_time == 10
    assert r.stats.threads["H"].cpu_time == 2


# -- the order of the ready list ------------------------------------------


def test_preempted_thread_keeps_the_head_of_its_ready_list(log, switches):
    async def worker(name):
        log(name + " start")
        await muos.busy(4)
        log(name + " end")

    async def high():
        await muos.sleep_until(2)
        log("H")
        await muos.busy(1)

    async def main():
        ts = [muos.spawn(worker, n, name=n, priority=P.LOW) for n in "AB"]
        muos.spawn(high, name="H", priority=P.HIGH)
        for t in ts:
            await t.join()

    r = muos.run(main, trace=True, time_slice=None)
    # main blocks in join at 0; H runs and sleeps to 2; A (the first LOW)
    # computes 0..2; H 2..3; A, preempted, resumes at the head, before B,
    # and ends at 3 + 2 = 5; main (joined A) runs at 5 and blocks on B;
    # B computes 5..9.
    assert log == [(0, "A start"), (2, "H"), (5, "A end"), (5, "B start"),
                   (9, "B end")]
    assert switches(r.trace) == [
        (0, "main"), (0, "H"), (0, "A"), (2, "H"), (3, "A"), (5, "main"),
        (5, "B"), (9, "main")]


def test_preempted_thread_keeps_head_and_round_robin_goes_on(switches):
    async def worker():
        await muos.busy(3)

    async def high():
        await muos.sleep_until(2.5)
        await muos.busy(0.25)

    async def main():
        a = muos.spawn(worker, name="A", priority=P.LOW)
        b = muos.spawn(worker, name="B", priority=P.LOW)
        muos.spawn(high, name="H", priority=P.HIGH)
        await a.join()
        await b.join()

    r = muos.run(main, trace=True)      # time_slice=1 (default)
    # Slices end on tick boundaries. A 0..1 (A has 1), B 1..2 (B 1),
    # A 2..2.5 (A 1.5): H preempts A mid-slice; H 2.5..2.75; A keeps the
    # head and resumes before B: 2.75..3 (A 1.75); at 3 its slice ends:
    # B 3..4 (B 2), A 4..5 (A 2.75), B 5..6 (B 3: B ends at 6), A 6..6.25
    # (A 3: A ends); main (joined A, then B already ended) at 6.25.
    assert switches(r.trace) == [
        (0, "main"), (0, "H"), (0, "A"), (1, "B"), (2, "A"), (2.5, "H"),
        (2.75, "A"), (3, "B"), (4, "A"), (5, "B"), (6, "A"),
        (6.25, "main")]
    assert r.now == 6.25


def test_preemption_at_the_end_of_a_slice_sends_to_the_tail(switches):
    # Choice (API.md: a thread "whose time slice expires ... goes to the
    # tail"): when a more urgent thread arrives at the very tick where
    # the running thread's slice ends, the expiry still counts (one
    # instant), so the preempted thread goes behind its equal B instead
    # of getting a second slice in a row.
    async def worker():
        await muos.busy(3)

    async def high():
        await muos.sleep_until(1)
        await muos.busy(0.5)

    async def main():
        a = muos.spawn(worker, name="A", priority=P.LOW)
        b = muos.spawn(worker, name="B", priority=P.LOW)
        muos.spawn(high, name="H", priority=P.HIGH)
        await a.join()
        await b.join()

    r = muos.run(main, trace=True)
    # A 0..1 (A 1); at 1 A's slice ends and H wakes: A to the tail;
    # H 1..1.5; B 1.5..2 (B 0.5); A 2..3 (A 2); B 3..4 (B 1.5); A 4..5
    # (A 3, ends); main (NORMAL) at 5 blocks on B; B 5..6.5 alone at LOW
    # (no rotation without an equal): main at 6.5.
    assert switches(r.trace) == [
        (0, "main"), (0, "H"), (0, "A"), (1, "H"), (1.5, "B"), (2, "A"),
        (3, "B"), (4, "A"), (5, "main"), (5, "B"), (6.5, "main")]


def test_equal_priority_threads_run_in_spawn_order(log):
    async def worker(name):
        log(name)

    async def main():
        for n, p in (("L1", P.LOW), ("H1", P.HIGH), ("L2", P.LOW),
                     ("H2", P.HIGH), ("L3", P.LOW), ("H3", P.HIGH)):
            muos.spawn(worker, n, name=n, priority=p)
        log("spawned")
        await muos.sleep_for(1)
        log("main end")

    muos.run(main)
    # the HIGH ones preempt main at its await, FIFO; the LOW ones run,
    # FIFO, when main sleeps; all at 0. main wakes at 1.
    assert log == [(0, "spawned"), (0, "H1"), (0, "H2"), (0, "H3"),
                   (0, "L1"), (0, "L2"), (0, "L3"), (1, "main end")]


def test_yield_now_goes_to_the_tail_of_its_priority(log):
    async def worker(name):
        for i in range(2):
            log("%s%d" % (name, i))
            await muos.busy(1)
            await muos.yield_now()

    async def main():
        ts = [muos.spawn(worker, n, name=n, priority=P.LOW) for n in "ABC"]
        for t in ts:
            await t.join()

    muos.run(main, time_slice=None)
    # each computes 1 tick then yields to the tail: A0 B0 C0 A1 B1 C1 at
    # 0, 1, ..., 5.
    assert log == [(0, "A0"), (1, "B0"), (2, "C0"), (3, "A1"), (4, "B1"),
                   (5, "C1")]


def test_yield_now_without_an_equal_peer_keeps_the_cpu(log):
    async def low():
        log("L")

    async def main():
        muos.spawn(low, name="L", priority=P.LOW)
        await muos.yield_now()      # L is less urgent: main goes on
        log("after yield")
        await muos.sleep_for(1)     # now L runs, at 0
        log("main end")

    muos.run(main)
    assert log == [(0, "after yield"), (0, "L"), (1, "main end")]


# -- round-robin --------------------------------------------------------


@pytest.mark.parametrize("time_slice, expected_switches, expected_log", [
    # 1 tick each in turn: A 0..1, B 1..2, A 2..3, B 3..4, A 4..5 (A has
    # 3: ends at 5), B 5..6 (ends at 6); main (joined A, then B) at 6.
    (1, [(0, "main"), (0, "A"), (1, "B"), (2, "A"), (3, "B"), (4, "A"),
         (5, "B"), (6, "main")],
     [(5, "A end"), (6, "B end")]),
    # 2 ticks each: A 0..2, B 2..4, A 4..5 (ends), B 5..6 (ends).
    (2, [(0, "main"), (0, "A"), (2, "B"), (4, "A"), (5, "B"),
         (6, "main")],
     [(5, "A end"), (6, "B end")]),
    # no rotation: A 0..3, B 3..6.
    (None, [(0, "main"), (0, "A"), (3, "B"), (6, "main")],
     [(3, "A end"), (6, "B end")]),
])
def test_round_robin_among_equal_priority_busy_threads(
        log, switches, time_slice, expected_switches, expected_log):
    async def worker(name):
        await muos.busy(3)
        log(name + " end")

    async def main():
        a = muos.spawn(worker, "A", name="A")       # NORMAL, like main
        b = muos.spawn(worker, "B", name="B")
        await a.join()                # main blocks at 0
        await b.join()

    r = muos.run(main, trace=True, time_slice=time_slice)
    assert switches(r.trace) == expected_switches
    assert log == expected_log
    assert r.stats.context_switches == len(expected_switches)
    assert r.stats.threads["A"].cpu_time == 3
    assert r.stats.threads["B"].cpu_time == 3


def test_round_robin_with_a_single_thread_switches_nothing(switches):
    async def main():
        await muos.busy(5)

    r = muos.run(main, trace=True)
    # nothing else ready at NORMAL: slices end, main keeps the CPU
    assert switches(r.trace) == [(0, "main")]
    assert r.stats.context_switches == 1
    assert r.now == 5


def test_time_slice_property_and_validation():
    k = muos.Kernel()
    assert k.time_slice == 1
    k.time_slice = 3
    assert k.time_slice == 3
    k.time_slice = None
    assert k.time_slice is None
    for bad in (0, -1):
        with pytest.raises(ValueError):
            k.time_slice = bad
        with pytest.raises(ValueError):
            muos.Kernel(time_slice=bad)
    for bad in (1.5, "1"):      # API.md: ValueError or TypeError
        with pytest.raises((ValueError, TypeError)):
            k.time_slice = bad
    assert k.time_slice is None


# -- cooperative mode ---------------------------------------------------


def test_cooperative_more_urgent_thread_waits_until_the_runner_blocks(log):
    async def high():
        log("H run")

    async def main():
        muos.spawn(high, name="H", priority=P.HIGH)
        await muos.busy(2)              # not a block: H waits
        await muos.sleep_for(0)         # returns at once: not a block
        await muos.sleep_until(1)       # in the past: not a block
        log("main still")
        await muos.sleep_for(1)         # blocks: H runs at 2
        log("main end")

    muos.run(main, preemptive=False)
    assert log == [(2, "main still"), (2, "H run"), (3, "main end")]


def test_cooperative_timeout_waits_for_yield(log):
    async def high():
        await muos.sleep_until(1)
        log("H woke")

    async def main():
        muos.spawn(high, name="H", priority=P.HIGH)
        await muos.busy(5)              # H ready at 1, but main keeps on
        log("main yields")
        await muos.yield_now()          # main to the tail: H runs at 5
        log("main end")

    r = muos.run(main, preemptive=False)
    assert log == [(5, "main yields"), (5, "H woke"), (5, "main end")]
    assert r.now == 5


def test_cooperative_no_rotation_among_equals(switches):
    async def worker():
        await muos.busy(3)

    async def main():
        a = muos.spawn(worker, name="A")
        b = muos.spawn(worker, name="B")
        await a.join()
        await b.join()

    k = muos.Kernel(preemptive=False, trace=True)
    assert k.preemptive is False
    k.spawn(main, name="main")
    k.run()
    # time_slice=1 is ignored without preemption: A 0..3, B 3..6; main
    # ends at 6 and Kernel.run() goes on to idle (nothing left to run)
    assert switches(k.trace) == [(0, "main"), (0, "A"), (3, "B"),
                                 (6, "main"), (6, "idle")]
    assert k.now == 6


def test_preemptive_can_be_switched_at_run_time(log):
    k = muos.Kernel()
    assert k.preemptive is True

    async def high():
        log("H run")

    async def main():
        k.preemptive = False
        muos.spawn(high, name="H", priority=P.HIGH)
        await muos.busy(1)              # cooperative: H waits
        log("coop")
        k.preemptive = True
        await muos.busy(1)              # preemptive again: H runs at 1
        log("main end")

    k.spawn(main, name="main")
    k.run()
    assert log == [(1, "coop"), (1, "H run"), (2, "main end")]


# -- scheduler locking --------------------------------------------------


def test_scheduler_locked_nested_defers_the_switch_to_the_outer_exit(log):
    async def high():
        log("H run")
        await muos.busy(1)
        log("H end")

    async def main():
        with muos.scheduler_locked():
            muos.spawn(high, name="H", priority=P.HIGH)
            log("locked")
            await muos.busy(2)              # no switch: H waits
            with muos.scheduler_locked() as inner:
                assert isinstance(inner, muos.scheduler_locked)
                await muos.yield_now()      # no switch either
                log("inner")
                await muos.busy(1)
            log("inner exit")               # still locked (outer)
            await muos.busy(1)
            log("outer exit")
        log("unlocked")                     # plain code: still main
        await muos.busy(1)                  # H runs here, 4..5
        log("main end")

    muos.run(main)
    # main computes 0..2, 2..3 and 3..4 locked; H runs at 4 for 1;
    # main's last busy is 5..6.
    assert log == [(0, "locked"), (2, "inner"), (3, "inner exit"),
                   (4, "outer exit"), (4, "unlocked"), (4, "H run"),
                   (5, "H end"), (6, "main end")]


def test_scheduler_locked_defers_a_timeout_wakeup(log):
    async def high():
        await muos.sleep_until(1)
        log("H woke")

    async def main():
        muos.spawn(high, name="H", priority=P.HIGH)
        await muos.sleep_for(0)     # H runs at 0 and sleeps to 1
        with muos.scheduler_locked():
            await muos.busy(3)      # H ready at 1, no switch inside
            log("unlock")
        await muos.busy(1)          # H runs at 3; main's busy 3..4
        log("main end")

    muos.run(main)
    assert log == [(3, "unlock"), (3, "H woke"), (4, "main end")]


def test_scheduler_locked_defers_slice_rotation(log):
    async def worker():
        log("A run")
        await muos.busy(1)
        log("A end")

    async def main():
        muos.spawn(worker, name="A")        # NORMAL, like main
        with muos.scheduler_locked():
            await muos.busy(3)              # slice ends at 1: no rotation
            log("unlock")
        await muos.busy(1)                  # expired slice: A runs at 3
        log("main end")

    muos.run(main)
    # A 3..4; main's busy 4..5.
    assert log == [(3, "unlock"), (3, "A run"), (4, "A end"),
                   (5, "main end")]


def test_blocking_inside_scheduler_locked_raises_context_error(log):
    async def high():
        log("H run")

    async def other():
        await muos.sleep_for(100)

    async def main():
        sem = muos.Semaphore(1)
        o = muos.spawn(other, name="O", priority=P.LOW)
        with muos.scheduler_locked():
            muos.spawn(high, name="H", priority=P.HIGH)
            with muos.scheduler_locked():
                calls = [lambda: muos.sleep_for(1),
                         lambda: muos.sleep_for(0),
                         lambda: muos.sleep_until(0),
                         muos.suspend,
                         sem.wait,      # even with a unit available
                         o.join]
                for call in calls:
                    # the call itself raises, before any await
                    with pytest.raises(muos.ContextError):
                        call()
            with pytest.raises(muos.ContextError):
                await muos.sleep_for(1)
            await muos.busy(1)              # still locked: H waits
            log("still locked")
        await muos.sleep_for(1)     # lock released: sleeping works, H runs
        log("main end")
        o.kill()

    muos.run(main)
    assert log == [(1, "still locked"), (1, "H run"), (2, "main end")]


def test_scheduler_locked_restores_the_state_after_an_exception(log):
    async def high():
        log("H run")

    async def main():
        with pytest.raises(KeyError):
            with muos.scheduler_locked():
                with muos.scheduler_locked():
                    muos.spawn(high, name="H", priority=P.HIGH)
                    raise KeyError("x")
        log("unlocked")
        await muos.sleep_for(1)     # not locked any more: H runs at 0
        log("main end")

    muos.run(main)
    assert log == [(0, "unlocked"), (0, "H run"), (1, "main end")]


def test_scheduler_locked_outside_a_thread_raises_context_error():
    with pytest.raises(muos.ContextError):
        with muos.scheduler_locked():
            pass


def test_a_level_first_reached_while_running_then_joined(log, switches):
    # A raises itself to 150, a level no thread has been in (its ready
    # list is made only when a thread joins it): its slice ends at 1 with
    # no peer there, then B joins that level and they rotate.
    async def b():
        await muos.busy(2)
        log("B end")

    async def a():
        muos.this_thread().set_priority(150)
        await muos.busy(1)           # 0..1, alone at 150: no rotation
        muos.spawn(b, name="B", priority=150)   # equal: no preemption...
        await muos.busy(2)           # ...but A's slice ended at 1: B runs
        log("A end")

    async def main():
        t = muos.spawn(a, name="A")
        await t.join()               # main blocks at 0
        log("main end")

    r = muos.run(main, trace=True)
    # one-tick slices at 150 from 1: B 1..2, A 2..3, B 3..4 (B's two
    # ticks done), A 4..5 (its two done), then main
    assert switches(r.trace) == [(0, "main"), (0, "A"), (1, "B"), (2, "A"),
                                 (3, "B"), (4, "A"), (5, "main")]
    assert log == [(4, "B end"), (5, "A end"), (5, "main end")]


def _level_0(k):
    # the threads linked at level 0, walked at most 4 steps (a thread
    # linked twice makes a loop)
    h = k._ready._heads[0]
    out, t = [], h._rnext
    while t is not h and len(out) < 4:
        out.append(t)
        t = t._rnext
    return out


@pytest.mark.parametrize("how", ["plain", "traced", "timer",
                                 "cooperative"])
def test_the_idle_thread_stays_alone_at_level_0(how):
    # The idle thread stays in the ready list while it runs (kernel.py,
    # step 4): however it leaves the CPU (the loop's written-out case;
    # _preempt, traced; a timer that wakes no one), level 0 holds it
    # once.
    # w sleeps 0..3 and 3..6; a one-shot timer started at 0 and 3 fires
    # at 2 and 5 with the CPU idle, waking no one: the idle thread keeps
    # the CPU (no switch). Switches: w at 0, 3, 6; the idle thread at 0,
    # 3 and 6 (w's end).
    k = muos.Kernel(trace=(how == "traced"),
                    preemptive=(how != "cooperative"))
    fired = []

    async def w():
        tm = muos.Timer(lambda: fired.append(k.now))   # one-shot
        for _ in range(2):
            if how == "timer":
                tm.start(2)
            await muos.sleep_for(3)
            assert _level_0(k) == [k.idle]
            assert k.idle.state == muos.READY

    k.spawn(w, name="w")
    k.run()
    assert k.now == 6
    assert _level_0(k) == [k.idle]
    assert k.idle._rnext is not None and k.idle._rprev is not None
    assert fired == ([2, 5] if how == "timer" else [])
    # w's switches: 0, 3, 6 in; the idle thread's: after each
    assert k.idle.switches == 3 and k._threads[-1].switches == 3


def test_simports_jump_leaves_an_objects_own_advance_to_it():
    # The loop writes SimPort's idle sleep out (a jump to the next
    # event), but not for a port whose advance is its own: this spy is
    # called for the one idle sleep, 0..3 ticks (3,000,000 ns at 1 kHz).
    port = muos.SimPort()
    real = port.advance
    calls = []

    def spy(until_ns, busy):
        calls.append((until_ns, busy))
        return real(until_ns, busy)

    port.advance = spy

    async def w():
        await muos.sleep_for(3)

    muos.run(w, port=port)
    assert calls == [(3_000_000, False)]
