"""Clocks (API.md: ``k.sysclock``, ``k.rtclock``, ``k.hrclock``).

Each clock has ``now()``, ``await sleep_for(d)`` and ``await
sleep_until(t)`` in its own unit: ticks (sysclock, always equal to
``muos.now()``), whole seconds (rtclock, settable with ``set(s)``) and
nanoseconds (hrclock). All three read the kernel's one time, so they
never disagree.

Everything runs on SimPort; the comment next to each expected value
derives it. Thread "main" runs at Priority.NORMAL (96).
"""

import pytest

import muos


def kernel_of():
    return muos.this_thread()._kernel


def readings(k):
    return (muos.now(), k.sysclock.now(), k.rtclock.now(), k.hrclock.now())


def test_sysclock_is_muos_now_in_ticks(log):
    async def main():
        k = kernel_of()
        log(readings(k))
        await muos.sleep_for(2.5)
        log(readings(k))
        await k.sysclock.sleep_for(3)
        log(readings(k))
        await k.sysclock.sleep_until(1999.5)
        log(readings(k))
        await k.sysclock.sleep_until(10)         # past: at once
        log(readings(k))
        await muos.busy(0.5)
        log(readings(k))

    muos.run(main)
    # (ticks, sysclock ticks, whole seconds, ns); 1 tick = 1 ms
    assert log == [
        (0, (0, 0, 0, 0)),
        (2.5, (2.5, 2.5, 0, 2500000)),
        (5.5, (5.5, 5.5, 0, 5500000)),
        (1999.5, (1999.5, 1999.5, 1, 1999500000)),
        (1999.5, (1999.5, 1999.5, 1, 1999500000)),
        (2000, (2000, 2000, 2, 2000000000))]


@pytest.mark.parametrize("hz", [1000, 100, 1024, 32768])
def test_sysclock_sleeps_agree_with_muos_sleeps(hz):
    async def main():
        k = kernel_of()
        out = []
        await k.sysclock.sleep_for(hz)               # one second
        out.append((muos.now(), k.sysclock.now()))
        await muos.sleep_for(hz)
        out.append((muos.now(), k.sysclock.now()))
        await k.sysclock.sleep_until(4 * hz)
        out.append((muos.now(), k.sysclock.now()))
        await muos.sleep_until(5 * hz)
        out.append((muos.now(), k.hrclock.now(), k.rtclock.now()))
        return out

    out = muos.run(main, tick_hz=hz).value
    # whatever tick_hz, hz ticks are one second for both sleeps
    assert out == [(hz, hz), (2 * hz, 2 * hz), (4 * hz, 4 * hz),
                   (5 * hz, 5 * 10 ** 9, 5)]


def test_hrclock_counts_nanoseconds(log):
    async def main():
        k = kernel_of()
        await k.hrclock.sleep_for(1500000)           # 1.5 ms = 1.5 ticks
        log(k.hrclock.now())
        await k.hrclock.sleep_for(250)               # 0.00025 tick
        log(k.hrclock.now())
        await k.hrclock.sleep_until(4000000)         # 4 ms
        log(k.hrclock.now())
        await k.hrclock.sleep_until(10)              # past
        log(k.hrclock.now())
        await k.hrclock.sleep_for(2.5)               # rounded: 2 or 3 ns
        log(k.hrclock.now())

    muos.run(main)
    assert log == [(1.5, 1500000), (1.50025, 1500250), (4, 4000000),
                   (4, 4000000), (4.000002, 4000002)]


def test_hrclock_at_another_tick_rate(log):
    async def main():
        k = kernel_of()
        await k.hrclock.sleep_for(250000)            # 0.25 ms = 2.5 ticks
        log(k.hrclock.now())
        await muos.sleep_for(1)                      # 0.1 ms
        log(k.hrclock.now())

    muos.run(main, tick_hz=10000)
    assert log == [(2.5, 250000), (3.5, 350000)]


def test_rtclock_whole_seconds_set_and_sleep_until(log):
    async def main():
        k = kernel_of()
        rt = k.rtclock
        await muos.sleep_for(2500)
        log(("before set", rt.now()))                # 2.5 s -> 2
        rt.set(1000)
        log(("after set", rt.now()))
        await muos.sleep_for(499)
        log(("2.999 s", rt.now()))                   # same second
        await muos.sleep_for(1)
        log(("3 s", rt.now()))                       # the next one
        await rt.sleep_until(1003)
        log(("until 1003", rt.now()))
        await rt.sleep_for(2)
        log(("for 2", rt.now()))
        await rt.sleep_until(1001)                   # past: at once
        log(("until 1001", rt.now()))
        await rt.sleep_for(0.5)                      # half a second
        log(("for 0.5", rt.now()))
        rt.set(0)                                    # backwards
        log(("set 0", rt.now()))
        await rt.sleep_until(1)
        log(("until 1", rt.now(), k.sysclock.now()))

    muos.run(main)
    # the seconds turn with the kernel's (set keeps the offset, as
    # µOS++'s adjustable clocks): 1001 at 3 s, 1003 at 5 s, 1005 at 7 s;
    # set(0) at 7.5 s makes 7 s read 0, so 1 is at 8 s
    assert log == [(2500, ("before set", 2)), (2500, ("after set", 1000)),
                   (2999, ("2.999 s", 1000)), (3000, ("3 s", 1001)),
                   (5000, ("until 1003", 1003)), (7000, ("for 2", 1005)),
                   (7000, ("until 1001", 1005)), (7500, ("for 0.5", 1005)),
                   (7500, ("set 0", 0)), (8000, ("until 1", 1, 8000))]


def test_clocks_in_a_handler_read_but_do_not_sleep(log):
    def h():
        k = muos.this_thread()._kernel
        log(readings(k))
        for clock in (k.sysclock, k.rtclock, k.hrclock):
            for call in (clock.sleep_for, clock.sleep_until):
                try:
                    call(1)
                except muos.ContextError:
                    log((clock.name, "ContextError"))

    async def main():
        k = kernel_of()
        k.interrupt("i", h).trigger_at(1234)
        await muos.sleep_for(2000)

    muos.run(main)
    assert log == [(1234, (1234, 1234, 1, 1234000000))] + [
        (1234, (name, "ContextError"))
        for name in ("sysclock", "sysclock", "rtclock", "rtclock",
                     "hrclock", "hrclock")]


def test_clock_arguments():
    async def main():
        k = kernel_of()
        for clock in (k.sysclock, k.rtclock, k.hrclock):
            with pytest.raises(ValueError):
                clock.sleep_for(-1)
            with pytest.raises(TypeError):
                clock.sleep_for("1")
            with pytest.raises(TypeError):
                clock.sleep_until(None)
        with pytest.raises(TypeError):
            k.rtclock.set(1.5)
        return [c.name for c in (k.sysclock, k.rtclock, k.hrclock)]

    assert muos.run(main).value == ["sysclock", "rtclock", "hrclock"]
