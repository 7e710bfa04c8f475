"""Priority inheritance and priority ceiling.

An owner's effective priority is max(base, ceilings of the PROTECT mutexes
it holds, most urgent waiter of each INHERIT mutex it holds), recomputed
at once (a plain call, no await needed) whenever a waiter arrives or
leaves (timeout, interrupt, kill), a waiter's priority changes, or a mutex
changes hands; it propagates along chains of owners.

All runs are on SimPort with zero overheads. Priorities are read either
right after a plain call, or by an observer thread at priority 250 that
wakes at half ticks (so that it never competes with events at whole ticks
and takes no simulated time).
"""

import pytest

import muos
from muos import Interrupted, Mutex, OwnerDead
from objects_support import Log, me, play


def observer(log, th, times, *names):
    """A thread that logs the effective priority of ``names`` at each
    (absolute, fractional) tick of ``times``."""

    async def obs():
        for t in times:
            await muos.sleep_until(t)
            log("prio", *[th[n].priority for n in names])
    return obs


def registered(th, fn):
    async def w():
        th[me().name] = me()
        return await fn()
    return w


# -- the classic inversion, and its two cures -------------------------------

@pytest.mark.parametrize("protocol", [Mutex.NONE, Mutex.INHERIT,
                                      Mutex.PROTECT])
def test_unbounded_inversion_and_its_cures(protocol):
    log = Log()
    th = {}
    m = Mutex("m", protocol=protocol,
              ceiling=30 if protocol == Mutex.PROTECT else None)

    async def low():
        await m.lock()
        log("L lock")
        await muos.busy(4)
        m.unlock()
        log("L unlock")

    async def high():
        await muos.sleep_for(1)
        log("H try")
        await m.lock()
        log("H lock")
        await muos.busy(1)
        m.unlock()
        log("H done")

    async def med():
        await muos.sleep_for(2)
        log("M start")
        await muos.busy(10)
        log("M done")

    play(("L", 10, registered(th, low)), ("M", 20, registered(th, med)),
         ("H", 30, registered(th, high)),
         ("obs", 250, observer(log, th, [0.5, 1.5, 4.5], "L")))
    if protocol == Mutex.NONE:
        # L computes 0..1, H preempts at 1 and blocks on m, L goes on
        # 1..2, M (20 > 10) preempts at 2 and computes 2..12 while H
        # waits: unbounded inversion. L finishes its last 2 ticks 12..14,
        # unlocks, H computes 14..15. L never rises above 10.
        assert log == [
            (0, "L lock"), (0.5, "prio", 10), (1, "H try"),
            (1.5, "prio", 10), (2, "M start"), (4.5, "prio", 10),
            (12, "M done"), (14, "L unlock"), (14, "H lock"),
            (15, "H done"),
        ]
    else:
        # INHERIT: L rises to 30 when H waits at 1. PROTECT: L runs at the
        # ceiling 30 from the lock at 0 (H, also 30, gets the CPU at 1 only
        # through the time slice, and blocks). Either way M (20) cannot
        # preempt L: L unlocks at 4 (dropping to 10), H computes 4..5, and
        # only then M computes 5..15.
        first = 30 if protocol == Mutex.PROTECT else 10
        assert log == [
            (0, "L lock"), (0.5, "prio", first), (1, "H try"),
            (1.5, "prio", 30), (4, "L unlock"), (4, "H lock"),
            (4.5, "prio", 10), (5, "H done"), (5, "M start"),
            (15, "M done"),
        ]


# -- recomputed at once on every change of the waiters ----------------------

def test_recomputed_when_waiters_arrive_leave_or_change():
    log = Log()
    th = {}
    m = Mutex("m")

    async def low():
        await m.lock()
        await muos.busy(20)
        m.unlock()
        log("L unlock", me().priority, m.owner.name)

    async def a():
        await muos.sleep_for(1)
        await m.lock()
        log("A lock", me().priority)
        m.unlock()

    async def b():
        await muos.sleep_for(2)
        log("B", await m.timed_lock(3))

    async def c():
        await muos.sleep_for(6)
        try:
            await m.lock()
        except Interrupted:
            log("C Interrupted")

    async def d():
        await muos.sleep_for(9)
        await m.lock()
        log("D must not get here")

    async def ctl():
        async def at(t):
            await muos.sleep_until(t)

        await at(0.5)                 # every thread has started by now
        L = th["L"]
        log("prio", L.priority)
        for t in (1.5, 2.5, 5.5, 6.5):
            await at(t)
            log("prio", L.priority)
        await at(8)
        th["C"].interrupt()
        log("C.interrupt", L.priority)
        await at(9.5)
        log("prio", L.priority)
        await at(11)
        th["D"].kill()
        log("D.kill", L.priority)
        await at(12)
        th["A"].set_priority(40)
        log("A to 40", L.priority)
        await at(13)
        th["A"].set_priority(20)
        log("A to 20", L.priority)
        await at(14)
        L.set_priority(25)
        log("L base 25", L.priority, L.base_priority)
        await at(15)
        L.set_priority(5)
        log("L base 5", L.priority, L.base_priority)

    play(("L", 10, registered(th, low)), ("A", 30, registered(th, a)),
         ("B", 50, registered(th, b)), ("C", 60, registered(th, c)),
         ("D", 70, registered(th, d)), ("ctl", 200, registered(th, ctl)))
    # L holds m from 0 and computes 0..20 (the waiters block at once and
    # take no CPU). Its effective priority follows the most urgent waiter:
    # A (30) arrives at 1, B (50) at 2 and times out at 2 + 3 = 5, C (60)
    # at 6, interrupted at 8, D (70) at 9, killed at 11; then A's priority
    # changes (40, 20) and L's own base (25: above A; 5: below A).
    # Each change shows in the very same instant. At 20 L unlocks: A owns
    # m and L drops to its base 5.
    assert log == [
        (0.5, "prio", 10), (1.5, "prio", 30), (2.5, "prio", 50),
        (5, "B", False), (5.5, "prio", 30), (6.5, "prio", 60),
        (8, "C.interrupt", 30), (8, "C Interrupted"),
        (9.5, "prio", 70), (11, "D.kill", 30),
        (12, "A to 40", 40), (13, "A to 20", 20),
        (14, "L base 25", 25, 25), (15, "L base 5", 20, 5),
        (20, "L unlock", 5, "A"), (20, "A lock", 20),
    ]


def test_none_protocol_gives_no_boost():
    log = Log()
    m = Mutex("m", protocol=Mutex.NONE)

    async def low():
        await m.lock()
        await muos.sleep_for(3)
        log("L", me().priority, [t.name for t in m.waiters])
        m.unlock()

    async def high():
        await muos.sleep_for(1)
        await m.lock()
        m.unlock()

    play(("L", 10, low), ("H", 90, high))
    assert log == [(3, "L", 10, ["H"])]


# -- transitive chains ------------------------------------------------------

def test_transitive_chain():
    log = Log()
    th = {}
    m1, m2 = Mutex("m1"), Mutex("m2")

    async def low():
        await m1.lock()
        await muos.busy(10)
        m1.unlock()
        log("L unlock", me().priority)

    async def mid():
        await muos.sleep_for(1)
        await m2.lock()
        await m1.lock()
        log("M got m1", me().priority)
        await muos.busy(1)
        m1.unlock()
        m2.unlock()
        log("M done", me().priority)

    async def high():
        await muos.sleep_for(2)
        await m2.lock()
        log("H got m2")
        await muos.busy(1)
        m2.unlock()

    async def other():
        await muos.sleep_for(3)
        await muos.busy(5)
        log("X done")

    play(("L", 10, registered(th, low)), ("M", 20, registered(th, mid)),
         ("H", 30, registered(th, high)), ("X", 25, other),
         ("obs", 250, observer(log, th, [0.5, 1.5, 2.5, 10.5], "L", "M")))
    # M waits on m1 (held by L) at 1: L at 20. H waits on m2 (held by M)
    # at 2: M at 30 and, through the chain, L at 30. X (25, ready at 3)
    # cannot preempt L, which computes 0..10 without a break. At 10 L
    # unlocks (back to 10); M, at 30 for H, computes 10..11, unlocks both
    # (back to 20); H computes 11..12; only then X computes 12..17.
    assert log == [
        (0.5, "prio", 10, 20), (1.5, "prio", 20, 20),
        (2.5, "prio", 30, 30), (10, "L unlock", 10),
        (10, "M got m1", 30), (10.5, "prio", 10, 30),
        (11, "M done", 20), (11, "H got m2"), (17, "X done"),
    ]


def test_chain_built_from_the_top_and_undone_by_a_timeout():
    log = Log()
    th = {}
    m1, m2 = Mutex("m1"), Mutex("m2")

    async def low():
        await m1.lock()
        await muos.busy(10)
        m1.unlock()

    async def mid():
        await muos.sleep_for(1)
        await m2.lock()
        await muos.sleep_for(2)       # holds m2 while asleep
        await m1.lock()
        m1.unlock()
        m2.unlock()

    async def high():
        await muos.sleep_for(2)
        log("H", await m2.timed_lock(4))

    play(("L", 10, registered(th, low)), ("M", 20, registered(th, mid)),
         ("H", 30, registered(th, high)),
         ("obs", 250, observer(log, th, [1.5, 2.5, 3.5, 6.5], "L", "M")))
    # H waits on m2 at 2: the sleeping M rises to 30 (L still 10). At 3 M
    # waits on m1: L inherits 30 at once through M. H gives up at
    # 2 + 4 = 6: M drops to its base 20 and L to 20 (M still waits).
    assert log == [
        (1.5, "prio", 10, 20), (2.5, "prio", 10, 30),
        (3.5, "prio", 30, 30), (6, "H", False), (6.5, "prio", 20, 20),
    ]


def test_killing_the_middle_of_a_chain():
    log = Log()
    th = {}
    m1 = Mutex("m1")
    m2 = Mutex("m2", robust=True)

    async def low():
        await m1.lock()
        await muos.busy(10)
        m1.unlock()

    async def mid():
        await muos.sleep_for(1)
        await m2.lock()
        await m1.lock()
        log("M must not get here")

    async def high():
        await muos.sleep_for(2)
        try:
            await m2.lock()
        except OwnerDead:
            log("H OwnerDead", me().priority)
        m2.consistent()
        m2.unlock()

    async def ctl():
        await muos.sleep_until(4)
        th["M"].kill()
        log("M killed", th["L"].priority)

    play(("L", 10, registered(th, low)), ("M", 20, registered(th, mid)),
         ("H", 30, registered(th, high)), ("ctl", 200, ctl),
         ("obs", 250, observer(log, th, [2.5], "L", "M")))
    # at 2 the chain H -> M -> L puts L at 30; killing M at 4 takes it off
    # m1's queue (L back to 10 at once) and hands the robust m2 to H
    assert log == [(2.5, "prio", 30, 30), (4, "M killed", 10),
                   (4, "H OwnerDead", 30)]


def test_interrupting_the_middle_of_a_chain():
    log = Log()
    th = {}
    m1, m2 = Mutex("m1"), Mutex("m2")

    async def low():
        await m1.lock()
        await muos.busy(10)
        m1.unlock()

    async def mid():
        await muos.sleep_for(1)
        await m2.lock()
        try:
            await m1.lock()
        except Interrupted:
            log("M Interrupted", me().priority)
        await muos.busy(1)
        m2.unlock()

    async def high():
        await muos.sleep_for(2)
        await m2.lock()
        log("H got m2")
        m2.unlock()

    async def ctl():
        await muos.sleep_until(4)
        th["M"].interrupt()
        log("M interrupted", th["L"].priority, th["M"].priority)

    play(("L", 10, registered(th, low)), ("M", 20, registered(th, mid)),
         ("H", 30, registered(th, high)), ("ctl", 200, ctl))
    # M leaves m1's queue at 4: L drops to 10 at once; M keeps 30 (H
    # waits on m2), so it computes 4..5 ahead of L and hands m2 to H
    assert log == [(4, "M interrupted", 10, 30), (4, "M Interrupted", 30),
                   (5, "H got m2")]


def test_waiter_boosted_by_inheritance_moves_up_another_queue():
    log = Log()
    th = {}
    m1, m2 = Mutex("m1"), Mutex("m2")

    async def low():
        await m1.lock()
        await muos.sleep_for(10)     # holds m1 asleep: others may run
        m1.unlock()

    async def a():
        await muos.sleep_for(1)
        await m1.lock()
        log("A got m1")
        m1.unlock()

    async def mid():
        await muos.sleep_for(2)
        await m2.lock()
        await m1.lock()
        log("M got m1")
        m1.unlock()
        m2.unlock()

    async def high():
        await muos.sleep_for(3)
        await m2.lock()
        log("H got m2")
        m2.unlock()

    async def obs():
        for t in (2.5, 3.5):
            await muos.sleep_until(t)
            log("m1 waiters", [x.name for x in m1.waiters],
                th["L"].priority)

    play(("L", 10, registered(th, low)), ("A", 20, a),
         ("M", 15, registered(th, mid)), ("H", 40, high),
         ("obs", 250, obs))
    # at 2 m1's queue is A (20), M (15). H waits on m2 at 3: M rises to
    # 40 and moves ahead of A; L inherits 40. At 10 M gets m1 first and
    # releases both; H (40) runs, then A (20)
    assert log == [
        (2.5, "m1 waiters", ["A", "M"], 20),
        (3.5, "m1 waiters", ["M", "A"], 40),
        (10, "M got m1"), (10, "H got m2"), (10, "A got m1"),
    ]


# -- several mutexes held ---------------------------------------------------

@pytest.mark.parametrize("first", ["m1", "m2"])
def test_two_mutexes_unlocked_in_either_order(first):
    log = Log()
    ms = {"m1": Mutex("m1"), "m2": Mutex("m2")}

    async def low():
        await ms["m1"].lock()
        await ms["m2"].lock()
        await muos.busy(5)
        log("L", me().priority)
        second = "m2" if first == "m1" else "m1"
        ms[first].unlock()
        log("L unlock " + first, me().priority)
        ms[second].unlock()
        log("L unlock " + second, me().priority)

    def waiter(mname, delay):
        async def w():
            await muos.sleep_for(delay)
            await ms[mname].lock()
            log(me().name + " got " + mname)
            ms[mname].unlock()
        return w

    play(("L", 10, low), ("A", 30, waiter("m1", 1)),
         ("B", 50, waiter("m2", 2)))
    # L holds both from 0; A (30) waits on m1 at 1, B (50) on m2 at 2: L
    # at 50. After the first unlock L keeps what the other mutex justifies
    # (m2: 50 from B; m1: 30 from A), after the second its base 10. The
    # woken threads run at L's return, B first.
    left = 50 if first == "m1" else 30
    assert log == [(5, "L", 50), (5, "L unlock " + first, left),
                   (5, "L unlock " + ("m2" if first == "m1" else "m1"), 10),
                   (5, "B got m2"), (5, "A got m1")]


@pytest.mark.parametrize("first", ["P", "I"])
def test_protect_and_inherit_held_together(first):
    log = Log()
    ms = {"P": Mutex("P", protocol=Mutex.PROTECT, ceiling=40),
          "I": Mutex("I")}

    async def low():
        await ms["I"].lock()
        await ms["P"].lock()
        log("L locked", me().priority)
        await muos.busy(5)
        log("L", me().priority)
        second = "I" if first == "P" else "P"
        ms[first].unlock()
        log("L unlock " + first, me().priority)
        ms[second].unlock()
        log("L unlock " + second, me().priority)

    async def high():
        await muos.sleep_for(1)
        await ms["I"].lock()
        ms["I"].unlock()

    play(("L", 10, low), ("H", 50, high))
    # P puts L at its ceiling 40 at once; H (50) waiting on I lifts it to
    # 50. Unlocking P first keeps 50 (H still waits on I); unlocking I
    # first leaves the ceiling 40; both unlocked: base 10.
    left = 50 if first == "P" else 40
    assert log == [(0, "L locked", 40), (5, "L", 50),
                   (5, "L unlock " + first, left),
                   (5, "L unlock " + ("I" if first == "P" else "P"), 10)]


# -- priority ceiling -------------------------------------------------------

@pytest.mark.parametrize("form", ["lock", "try_lock", "timed_lock"])
def test_protect_owner_runs_at_ceiling_from_the_lock(form):
    log = Log()
    p = Mutex("p", protocol=Mutex.PROTECT, ceiling=40)

    async def low():
        if form == "lock":
            await p.lock()
        elif form == "try_lock":
            assert p.try_lock()
        else:
            assert await p.timed_lock(1)
        log("L locked", me().priority, me().base_priority)
        await muos.busy(5)
        p.unlock()
        log("L unlock", me().priority)

    async def mid():
        await muos.sleep_for(1)
        await muos.busy(1)
        log("M done")

    play(("L", 10, low), ("M", 30, mid))
    # L is at 40 from the lock at 0, so M (30, ready at 1) waits until L
    # unlocks at 5 and computes 5..6
    assert log == [(0, "L locked", 40, 10), (5, "L unlock", 10),
                   (6, "M done")]


def test_protect_rejects_a_base_priority_above_the_ceiling():
    log = Log()
    p = Mutex("p", protocol=Mutex.PROTECT, ceiling=40)

    async def high():
        for form in ("lock", "try_lock", "timed_lock"):
            try:
                if form == "lock":
                    await p.lock()
                elif form == "try_lock":
                    p.try_lock()
                else:
                    await p.timed_lock(1)
                log(form, "locked?!")
            except ValueError as e:
                log(form, "ValueError", "'p'" in str(e), "40" in str(e))
        log("owner", p.owner, me().priority)

    async def equal():
        await p.lock()
        log("equal ok", me().priority)
        p.unlock()

    play(("H", 41, high), ("E", 40, equal))
    assert log == [(0, "lock", "ValueError", True, True),
                   (0, "try_lock", "ValueError", True, True),
                   (0, "timed_lock", "ValueError", True, True),
                   (0, "owner", None, 41), (0, "equal ok", 40)]


def test_protect_checks_base_not_inherited_priority():
    log = Log()
    i = Mutex("i")
    p = Mutex("p", protocol=Mutex.PROTECT, ceiling=40)

    async def low():
        await i.lock()
        await muos.sleep_for(2)
        # effective 50 (H waits on i), base 10 <= ceiling 40: allowed
        log("L", me().priority, p.try_lock(), me().priority)
        p.unlock()
        i.unlock()
        log("L done", me().priority)

    async def high():
        await muos.sleep_for(1)
        await i.lock()
        i.unlock()

    play(("L", 10, low), ("H", 50, high))
    assert log == [(2, "L", 50, True, 50), (2, "L done", 10)]


def test_protect_waiters_do_not_boost():
    log = Log()
    p = Mutex("p", protocol=Mutex.PROTECT, ceiling=40)

    async def low():
        await p.lock()
        await muos.sleep_for(3)
        log("L", me().priority, [t.name for t in p.waiters])
        p.unlock()

    async def w():
        await muos.sleep_for(1)
        await p.lock()
        log("W lock", me().priority)
        p.unlock()
        log("W unlock", me().priority)

    play(("L", 10, low), ("W", 40, w))
    # W (40) waits; L stays at the ceiling 40 (no inheritance through a
    # PROTECT mutex); the new owner W runs at the ceiling too
    assert log == [(3, "L", 40, ["W"]), (3, "W lock", 40),
                   (3, "W unlock", 40)]
