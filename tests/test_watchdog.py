"""The task watchdog (``muos.Watchdog``): registered threads must feed it
before ``last feed + timeout``; a thread that does not is reported at
exactly that tick, in interrupt context (the log, the trace, the
``on_timeout`` callback), once per lapse; a hardware watchdog is fed only
while every registered thread is on time.

SimPort with zero overheads: every tick below is exact, and the comment
next to each expected value derives it. Thread "main" runs at
Priority.NORMAL (96), above the workers unless said otherwise.
"""

import json

import pytest

import muos
from muos import ContextError, Watchdog


def watchdog_events(trace):
    """``(tick, thread, watchdog, details)`` of every "watchdog" event."""
    return [(ev[0] // 1000000, ev[2], ev[3], ev[4])
            for ev in trace.events if ev[1] == "watchdog"]


def timer_ticks(trace, name):
    return [ev[0] // 1000000 for ev in trace.events
            if ev[1] == "timer" and ev[3] == name]


class FakeWDT:
    """A hardware watchdog (``machine.WDT``) that notes when it is fed."""

    def __init__(self):
        self.fed = []

    def feed(self):
        self.fed.append(muos.now())


async def hog(*spans):
    """CPU work in the spans ``(start, ticks)``."""
    for start, ticks in spans:
        await muos.sleep_until(start)
        await muos.busy(ticks)


# -- arguments -------------------------------------------------------------

@pytest.mark.parametrize("timeout, kwargs, exc, value", [
    (0, {}, ValueError, "0"),
    (-5, {}, ValueError, "-5"),
    (float("inf"), {}, ValueError, "inf"),
    (float("nan"), {}, ValueError, "nan"),
    ("10", {}, TypeError, "'10'"),
    (True, {}, TypeError, "True"),
    (None, {}, TypeError, "None"),
    (10, {"on_timeout": 5}, TypeError, "5"),
    (10, {"hardware": "wdt"}, TypeError, "'wdt'"),
])
def test_bad_arguments_name_the_watchdog_and_the_value(timeout, kwargs, exc,
                                                       value):
    with pytest.raises(exc) as ei:
        Watchdog(timeout, name="wd", **kwargs)
    assert "Watchdog 'wd'" in str(ei.value)
    assert value in str(ei.value)


def test_bad_name():
    with pytest.raises(TypeError) as ei:
        Watchdog(10, name=3)
    assert "3" in str(ei.value)


def test_bad_uses_in_a_run():
    wd = Watchdog(10, name="wd")
    other = muos.Kernel()

    async def nap():
        await muos.sleep_for(1)

    foreign = other.spawn(nap, name="foreign")
    errors = []

    def expect(exc, fn, *args):
        try:
            fn(*args)
        except exc as e:
            errors.append(str(e))
        else:
            errors.append("no %s" % exc.__name__)

    def handler():
        expect(ContextError, wd.register)           # no calling thread
        expect(ContextError, wd.feed)

    async def ended():
        pass

    async def main():
        done = muos.spawn(ended, name="ended")
        await done.join()
        expect(TypeError, wd.register, "main")
        expect(ValueError, wd.register, done)
        expect(ValueError, wd.register, foreign)
        expect(ValueError, wd.feed)                  # not registered
        expect(ValueError, wd.unregister)
        expect(ValueError, wd.status)
        wd.register()
        expect(ValueError, wd.register)              # twice
        irq = muos.current_kernel().interrupt("irq", handler)
        irq.trigger()
        await muos.sleep_for(1)
        wd.unregister()

    muos.run(main)
    assert errors == [
        "Watchdog 'wd'.register: thread must be a muos Thread or None, "
        "not 'main'",
        "Watchdog 'wd'.register: thread 'ended' has ended",
        "Watchdog 'wd'.register: thread 'foreign' belongs to another kernel",
        "Watchdog 'wd'.feed: thread 'main' is not registered",
        "Watchdog 'wd'.unregister: thread 'main' is not registered",
        "Watchdog 'wd'.status: thread 'main' is not registered",
        "Watchdog 'wd'.register: thread 'main' is registered already",
        "Watchdog 'wd'.register: not allowed in an interrupt handler or "
        "timer callback",
        "Watchdog 'wd'.feed: not allowed in an interrupt handler or timer "
        "callback",
    ]
    with pytest.raises(ContextError):
        wd.register(foreign)                         # outside any kernel
    other.close()


def test_register_returns_the_record():
    wd = Watchdog(10)

    async def main():
        await muos.sleep_for(3)
        w = wd.register()
        assert wd.status() is w and w.thread is muos.this_thread()
        # registered at 3: deadline 3 + 10
        assert (w.last_feed, w.deadline, w.late, w.misses,
                w.last_miss) == (3, 13, False, 0, None)
        assert wd.threads == [w.thread] and wd.expired == []
        await muos.sleep_for(4)
        wd.feed()                                    # at 7: due by 17
        assert (w.last_feed, w.deadline) == (7, 17)
        assert "deadline=17" in repr(w) and "threads=1" in repr(wd)
        wd.unregister()
        assert wd.threads == []

    muos.run(main)


# -- on time, late ---------------------------------------------------------

def test_a_thread_that_feeds_in_time_is_never_reported():
    calls = []
    wd = Watchdog(10, name="wd", on_timeout=calls.append)

    async def worker():
        wd.register()
        for _ in range(20):
            await muos.sleep_for(9)                  # 9 < 10: on time
            wd.feed()
        return wd.status()

    async def main():
        w = await muos.spawn(worker, name="worker").join()
        return w

    r = muos.run(main, trace=True)
    w = r.value
    # 20 feeds, 9 ticks apart: the last at 180, due by 190
    assert (r.now, w.last_feed, w.deadline, w.misses) == (180, 180, 190, 0)
    assert (calls, wd.misses, wd.log, wd.expired) == ([], 0, [], [])
    assert watchdog_events(r.trace) == []


def test_a_starving_thread_is_caught_at_last_feed_plus_timeout():
    calls = []
    wd = Watchdog(10, name="wd")

    def on_timeout(t):
        try:
            muos.sleep_for(1)                 # blocking: refused here
            refused = None
        except ContextError:
            refused = "ContextError"
        calls.append((muos.now(), t.name, muos.in_isr(), refused))

    wd.on_timeout = on_timeout
    seen = {}

    async def worker():
        wd.register()
        while muos.now() < 50:
            wd.feed()
            await muos.sleep_for(4)
        seen["end"] = wd.status()
        wd.unregister()

    async def probe(w):
        await muos.sleep_until(30)
        st = wd.status(w)
        seen[30] = ([t.name for t in wd.expired], st.late, st.last_feed,
                    st.deadline, st.misses, st.last_miss)

    async def main():
        w = muos.spawn(worker, name="worker", priority=muos.Priority.LOW)
        muos.spawn(hog, (13, 30), name="hog", priority=muos.Priority.HIGH)
        muos.spawn(probe, w, priority=muos.Priority.HIGHEST)
        await w.join()

    r = muos.run(main, trace=True)
    # worker feeds at 0, 4, 8, 12; the hog computes 13..43, so its wake-up
    # at 16 waits: the deadline 12 + 10 = 22 passes without a feed. It is
    # reported at 22, in the handler of the "timers" line
    assert calls == [(22, "worker", True, "ContextError")]
    # at 30 it is still late: last fed at 12, due by 22, one miss
    assert seen[30] == (["worker"], True, 12, 22, 1, 22)
    # from 43 it feeds every 4 again (43, 47), on time; 51 >= 50 ends it
    end = seen["end"]
    assert (end.late, end.last_feed, end.deadline, end.misses) == (
        False, 47, 57, 1)
    assert (wd.misses, wd.log, wd.expired) == (1, [(22, "worker")], [])
    # the trace: the event at 22, details (last feed, deadline)
    assert watchdog_events(r.trace) == [(22, "worker", "wd", (12, 22))]
    assert "watchdog  worker         wd             12 -> 22" in \
        r.trace.timeline(kinds=("watchdog",))


def test_each_lapse_is_reported_once_and_counted():
    calls = []
    wd = Watchdog(10, on_timeout=lambda t: calls.append(muos.now()))

    async def worker():
        wd.register()
        while muos.now() < 90:
            wd.feed()
            await muos.sleep_for(4)
        return wd.status()

    async def main():
        w = muos.spawn(worker, name="worker", priority=muos.Priority.LOW)
        muos.spawn(hog, (13, 30), (60, 20), priority=muos.Priority.HIGH)
        return await w.join()

    w = muos.run(main).value
    # first lapse: fed at 12, due by 22, hog until 43 -> reported at 22
    # only (not again at 32 or 42: once per lapse). It feeds at 43, 47, 51,
    # 55, 59; the hog computes 60..80: due by 59 + 10 = 69 -> reported at
    # 69. Then 80, 84, 88 on time
    assert calls == [22, 69]
    assert (w.misses, w.last_miss, wd.misses) == (2, 69, 2)
    assert wd.log == [(22, "worker"), (69, "worker")]


@pytest.mark.parametrize("wait", ["sleep", "busy"])
def test_a_feed_at_the_deadline_tick_is_late(wait):
    # feeding exactly `timeout` after the last feed is late, whichever runs
    # first at that instant: the timer's handler (after a sleep) or the
    # thread (its busy() ends first: one instant's rule)
    calls = []
    wd = Watchdog(10, on_timeout=lambda t: calls.append(muos.now()))

    async def worker():
        wd.register()
        for _ in range(3):
            if wait == "sleep":
                await muos.sleep_for(10)
            else:
                await muos.busy(10)
            wd.feed()
        wd.unregister()                      # at 30, the third miss due

    async def main():
        await muos.spawn(worker, name="w", priority=muos.Priority.LOW).join()

    muos.run(main)
    # deadlines 0 + 10, 10 + 10, 20 + 10: each fed at that very tick
    assert calls == [10, 20, 30]
    assert wd.log == [(10, "w"), (20, "w"), (30, "w")]


def test_unregister_stops_the_watch_and_the_timer():
    calls = []
    wd = Watchdog(10, name="wd", on_timeout=calls.append)

    async def worker():
        wd.register()
        for _ in range(3):
            await muos.sleep_for(4)
            wd.feed()
        wd.unregister()                          # at 12
        await muos.sleep_for(40)                 # starved: not watched

    async def main():
        w = muos.spawn(worker, name="worker", priority=muos.Priority.LOW)
        muos.spawn(hog, (13, 30), priority=muos.Priority.HIGH)
        await w.join()

    r = muos.run(main, trace=True)
    assert calls == [] and wd.misses == 0
    # the timer was armed at 10 (registered at 0), found the worker fed
    # (at 8: due by 18) and re-armed at 18; the unregister at 12 stopped
    # it: no expiry at 18
    assert timer_ticks(r.trace, "wd") == [10]


def test_the_hardware_is_fed_only_while_every_thread_is_on_time():
    hw = FakeWDT()
    wd = Watchdog(10, name="wd", hardware=hw)
    out = {}

    async def feeder(period):
        wd.register()
        while True:
            await muos.sleep_for(period)
            wd.feed()

    async def main():
        muos.spawn(feeder, 4, name="A", priority=10)
        muos.spawn(feeder, 3, name="B", priority=30)
        muos.spawn(hog, (13, 30), name="hog", priority=20)
        await muos.sleep_until(61)
        out["misses"] = wd.log

    muos.run(main)
    # B (30) then A (10) register at 0: two feeds. B feeds every 3, A
    # every 4 until the hog (20, between them) computes 13..43: A fed at
    # 12, is late from 22 until it feeds at 43. B's feeds 24..42 find A
    # late: the hardware is not fed from 22 to 43.
    # B: 3..21 (7) and 45..60 (6); A: 4, 8, 12 and 43, 47, 51, 55, 59
    assert out["misses"] == [(22, "A")]
    assert hw.fed == [0, 0, 3, 4, 6, 8, 9, 12, 12, 15, 18, 21,
                      43, 45, 47, 48, 51, 51, 54, 55, 57, 59, 60]


def test_a_thread_is_late_from_its_deadline_tick_before_the_report():
    hw = FakeWDT()
    calls = []
    wd = Watchdog(10, hardware=hw, on_timeout=lambda t: calls.append(
        muos.now()))
    seen = []

    async def silent():
        wd.register()
        await muos.sleep_for(30)

    async def busy_feeder():
        wd.register()
        await muos.busy(5)
        wd.feed()                                # at 5: due by 15
        await muos.busy(5)
        # at 10: the busy() ended first (one instant's rule), so this runs
        # before the timer's handler: A's deadline 0 + 10 has come
        wd.feed()
        seen.append((muos.now(), [t.name for t in wd.expired], list(calls)))
        wd.unregister()

    async def main():
        muos.spawn(silent, name="A", priority=30)      # registers first
        muos.spawn(busy_feeder, name="B", priority=20)
        await muos.sleep_until(20)

    muos.run(main)
    # B's feed at 10 finds A late (not yet reported): the hardware is not
    # fed then (only at the registrations, A's then B's, at 0, and at B's
    # feed at 5); its unregister leaves A late too
    assert seen == [(10, ["A"], [])]
    assert calls == [10]
    assert hw.fed == [0, 0, 5]


@pytest.mark.parametrize("how", ["return", "exception", "kill"])
def test_a_thread_that_ends_registered_is_reported_once(how):
    hw = FakeWDT()
    calls = []
    wd = Watchdog(10, hardware=hw, on_timeout=calls.append)
    out = {}

    async def worker():
        wd.register()
        await muos.sleep_for(5)
        wd.feed()                                # at 5: due by 15
        if how == "exception":
            raise RuntimeError("worker failed")
        if how == "kill":
            await muos.sleep_for(100)

    async def main():
        w = muos.spawn(worker, name="worker", priority=muos.Priority.LOW)
        await muos.sleep_until(7)
        if how == "kill":
            w.kill()
        await muos.sleep_until(40)
        out["at 40"] = (w.state, wd.expired == [w], wd.log,
                        list(hw.fed))
        wd.unregister(w)
        out["after"] = (wd.threads, wd.expired, hw.fed[-1])

    muos.run(main)
    # it ended at 5 or 7 without unregistering: it can no longer feed, so
    # it is reported at its deadline 15 (once: not at 25 or 35), stays
    # late, and the hardware was fed only at 0 (register) and 5 (feed)
    assert out["at 40"] == (muos.TERMINATED, True, [(15, "worker")],
                            [0, 5])
    assert [t.name for t in calls] == ["worker"]
    # unregistering it leaves no thread late: the hardware is fed at 40
    assert out["after"] == ([], [], 40)


def test_a_deadlocked_system_still_stalls():
    # a late thread is not reported again, so the watchdog's timer does
    # not keep a kernel whose threads can never run again going
    wd = Watchdog(10)

    async def stuck():
        wd.register()
        await muos.Semaphore(0).wait()

    async def main():
        muos.spawn(stuck, name="stuck", priority=muos.Priority.HIGH)
        await muos.Semaphore(0).wait()

    with pytest.raises(muos.Stalled):
        muos.run(main, until=10000)
    assert wd.log == [(10, "stuck")]


# -- the callback ----------------------------------------------------------

def test_a_failing_callback_is_reported_and_the_others_still_run(capsys):
    calls = []

    def on_timeout(t):
        calls.append((muos.now(), t.name))
        if t.name == "A":
            raise RuntimeError("callback failed")

    wd = Watchdog(10, name="wd", on_timeout=on_timeout)

    async def silent():
        wd.register()
        await muos.sleep_for(20)

    async def main():
        muos.spawn(silent, name="A")
        muos.spawn(silent, name="B")
        await muos.sleep_for(15)

    muos.run(main)
    # both registered at 0, never fed: both due by 10
    assert calls == [(10, "A"), (10, "B")]
    assert wd.log == [(10, "A"), (10, "B")]
    err = capsys.readouterr().err
    assert "Watchdog 'wd' on_timeout ended with an exception" in err
    assert "callback failed" in err


def test_a_callback_may_unregister_a_thread():
    def on_timeout(t):
        wd.unregister(b)                    # B is due at the same tick

    wd = Watchdog(10, on_timeout=on_timeout)
    b = None

    async def silent():
        wd.register()
        await muos.sleep_for(20)

    async def main():
        nonlocal b
        muos.spawn(silent, name="A")
        b = muos.spawn(silent, name="B")
        await muos.sleep_for(15)
        return [t.name for t in wd.threads]

    # A's report (at 10) unregisters B before its turn: B is not reported
    assert muos.run(main).value == ["A"]
    assert wd.log == [(10, "A")]


def test_interrupts_disabled_delay_the_report_not_the_deadline():
    calls = []
    wd = Watchdog(10, name="wd", on_timeout=lambda t: calls.append(
        muos.now()))

    async def main():
        wd.register()
        with muos.interrupts_disabled():
            await muos.busy(15)
        await muos.sleep_for(1)
        wd.unregister()

    r = muos.run(main, trace=True)
    # due by 10; the timers' line waits for interrupts to be enabled at 15:
    # the callback runs at 15, the log and the event keep the deadline 10
    assert calls == [15]
    assert wd.log == [(10, "main")]
    assert watchdog_events(r.trace) == [(15, "main", "wd", (0, 10))]


# -- time, kernels, cores, exporters ---------------------------------------

@pytest.mark.parametrize("tick_hz, timeout", [(1000, 2.5), (1024, 7),
                                              (32768, 3)])
def test_exact_at_every_tick_rate(tick_hz, timeout):
    calls = []
    wd = Watchdog(timeout, on_timeout=lambda t: calls.append(muos.now()))

    async def main():
        await muos.sleep_for(5)
        wd.register()
        await muos.sleep_for(20)
        wd.unregister()

    muos.run(main, tick_hz=tick_hz)
    # registered at 5: due by 5 + timeout, exactly
    assert calls == [5 + timeout]
    assert wd.log == [(5 + timeout, "main")]


def test_a_watchdog_moves_to_a_new_kernel_once_its_threads_ended():
    wd = Watchdog(10, name="wd")

    async def sleeper():
        wd.register()
        await muos.sleep_for(100)

    k1 = muos.Kernel()
    k1.spawn(sleeper, name="old")
    k1.run(until=12)                            # "old" late since 10
    assert wd.log == [(10, "old")]

    async def main():
        try:
            wd.register()
        except ValueError as e:
            return str(e)

    assert muos.run(main).value == (
        "Watchdog 'wd': registered threads of another kernel are still "
        "running (old)")
    k1.run()                                    # "old" ends at 100
    k1.close()

    async def main2():
        wd.register()
        await muos.sleep_for(11)
        return wd.log

    # bound to the new kernel: the record starts afresh
    assert muos.run(main2).value == [(10, "main")]


def test_on_several_cores():
    calls = []
    wd = Watchdog(10, on_timeout=lambda t: calls.append((muos.now(),
                                                         t.name)))

    async def worker(period):
        wd.register()
        while muos.now() < 40:
            await muos.sleep_for(period)
            wd.feed()
        wd.unregister()

    async def main():
        muos.spawn(worker, 4, name="w1", priority=10, affinity=1)
        muos.spawn(hog, (13, 20), name="hog", priority=20, affinity=1)
        muos.spawn(worker, 4, name="w0", priority=10, affinity=0)
        await muos.sleep_until(50)

    muos.run(main, cores=2)
    # w1 shares core 1 with the hog (13..33): fed at 12, due by 22; w0 on
    # core 0 keeps feeding
    assert calls == [(22, "w1")]


def test_the_exporters_show_a_miss(tmp_path):
    wd = Watchdog(10, name="wd")

    async def main():
        wd.register()
        await muos.sleep_for(12)
        wd.unregister()

    r = muos.run(main, trace=True)
    path = r.trace.to_perfetto(str(tmp_path / "t.json"))
    data = json.load(open(path))
    marks = [e for e in data["traceEvents"] if e.get("cat") == "watchdog"]
    assert [(m["name"], m["ts"], m["args"]) for m in marks] == [
        ("watchdog wd missed", 10000,
         {"watchdog": "wd", "last_feed": 0, "deadline": 10})]
    page = open(r.trace.to_html(str(tmp_path / "t.html"))).read()
    assert "main: missed its watchdog wd deadline 10 (fed at 0)" in page
