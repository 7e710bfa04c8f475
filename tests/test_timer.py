"""Software timers (API.md ``muos.Timer``).

``Timer(callback, *args, periodic=False, name=None)``, ``start(ticks)``
(restart allowed), ``stop()``, ``active``. Callbacks run in interrupt
context, inside the interrupt line "timers" (priority 1): more urgent
lines delay them, equal ones too. Periodic timers are rescheduled from
their own deadline (no drift), here over 1,000 periods; a stopped timer's
callback never runs, even when its expiry is already waiting for the
"timers" line.

Everything runs on SimPort; the comment next to each expected value
derives it. Thread "main" runs at Priority.NORMAL (96).
"""

import pytest

import muos

from test_irq import LatePort


def kernel_of():
    return muos.this_thread()._kernel


# -- periodic --------------------------------------------------------------


def test_periodic_callbacks_over_1000_periods_do_not_drift():
    times = []

    def cb():
        times.append(muos.now())
        if len(times) == 1000:
            tm.stop()

    async def hog():
        await muos.busy(10 ** 6)

    async def main():
        nonlocal tm
        k = kernel_of()
        hi = k.interrupt("hi", lambda: None, priority=5, cost=3)
        hi.trigger_every(70, offset=6)         # busy 6..9 mod 70
        muos.spawn(hog, priority=200)          # the callbacks preempt it
        tm = muos.Timer(cb, periodic=True, name="p7")
        tm.start(7)
        await muos.sleep_until(7200)
        return k

    tm = None
    k = muos.run(main).value
    # deadlines 7k, k = 1..1000, from the timer's own deadline; when
    # 7k = 7 mod 70 (k = 1 mod 10) the "hi" handler holds the CPU 6..9 mod
    # 70, so that callback runs at 7k + 2, and the next one is still at
    # 7(k + 1); stopped after the 1000th (7000), nothing up to 7200
    assert times == [7 * i + (2 if i % 10 == 1 else 0)
                     for i in range(1, 1001)]
    st = k.stats.isr_latency["timers"]
    assert (st.count, st.min, st.max, st.missed) == (1000, 0, 2, 0)
    assert st.mean == 100 * 2 / 1000        # 100 late by 2
    assert not tm.active


def test_periodic_timer_does_not_drift_when_the_port_wakes_late(log):
    async def main():
        tm = muos.Timer(log, "t", periodic=True)
        tm.start(10)
        await muos.sleep_for(45)
        tm.stop()

    muos.run(main, port=LatePort())
    # each wake from idle is 0.25 late; deadlines stay at 10k
    assert log == [(10.25, "t"), (20.25, "t"), (30.25, "t"), (40.25, "t")]


def test_periodic_restart_changes_the_period_and_stop_from_callback(log):
    def cb(what):
        log(what)
        if len(log) == 6:
            tm.stop()

    async def main():
        nonlocal tm
        tm = muos.Timer(cb, "tick", periodic=True)
        tm.start(5)
        await muos.sleep_for(12)
        assert tm.active
        tm.start(3)                         # from 12: 15, 18, ...
        await muos.sleep_for(30)
        return tm

    tm = None
    t = muos.run(main).value
    # 5, 10; restarted at 12 with period 3: 15, 18, 21, 24, stopped by
    # its sixth callback
    assert log == [(5, "tick"), (10, "tick"), (15, "tick"), (18, "tick"),
                   (21, "tick"), (24, "tick")]
    assert not t.active


# -- one-shot --------------------------------------------------------------


def test_one_shot_start_restart_and_stop(log):
    async def main():
        a = muos.Timer(log, "a", name="a")
        b = muos.Timer(log, "b", name="b")
        c = muos.Timer(log, "c", name="c")
        log(("active", a.active))
        a.start(5)
        b.start(10)
        c.start(10)
        log(("active", a.active, b.active))
        await muos.sleep_for(4)
        b.start(10)                          # restart: 14, not 10
        await muos.sleep_for(2)
        log(("a fired, active", a.active))
        c.stop()
        c.stop()                             # twice is harmless
        log(("c stopped, active", c.active))
        await muos.sleep_for(20)
        a.start(0.5)                         # started again, fractional
        await muos.sleep_for(1)

    muos.run(main)
    assert log == [(0, ("active", False)), (0, ("active", True, True)),
                   (5, "a"), (6, ("a fired, active", False)),
                   (6, ("c stopped, active", False)), (14, "b"),
                   (26.5, "a")]


def test_one_shot_restarted_from_its_own_callback(log):
    def cb():
        log(("cb", tm.active))
        if len(log) < 3:
            tm.start(5)

    async def main():
        nonlocal tm
        tm = muos.Timer(cb)
        tm.start(5)
        await muos.sleep_for(30)

    tm = None
    muos.run(main)
    assert log == [(5, ("cb", False)), (10, ("cb", False)),
                   (15, ("cb", False))]


def test_zero_ticks_fires_at_the_next_await(log):
    async def main():
        tm = muos.Timer(log, "timer")
        tm.start(0)
        log("started")
        await muos.busy(1)
        log("main")

    muos.run(main)
    assert log == [(0, "started"), (0, "timer"), (1, "main")]


def test_stop_while_the_expiry_waits_for_the_timers_line(log):
    async def main():
        a = muos.Timer(log, "a")
        b = muos.Timer(log, "b", periodic=True)
        c = muos.Timer(log, "c")
        a.start(1)
        b.start(1)
        c.start(1)
        with muos.interrupts_disabled():
            await muos.busy(3)        # a at 1, b at 1, 2, 3: all waiting
            a.stop()
            b.stop()
            c.start(2)                # restarted: the old expiry is void
        await muos.sleep_for(10)

    muos.run(main)
    # only c's new expiry (3 + 2) runs
    assert log == [(5, "c")]


def test_callback_stopping_another_timer_due_at_the_same_tick(log):
    def first():
        log("first")
        second.stop()

    async def main():
        nonlocal second
        t1 = muos.Timer(first)
        second = muos.Timer(log, "second")
        t1.start(2)
        second.start(2)
        await muos.sleep_for(5)

    second = None
    muos.run(main)
    assert log == [(2, "first")]


def test_periodic_expiries_held_back_by_a_section_are_not_lost(log):
    async def main():
        tm = muos.Timer(log, "t", periodic=True)
        tm.start(1)
        with muos.interrupts_disabled():
            await muos.busy(3)               # due at 1, 2, 3
        await muos.sleep_for(1)
        tm.stop()
        return muos.this_thread()._kernel

    k = muos.run(main).value
    # the three held-back expiries run at the exit, then 4 as usual
    assert log == [(3, "t"), (3, "t"), (3, "t"), (4, "t")]
    # queued, not missed: one run of the line at 3 (latency 2), one at 4
    st = k.stats.isr_latency["timers"]
    assert (st.count, st.missed, st.max) == (2, 0, 2)


# -- the "timers" interrupt line -------------------------------------------


def test_timer_callbacks_are_a_priority_1_interrupt(log):
    async def main():
        k = kernel_of()
        same = k.interrupt("same", lambda: log("same"), priority=1, cost=3)
        above = k.interrupt("above", lambda: log("above"), priority=2,
                            cost=2)
        muos.Timer(log, "t1").start(2)
        muos.Timer(log, "t2").start(10)
        same.trigger_at(1)
        above.trigger_at(9)
        await muos.busy(20)
        log("main")
        return k

    k = muos.run(main).value
    # t1 due at 2 waits for "same" (1..4, equal priority): 4; t2 due at
    # 10 waits for "above" (9..11): 11; main's 20 ticks lose 3 + 2: 25
    assert log == [(1, "same"), (4, "t1"), (9, "above"), (11, "t2"),
                   (25, "main")]
    st = k.stats.isr_latency["timers"]
    assert (st.count, st.min, st.max) == (2, 1, 2)
    timers = [i for i in k.interrupts if i.name == "timers"]
    assert len(timers) == 1 and timers[0].priority == 1


def test_timer_callback_wakes_a_thread(log):
    flags = muos.EventFlags()

    async def waiter():
        log(("got", await flags.wait(2)))

    async def main():
        muos.spawn(waiter, priority=150)
        muos.Timer(flags.set, 2).start(7)
        await muos.busy(10)
        log("main")

    muos.run(main)
    assert log == [(7, ("got", 2)), (10, "main")]


def test_callback_exception_is_reported_and_others_still_run(log, capsys):
    def bad():
        log("bad")
        raise RuntimeError("oops")

    async def main():
        muos.Timer(bad, name="bad", periodic=True).start(3)
        muos.Timer(log, "good").start(3)
        await muos.sleep_for(7)

    muos.run(main)
    # both due at 3 in start order; the periodic one keeps going (6)
    assert log == [(3, "bad"), (3, "good"), (6, "bad")]
    err = capsys.readouterr().err
    assert err.count("timer 'bad' callback") == 2
    assert "RuntimeError: oops" in err


def test_timer_arguments_and_context():
    with pytest.raises(TypeError, match="'x'"):
        muos.Timer("nope", name="x")
    tm = muos.Timer(lambda: None, name="x")
    assert not tm.active
    with pytest.raises(muos.ContextError):
        tm.start(1)                          # no kernel running

    async def main():
        p = muos.Timer(lambda: None, periodic=True, name="p")
        for bad, exc in [(0, ValueError), (-1, ValueError),
                         ("1", TypeError)]:
            with pytest.raises(exc, match="'p'"):
                p.start(bad)
        with pytest.raises(ValueError):
            muos.Timer(lambda: None).start(-1)
        assert not p.active

    muos.run(main)
