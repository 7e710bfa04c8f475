"""EventFlags and each thread's own ``t.flags``: set/clear/value, the
three wait forms with ALL/ANY, clear-on-exit and mask 0, the waking order,
interrupts, contexts and priority changes of waiters.

SimPort with zero overheads: every logged tick is exact. Workers run at
priorities below main (96), which spawns them and joins them all.
"""

import pytest

import muos
from muos import ALL, ANY, ContextError, EventFlags, Interrupted
from objects_support import Log, me, play


# -- plain calls ----------------------------------------------------------

def test_defaults_and_repr():
    f = EventFlags()
    assert (f.value, f.name) == (0, None)
    g = EventFlags("ev")
    assert g.name == "ev"
    assert "'ev'" in repr(g) and "0x0" in repr(g)
    assert muos.ALL != muos.ANY


def test_set_and_clear_return_the_flags_as_they_were():
    f = EventFlags()
    assert f.set(0b0101) == 0
    assert f.value == 0b0101
    assert f.set(0b0011) == 0b0101      # returns the old value
    assert f.value == 0b0111
    assert f.set(0) == 0b0111           # setting nothing changes nothing
    assert f.clear(0b1010) == 0b0111    # clearing an unset bit is fine
    assert f.value == 0b0101
    assert f.clear(0) == 0b0101
    assert f.clear(0b0101) == 0b0101
    assert f.value == 0
    big = 1 << 40                       # flags are not limited to 32 bits
    f.set(big)
    assert f.value == big


@pytest.mark.parametrize("call", ["set", "clear"])
@pytest.mark.parametrize("mask, exc, shown", [
    (-1, ValueError, "-1"), (1.0, TypeError, "1.0"),
    ("1", TypeError, "'1'"), (None, TypeError, "None"),
])
def test_bad_masks(call, mask, exc, shown):
    f = EventFlags("ev")
    with pytest.raises(exc) as ei:
        getattr(f, call)(mask)
    assert "'ev'" in str(ei.value) and shown in str(ei.value)
    assert f.value == 0


def test_try_wait_modes_and_clearing():
    f = EventFlags("ev")
    f.set(0b0110)
    # ALL: every bit of the mask, or nothing (and nothing is cleared)
    assert f.try_wait(0b0111) == 0
    assert f.try_wait(0b0111, mode=ALL, clear=True) == 0
    assert f.value == 0b0110
    assert f.try_wait(0b0010, clear=False) == 0b0010
    assert f.value == 0b0110
    # ANY: the bits of the mask that are set; only those are cleared
    assert f.try_wait(0b1100, ANY) == 0b0100
    assert f.value == 0b0010
    assert f.try_wait(0b1001, mode=ANY) == 0
    assert f.value == 0b0010
    # ALL with clear: exactly the mask is consumed
    f.set(0b1001)
    assert f.try_wait(0b0011) == 0b0011
    assert f.value == 0b1000


@pytest.mark.parametrize("mode", [ALL, ANY])
def test_mask_zero_means_any_flag(mode):
    f = EventFlags()
    assert f.try_wait(0, mode) == 0                  # no flag at all
    f.set(0b1010)
    assert f.try_wait(0, mode, clear=False) == 0b1010
    assert f.value == 0b1010
    assert f.try_wait(0, mode) == 0b1010             # all of them, cleared
    assert f.value == 0


@pytest.mark.parametrize("mode", [0, 3, "all", None])
def test_bad_mode(mode):
    f = EventFlags("ev")
    f.set(1)
    with pytest.raises(ValueError) as ei:
        f.try_wait(1, mode)
    assert "'ev'" in str(ei.value)
    assert f.value == 1


# -- wait -----------------------------------------------------------------

def test_wait_all_blocks_until_every_flag_is_set():
    log = Log()
    f = EventFlags("f")

    async def waiter():
        log("W wait")
        got = await f.wait(0b011)
        log("W got", got, f.value)

    async def setter():
        await muos.sleep_for(2)
        log("S set", f.set(0b001))
        await muos.sleep_for(3)
        log("S set", f.set(0b110))
        log("S after set")

    play(("W", 20, waiter), ("S", 10, setter))
    assert log == [
        (0, "W wait"),            # W (20) runs first and blocks
        (2, "S set", 0),          # one flag of two: W keeps waiting
        (5, "S set", 0b001),      # 2 + 3: 0b111 satisfies 0b011
        (5, "S after set"),       # the switch waits for S's next await
        (5, "W got", 0b011, 0b100),   # only the mask's flags are consumed
    ]


def test_wait_any_mode_takes_the_flags_that_are_set():
    log = Log()
    f = EventFlags("f")

    async def waiter():
        got = await f.wait(0b1100, mode=ANY)
        log("W got", got, f.value)

    async def setter():
        await muos.sleep_for(1)
        f.set(0b0001)             # not in the mask
        await muos.sleep_for(1)
        f.set(0b0101)             # 0b0100 is in the mask
        log("S value", f.value)

    play(("W", 20, waiter), ("S", 10, setter))
    # at 2 the flags are 0b0101: W gets 0b0100 and clears only it; S logs
    # first because the switch to W happens at S's next await (its end)
    assert log == [(2, "S value", 0b0001), (2, "W got", 0b0100, 0b0001)]


def test_wait_without_clear_leaves_the_flags():
    log = Log()
    f = EventFlags("f")

    async def waiter():
        got = await f.wait(0b11, ALL, False)
        log("W got", got, f.value)

    async def setter():
        await muos.sleep_for(3)
        f.set(0b111)

    play(("W", 20, waiter), ("S", 10, setter))
    assert log == [(3, "W got", 0b11, 0b111)]


def test_wait_mask_zero_waits_for_any_flag_and_takes_them_all():
    log = Log()
    f = EventFlags("f")

    async def waiter():
        got = await f.wait(0)
        log("W got", got, f.value)

    async def setter():
        await muos.sleep_for(4)
        f.set(0b1001)

    play(("W", 20, waiter), ("S", 10, setter))
    assert log == [(4, "W got", 0b1001, 0)]


def test_wait_already_satisfied_returns_without_blocking():
    log = Log()
    f = EventFlags("f")
    f.set(0b111)

    async def waiter():
        log("W", await f.wait(0b101))
        log("W", await f.wait(0b010, ANY))
        log("W", f.value)

    async def other():
        log("O runs")

    play(("W", 20, waiter), ("O", 10, other))
    # no wait: W keeps the CPU, O (10) runs only after W ends
    assert log == [(0, "W", 0b101), (0, "W", 0b010), (0, "W", 0),
                   (0, "O runs")]


def test_set_serves_waiters_in_queue_order_with_consumption():
    log = Log()
    f = EventFlags("f")
    done = []

    def waiter(name, mask, mode, clear):
        async def w():
            got = await f.timed_wait(mask, 10, mode, clear)
            log(name, "got", got)
            done.append(name)
        return w

    async def setter():
        await muos.sleep_for(1)
        log("S set", f.set(0b0111))
        log("S value", f.value)

    play(("A", 30, waiter("A", 0b0001, ALL, False)),
         ("B", 40, waiter("B", 0b0011, ALL, True)),
         ("C", 20, waiter("C", 0b0010, ANY, True)),
         ("D", 25, waiter("D", 0b0100, ANY, True)),
         ("E", 35, waiter("E", 0b1000, ANY, True)),
         ("S", 10, setter))
    # queue order B(40) E(35) A(30) D(25) C(20). set(0b0111) at 1 serves
    # them in that order against the flags left by the ones before: B
    # takes and clears 0b0011; E's 0b1000 is not set; A needs 0b0001,
    # already consumed by B; D takes 0b0100; C's 0b0010 is gone. The woken
    # B and D run by priority once S ends (its next await); A, C and E
    # time out at 0 + 10 = 10, in priority order.
    assert log == [(1, "S set", 0), (1, "S value", 0),
                   (1, "B", "got", 0b0011), (1, "D", "got", 0b0100),
                   (10, "E", "got", 0), (10, "A", "got", 0),
                   (10, "C", "got", 0)]


def test_non_clearing_waiter_ahead_leaves_the_flags_for_the_next():
    log = Log()
    f = EventFlags("f")

    def waiter(name, clear):
        async def w():
            log(name, "got", await f.wait(0b1, ALL, clear))
        return w

    async def setter():
        await muos.sleep_for(1)
        f.set(0b1)

    play(("P", 30, waiter("P", False)), ("Q", 20, waiter("Q", True)),
         ("S", 10, setter))
    # P (first in the queue) does not clear, so Q is satisfied too and
    # consumes the flag
    assert log == [(1, "P", "got", 1), (1, "Q", "got", 1)]
    assert f.value == 0


def test_equal_priority_waiters_fifo():
    log = Log()
    f = EventFlags("f")

    def waiter(name, delay):
        async def w():
            await muos.sleep_for(delay)
            log(name, "waits")
            log(name, "got", await f.wait(1))
        return w

    async def setter():
        await muos.sleep_for(5)
        for _ in range(3):
            f.set(1)
            await muos.sleep_for(1)

    play(("X", 20, waiter("X", 3)), ("Y", 20, waiter("Y", 1)),
         ("Z", 20, waiter("Z", 2)), ("S", 10, setter))
    # arrival order Y (1), Z (2), X (3); each set at 5, 6, 7 serves the
    # longest waiting one
    assert log == [(1, "Y", "waits"), (2, "Z", "waits"), (3, "X", "waits"),
                   (5, "Y", "got", 1), (6, "Z", "got", 1),
                   (7, "X", "got", 1)]


def test_setter_of_lower_priority_is_preempted_at_its_next_await():
    log = Log()
    f = EventFlags("f")

    async def high():
        await f.wait(0b1)
        log("H runs")
        await muos.busy(2)
        log("H done")

    async def low():
        await muos.sleep_for(1)
        f.set(0b1)
        log("L set")
        await muos.busy(3)
        log("L done")

    play(("H", 30, high), ("L", 10, low))
    # L sets at 1 and keeps the CPU until its await (busy): H then runs
    # 1..3; L's 3 ticks of work run 3..6
    assert log == [(1, "L set"), (1, "H runs"), (3, "H done"),
                   (6, "L done")]


def test_set_inside_a_scheduler_locked_region_switches_at_its_end():
    log = Log()
    f = EventFlags("f")

    async def high():
        await f.wait(0b1)
        log("H runs")

    async def low():
        await muos.sleep_for(1)
        with muos.scheduler_locked():
            f.set(0b1)
            await muos.busy(2)      # no switch inside the locked region
            log("L unlocks")
        await muos.busy(1)
        log("L done")

    play(("H", 30, high), ("L", 10, low))
    # H is ready at 1 but runs only at L's first await after the region,
    # at 1 + 2 = 3; L's last tick of work then runs 3..4
    assert log == [(3, "L unlocks"), (3, "H runs"), (4, "L done")]


# -- timed_wait -----------------------------------------------------------

@pytest.mark.parametrize("ticks, expect", [
    (3, [(1, "W waits"), (4, "W got", 0, 0b01)]),         # 1 + 3 = 4 < 6
    (4, [(1, "W waits"), (5, "W got", 0, 0b01)]),         # 1 + 4 = 5 < 6
    (6, [(1, "W waits"), (6, "W got", 0b11, 0)]),         # 6 < 1 + 6 = 7
])
def test_timed_wait_times_out_after_exactly_ticks(ticks, expect):
    log = Log()
    f = EventFlags("f")

    async def waiter():
        await muos.sleep_for(1)
        log("W waits")
        got = await f.timed_wait(0b11, ticks)
        log("W got", got, f.value)

    async def setter():
        f.set(0b01)
        await muos.sleep_for(6)
        f.set(0b10)

    play(("W", 20, waiter), ("S", 10, setter))
    # 0b01 is set from 0, 0b10 only at 6: W times out at 1 + ticks (the
    # flags untouched) unless that is after 6
    assert log == expect


def test_timed_wait_success_before_the_deadline():
    log = Log()
    f = EventFlags("f")

    async def waiter():
        log("W got", await f.timed_wait(0b100, 10, ANY, False), f.value)
        log("W got", await f.timed_wait(0b100, 10, mode=ANY))
        log("W got", await f.timed_wait(0b100, 2, mode=ANY))

    async def setter():
        await muos.sleep_for(7)
        f.set(0b110)

    play(("W", 20, waiter), ("S", 10, setter))
    # set at 7 (within 10); the flag is kept the first time, consumed the
    # second (no wait); the third times out at 7 + 2 = 9
    assert log == [(7, "W got", 0b100, 0b110), (7, "W got", 0b100),
                   (9, "W got", 0)]
    assert f.value == 0b010


def test_timed_wait_zero_and_float_ticks():
    log = Log()
    f = EventFlags("f")

    async def waiter():
        log("zero", await f.timed_wait(1, 0))
        f.set(1)
        log("zero set", await f.timed_wait(1, 0))
        log("float", await f.timed_wait(1, 2.5))

    play(("W", 20, waiter))
    # 0 ticks: no wait at all (0, or the flags when already set); 2.5
    # ticks end at 2.5
    assert log == [(0, "zero", 0), (0, "zero set", 1), (2.5, "float", 0)]


def test_timed_wait_work_ending_at_the_deadline_instant_wins():
    log = Log()
    f = EventFlags("f")

    async def waiter():
        log("W", await f.timed_wait(1, 5))

    async def setter():
        await muos.busy(5)
        f.set(1)

    play(("W", 20, waiter), ("S", 10, setter))
    # S's work ends at 5, the deadline instant: it comes first, so the
    # set satisfies W before its timeout fires
    assert log == [(5, "W", 1)]


@pytest.mark.parametrize("ticks, exc", [(-1, ValueError), ("3", TypeError),
                                        (None, TypeError)])
def test_timed_wait_bad_ticks_raise_at_the_call(ticks, exc):
    log = Log()
    f = EventFlags("f")

    async def waiter():
        try:
            f.timed_wait(1, ticks)        # not awaited: the call raises
        except exc as e:
            log("raised", type(e).__name__, "'f'" in str(e))

    play(("W", 20, waiter))
    assert log == [(0, "raised", exc.__name__, True)]


def test_bad_arguments_raise_at_the_call_of_wait():
    f = EventFlags("f")
    seen = []

    async def waiter():
        for args in [(-1,), (1, 7), ("x",)]:
            try:
                f.wait(*args)
            except (TypeError, ValueError) as e:
                seen.append(type(e).__name__)

    play(("W", 20, waiter))
    assert seen == ["ValueError", "ValueError", "TypeError"]


# -- interrupts, kills -------------------------------------------------------

@pytest.mark.parametrize("form", ["wait", "timed_wait"])
def test_interrupted_waiter_raises_and_consumes_nothing(form):
    log = Log()
    f = EventFlags("f")
    th = {}

    async def waiter():
        th["W"] = me()
        try:
            if form == "wait":
                await f.wait(0b1)
            else:
                await f.timed_wait(0b1, 100)
        except Interrupted as e:
            log("W Interrupted", me().interrupted, "'f'" in str(e))

    async def ctl():
        await muos.sleep_for(4)
        th["W"].interrupt()
        log("C interrupted")
        await muos.sleep_for(1)
        log("C set", f.set(0b1), f.value)

    play(("W", 20, waiter), ("C", 10, ctl))
    # interrupted at 4: W leaves the queue, so the set at 5 keeps the flag
    assert log == [(4, "C interrupted"), (4, "W Interrupted", True, True),
                   (5, "C set", 0, 1)]


def test_interrupted_flag_before_waiting():
    log = Log()
    f = EventFlags("f")
    f.set(0b10)

    async def waiter():
        me().interrupt()
        # satisfied at once: no wait, so no Interrupted
        log("first", await f.wait(0b10))
        try:
            await f.wait(0b10)
        except Interrupted:
            log("second Interrupted")
        try:
            await f.timed_wait(0b10, 5)
        except Interrupted:
            log("timed Interrupted")

    play(("W", 20, waiter))
    assert log == [(0, "first", 0b10), (0, "second Interrupted"),
                   (0, "timed Interrupted")]


def test_killed_waiter_leaves_the_queue():
    log = Log()
    f = EventFlags("f")
    th = {}

    async def victim():
        th["V"] = me()
        await f.wait(0b1)
        log("V never")

    async def other():
        log("O got", await f.wait(0b1))

    async def ctl():
        await muos.sleep_for(2)
        th["V"].kill()
        f.set(0b1)
        log("C set")

    play(("V", 30, victim), ("O", 20, other), ("C", 10, ctl))
    # V is first in the queue but killed at 2: the flag goes to O
    assert log == [(2, "C set"), (2, "O got", 1)]
    assert th["V"].state == muos.TERMINATED


# -- contexts -----------------------------------------------------------------

def test_blocking_forms_raise_context_error_outside_threads():
    f = EventFlags("f")
    with pytest.raises(ContextError):
        f.wait(1)
    with pytest.raises(ContextError):
        f.timed_wait(1, 5)
    # the plain calls work anywhere
    assert f.set(1) == 0 and f.try_wait(1) == 1 and f.clear(1) == 0


def test_blocking_forms_raise_context_error_with_scheduler_locked():
    log = Log()
    f = EventFlags("f")

    async def w():
        with muos.scheduler_locked():
            for form, call in [("wait", lambda: f.wait(1)),
                               ("timed_wait", lambda: f.timed_wait(1, 3)),
                               ("own wait", lambda: me().flags.wait(1))]:
                try:
                    call()
                except ContextError as e:
                    log(form, "ContextError", "f" in str(e))
            f.set(0b11)
            log("try_wait", f.try_wait(0b1))
        log("after", await f.wait(0b10))

    play(("W", 20, w))
    assert log == [(0, "wait", "ContextError", True),
                   (0, "timed_wait", "ContextError", True),
                   (0, "own wait", "ContextError", True),
                   (0, "try_wait", 1), (0, "after", 2)]


def test_waiting_forever_stalls_and_names_the_flags():
    f = EventFlags("evf")

    async def main():
        await f.wait(1)

    with pytest.raises(muos.Stalled) as ei:
        muos.run(main)
    assert "evf" in ei.value.blocked["main"]


# -- priority changes ---------------------------------------------------------

def test_priority_change_of_a_waiter_repositions_it():
    log = Log()
    f = EventFlags("f")
    th = {}

    def waiter(name):
        async def w():
            th[name] = me()
            log(name, "got", await f.timed_wait(1, 20))
        return w

    async def ctl():
        await muos.sleep_for(1)
        th["A"].set_priority(50)     # from the back of the queue to front
        th["B"].set_priority(5)      # from the front to the back
        f.set(1)
        await muos.sleep_for(1)
        f.set(1)
        await muos.sleep_for(1)
        f.set(1)

    play(("B", 40, waiter("B")), ("C", 30, waiter("C")),
         ("A", 20, waiter("A")), ("Ctl", 4, ctl))
    # queue B(40) C(30) A(20) becomes A(50) C(30) B(5): the sets at 1, 2
    # and 3 serve them in that order
    assert log == [(1, "A", "got", 1), (2, "C", "got", 1),
                   (3, "B", "got", 1)]


# -- a thread's own flags -----------------------------------------------------

def test_thread_flags_anyone_sets_only_the_owner_waits():
    log = Log()
    th = {}

    async def owner():
        th["O"] = me()
        fl = me().flags
        assert isinstance(fl, EventFlags)
        assert fl is me().flags          # one object per thread
        log("O got", await fl.wait(0b11))
        log("O got", await fl.timed_wait(0b100, 3, ANY))
        log("O try", fl.try_wait(0, clear=False), fl.value)

    async def other():
        await muos.sleep_for(1)
        fl = th["O"].flags
        for form, call in [("wait", lambda: fl.wait(1)),
                           ("timed_wait", lambda: fl.timed_wait(1, 2)),
                           ("try_wait", lambda: fl.try_wait(1))]:
            try:
                call()
            except ContextError as e:
                log(form, "ContextError", "'O'" in str(e))
        log("X set", fl.set(0b01))
        await muos.sleep_for(1)
        log("X set", fl.set(0b10))
        await muos.sleep_for(10)
        fl.set(0b1000)

    play(("O", 20, owner), ("X", 10, other))
    # the other thread may set but not wait; O's wait is satisfied at 2,
    # its timed wait times out at 2 + 3 = 5; the last set lands at 12
    assert log == [(1, "wait", "ContextError", True),
                   (1, "timed_wait", "ContextError", True),
                   (1, "try_wait", "ContextError", True),
                   (1, "X set", 0), (2, "X set", 0b01),
                   (2, "O got", 0b11), (5, "O got", 0), (5, "O try", 0, 0)]
    assert th["O"].flags.value == 0b1000
    assert th["O"].flags.name == "O.flags"


def test_thread_flags_settable_outside_threads_and_from_main():
    log = Log()

    async def worker():
        log("W got", await me().flags.wait(0, ANY))

    async def main():
        t = muos.spawn(worker, name="W", priority=20)
        t.flags.set(0b101)          # before W ever ran
        await t.join()
        return t

    t = muos.run(main).value
    # W waits for any flag, already set: no wait; gets and clears all
    assert log == [(0, "W got", 0b101)]
    assert t.flags.value == 0
    with pytest.raises(ContextError):
        t.flags.try_wait(1)          # only its thread may take them
    assert t.flags.set(2) == 0       # anyone may set, even after its end


# -- interrupt handlers -------------------------------------------------------

def test_set_from_a_handler_wakes_after_the_handler_and_blocking_raises():
    log = Log()
    f = EventFlags("f")
    th = {}

    async def waiter():
        th["W"] = me()
        log("W got", await f.wait(0b11, ANY))

    def handler():
        log("isr set", f.set(0b01), f.value)
        log("isr try", f.try_wait(0b10), f.clear(0b100))
        for form, call in [("wait", lambda: f.wait(1)),
                           ("timed_wait", lambda: f.timed_wait(1, 1)),
                           ("own try_wait",
                            lambda: th["W"].flags.try_wait(1))]:
            try:
                call()
            except ContextError:
                log(form, "ContextError")
        th["W"].flags.set(0b1)       # anyone may set a thread's flags

    async def main():
        k = me()._kernel
        irq = k.interrupt("irq", handler, cost=2)
        irq.trigger_at(3)
        w = muos.spawn(waiter, name="W", priority=20)
        await w.join()

    muos.run(main)
    # the handler's code runs at 3: the set wakes W, which consumes the
    # flag at once (value 0 again), but runs only when the handler's 2
    # ticks of time are over: 3 + 2 = 5
    assert log == [(3, "isr set", 0, 0), (3, "isr try", 0, 0),
                   (3, "wait", "ContextError"),
                   (3, "timed_wait", "ContextError"),
                   (3, "own try_wait", "ContextError"), (5, "W got", 0b01)]
    assert f.value == 0
