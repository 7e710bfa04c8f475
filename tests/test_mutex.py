"""Mutex: kinds, ownership, the three lock forms, robustness, deadlocks.

Every scenario runs on SimPort with zero overheads, so each logged tick is
exact. ``play()`` runs the given threads under "main" (Priority.NORMAL,
96), which spawns them all and then joins them; the workers use
priorities below 96, so none runs before main blocks in its first join
at tick 0, and the most urgent worker starts first.
"""

import pytest

import muos
from muos import (ContextError, DeadlockError, Interrupted, Mutex,
                  NotOwnerError, NotRecoverable, OwnerDead, Stalled)
from objects_support import Log, me, play


# -- basic ownership --------------------------------------------------------

def test_lock_unlock_owner_and_locked():
    log = Log()
    m = Mutex("m")

    async def a():
        log("A free", m.owner, m.locked)
        await m.lock()
        log("A lock", m.owner.name, m.locked)
        await muos.busy(3)
        m.unlock()
        # handed straight to the waiter B, which has not run yet
        log("A unlock", m.owner.name)

    async def b():
        await muos.sleep_for(1)
        log("B wait")
        await m.lock()
        log("B lock", m.owner.name)
        await muos.busy(2)
        m.unlock()
        log("B unlock", m.owner, m.locked)

    play(("A", 20, a), ("B", 30, b))
    # A locks at 0 and computes 0..3. B (more urgent) wakes at 1 and blocks.
    # A unlocks at 3: B becomes owner at once; B runs at A's next await
    # (its return), computes 3..5 and unlocks.
    assert log == [
        (0, "A free", None, False),
        (0, "A lock", "A", True),
        (1, "B wait"),
        (3, "A unlock", "B"),
        (3, "B lock", "B"),
        (5, "B unlock", None, False),
    ]


def test_unlock_hands_over_no_barging():
    log = Log()
    m = Mutex("m")

    async def a():
        await m.lock()
        log("A lock")
        await muos.sleep_for(2)
        m.unlock()
        # B (less urgent, not yet run) already owns it: A cannot barge
        log("A unlock", m.owner.name, m.try_lock())
        await m.lock()
        log("A lock again")
        m.unlock()

    async def b():
        log("B wait")
        await m.lock()
        log("B lock")
        await muos.busy(1)
        m.unlock()
        log("B unlock", m.owner.name)

    play(("A", 20, a), ("B", 10, b))
    # A locks at 0 and sleeps to 2; B runs at 0 and blocks. At 2 A unlocks
    # (B owns it now), try_lock fails, A's lock() blocks, so B runs at 2,
    # computes 2..3, unlocks: A (more urgent) owns it at 3.
    assert log == [
        (0, "A lock"),
        (0, "B wait"),
        (2, "A unlock", "B", False),
        (2, "B lock"),
        (3, "B unlock", "A"),
        (3, "A lock again"),
    ]


# -- kinds ------------------------------------------------------------------

def test_recursive_counts_and_needs_as_many_unlocks():
    log = Log()
    m = Mutex("m", kind=Mutex.RECURSIVE)

    async def a():
        await m.lock()
        await m.lock()
        ok = m.try_lock()
        ok2 = await m.timed_lock(5)     # count 4, no wait
        log("A x4", ok, ok2)
        await muos.busy(2)
        for i in range(1, 4):
            m.unlock()
            log("A unlock", i, m.owner.name)
            await muos.busy(1)
        m.unlock()
        log("A unlock", 4, m.owner.name)
        try:
            m.unlock()
        except NotOwnerError:
            log("A 5th unlock NotOwnerError")

    async def b():
        await muos.sleep_for(1)
        log("B wait")
        await m.lock()
        log("B lock")
        m.unlock()

    play(("A", 20, a), ("B", 30, b))
    # A holds a count of 4 from 0; B blocks at 1. A unlocks at 2, 3, 4
    # (still owner), the 4th unlock at 5 hands it to B; a 5th unlock by
    # A (no longer owner) raises before B runs at A's return.
    assert log == [
        (0, "A x4", True, True),
        (1, "B wait"),
        (2, "A unlock", 1, "A"),
        (3, "A unlock", 2, "A"),
        (4, "A unlock", 3, "A"),
        (5, "A unlock", 4, "B"),
        (5, "A 5th unlock NotOwnerError"),
        (5, "B lock"),
    ]


@pytest.mark.parametrize("kind", [Mutex.NORMAL, Mutex.ERRORCHECK])
def test_relock_by_owner_raises_deadlock(kind):
    log = Log()
    m = Mutex("m", kind=kind)

    async def a():
        await m.lock()
        for form in ("lock", "try_lock", "timed_lock"):
            try:
                if form == "lock":
                    await m.lock()
                elif form == "try_lock":
                    m.try_lock()
                else:
                    await m.timed_lock(5)
            except DeadlockError as e:
                log(form, [t.name for t in e.cycle], "'m'" in str(e))
        # still held once: one unlock frees it
        m.unlock()
        log("unlocked", m.locked)

    play(("A", 20, a))
    # every relock fails at once (tick 0), naming A as the whole cycle
    assert log == [
        (0, "lock", ["A"], True),
        (0, "try_lock", ["A"], True),
        (0, "timed_lock", ["A"], True),
        (0, "unlocked", False),
    ]


def test_unlock_errors_name_the_mutex():
    log = Log()
    m = Mutex("m")

    async def a():
        try:
            m.unlock()
        except NotOwnerError as e:
            log("A unlocked", "Mutex 'm'" in str(e))
        await m.lock()
        await muos.sleep_for(2)
        m.unlock()

    async def b():
        await muos.sleep_for(1)
        try:
            m.unlock()
        except NotOwnerError as e:
            log("B not owner", "Mutex 'm'" in str(e), m.owner.name)

    play(("A", 20, a), ("B", 10, b))
    # A unlocks a free mutex at 0; B (A asleep, holding m) tries at 1
    assert log == [(0, "A unlocked", True), (1, "B not owner", True, "A")]


# -- try_lock / timed_lock --------------------------------------------------

def test_try_lock():
    log = Log()
    m = Mutex("m")

    async def a():
        log("A try", m.try_lock(), m.owner.name)
        await muos.sleep_for(3)
        m.unlock()

    async def b():
        await muos.sleep_for(1)
        # owned by A: fails at once, without queueing
        log("B try", m.try_lock(), m.waiters)
        await muos.sleep_for(3)
        log("B try", m.try_lock(), m.owner.name)
        m.unlock()

    play(("A", 20, a), ("B", 10, b))
    # A takes the free mutex at 0 and keeps it (asleep) until 3; B fails
    # at 1 and succeeds at 1 + 3 = 4
    assert log == [(0, "A try", True, "A"), (1, "B try", False, []),
                   (4, "B try", True, "B")]


def test_timed_lock_succeeds_when_freed_in_time():
    log = Log()
    m = Mutex("m")

    async def a():
        await m.lock()
        await muos.busy(3)
        m.unlock()

    async def b():
        await muos.sleep_for(1)
        log("B timed_lock")
        ok = await m.timed_lock(5)
        log("B", ok, m.owner.name)
        m.unlock()

    play(("A", 20, a), ("B", 30, b))
    # B waits from 1 (deadline 6); A unlocks at 3: B owns it at 3
    assert log == [(1, "B timed_lock"), (3, "B", True, "B")]


@pytest.mark.parametrize("ticks, expect", [(4, 5), (2.5, 3.5), (1, 2)])
def test_timed_lock_fails_after_exactly_ticks(ticks, expect):
    log = Log()
    m = Mutex("m")

    async def a():
        await m.lock()
        await muos.busy(10)
        log("A unlock", m.waiters)
        m.unlock()

    async def b():
        await muos.sleep_for(1)
        ok = await m.timed_lock(ticks)
        log("B", ok, m.owner.name)

    play(("A", 20, a), ("B", 30, b))
    # B asks at 1 and gives up at 1 + ticks, A still owning it; the failed
    # waiter leaves the queue, so A sees no waiter when it unlocks at 10
    assert log == [(expect, "B", False, "A"), (10, "A unlock", [])]


def test_timed_lock_zero():
    log = Log()
    m = Mutex("m")

    async def a():
        log("A", await m.timed_lock(0))
        await muos.sleep_for(2)
        m.unlock()

    async def b():
        log("B", await m.timed_lock(0))

    play(("A", 20, a), ("B", 10, b))
    # free: True at once; owned: False at once, same tick
    assert log == [(0, "A", True), (0, "B", False)]


def test_timed_lock_unlock_at_the_deadline_instant_wins():
    log = Log()
    m = Mutex("m")

    async def a():
        await m.lock()
        await muos.busy(5)
        m.unlock()

    async def b():
        await muos.sleep_for(1)
        log("B", await m.timed_lock(4))

    play(("A", 20, a), ("B", 30, b))
    # deadline 1 + 4 = 5; A's work ends at 5 and "one instant" puts the
    # end of work (and its unlock) before the timeout at 5
    assert log == [(5, "B", True)]


def test_timed_lock_bad_ticks_raise_at_the_call():
    log = Log()
    m = Mutex("m")

    async def a():
        for bad in (-1, -0.5, "3", None):
            try:
                m.timed_lock(bad)
            except (ValueError, TypeError) as e:
                log(type(e).__name__, "'m'" in str(e))

    play(("A", 20, a))
    assert log == [(0, "ValueError", True), (0, "ValueError", True),
                   (0, "TypeError", True), (0, "TypeError", True)]


# -- async with -------------------------------------------------------------

def test_async_with_locks_unlocks_and_exit_is_a_preemption_point():
    log = Log()
    m = Mutex("m")

    async def a():
        async with m:
            log("A in", m.owner.name)
            await muos.busy(3)
        log("A after", m.owner)

    async def b():
        await muos.sleep_for(1)
        log("B wants")
        async with m:
            log("B in")
        log("B after", m.locked)

    play(("A", 20, a), ("B", 30, b))
    # A's exit at 3 unlocks (B becomes owner) and is an await: B, more
    # urgent, runs its whole block at 3 before A's next statement
    assert log == [(0, "A in", "A"), (1, "B wants"), (3, "B in"),
                   (3, "B after", False), (3, "A after", None)]


def test_async_with_unlocks_on_exception():
    log = Log()
    m = Mutex("m")

    async def a():
        try:
            async with m:
                await muos.busy(1)
                raise KeyError("x")
        except KeyError:
            log("A raised", m.locked)

    play(("A", 20, a))
    # the body raises at 1 after its work; the exit unlocked m
    assert log == [(1, "A raised", False)]


# -- waiting order ----------------------------------------------------------

def test_waiters_served_by_priority_then_arrival():
    log = Log()
    m = Mutex("m", protocol=Mutex.NONE)

    async def a():
        await m.lock()
        await muos.sleep_for(10)
        log("A unlock", [t.name for t in m.waiters])
        m.unlock()

    def waiter(delay):
        async def w():
            await muos.sleep_for(delay)
            await m.lock()
            log(me().name)
            await muos.busy(1)
            m.unlock()
        return w

    play(("A", 90, a), ("W1", 20, waiter(1)), ("W2", 40, waiter(2)),
         ("W3", 20, waiter(3)), ("W4", 40, waiter(4)),
         ("W5", 30, waiter(5)))
    # arrivals at 1..5; at 10 the queue is 40s by arrival (W2, W4), then
    # W5 (30), then the 20s by arrival (W1, W3); each holds it 1 tick
    assert log == [
        (10, "A unlock", ["W2", "W4", "W5", "W1", "W3"]),
        (10, "W2"), (11, "W4"), (12, "W5"), (13, "W1"), (14, "W3"),
    ]


def test_waiter_whose_priority_changes_is_repositioned():
    log = Log()
    m = Mutex("m", protocol=Mutex.NONE)
    th = {}

    async def a():
        await m.lock()
        await muos.sleep_for(4)

        def order(what):
            log(what, [t.name for t in m.waiters])

        order("start")
        th["W3"].set_priority(50)
        order("W3 up")
        th["W1"].set_priority(10)
        order("W1 down")
        th["W3"].set_priority(20)
        order("W3 back")
        th["W1"].set_priority(20)
        order("W1 back")
        th["W2"].set_priority(21)
        order("W2 up")
        m.unlock()

    def waiter(delay):
        async def w():
            th[me().name] = me()
            await muos.sleep_for(delay)
            await m.lock()
            log(me().name)
            await muos.busy(1)
            m.unlock()
        return w

    play(("A", 90, a), ("W1", 20, waiter(1)), ("W2", 20, waiter(2)),
         ("W3", 20, waiter(3)))
    # W3 up to 50 goes first; W1 down to 10 goes last; back at 20 each
    # takes its arrival place among the 20s again (not the tail)
    assert log == [
        (4, "start", ["W1", "W2", "W3"]),
        (4, "W3 up", ["W3", "W1", "W2"]),
        (4, "W1 down", ["W3", "W2", "W1"]),
        (4, "W3 back", ["W2", "W3", "W1"]),
        (4, "W1 back", ["W1", "W2", "W3"]),
        (4, "W2 up", ["W2", "W1", "W3"]),
        (4, "W2"), (5, "W1"), (6, "W3"),
    ]


def test_interrupted_or_killed_waiter_leaves_the_queue():
    log = Log()
    m = Mutex("m")
    th = {}

    async def a():
        await m.lock()
        await muos.sleep_for(3)
        th["W1"].interrupt()
        th["W2"].kill()
        log("A", [t.name for t in m.waiters])
        m.unlock()
        log("A unlock", m.owner.name)

    async def w1():
        th["W1"] = me()
        await muos.sleep_for(1)
        try:
            await m.lock()
        except Interrupted:
            log("W1 Interrupted", m.owner.name)

    async def w2():
        th["W2"] = me()
        await muos.sleep_for(1)
        await m.lock()
        log("W2 must not get here")

    async def w3():
        await muos.sleep_for(2)
        await m.timed_lock(50)
        log("W3 lock")
        m.unlock()

    play(("A", 90, a), ("W1", 40, w1), ("W2", 30, w2), ("W3", 20, w3))
    # W1, W2 wait from 1, W3 from 2. At 3 A interrupts W1 and kills W2:
    # both leave the queue, so the unlock hands m to W3. W1 (40) then
    # runs at A's return and sees its Interrupted, W3 (20) last
    assert log == [(3, "A", ["W3"]), (3, "A unlock", "W3"),
                   (3, "W1 Interrupted", "W3"), (3, "W3 lock")]


# -- robust mutexes -----------------------------------------------------------

@pytest.mark.parametrize("how", ["returns", "raises", "killed"])
def test_robust_owner_ends_next_lock_gets_owner_dead(how):
    log = Log()
    m = Mutex("m", robust=True)
    th = {}

    async def a():
        th["A"] = me()
        await m.lock()
        if how == "returns":
            return
        if how == "raises":
            raise RuntimeError("boom")
        await muos.sleep_for(100)

    async def killer():
        await muos.sleep_for(2)
        th["A"].kill()

    async def b():
        await muos.sleep_for(3)
        try:
            await m.lock()
        except OwnerDead as e:
            log("B OwnerDead", m.owner is me(), "'m'" in str(e))
        m.consistent()
        m.unlock()
        log("B unlock", m.locked)

    async def c():
        await muos.sleep_for(4)
        await m.lock()
        log("C lock")
        m.unlock()

    play(("A", 50, a), ("K", 40, killer), ("B", 30, b), ("C", 20, c),
         allowed=(RuntimeError,))
    # A ends holding m at 0 (returns, raises) or 2 (killed); B's lock at 3
    # acquires it and raises OwnerDead; consistent() keeps it usable: C
    # locks it normally at 4
    assert log == [(3, "B OwnerDead", True, True), (3, "B unlock", False),
                   (4, "C lock")]


def test_robust_waiter_present_when_owner_killed():
    log = Log()
    m = Mutex("m", robust=True)
    th = {}

    async def a():
        th["A"] = me()
        await m.lock()
        await muos.sleep_for(100)

    async def killer():
        await muos.sleep_for(2)
        th["A"].kill()
        log("K killed", th["A"].state, m.owner.name)

    async def w():
        await muos.sleep_for(1)
        try:
            await m.timed_lock(10)
        except OwnerDead:
            log("W OwnerDead", m.owner.name)
        m.consistent()
        m.unlock()

    play(("A", 50, a), ("K", 40, killer), ("W", 30, w))
    # W waits from 1; A dies at 2: W owns m at once and its timed_lock
    # raises OwnerDead at 2
    assert log == [(2, "K killed", muos.TERMINATED, "W"),
                   (2, "W OwnerDead", "W")]


def test_robust_unlock_without_consistent_makes_it_unrecoverable():
    log = Log()
    m = Mutex("m", robust=True)

    async def a():
        await m.lock()

    async def b():
        try:
            await m.lock()
        except OwnerDead:
            log("B OwnerDead")
        await muos.sleep_for(3)
        m.unlock()
        log("B unlock", m.locked, m.waiters)

    def waiter(delay):
        async def w():
            await muos.sleep_for(delay)
            try:
                await m.lock()
            except NotRecoverable as e:
                log(me().name, "NotRecoverable", "'m'" in str(e))
        return w

    async def later():
        await muos.sleep_for(5)
        for form in ("lock", "try_lock", "timed_lock"):
            try:
                if form == "lock":
                    await m.lock()
                elif form == "try_lock":
                    m.try_lock()
                else:
                    await m.timed_lock(1)
                log(form, "acquired?!")
            except NotRecoverable:
                log(form, "NotRecoverable")

    play(("A", 50, a), ("B", 40, b), ("W1", 30, waiter(1)),
         ("W2", 20, waiter(2)), ("C", 10, later))
    # A returns holding m at 0; B gets OwnerDead at 0 and keeps m to 3
    # without consistent(); W1 (1) and W2 (2) wait. B's unlock at 3 wakes
    # both with NotRecoverable (most urgent first); every later lock form
    # (C at 5) raises NotRecoverable at once
    assert log == [
        (0, "B OwnerDead"),
        (3, "B unlock", False, []),
        (3, "W1", "NotRecoverable", True),
        (3, "W2", "NotRecoverable", True),
        (5, "lock", "NotRecoverable"),
        (5, "try_lock", "NotRecoverable"),
        (5, "timed_lock", "NotRecoverable"),
    ]


def test_consistent_misuse_raises_value_error():
    log = Log()
    m = Mutex("m", robust=True)

    async def a():
        await m.lock()
        try:
            m.consistent()            # nothing to make consistent
        except ValueError as e:
            log("healthy", "'m'" in str(e))
        m.unlock()

    play(("A", 20, a))
    assert log == [(0, "healthy", True)]


def test_non_robust_owner_died_stays_locked_and_stalls():
    log = Log()
    m = Mutex("m")

    async def a():
        await m.lock()

    async def b():
        log("B", m.locked, m.owner.name, m.owner.state, m.try_lock())
        try:
            m.unlock()
        except NotOwnerError:
            log("B NotOwnerError")
        await m.lock()
        log("B must not get here")

    with pytest.raises(Stalled) as ei:
        play(("A", 50, a), ("B", 40, b))
    # A returned holding m at 0; m stays locked by the dead A, so B waits
    # forever and main (joining A, then B) can never run again
    assert log == [(0, "B", True, "A", muos.TERMINATED, False),
                   (0, "B NotOwnerError")]
    blocked = ei.value.blocked
    assert sorted(blocked) == ["B", "main"]
    assert "Mutex 'm'" in blocked["B"]


# -- deadlock detection -----------------------------------------------------

def test_two_thread_cycle_raises_deadlock_error():
    log = Log()
    x = Mutex("X")
    y = Mutex("Y")

    async def a():
        await x.lock()
        log("A X")
        await muos.sleep_for(1)
        log("A wants Y")
        await y.lock()
        log("A got Y")
        y.unlock()
        x.unlock()

    async def b():
        await y.lock()
        log("B Y")
        await muos.sleep_for(2)
        log("B wants X")
        try:
            await x.lock()
        except DeadlockError as e:
            log("B deadlock", sorted(t.name for t in e.cycle),
                len(e.cycle), x.waiters)
        y.unlock()

    play(("A", 20, a), ("B", 10, b))
    # A holds X (0), B holds Y (0); A waits for Y at 1; B's lock of X at 2
    # would close A -> B -> A: it raises instead of waiting, B gives Y up
    # and A gets it at 2
    assert log == [(0, "A X"), (0, "B Y"), (1, "A wants Y"),
                   (2, "B wants X"), (2, "B deadlock", ["A", "B"], 2, []),
                   (2, "A got Y")]


def test_three_thread_cycle_raises_deadlock_error():
    log = Log()
    x, y, z = Mutex("X"), Mutex("Y"), Mutex("Z")

    def worker(mine, want, delay):
        async def w():
            await mine.lock()
            await muos.sleep_for(delay)
            try:
                await want.lock()
                log(me().name, "got", want.name)
                want.unlock()
            except DeadlockError as e:
                log(me().name, "deadlock", sorted(t.name for t in e.cycle),
                    len(e.cycle))
            mine.unlock()
        return w

    play(("A", 30, worker(x, y, 1)), ("B", 20, worker(y, z, 2)),
         ("C", 10, worker(z, x, 3)))
    # A waits for Y (B) at 1, B for Z (C) at 2; C's lock of X at 3 closes
    # C -> A -> B -> C. C releases Z: B gets Z, releases Y: A gets Y
    assert log == [(3, "C", "deadlock", ["A", "B", "C"], 3),
                   (3, "B", "got", "Z"), (3, "A", "got", "Y")]


def test_no_false_positive_for_a_waiting_chain():
    log = Log()
    x, y = Mutex("X"), Mutex("Y")

    async def a():
        await x.lock()
        await muos.sleep_for(3)
        x.unlock()
        log("A unlock X")

    async def b():
        await muos.sleep_for(1)
        await y.lock()
        await x.lock()           # waits for A at 1
        log("B got X")
        x.unlock()
        y.unlock()

    async def c():
        await muos.sleep_for(2)
        await y.lock()           # waits for B (waiting for A) at 2
        log("C got Y")
        await x.lock()
        log("C got X")
        x.unlock()
        y.unlock()

    play(("A", 10, a), ("B", 20, b), ("C", 30, c))
    # chain C -> B -> A, no cycle. A unlocks X at 3: B gets X, releases
    # both at its return; C gets Y then X at once
    assert log == [(3, "A unlock X"), (3, "B got X"), (3, "C got Y"),
                   (3, "C got X")]


def test_try_lock_never_reports_a_deadlock():
    log = Log()
    x, y = Mutex("X"), Mutex("Y")

    async def a():
        await x.lock()
        await muos.sleep_for(2)
        # B holds Y and waits for X: a lock() would close a cycle, but
        # try_lock never waits, so it simply fails
        log("A try Y", y.try_lock())
        # a zero wait is no wait either
        log("A timed_lock(0) Y", await y.timed_lock(0))
        x.unlock()

    async def b():
        await y.lock()
        await muos.sleep_for(1)
        await x.lock()
        log("B got X")
        x.unlock()
        y.unlock()

    play(("A", 20, a), ("B", 10, b))
    assert log == [(2, "A try Y", False), (2, "A timed_lock(0) Y", False),
                   (2, "B got X")]


def test_timed_lock_closing_a_cycle_raises_deadlock_error():
    log = Log()
    x, y = Mutex("X"), Mutex("Y")

    async def a():
        await x.lock()
        await muos.sleep_for(1)
        await y.lock()
        y.unlock()
        x.unlock()

    async def b():
        await y.lock()
        await muos.sleep_for(2)
        try:
            await x.timed_lock(10)
        except DeadlockError as e:
            log("B", sorted(t.name for t in e.cycle))
        y.unlock()

    play(("A", 20, a), ("B", 10, b))
    # as with lock(): A waits for Y (B) from 1; B's timed_lock of X at 2
    # would close the cycle, so it raises at once instead of timing out
    assert log == [(2, "B", ["A", "B"])]


# -- contexts ---------------------------------------------------------------

def _all_methods(m):
    # (what the message must name, the call)
    return [
        ("lock", lambda: m.lock()),
        ("try_lock", lambda: m.try_lock()),
        ("timed_lock", lambda: m.timed_lock(1)),
        ("unlock", lambda: m.unlock()),
        ("consistent", lambda: m.consistent()),
        ("lock", lambda: m.__aenter__()),       # async with m
        ("unlock", lambda: m.__aexit__(None, None, None)),
    ]


def test_every_method_raises_context_error_outside_a_kernel():
    m = Mutex("m", robust=True)
    for name, call in _all_methods(m):
        with pytest.raises(ContextError) as ei:
            call()
        assert name in str(ei.value)
    assert m.owner is None and m.locked is False


def test_every_method_raises_context_error_after_the_kernel_stopped():
    m = Mutex("m", robust=True)

    async def main():
        await m.lock()
        m.unlock()

    muos.run(main)
    for name, call in _all_methods(m):
        with pytest.raises(ContextError) as ei:
            call()
        assert name in str(ei.value)
    assert m.owner is None


@pytest.mark.parametrize("where", ["handler", "timer"])
def test_every_method_raises_context_error_in_interrupt_context(where):
    log = Log()
    m = Mutex("m", robust=True)
    w = {}

    def isr():
        for name, call in _all_methods(m):
            try:
                call()
                log(name, "no error")
            except ContextError as e:
                log(name, "ContextError", name in str(e), muos.in_isr())
        # nothing changed: the owner and the waiter are still in place
        log("state", m.owner.name, [t.name for t in m.waiters])

    async def owner():
        await m.lock()
        await muos.sleep_for(5)
        m.unlock()

    async def waiter():
        await muos.sleep_for(1)
        await m.lock()
        log("W lock")
        m.unlock()

    k = muos.Kernel()
    if where == "handler":
        k.interrupt("irq", isr).trigger_at(2)
    else:
        async def arm():
            w["tm"] = muos.Timer(isr)
            w["tm"].start(2)
        k.spawn(arm, name="arm", priority=90)
    k.spawn(owner, name="A", priority=20)
    k.spawn(waiter, name="W", priority=10)
    k.run()
    # at 2 (A holds m, W waits since 1) every method refuses, in
    # interrupt context; A unlocks at 5 and W gets m
    calls = [name for name, _ in _all_methods(m)]
    assert log == [(2, name, "ContextError", True, True)
                   for name in calls] + [(2, "state", "A", ["W"]),
                                         (5, "W lock")]


def test_blocking_forms_raise_context_error_with_scheduler_locked():
    log = Log()
    m = Mutex("m")

    async def a():
        with muos.scheduler_locked():
            for form in ("lock", "timed_lock"):
                try:
                    # the call itself raises: nothing to await
                    m.lock() if form == "lock" else m.timed_lock(3)
                except ContextError as e:
                    log(form, "ContextError", "'m'" in str(e))
            # the non-blocking ones are allowed
            log("try_lock", m.try_lock())
            m.unlock()
            log("unlock", m.locked)
        await m.lock()
        log("lock after", m.owner.name)
        m.unlock()

    play(("A", 20, a))
    assert log == [(0, "lock", "ContextError", True),
                   (0, "timed_lock", "ContextError", True),
                   (0, "try_lock", True), (0, "unlock", False),
                   (0, "lock after", "A")]


# -- construction -------------------------------------------------------------

@pytest.mark.parametrize("kwargs, exc", [
    (dict(kind="weird"), ValueError),
    (dict(protocol="weird"), ValueError),
    (dict(protocol=Mutex.PROTECT), ValueError),             # no ceiling
    (dict(ceiling=100), ValueError),                        # not PROTECT
    (dict(protocol=Mutex.NONE, ceiling=100), ValueError),
    (dict(protocol=Mutex.PROTECT, ceiling=0), ValueError),
    (dict(protocol=Mutex.PROTECT, ceiling=255), ValueError),
    (dict(protocol=Mutex.PROTECT, ceiling="high"), TypeError),
    (dict(protocol=Mutex.PROTECT, ceiling=100.0), TypeError),
])
def test_bad_constructor_arguments(kwargs, exc):
    with pytest.raises(exc) as ei:
        Mutex("gate", **kwargs)
    msg = str(ei.value)
    assert "'gate'" in msg
    # the offending value is named too
    bad = [v for k, v in kwargs.items()
           if not (k == "protocol" and v == Mutex.PROTECT)]
    if bad:
        assert repr(bad[-1]) in msg


def test_constructor_defaults_and_attributes():
    m = Mutex()
    assert (m.name, m.kind, m.protocol, m.ceiling, m.robust) == (
        None, Mutex.NORMAL, Mutex.INHERIT, None, False)
    assert m.owner is None and m.locked is False and m.waiters == []
    p = Mutex("p", kind=Mutex.RECURSIVE, protocol=Mutex.PROTECT,
              ceiling=muos.Priority.HIGH, robust=True)
    assert (p.name, p.kind, p.protocol, p.ceiling, p.robust) == (
        "p", Mutex.RECURSIVE, Mutex.PROTECT, 160, True)
