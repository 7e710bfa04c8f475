"""ConditionVariable: wait releases the mutex and queues the thread in one
step, the mutex is reacquired before returning (also after a timeout or an
interrupt), notify_one / notify_all by priority then arrival, timed_wait,
every mutex kind and protocol, contexts and priority changes of waiters.

SimPort with zero overheads: every logged tick is exact. Workers run at
priorities below main (96), which spawns them and joins them all.
"""

import pytest

import muos
from muos import (ConditionVariable, ContextError, Interrupted, Mutex,
                  NotOwnerError)
from objects_support import Log, me, play


def owner(m):
    return None if m.owner is None else m.owner.name


KINDS = [Mutex.NORMAL, Mutex.ERRORCHECK, Mutex.RECURSIVE]
PROTOCOLS = [Mutex.NONE, Mutex.INHERIT, Mutex.PROTECT]


def make_mutex(kind, protocol, ceiling=40):
    return Mutex("m", kind=kind, protocol=protocol,
                 ceiling=ceiling if protocol == Mutex.PROTECT else None)


# -- the basic pattern, with every mutex kind and protocol ------------------

@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("kind", KINDS)
def test_wait_notify_with_every_mutex_kind_and_protocol(kind, protocol):
    log = Log()
    m = make_mutex(kind, protocol)
    cv = ConditionVariable("cv")
    items = []

    async def consumer():
        async with m:
            log("C waits")
            while not items:
                await cv.wait(m)
                log("C woke", owner(m))
            log("C took", items.pop(0))
        log("C done", owner(m))

    async def producer():
        await muos.sleep_for(2)
        async with m:
            items.append("x")
            cv.notify_one()
            log("P notified", owner(m))
            await muos.busy(3)
            log("P unlocks")
        log("P done")

    play(("C", 30, consumer), ("P", 10, producer))
    # C locks at 0 and waits (releasing m); P locks m at 2 and notifies: C
    # is ready but must reacquire m, which P holds through its work 2..5
    # (with NONE and INHERIT, C (30) preempts P (10) at its await and
    # blocks on m; with PROTECT, P runs at the ceiling 40 and C waits
    # ready). At 5 P unlocks: C gets m and runs at once (30 > 10) from
    # P's unlock await.
    assert log == [(0, "C waits"), (2, "P notified", "P"),
                   (5, "P unlocks"), (5, "C woke", "C"), (5, "C took", "x"),
                   (5, "C done", None), (5, "P done")]
    assert not m.locked


def test_notified_waiter_relocks_before_returning():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")
    th = {}

    async def waiter():
        th["W"] = me()
        await m.lock()
        await cv.wait(m)
        log("W returns", owner(m))
        m.unlock()

    async def notifier():
        await muos.sleep_for(1)
        await m.lock()
        cv.notify_one()
        await muos.sleep_for(1)        # W runs, blocks on m: W inherits
        log("N sees W on", th["W"].waiting_on.owner.name, me().priority)
        m.unlock()
        log("N unlocked", me().priority)

    play(("W", 30, waiter), ("N", 10, notifier))
    # W is notified at 1 and queues on m (N inherits 30); at 2 N unlocks,
    # its priority drops back to 10, and W runs at N's next await (end)
    assert log == [(2, "N sees W on", "m", 30), (2, "N unlocked", 10),
                   (2, "W returns", "W")]


def test_wait_releases_and_queues_atomically():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    async def waiter():
        async with m:
            await muos.busy(2)
            log("W waits")
            log("W", await cv.timed_wait(m, 10), owner(m))

    async def notifier():
        await muos.sleep_for(1)
        log("N locks")
        async with m:
            log("N notifies")
            cv.notify_one()

    play(("W", 10, waiter), ("N", 30, notifier))
    # N blocks on m at 1. At 2 W's wait hands m to N, which runs at once;
    # W is already in the condition's queue, so N's notification is not
    # lost: W returns True at 2, not at the 2 + 10 = 12 timeout
    assert log == [(1, "N locks"), (2, "W waits"), (2, "N notifies"),
                   (2, "W", True, "W")]


# -- notify_one / notify_all --------------------------------------------------

def test_notify_one_wakes_by_priority_then_arrival():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    def waiter(name, delay):
        async def w():
            await muos.sleep_for(delay)
            async with m:
                await cv.wait(m)
                log(name, "woke")
        return w

    async def notifier():
        await muos.sleep_for(5)
        for _ in range(4):
            cv.notify_one()
            await muos.sleep_for(1)

    play(("A", 20, waiter("A", 1)), ("B", 30, waiter("B", 3)),
         ("C", 20, waiter("C", 0)), ("D", 20, waiter("D", 2)),
         ("N", 10, notifier))
    # queue: B (30), then the 20s by arrival C (0), A (1), D (2); one per
    # notify at 5, 6, 7, 8
    assert log == [(5, "B", "woke"), (6, "C", "woke"), (7, "A", "woke"),
                   (8, "D", "woke")]


def test_notify_all_wakes_all_they_relock_one_by_one_by_priority():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    def waiter(name):
        async def w():
            async with m:
                log(name, "waits")
                await cv.wait(m)
                log(name, "woke", owner(m))
        return w

    async def notifier():
        await muos.sleep_for(1)
        async with m:
            cv.notify_all()
            log("N notified")
            await muos.busy(2)
            log("N unlocks")

    play(("W1", 20, waiter("W1")), ("W2", 30, waiter("W2")),
         ("W3", 30, waiter("W3")), ("N", 10, notifier))
    # all wait at 0 (W2, W3, W1 by priority); at 1 N notifies all while
    # holding m: they queue on m in the same order (at N's await); N
    # unlocks at 1 + 2 = 3 and m passes W2 -> W3 -> W1
    assert log == [(0, "W2", "waits"), (0, "W3", "waits"),
                   (0, "W1", "waits"), (1, "N notified"), (3, "N unlocks"),
                   (3, "W2", "woke", "W2"), (3, "W3", "woke", "W3"),
                   (3, "W1", "woke", "W1")]


def test_notify_without_waiters_is_lost_and_plain_calls_work_anywhere():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")
    cv.notify_one()
    cv.notify_all()            # outside any thread: nothing to do

    async def notifier():
        cv.notify_one()
        cv.notify_all()
        log("N notified")

    async def waiter():
        await muos.sleep_for(1)
        async with m:
            log("W", await cv.timed_wait(m, 5))

    play(("N", 30, notifier), ("W", 20, waiter))
    # the notifications at 0 find nobody: W times out at 1 + 5 = 6
    assert log == [(0, "N notified"), (6, "W", False)]


# -- timed_wait ---------------------------------------------------------------

@pytest.mark.parametrize("ticks, expect", [
    (2, [(3, "W", False, "W")]),        # 1 + 2 = 3 < 4
    (3, [(4, "W", True, "W")]),         # N's work ends at 4, the deadline
    (3.5, [(4, "W", True, "W")]),
])
def test_timed_wait(ticks, expect):
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    async def waiter():
        await muos.sleep_for(1)
        async with m:
            log("W", await cv.timed_wait(m, ticks), owner(m))

    async def notifier():
        await muos.busy(4)
        cv.notify_one()

    play(("W", 30, waiter), ("N", 10, notifier))
    assert log == expect


def test_timed_wait_timeout_still_waits_for_the_mutex():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    async def waiter():
        async with m:
            log("W", await cv.timed_wait(m, 4), owner(m))

    async def holder():
        await muos.sleep_for(3)
        async with m:
            await muos.busy(4)
            log("H unlocks", me().priority)

    play(("W", 30, waiter), ("H", 10, holder))
    # W waits at 0 (m free); H locks at 3 and works 3..7; W times out at 4
    # but m is H's: W blocks on it (H inherits 30) and returns False once
    # H unlocks at 7
    assert log == [(7, "H unlocks", 30), (7, "W", False, "W")]


def test_timed_wait_zero_releases_nothing_observable():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    async def w():
        async with m:
            log("W", await cv.timed_wait(m, 0), owner(m))

    play(("W", 20, w))
    assert log == [(0, "W", False, "W")]


@pytest.mark.parametrize("ticks, exc", [(-2, ValueError), ("1", TypeError)])
def test_timed_wait_bad_ticks_raise_at_the_call(ticks, exc):
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    async def w():
        async with m:
            try:
                cv.timed_wait(m, ticks)
            except exc as e:
                log(type(e).__name__, "'cv'" in str(e), owner(m))

    play(("W", 20, w))
    assert log == [(0, exc.__name__, True, "W")]


# -- mutex kinds and protocols in detail --------------------------------------

def test_recursive_mutex_depth_is_restored():
    log = Log()
    m = Mutex("m", kind=Mutex.RECURSIVE)
    cv = ConditionVariable("cv")

    async def waiter():
        for _ in range(3):
            await m.lock()
        await cv.wait(m)
        log("W back", owner(m))
        m.unlock()
        m.unlock()
        log("W after two unlocks", owner(m))
        m.unlock()
        log("W after three", owner(m))

    async def other():
        await muos.sleep_for(1)
        log("O locked", m.try_lock())    # the wait released all 3 levels
        cv.notify_one()
        m.unlock()

    play(("W", 30, waiter), ("O", 10, other))
    # at 1 O can lock m (the wait released all three levels), notifies and
    # unlocks: W relocks with its depth 3 back, so it owns m until its
    # third unlock
    assert log == [(1, "O locked", True), (1, "W back", "W"),
                   (1, "W after two unlocks", "W"), (1, "W after three", None)]


def test_protect_waiter_runs_at_its_base_priority_while_waiting():
    log = Log()
    m = Mutex("m", protocol=Mutex.PROTECT, ceiling=40)
    cv = ConditionVariable("cv")
    th = {}

    async def waiter():
        th["W"] = me()
        async with m:
            log("W locked", me().priority)
            await cv.wait(m)
            log("W back", me().priority)
        log("W unlocked", me().priority)

    async def other():
        await muos.sleep_for(1)
        log("O sees W at", th["W"].priority)
        cv.notify_one()

    play(("W", 20, waiter), ("O", 10, other))
    assert log == [(0, "W locked", 40), (1, "O sees W at", 20),
                   (1, "W back", 40), (1, "W unlocked", 20)]


def test_inherit_owner_drops_its_boost_when_it_waits():
    log = Log()
    m = Mutex("m")                  # INHERIT by default
    cv = ConditionVariable("cv")
    th = {}

    async def low():
        th["L"] = me()
        async with m:
            await muos.busy(2)
            log("L waits", me().priority)
            await cv.wait(m)
            log("L back", me().priority)

    async def high():
        await muos.sleep_for(1)
        async with m:
            log("H locked", th["L"].priority)
            cv.notify_one()
        log("H unlocked")

    play(("L", 10, low), ("H", 30, high))
    # H blocks on m at 1: L inherits 30. L's wait at 2 hands m to H and L
    # drops back to 10 at once
    assert log == [(2, "L waits", 30), (2, "H locked", 10),
                   (2, "H unlocked"), (2, "L back", 10)]


def test_errorcheck_mutex_not_owned_raises_at_the_call():
    log = Log()
    m = Mutex("m", kind=Mutex.ERRORCHECK)
    cv = ConditionVariable("cv")

    async def w():
        for form, call in [("wait", lambda: cv.wait(m)),
                           ("timed_wait", lambda: cv.timed_wait(m, 5))]:
            try:
                call()
            except NotOwnerError as e:
                log(form, "NotOwnerError", "'m'" in str(e))

    play(("W", 20, w))
    assert log == [(0, "wait", "NotOwnerError", True),
                   (0, "timed_wait", "NotOwnerError", True)]


def test_mutex_owned_by_another_thread_raises_not_owner():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    async def holder():
        await m.lock()
        await muos.sleep_for(2)
        m.unlock()

    async def w():
        await muos.sleep_for(1)
        try:
            cv.wait(m)
        except NotOwnerError:
            log("NotOwnerError", owner(m))

    play(("H", 30, holder), ("W", 20, w))
    assert log == [(1, "NotOwnerError", "H")]


@pytest.mark.parametrize("bad", [None, "m", object()])
def test_wait_needs_a_mutex(bad):
    log = Log()
    cv = ConditionVariable("cv")

    async def w():
        try:
            cv.wait(bad)
        except TypeError as e:
            log("TypeError", "'cv'" in str(e))

    play(("W", 20, w))
    assert log == [(0, "TypeError", True)]


# -- interrupts and kills -----------------------------------------------------

@pytest.mark.parametrize("form", ["wait", "timed_wait"])
def test_interrupted_waiter_relocks_then_raises(form):
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")
    th = {}

    async def waiter():
        th["W"] = me()
        async with m:
            try:
                if form == "wait":
                    await cv.wait(m)
                else:
                    await cv.timed_wait(m, 50)
            except Interrupted as e:
                log("W Interrupted", owner(m), me().interrupted,
                    "'cv'" in str(e))

    async def ctl():
        await muos.sleep_for(1)
        async with m:
            th["W"].interrupt()
            await muos.busy(3)
            log("C unlocks")
        cv.notify_one()              # W is no longer waiting: lost

    play(("W", 30, waiter), ("C", 10, ctl))
    # interrupted at 1 while C holds m: W must reacquire m first (C works
    # 1..4 at W's priority), then Interrupted is raised with m owned
    assert log == [(4, "C unlocks"), (4, "W Interrupted", "W", True, True)]
    assert not m.locked


def test_interrupt_while_relocking_after_a_notification():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")
    th = {}

    async def waiter():
        th["W"] = me()
        async with m:
            await cv.wait(m)
            log("W", owner(m), me().interrupted)
        try:
            await muos.sleep_for(1)
        except Interrupted:
            log("W next wait Interrupted")

    async def ctl():
        await muos.sleep_for(1)
        async with m:
            cv.notify_one()
            await muos.busy(1)          # W wakes and blocks on m
            th["W"].interrupt()         # while it waits for the mutex
            await muos.busy(1)
        log("C unlocked")

    play(("W", 30, waiter), ("C", 10, ctl))
    # the notification came first: the wait completes normally once m is
    # back (at 1 + 2 = 3), and the interrupt stays pending for W's next
    # blocking call
    assert log == [(3, "W", "W", True), (3, "W next wait Interrupted"),
                   (3, "C unlocked")]


def test_interrupted_flag_before_waiting():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    async def w():
        me().interrupt()
        async with m:
            try:
                await cv.wait(m)
            except Interrupted:
                log("Interrupted", owner(m))
            try:
                await cv.timed_wait(m, 3)
            except Interrupted:
                log("timed Interrupted", owner(m))

    play(("W", 20, w))
    assert log == [(0, "Interrupted", "W"), (0, "timed Interrupted", "W")]


def test_killed_waiter_leaves_the_queue_and_the_mutex_alone():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")
    th = {}

    def waiter(name):
        async def w():
            th[name] = me()
            async with m:
                await cv.wait(m)
                log(name, "woke")
        return w

    async def ctl():
        await muos.sleep_for(1)
        th["V"].kill()
        log("C", owner(m))
        cv.notify_one()

    play(("V", 30, waiter("V")), ("O", 20, waiter("O")), ("C", 10, ctl))
    # V was first in line; killed, it owns nothing, so O is notified
    assert log == [(1, "C", None), (1, "O", "woke")]
    assert not m.locked


# -- contexts -----------------------------------------------------------------

def test_blocking_forms_raise_context_error_outside_threads():
    m = Mutex("m")
    cv = ConditionVariable("cv")
    with pytest.raises(ContextError):
        cv.wait(m)
    with pytest.raises(ContextError):
        cv.timed_wait(m, 5)


def test_blocking_forms_raise_context_error_with_scheduler_locked():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    async def w():
        async with m:
            with muos.scheduler_locked():
                for form, call in [("wait", lambda: cv.wait(m)),
                                   ("timed_wait",
                                    lambda: cv.timed_wait(m, 2))]:
                    try:
                        call()
                    except ContextError as e:
                        log(form, "ContextError", "'cv'" in str(e),
                            owner(m))
                cv.notify_one()
                cv.notify_all()
            log("after", await cv.timed_wait(m, 1), owner(m))

    play(("W", 20, w))
    assert log == [(0, "wait", "ContextError", True, "W"),
                   (0, "timed_wait", "ContextError", True, "W"),
                   (1, "after", False, "W")]


# -- priority changes ---------------------------------------------------------

def test_priority_change_of_a_waiter_repositions_it():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")
    th = {}

    def waiter(name):
        async def w():
            th[name] = me()
            async with m:
                await cv.wait(m)
                log(name, "woke")
        return w

    async def ctl():
        await muos.sleep_for(1)
        th["A"].set_priority(50)
        th["B"].set_priority(5)
        for _ in range(3):
            cv.notify_one()
            await muos.sleep_for(1)

    play(("B", 40, waiter("B")), ("C", 30, waiter("C")),
         ("A", 20, waiter("A")), ("Ctl", 4, ctl))
    # B(40) C(30) A(20) becomes A(50) C(30) B(5)
    assert log == [(1, "A", "woke"), (2, "C", "woke"), (3, "B", "woke")]


# -- interrupt handlers -------------------------------------------------------

def test_notify_from_a_handler_and_blocking_raises():
    log = Log()
    m = Mutex("m")
    cv = ConditionVariable("cv")

    def waiter(name):
        async def w():
            async with m:
                log(name, await cv.timed_wait(m, 20), owner(m))
        return w

    def handler():
        cv.notify_one()
        for form, call in [("wait", lambda: cv.wait(m)),
                           ("timed_wait", lambda: cv.timed_wait(m, 1))]:
            try:
                call()
            except ContextError:
                log(form, "ContextError")

    async def main():
        k = me()._kernel
        irq = k.interrupt("irq", handler, cost=1)
        irq.trigger_at(2)
        ts = [muos.spawn(waiter("A"), name="A", priority=20),
              muos.spawn(waiter("B"), name="B", priority=30)]
        await muos.sleep_for(5)
        cv.notify_all()
        for t in ts:
            await t.join()

    muos.run(main)
    # the handler at 2 notifies B (30), which runs after the handler's
    # tick, at 3; main's notify_all at 5 wakes A
    assert log == [(2, "wait", "ContextError"),
                   (2, "timed_wait", "ContextError"), (3, "B", True, "B"),
                   (5, "A", True, "A")]
