"""Critical sections (API.md "Interrupts, critical sections, ...").

``with muos.interrupts_disabled():`` and ``with
muos.interrupts_masked(p):`` (lines of priority <= p wait, more urgent
ones run): an interrupt triggered inside is delivered at the first await
after the outermost exit; sections nest and restore what they found; no
thread switch happens inside (preemption, time slices, ``yield_now``);
blocking inside raises ``ContextError``; the longest masked section is
recorded per run and per thread.

Everything runs on SimPort; the comment next to each expected value
derives it. Thread "main" runs at Priority.NORMAL (96).
"""

import pytest

import muos


def kernel_of():
    return muos.this_thread()._kernel


# -- delivery on exit ------------------------------------------------------


def test_interrupt_triggered_inside_is_handled_at_the_await_after_exit(log):
    async def main():
        k = kernel_of()
        irq = k.interrupt("i", lambda: log("isr"), priority=255, cost=2)
        with muos.interrupts_disabled():
            log("enter")
            irq.trigger()                  # from the thread
            await muos.busy(4)             # time passes: still pending
            log(("inside", irq.pending))
        log("exit")                        # plain code: still pending
        await muos.busy(1)
        log("after")
        return irq

    r = muos.run(main)
    # inside 0..4; the handler at the busy after the exit: 4..6; main's
    # tick 6..7
    assert log == [(0, "enter"), (4, ("inside", True)), (4, "exit"),
                   (4, "isr"), (7, "after")]
    assert r.value.stats.max == 4          # triggered 0, started 4


def test_timed_triggers_inside_wait_for_the_exit(log):
    async def main():
        k = kernel_of()
        irq = k.interrupt("i", lambda: log("isr"))
        tm = muos.Timer(lambda: log("timer"))
        irq.trigger_at(1)
        tm.start(2)
        with muos.interrupts_disabled():
            await muos.busy(5)
        await muos.sleep_for(1)
        return k

    k = muos.run(main).value
    # both due inside (1, 2), both at the exit (5), in trigger order
    assert log == [(5, "isr"), (5, "timer")]
    assert (k.stats.isr_latency["i"].max,
            k.stats.isr_latency["timers"].max) == (4, 3)


def test_masked_lets_more_urgent_lines_through(log):
    async def main():
        k = kernel_of()
        lines = [k.interrupt("p%d" % p, (lambda p=p: log("p%d" % p)),
                             priority=p, cost=1) for p in (2, 3, 4)]
        for irq in lines:
            irq.trigger_at(1)
        with muos.interrupts_masked(3):
            await muos.busy(5)
            log("section done")
        await muos.sleep_for(0)

    muos.run(main)
    # p4 (above the mask) at 1, 1..2; p3 and p2 (<= 3) wait: main's 5
    # ticks end at 6; then p3 6..7, p2 7..8
    assert log == [(1, "p4"), (6, "section done"), (6, "p3"), (7, "p2")]


def test_nested_sections_restore_what_they_found(log):
    async def main():
        k = kernel_of()
        p2 = k.interrupt("p2", lambda: log("p2"), priority=2)
        p4 = k.interrupt("p4", lambda: log("p4"), priority=4)
        p6 = k.interrupt("p6", lambda: log("p6"), priority=6)
        with muos.interrupts_masked(3):
            with muos.interrupts_disabled():
                for irq in (p2, p4, p6):
                    irq.trigger()
                await muos.busy(1)            # 0..1: all wait
            await muos.busy(1)                # 1: p4, p6 run (mask 3)
            log("outer")
            with muos.interrupts_masked(5):
                p4.trigger()
                p6.trigger()
                with muos.interrupts_masked(2):   # cannot unmask 3..5
                    await muos.busy(1)        # 2: p6 runs, p4 waits
                    log("inner")
                await muos.busy(1)            # masked(5) again: p4 waits
                log("masked 5")
            await muos.busy(1)                # mask 3: p4 runs at 4
            log("outer again")
        await muos.sleep_for(0)               # p2 at 5

    muos.run(main)
    assert log == [(1, "p6"), (1, "p4"), (2, "outer"), (2, "p6"),
                   (3, "inner"), (4, "masked 5"), (4, "p4"),
                   (5, "outer again"), (5, "p2")]


def test_exception_inside_restores_the_mask(log):
    async def main():
        k = kernel_of()
        irq = k.interrupt("i", lambda: log("isr"))
        try:
            with muos.interrupts_disabled():
                irq.trigger()
                raise KeyError("boom")
        except KeyError:
            log("caught")
        await muos.sleep_for(1)
        log("slept")

    muos.run(main)
    assert log == [(0, "caught"), (0, "isr"), (1, "slept")]


def test_masked_section_in_a_handler(log):
    def h_lo():
        with muos.interrupts_masked(5):
            hi.trigger()               # 5 <= 5: waits for the exit
            log("lo masked")
        log("lo end")

    async def main():
        nonlocal hi
        k = kernel_of()
        lo = k.interrupt("lo", h_lo, priority=1, cost=3)
        hi = k.interrupt("hi", lambda: log("hi"), priority=5, cost=1)
        lo.trigger_at(1)
        await muos.sleep_for(10)
        return k

    hi = None
    k = muos.run(main).value
    # the handler's code is atomic: hi starts after it, at 1, and preempts
    # lo's time (1..2); no thread was masking, so no masked_by
    assert log == [(1, "lo masked"), (1, "lo end"), (1, "hi")]
    assert k.stats.masked_by is None


# -- no thread switch inside -----------------------------------------------


def test_no_preemption_inside_a_critical_section(log):
    async def urgent():
        log("urgent runs")

    async def main():
        k = kernel_of()
        irq = k.interrupt("i", lambda: muos.spawn(urgent, priority=200),
                          priority=9)
        irq.trigger_at(1)
        with muos.interrupts_masked(3):
            muos.spawn(urgent, priority=150)
            await muos.busy(3)             # 0..3: no switch
            log("main inside")
        log("main exit")
        await muos.busy(1)                 # both urgent threads first
        log("main after")

    muos.run(main)
    # the handler (above the mask) spawns at 1; main keeps the CPU to the
    # end of the section at 3; at its next await both run (200 first)
    assert log == [(3, "main inside"), (3, "main exit"), (3, "urgent runs"),
                   (3, "urgent runs"), (4, "main after")]


@pytest.mark.parametrize("section", ["disabled", "masked"])
def test_yield_now_inside_does_not_switch(log, section):
    async def peer():
        log("peer")

    async def main():
        muos.spawn(peer, priority=96)
        cs = (muos.interrupts_disabled() if section == "disabled"
              else muos.interrupts_masked(1))
        with cs:
            await muos.yield_now()         # a preemption point, no switch
            log("main inside")
        await muos.yield_now()
        log("main after")

    muos.run(main)
    assert log == [(0, "main inside"), (0, "peer"), (0, "main after")]


def test_no_round_robin_inside_a_critical_section(log):
    async def peer():
        await muos.busy(2)
        log("peer")

    async def main():
        muos.spawn(peer, priority=96)
        with muos.interrupts_disabled():
            await muos.busy(3)              # no rotation every tick
            log("main inside")
        await muos.busy(2)
        log("main after")

    muos.run(main, time_slice=1)
    # main 0..3 uninterrupted; then one-tick slices: main's slice is over,
    # so peer 3..4, main 4..5, peer 5..6 (done), main 6..7
    assert log == [(3, "main inside"), (6, "peer"), (7, "main after")]


def test_wake_inside_a_section_switches_at_the_await_after_exit(log):
    sem = muos.Semaphore(0)

    async def waiter():
        await sem.wait()
        log("waiter")

    async def main():
        muos.spawn(waiter, priority=150)
        await muos.sleep_for(1)
        with muos.interrupts_disabled():
            sem.post()
            await muos.busy(2)
            log("main inside")
        await muos.sleep_for(0)
        log("main after")

    muos.run(main)
    assert log == [(3, "main inside"), (3, "waiter"), (3, "main after")]


# -- blocking inside raises ------------------------------------------------


@pytest.mark.parametrize("section", ["disabled", "masked"])
def test_blocking_inside_raises_context_error(section):
    seen = []

    async def other():
        await muos.sleep_for(100)

    async def main():
        k = kernel_of()
        sem = muos.Semaphore(1)          # available: still refused
        m = muos.Mutex("m")
        q = muos.MessageQueue(1)
        q.try_send("x")
        f = muos.EventFlags()
        f.set(1)
        pool = muos.MemoryPool(1, 4)
        t = muos.spawn(other)
        calls = [
            ("sem.wait", lambda: sem.wait()),
            ("sem.timed_wait", lambda: sem.timed_wait(1)),
            ("m.lock", lambda: m.lock()),
            ("m.timed_lock", lambda: m.timed_lock(1)),
            ("q.receive", lambda: q.receive()),
            ("q.send", lambda: q.send("y")),
            ("f.wait", lambda: f.wait(1)),
            ("pool.alloc", lambda: pool.alloc()),
            ("join", lambda: t.join()),
            ("sleep_for", lambda: muos.sleep_for(1)),
            ("sleep_until", lambda: muos.sleep_until(10)),
            ("suspend", lambda: muos.suspend()),
            ("wait_any", lambda: muos.wait_any(sem.wait())),
            ("sysclock.sleep_for", lambda: k.sysclock.sleep_for(1)),
        ]
        cs = (muos.interrupts_disabled() if section == "disabled"
              else muos.interrupts_masked(7))
        with cs:
            for name, call in calls:
                try:
                    call()
                except muos.ContextError:
                    seen.append(name)
            # the non-blocking forms work inside
            assert sem.try_wait() and not sem.try_wait()
            assert m.try_lock()
            m.unlock()
            assert q.try_receive() == "x"
            assert f.try_wait(1) == 1
            pool.free(pool.try_alloc())
            await muos.busy(1)                   # computing is fine
        t.kill()
        return [name for name, _ in calls]

    names = muos.run(main).value
    assert seen == names


# -- accounting ------------------------------------------------------------


def test_longest_masked_section_per_run_and_per_thread(log):
    async def worker():
        await muos.sleep_until(10)
        with muos.interrupts_masked(4):
            with muos.interrupts_disabled():   # nested: one section
                await muos.busy(2)
            await muos.busy(3)
        with muos.interrupts_disabled():
            await muos.busy(1)

    async def main():
        k = kernel_of()
        k.interrupt("hi", lambda: None, priority=9, cost=0.5).trigger_at(12)
        t = muos.spawn(worker, priority=100, name="worker")
        with muos.interrupts_disabled():
            await muos.busy(2)
        with muos.interrupts_disabled():
            pass                              # zero length
        await t.join()
        return k

    k = muos.run(main).value
    # main: 0..2 -> 2 (the worker starts at 2, sleeps until 10); worker:
    # 10..15.5 (2 + 3 of work plus the priority-9 handler's 0.5 at 12,
    # inside masked(4)) -> 5.5, then 1
    assert (k.stats.longest_masked, k.stats.masked_by) == (5.5, "worker")
    assert k.stats.threads["main"].longest_masked == 2
    assert k.stats.threads["worker"].longest_masked == 5.5


def test_no_masked_section_records_nothing():
    async def main():
        await muos.busy(3)
        return kernel_of()

    k = muos.run(main).value
    assert (k.stats.longest_masked, k.stats.masked_by) == (0, None)
    assert k.stats.threads["main"].longest_masked == 0


def test_thread_killed_inside_a_masked_section_restores_the_mask(log):
    async def victim_body():
        with muos.interrupts_masked(3):
            lo.trigger()
            await muos.busy(10)

    async def main():
        nonlocal lo
        k = kernel_of()
        lo = k.interrupt("lo", lambda: log("lo"), priority=3)
        victim = muos.spawn(victim_body, priority=100, name="victim")
        hi = k.interrupt("hi", victim.kill, priority=5)
        hi.trigger_at(4)
        await muos.sleep_for(10)
        return k

    lo = None
    k = muos.run(main).value
    # hi (above the mask) kills the victim at 4: its section's exit runs,
    # the mask is restored and lo, pending since 0, runs at 4
    assert log == [(4, "lo")]
    assert k.stats.threads["victim"].longest_masked == 4


# -- arguments -------------------------------------------------------------


def test_section_arguments_and_context():
    for p, exc in [(0, ValueError), (256, ValueError), (2.0, TypeError),
                   (None, TypeError)]:
        with pytest.raises(exc):
            muos.interrupts_masked(p)
    with pytest.raises(muos.ContextError):
        with muos.interrupts_disabled():
            pass
