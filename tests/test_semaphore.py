"""Semaphore and BinarySemaphore: counting, the three wait forms,
hand-over on post (no barging), waiting order, interrupts, contexts.

SimPort with zero overheads: every logged tick is exact. Workers run at
priorities below main (96), which spawns them and joins them all.
"""

import pytest

import muos
from muos import (BinarySemaphore, ContextError, Interrupted, Semaphore,
                  Stalled)
from objects_support import Log, me, play


# -- construction -------------------------------------------------------------

@pytest.mark.parametrize("args, kwargs, exc, value", [
    ((-1,), {}, ValueError, "-1"),
    ((1.5,), {}, TypeError, "1.5"),
    (("2",), {}, TypeError, "'2'"),
    ((True,), {}, TypeError, "True"),
    ((0,), {"max": 0}, ValueError, "0"),
    ((0,), {"max": -2}, ValueError, "-2"),
    ((0,), {"max": 2.0}, TypeError, "2.0"),
    ((3,), {"max": 2}, ValueError, "3"),
])
def test_semaphore_bad_arguments(args, kwargs, exc, value):
    with pytest.raises(exc) as ei:
        Semaphore(*args, name="sem", **kwargs)
    assert "'sem'" in str(ei.value)
    assert value in str(ei.value)


@pytest.mark.parametrize("initial, exc", [(2, ValueError), (-1, ValueError),
                                          (0.5, TypeError)])
def test_binary_semaphore_bad_arguments(initial, exc):
    with pytest.raises(exc) as ei:
        BinarySemaphore(initial, name="bin")
    assert "'bin'" in str(ei.value)


def test_defaults_and_value():
    s = Semaphore()
    assert (s.value, s.max, s.name) == (0, None, None)
    s = Semaphore(5, max=7, name="s")
    assert (s.value, s.max, s.name) == (5, 7, "s")
    b = BinarySemaphore()
    assert (b.value, b.max) == (0, 1)
    assert isinstance(b, Semaphore)
    assert BinarySemaphore(1).value == 1


# -- post / try_wait (plain calls, usable outside threads) ----------------

def test_post_counts_up_to_max_then_returns_false():
    s = Semaphore(1, max=3)
    assert [s.post(), s.post(), s.post(), s.post()] == [True, True, False,
                                                        False]
    # two posts fit (1 -> 3), then no change at max
    assert s.value == 3
    assert [s.try_wait() for _ in range(4)] == [True, True, True, False]
    assert s.value == 0


def test_unbounded_post_and_binary():
    s = Semaphore()
    for _ in range(1000):
        assert s.post() is True
    assert s.value == 1000
    b = BinarySemaphore()
    assert (b.post(), b.post(), b.value) == (True, False, 1)
    assert (b.try_wait(), b.try_wait(), b.value) == (True, False, 0)


# -- wait / timed_wait ------------------------------------------------------

def test_wait_blocks_until_post():
    log = Log()
    s = Semaphore(name="s")

    async def waiter():
        log("W wait")
        ok = await s.wait()
        log("W got", ok, s.value)

    async def poster():
        await muos.sleep_for(3)
        log("P post", s.post(), s.value)

    play(("W", 20, waiter), ("P", 30, poster))
    # W blocks at 0; P posts at 3: the unit goes straight to W (the
    # value stays 0) and W runs at P's return
    assert log == [(0, "W wait"), (3, "P post", True, 0),
                   (3, "W got", True, 0)]


def test_wait_takes_an_available_unit_at_once():
    log = Log()
    s = Semaphore(2)

    async def w():
        await s.wait()
        await s.wait()
        log("W", s.value)

    play(("W", 20, w))
    assert log == [(0, "W", 0)]


def test_post_switches_at_the_posters_next_await():
    log = Log()
    s = Semaphore()

    async def high():
        await s.wait()
        log("H got")

    async def low():
        await muos.busy(2)
        s.post()
        log("L posted")
        await muos.busy(1)
        log("L done")

    play(("H", 30, high), ("L", 10, low))
    # L posts at 2 and goes on to its next await (busy) before H runs;
    # H takes no time, so L's busy runs 2..3
    assert log == [(2, "L posted"), (2, "H got"), (3, "L done")]


def test_timed_wait_succeeds_in_time():
    log = Log()
    s = Semaphore()

    async def w():
        await muos.sleep_for(1)
        log("W", await s.timed_wait(5))

    async def p():
        await muos.sleep_for(4)
        s.post()

    play(("W", 20, w), ("P", 30, p))
    # waits from 1 (deadline 6); the post at 4 hands it over
    assert log == [(4, "W", True)]


@pytest.mark.parametrize("ticks, expect", [(5, 6), (0.25, 1.25), (1, 2)])
def test_timed_wait_fails_after_exactly_ticks(ticks, expect):
    log = Log()
    s = Semaphore()

    async def w():
        await muos.sleep_for(1)
        log("W", await s.timed_wait(ticks))

    async def p():
        await muos.sleep_for(10)
        log("P post", len(s._q), s.post(), s.value)

    play(("W", 20, w), ("P", 30, p))
    # W gives up at 1 + ticks and leaves the queue, so P's post at 10
    # goes to the count
    assert log == [(expect, "W", False), (10, "P post", 0, True, 1)]


def test_timed_wait_zero():
    log = Log()
    s = Semaphore(1)

    async def w():
        log("first", await s.timed_wait(0), s.value)
        log("second", await s.timed_wait(0), s.value)
        log("float", await s.timed_wait(0.0), s.value)

    play(("W", 20, w))
    # a unit is taken at once; then False at once, no waiting
    assert log == [(0, "first", True, 0), (0, "second", False, 0),
                   (0, "float", False, 0)]


def test_timed_wait_post_at_the_deadline_instant_wins():
    log = Log()
    s = Semaphore()

    async def w():
        await muos.sleep_for(1)
        log("W", await s.timed_wait(4))

    async def p():
        await muos.busy(5)
        s.post()
        log("P", s.value)

    play(("W", 20, w), ("P", 10, p))
    # deadline 1 + 4 = 5; P's work ends at 5, and work ending at an
    # instant comes before the timeout at that instant: W gets the unit
    assert log == [(5, "P", 0), (5, "W", True)]


def test_timed_wait_bad_ticks_raise_at_the_call():
    log = Log()
    s = Semaphore(name="s")

    async def w():
        for bad in (-1, -0.5, "3", None):
            try:
                s.timed_wait(bad)
            except (ValueError, TypeError) as e:
                log(type(e).__name__, "'s'" in str(e))

    play(("W", 20, w))
    assert log == [(0, "ValueError", True), (0, "ValueError", True),
                   (0, "TypeError", True), (0, "TypeError", True)]


# -- hand-over: no barging --------------------------------------------------

def test_post_hands_the_unit_to_the_waiter_no_barging():
    log = Log()
    s = Semaphore()

    async def waiter():
        await s.wait()
        log("W got", s.value)

    async def poster():
        await muos.sleep_for(1)
        s.post()
        # the unit already belongs to W (less urgent, not yet run)
        log("P", s.value, s.try_wait(), await s.timed_wait(0))
        await muos.sleep_for(1)
        log("P done")

    play(("W", 10, waiter), ("P", 30, poster))
    assert log == [(1, "P", 0, False, False), (1, "W got", 0),
                   (2, "P done")]


def test_no_barging_by_a_third_thread():
    log = Log()
    s = Semaphore()

    async def waiter():
        await s.wait()
        log("W got")

    async def poster():
        await muos.sleep_for(1)
        s.post()
        log("P posted")

    async def barger():
        await muos.sleep_for(1)
        log("B try", s.try_wait())

    play(("W", 10, waiter), ("P", 40, poster), ("B", 30, barger))
    # at 1: P posts (unit to W), then B (more urgent than W) tries: fails
    assert log == [(1, "P posted"), (1, "B try", False), (1, "W got")]


def test_waiters_by_priority_then_fifo():
    log = Log()
    s = Semaphore(name="s")

    def waiter(delay):
        async def w():
            await muos.sleep_for(delay)
            await s.wait()
            log(me().name)
        return w

    async def poster():
        await muos.sleep_for(10)
        log("order", [t.thread.name for t in s._q.items])
        for _ in range(5):
            s.post()
            await muos.sleep_for(1)

    play(("P", 90, poster), ("W1", 20, waiter(1)), ("W2", 40, waiter(2)),
         ("W3", 20, waiter(3)), ("W4", 40, waiter(4)),
         ("W5", 30, waiter(5)))
    # one post per tick from 10: the 40s by arrival, then the 30, then
    # the 20s by arrival
    assert log == [(10, "order", ["W2", "W4", "W5", "W1", "W3"]),
                   (10, "W2"), (11, "W4"), (12, "W5"), (13, "W1"),
                   (14, "W3")]


def test_waiter_priority_change_repositions():
    log = Log()
    s = Semaphore()
    th = {}

    def waiter(delay):
        async def w():
            th[me().name] = me()
            await muos.sleep_for(delay)
            await s.wait()
            log(me().name)
        return w

    async def poster():
        await muos.sleep_for(5)
        th["W3"].set_priority(25)
        th["W1"].set_priority(15)
        log("order", [t.thread.name for t in s._q.items])
        for _ in range(3):
            s.post()

    play(("P", 90, poster), ("W1", 20, waiter(1)), ("W2", 20, waiter(2)),
         ("W3", 20, waiter(3)))
    # W3 up to 25 goes first, W1 down to 15 goes last; all three posts at
    # 5 are handed out in that order, and they run in priority order
    assert log == [(5, "order", ["W3", "W2", "W1"]), (5, "W3"), (5, "W2"),
                   (5, "W1")]


# -- interrupted and killed waiters lose nothing ----------------------------

def test_interrupted_waiter_raises_and_loses_nothing():
    log = Log()
    s = Semaphore(name="s")
    th = {}

    async def w1():
        th["W1"] = me()
        try:
            await s.wait()
        except Interrupted as e:
            log("W1 Interrupted", me().interrupted, "'s'" in str(e))

    async def w2():
        await muos.sleep_for(1)
        try:
            await s.timed_wait(100)
            log("W2 got")
        except Interrupted:
            log("W2 Interrupted?!")

    async def ctl():
        await muos.sleep_for(2)
        th["W1"].interrupt()
        log("W1 interrupted", len(s._q))
        s.post()
        s.post()
        log("posted", s.value)

    play(("W1", 30, w1), ("W2", 20, w2), ("C", 40, ctl))
    # W1 leaves the queue when interrupted at 2, so the first post goes to
    # W2 and the second to the count: 2 posted = 1 taken + value 1
    assert log == [(2, "W1 interrupted", 1), (2, "posted", 1),
                   (2, "W1 Interrupted", True, True), (2, "W2 got")]


def test_interrupt_after_the_hand_over_keeps_the_unit():
    log = Log()
    s = Semaphore()
    th = {}

    async def w():
        th["W"] = me()
        log("W got", await s.wait(), me().interrupted)

    async def ctl():
        await muos.sleep_for(1)
        s.post()                 # W owns the unit now (ready, not run)
        th["W"].interrupt()      # too late to cancel the wait
        log("ctl", s.value)

    play(("W", 20, w), ("C", 40, ctl))
    assert log == [(1, "ctl", 0), (1, "W got", True, True)]


def test_interrupted_flag_set_before_waiting():
    log = Log()
    s = Semaphore(1)

    async def w():
        me().interrupt()
        # a unit is available: no wait, so no Interrupted
        log("first", await s.wait())
        try:
            await s.wait()
        except Interrupted:
            log("second Interrupted", s.value, len(s._q))

    play(("W", 20, w))
    assert log == [(0, "first", True), (0, "second Interrupted", 0, 0)]


def test_killed_waiter_is_skipped():
    log = Log()
    s = Semaphore()
    th = {}

    def waiter(name):
        async def w():
            th[name] = me()
            await s.wait()
            log(name + " got")
        return w

    async def ctl():
        await muos.sleep_for(1)
        th["W1"].kill()
        s.post()
        log("posted", s.value)

    play(("W1", 30, waiter("W1")), ("W2", 20, waiter("W2")),
         ("C", 40, ctl))
    assert log == [(1, "posted", 0), (1, "W2 got")]


# -- contexts and stalls ------------------------------------------------------

def test_post_and_try_wait_work_outside_threads():
    s = Semaphore(name="s")
    assert s.post() is True
    assert s.try_wait() is True
    with pytest.raises(ContextError):
        s.wait()
    with pytest.raises(ContextError):
        s.timed_wait(1)
    assert s.value == 0


def test_post_before_run_wakes_nobody_but_counts():
    log = Log()
    s = Semaphore()
    s.post()

    async def main():
        log("main", await s.timed_wait(0), s.value)

    muos.run(main)
    assert log == [(0, "main", True, 0)]


def test_blocking_forms_raise_context_error_with_scheduler_locked():
    log = Log()
    s = Semaphore(name="s")

    async def w():
        with muos.scheduler_locked():
            for form in ("wait", "timed_wait"):
                try:
                    s.wait() if form == "wait" else s.timed_wait(2)
                except ContextError as e:
                    log(form, "ContextError", "'s'" in str(e))
            log("post", s.post(), "try_wait", s.try_wait())
        log("after", await s.timed_wait(1))

    play(("W", 20, w))
    assert log == [(0, "wait", "ContextError", True),
                   (0, "timed_wait", "ContextError", True),
                   (0, "post", True, "try_wait", True), (1, "after", False)]


def test_post_and_try_wait_from_a_handler():
    log = Log()
    s = Semaphore(name="s")

    def isr():
        for form in ("wait", "timed_wait"):
            try:
                s.wait() if form == "wait" else s.timed_wait(1)
            except ContextError as e:
                log(form, "ContextError", "'s'" in str(e))
        # the first post goes to the waiter, the second to the count,
        # which the handler takes back at once
        log("isr", s.post(), s.post(), s.value, s.try_wait(), s.try_wait(),
            s.value)

    async def w():
        log("W got", await s.wait(), s.value)

    k = muos.Kernel()
    k.interrupt("irq", isr, cost=1).trigger_at(3)
    k.spawn(w, name="W", priority=20)
    k.run()
    # W waits from 0; the handler starts at 3 and keeps the CPU for its
    # cost of 1 tick, so W runs at 3 + 1 = 4
    assert log == [(3, "wait", "ContextError", True),
                   (3, "timed_wait", "ContextError", True),
                   (3, "isr", True, True, 1, True, False, 0),
                   (4, "W got", True, 0)]


def test_waiting_forever_stalls_with_blocked():
    s = Semaphore(name="s")

    async def w():
        await s.wait()

    with pytest.raises(Stalled) as ei:
        play(("W", 20, w))
    blocked = ei.value.blocked
    assert sorted(blocked) == ["W", "main"]
    assert "Semaphore 's'" in blocked["W"]


def test_binary_semaphore_as_a_signal():
    log = Log()
    b = BinarySemaphore(name="b")

    async def w():
        for _ in range(2):
            await b.wait()
            log("W got")

    async def p():
        await muos.sleep_for(1)
        # W waits: the first post hands over; the next two fill the count
        # to 1 and then fail at max
        log("posts", b.post(), b.post(), b.post(), b.value)

    play(("W", 20, w), ("P", 30, p))
    assert log == [(1, "posts", True, True, False, 1), (1, "W got"),
                   (1, "W got")]


def test_a_post_is_all_or_nothing_at_the_recursion_limit():
    # issue 14 #8: a post reached at every depth up to the recursion
    # limit either hands its unit over or raises RecursionError having
    # changed nothing: the waiter's units plus the count always equal
    # the posts that returned, and the waiter is never lost (a last post
    # at a safe depth still reaches it). (Compiled, post and wake are C
    # calls and never raise it.)
    import sys

    def deep(n, s):
        if n:
            return deep(n - 1, s)
        return s.post()

    async def main():
        s = muos.Semaphore(0)
        got = []

        async def waiter():
            while True:
                await s.wait()
                got.append(1)

        muos.spawn(waiter, priority=muos.Priority.HIGH)
        await muos.yield_now()              # it waits now
        ok = refused = 0
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(250)
        try:
            for depth in range(250):
                try:
                    deep(depth, s)
                    ok += 1
                except RecursionError:
                    refused += 1
                await muos.yield_now()       # the waiter takes its unit
                # every unit posted reached the waiter, which waits again
                assert (len(got), s.value, len(s._q.items)) == (ok, 0, 1)
        finally:
            sys.setrecursionlimit(old)
        s.post()
        await muos.yield_now()
        return ok, refused, len(got)

    ok, refused, units = muos.run(main).value
    assert ok > 0 and units == ok + 1
    if muos.build() == "plain":
        assert refused > 0             # the limit was reached
