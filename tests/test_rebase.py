"""Moving the kernel's time origin (rebase.py) changes nothing anyone
can see: the same programs, run with a rebase forced every few ticks,
print what they print without (the oracle), and every public time stays
absolute: now, deadlines, Jobs, clocks, trace events, watchdog records,
inversion windows, absolute waits and triggers."""

import importlib
import os
import sys

import pytest

import muos
from muos import units

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "mpy"))
import differential  # noqa: E402
from fakeboard import Board  # noqa: E402


@pytest.fixture
def rebase_every(monkeypatch):
    """Force a rebase whenever the clock passes 2 * ticks."""
    def force(ticks):
        monkeypatch.setattr(units, "REBASE_TICKS", ticks)
    return force


def _both(fn, rebase_every, ticks=1):
    units.REBASE_TICKS = None
    plain = fn()
    rebase_every(ticks)
    moved = fn()
    return plain, moved


def test_off_by_default_where_ints_are_not_31_bits():
    assert units.REBASE_TICKS is None
    assert muos.Kernel()._span is None           # (CPython)
    units.REBASE_TICKS = 0
    try:
        assert muos.Kernel()._span is None
    finally:
        units.REBASE_TICKS = None


def test_a_forced_rebase_moves_the_origin_and_keeps_now(rebase_every):
    # span 3 ticks: at tick 6 the clock (6,000,000 ns) passes 2S and
    # drops by 3 ticks; every rebase after keeps it in [3, 6) ticks
    rebase_every(3)
    seen = []

    async def main():
        for _ in range(20):
            await muos.sleep_for(1)
            k = muos.current_kernel()
            seen.append((muos.now(), k._now // 1000000, k._epoch_ticks))

    muos.run(main)
    assert [s[0] for s in seen] == list(range(1, 21))
    assert all(s[0] == s[1] + s[2] for s in seen)
    assert max(s[1] for s in seen) <= 6 and seen[-1][2] >= 12


def test_refused_setting():
    units.REBASE_TICKS = -1
    try:
        with pytest.raises(ValueError, match="REBASE_TICKS"):
            muos.Kernel()
    finally:
        units.REBASE_TICKS = None


FAMILIES = ("semaphores_and_mutexes", "queues_and_flags",
            "periodic_threads_and_interrupts", "waiters_in_order")


def _family(name):
    """What tests/differential.py's family ``name`` prints (30
    programs)."""
    differential.OUT.clear()
    getattr(differential, name)(30)
    out = list(differential.OUT)
    differential.OUT.clear()
    return out


@pytest.mark.parametrize("family", FAMILIES)
def test_random_programs_print_the_same(family, rebase_every):
    plain, moved = _both(lambda: _family(family), rebase_every)
    assert len(plain) == 30 or family == "periodic_threads_and_interrupts"
    for a, b in zip(plain, moved):
        assert a == b
    assert len(plain) == len(moved)


DEMOS = ("pathfinder", "inversion", "edf", "rms", "philosophers",
         "producer_consumer", "low_power", "superloop")


@pytest.mark.parametrize("name", DEMOS)
def test_demos_print_the_same(name, rebase_every):
    mod = importlib.import_module("muos.demos." + name)

    def run():
        lines = []
        mod.demo(lines.append)
        return lines

    plain, moved = _both(run, rebase_every)
    assert plain == moved


def test_public_times_stay_absolute(rebase_every):
    rebase_every(1)
    out = []
    k = muos.Kernel(edf=True)
    wd = muos.Watchdog(3, name="wd")
    irq = k.interrupt("pin", lambda: out.append(("irq", k.now)))
    irq.trigger_at(17)
    irq.trigger_every(10, offset=25)

    async def late():
        wd.register()
        await muos.sleep_for(5)      # misses its deadline 3
        w = wd.status()
        out.append(("late", w.last_feed, w.deadline, w.late))
        wd.feed()
        out.append(("watch", wd.status().last_feed, wd.status().deadline,
                    wd.status().last_miss, wd.log))
        wd.unregister()

    async def periodic():
        async for job in muos.periodic(4, deadline=3):
            out.append(("job", muos.now(), job.release, job.deadline,
                        muos.this_thread().deadline))
            if job.index == 4:
                break

    async def clocks():
        await muos.sleep_until(9)
        out.append(("until", muos.now(), k.sysclock.now(),
                    k.hrclock.now() // 1000000, k.rtclock.now()))
        await k.hrclock.sleep_until(13 * 1000000)
        out.append(("hr until", muos.now()))
        k.rtclock.set(100)
        await muos.sleep_for(2)
        out.append(("rt", k.rtclock.now()))

    k.spawn(late, name="late")
    k.spawn(periodic, name="p")
    k.spawn(clocks, name="c")
    k.run(until=40)
    # (each rebase keeps the clock in [1, 2) ticks: 39 ticks moved)
    assert k._epoch_ticks == 39
    assert out == [
        ("job", 0, 0, 3, 3),
        ("job", 4, 4, 7, 7),
        ("late", 0, 3, True),                  # registered at 0
        ("watch", 5, 8, 3, [(3, "late")]),     # it missed 3, fed at 5
        ("job", 8, 8, 11, 11),
        ("until", 9, 9, 9, 0),
        ("job", 12, 12, 15, 15),
        ("hr until", 13),
        ("rt", 100),
        ("job", 16, 16, 19, 19),
        ("irq", 17),
        ("irq", 25),
        ("irq", 35),
    ]
    assert k.now == 40 and k.stats.elapsed == 40
    k.close()


def test_inversion_windows_across_rebases(rebase_every):
    # Pathfinder without inheritance: each inversion window (50 ms of
    # comms in front of bc_dist) spans many rebases
    from muos.demos import pathfinder

    def run():
        _, r = pathfinder.run(muos.Mutex.NONE)
        st = r.stats
        return (st.inversion_windows, st.inversion_time,
                st.inversion_by_object,
                st.threads["bc_dist"].inversion_time)

    plain, moved = _both(run, rebase_every)
    assert plain[1] > 0 and plain == moved


def test_deadlines_ready_across_rebases(rebase_every):
    # t0 (deadline 5) computes from 0 to 6 but for t3's step at 4; t1
    # (deadline 20) is ready behind it from 0; t3 (deadline 1) sleeps from
    # 0 to 4, preempts t0 and sets its deadline 17 ticks on (21): t1
    # still runs before t3. Rebasing every tick, t1's entry in the
    # deadline heap (made at 0) and the threads' own deadlines must move
    # with the clock, else t3's later deadline reads as the earlier one
    order = []

    async def work(name):
        if name == "t3":
            await muos.sleep_for(4)
            muos.set_deadline(17)
        await muos.busy(6 if name == "t0" else 1)
        order.append((name, muos.now(), muos.this_thread().deadline))

    def run():
        order.clear()
        k = muos.Kernel()
        for name, deadline in (("t0", 5), ("t1", 20), ("t3", 1)):
            k.spawn(work, name, name=name).set_deadline(deadline)
        k.run()
        return list(order)

    plain, moved = _both(run, rebase_every)
    assert plain == [("t0", 6, 5), ("t1", 7, 20), ("t3", 8, 21)]
    assert moved == plain


def test_interrupt_statistics_across_rebases(rebase_every):
    # a line triggered every 3 ticks (handler 0.5 tick); "masker" first
    # steps at 0.5 (after the handler at 0), sleeps to 4.5 and masks
    # interrupts for 5 ticks of work: the trigger at 6 waits until 9.5
    # (latency 3.5), the one at 9 finds it still pending (missed). Starts
    # at 0, 3, 9.5, 12, 15, 18: 6 runs, the shortest gap 2.5 ticks
    def run():
        k = muos.Kernel()
        irq = k.interrupt("pin", lambda: None, cost=0.5)
        irq.trigger_every(3)

        async def masker():
            await muos.sleep_for(4)
            with muos.interrupts_disabled():
                await muos.busy(5)

        k.spawn(masker, name="masker")
        k.run(until=20)
        s = irq.stats
        k.close()
        return (s.count, s.missed, s.min, s.max, s.gap_ns,
                k.stats.longest_masked, k.stats.masked_by, s.sum_ns,
                s.mean, s.cpu_ns, s.cpu_time)

    plain, moved = _both(run, rebase_every)
    # (latencies 0 but the 3.5 of the trigger at 6; 6 handlers of 0.5)
    assert plain == (6, 1, 0, 3.5, 2500000, 5, "masker", 3500000,
                     3.5 / 6, 3000000, 3)
    assert moved == plain


def test_an_inversion_open_when_the_run_ends(rebase_every):
    # "low" locks m at 0 and computes; "high" blocks on it at 1: an
    # owner below the waiter's priority is an inversion (mid, from 2,
    # runs in front of both) from 1 until the run stops at 10: 9 ticks,
    # the window still open (counted to the end)
    def run():
        k = muos.Kernel()
        m = muos.Mutex(protocol=muos.Mutex.NONE, name="m")

        async def low():
            async with m:
                await muos.busy(20)

        async def high():
            await muos.sleep_for(1)
            async with m:
                pass

        async def mid():
            await muos.sleep_for(2)
            await muos.busy(50)

        k.spawn(low, name="low", priority=1)
        k.spawn(high, name="high", priority=3)
        k.spawn(mid, name="mid", priority=2)
        k.run(until=10)
        st = k.stats
        r = (st.inversion_time, st.inversion_by_object,
             st.threads["high"].inversion_time, st.inversion_windows)
        k.close()
        return r

    plain, moved = _both(run, rebase_every)
    assert plain == (9, {"m": 9}, 9,
                     [(1000000, 10000000, "high", "m", "low")])
    assert moved == plain


def test_cpu_time_folded_across_rebases(rebase_every):
    # A rebase folds whole spans out of each thread's cpu_ns and waits
    # (small ints on a board): the snapshots taken of cpu_ns move with
    # it. "worker" holds m for 3 ticks of work per job (period 10, job 4
    # ticks long), so the longest CPU time holding m is 3 ticks and the
    # longest job 4, however the rebases fall
    def run():
        k = muos.Kernel()
        m = muos.Mutex(name="m")

        async def worker():
            async for job in muos.periodic(10):
                await muos.busy(1)
                async with m:
                    await muos.busy(3)
                if job.index == 3:
                    break

        async def sleeper():
            for _ in range(5):
                await muos.sleep_for(7)

        async def ticker():
            # (takes no CPU time: brings the loop round every tick, so
            # that rebases fall inside the critical sections too)
            for _ in range(40):
                await muos.sleep_for(1)

        k.spawn(worker, name="worker")
        k.spawn(sleeper, name="sleeper")
        k.spawn(ticker, name="ticker", priority=muos.Priority.HIGH)
        k.run()
        st = k.stats
        ts = st.threads
        return (st.holds, st.periodics["worker"][0], ts["worker"].cpu_ns,
                ts["worker"].cpu_time, sorted(ts["sleeper"].blocked.items()),
                ts["sleeper"].sleep_time, st.idle_ns, st.cpu_load)

    plain, moved = _both(run, rebase_every)
    assert plain[:4] == ({("worker", "m"): [3000000, muos.Mutex.INHERIT]},
                         4000000, 16000000, 16)
    assert plain[5] == 35          # 5 sleeps of 7 ticks
    assert moved == plain


def test_waits_grouped_after_folds(rebase_every):
    # a thread that waits on more than WAITS_KEPT different objects has
    # its waits grouped by name or type (Stats._fold_waits): the spans
    # folded away before count in the groups, once. "waiter" waits 2
    # ticks on s0 three times, on WAITS_KEPT + 5 new semaphores, then on
    # s0 twice more: 10 ticks on s0 in all, 2 on each of the others
    from muos import stats as stats_mod
    kept = stats_mod.WAITS_KEPT

    def run():
        k = muos.Kernel()
        s0 = muos.Semaphore(0, name="s0")

        async def waiter():
            for s in [s0] * 3 + [muos.Semaphore(0)
                                 for _ in range(kept + 5)] + [s0] * 2:
                muos.spawn(poster, s)
                await s.wait()

        async def poster(s):
            await muos.sleep_for(2)
            s.post()

        k.spawn(waiter, name="waiter")
        k.run()
        return sorted(k.stats.threads["waiter"].blocked.items())

    plain, moved = _both(run, rebase_every)
    got = dict(plain)
    assert got["s0"] == 10
    assert sum(got.values()) == 10 + 2 * (kept + 5)
    assert moved == plain


def test_sleeps_counted_through_folds_and_rebases(rebase_every):
    # a thread's sleeps are a field of their own (Thread.slept), shown as
    # "sleep" among its waits: the spans a rebase folds away and the
    # grouping of test_waits_grouped_after_folds keep every tick of them,
    # once. "waiter" waits 2 ticks on each of WAITS_KEPT + 5 semaphores and
    # sleeps 1 tick after each: WAITS_KEPT + 5 ticks asleep, 3 more for
    # its first sleep; "dozer" only sleeps (5 x 3 ticks) and never makes
    # a waits table
    from muos import stats as stats_mod
    n = stats_mod.WAITS_KEPT + 5

    def run():
        k = muos.Kernel()

        async def waiter():
            await muos.sleep_for(3)
            for s in [muos.Semaphore(0) for _ in range(n)]:
                muos.spawn(poster, s)
                await s.wait()
                await muos.sleep_for(1)

        async def poster(s):
            await muos.sleep_for(2)
            s.post()

        async def dozer():
            for _ in range(5):
                await muos.sleep_for(3)
            return muos.this_thread().waits   # its own, raw: never made

        k.spawn(waiter, name="waiter")
        d = k.spawn(dozer, name="dozer", priority=muos.Priority.LOW)
        k.run()
        ts = k.stats.threads
        w = ts["waiter"]
        return (w.sleep_time, w.blocked_time, w.waits.get("sleep"),
                ts["dozer"].sleep_time, ts["dozer"].waits, d.result)

    plain, moved = _both(run, rebase_every)
    tick = 1000000
    assert plain == (n + 3, 2 * n, (n + 3) * tick, 15, {"sleep": 15 * tick},
                     None)
    assert moved == plain


def test_a_board_trigger_landing_in_a_rebase(rebase_every):
    # On a board a pin's scheduled callback may run between any two
    # bytecodes, also while the kernel moves its time origin, after the
    # port's clock moved and before the queued stamps did: it must leave
    # the trigger to the kernel's poll (its stamp would be moved twice,
    # a latency of a whole span). Simulated with the fake board: the
    # hard IRQ and its callback forced into the middle of the first
    # rebase; the handler then starts within a few microseconds
    board = Board()
    machine_port = board.load()
    rebase_every(1)
    port = machine_port(lightsleep=False)
    k = muos.Kernel(port)
    irq = k.interrupt("pin", lambda: None)
    hard = port.irq_handler(irq)
    irqs = k._irqs
    move = irqs.rebase
    landed = []

    def midway(d):
        if not landed:
            landed.append(d)
            hard()                 # stamped now, from the pin's clock
            port._soft(0)          # its callback, mid-rebase
        move(d)

    irqs.rebase = midway

    async def main():
        await muos.sleep_for(5)     # the first rebase comes at its end
        await muos.sleep_for(5)

    k.run(stop_on=k.spawn(main))      # (a pin line keeps a board's run)
    assert landed and irq.stats.count == 1
    assert 0 <= irq.stats.max < 0.1          # ticks (ms): not a span


@pytest.mark.parametrize("family", ("semaphores_and_mutexes",
                                    "queues_and_flags", "waiters_in_order"))
def test_arrival_numbers_dealt_again(family, rebase_every, monkeypatch):
    # the arrival numbers of waits and of deadline-ordered ready threads
    # are dealt again from 1 (order kept) once past SEQ_LIMIT: forced at
    # nearly every move of the time origin, the programs print the same
    from muos import rebase as rebase_mod
    counts = []
    real = rebase_mod._renumber_waits

    def counted(k):
        counts.append(k._seq)
        real(k)

    units.REBASE_TICKS = None
    plain = _family(family)
    rebase_every(1)
    monkeypatch.setattr(rebase_mod, "SEQ_LIMIT", 2)
    monkeypatch.setattr(rebase_mod, "_renumber_waits", counted)
    moved = _family(family)
    assert counts                      # (it ran)
    assert moved == plain


def test_deadline_arrival_numbers_dealt_again(rebase_every, monkeypatch):
    # EDF threads of equal deadlines keep their FIFO order across the
    # renumbering of the deadline heaps' arrival numbers
    from muos import rebase as rebase_mod

    def run():
        order = []
        k = muos.Kernel(edf=True)

        async def job(i):
            async for j in muos.periodic(8, deadline=8):
                await muos.busy(1.5)
                order.append((muos.now(), i))
                if j.index == 6:
                    break

        for i in range(4):
            k.spawn(job, i, name="j%d" % i)
        k.run()
        return order, k._ready._tail_seq

    units.REBASE_TICKS = None
    plain, _ = run()
    rebase_every(1)
    monkeypatch.setattr(rebase_mod, "SEQ_LIMIT", 2)
    moved, tail = run()
    assert tail <= 4                 # dealt again (28 jobs ran)
    assert moved == plain
    # each release: the four jobs in spawn order, 1.5 ticks each (the
    # three behind wait in the deadline heap through moves of the origin)
    assert plain[:4] == [(1.5, 0), (3.0, 1), (4.5, 2), (6.0, 3)]


def test_wait_order_kept_across_renumbering(rebase_every, monkeypatch):
    # w1, w2, w3 (equal priority) wait on s in that order; w1 holds m,
    # which "high" tries to lock from 3 with a timeout of 2: w1 inherits
    # high's priority (ahead in s's queue), then at 5 drops back among
    # its equals, placed by its arrival number: first again. Numbers
    # dealt again in between (at every move of the origin) keep that
    from muos import rebase as rebase_mod

    def run():
        served = []
        k = muos.Kernel()
        s = muos.Semaphore(0, name="s")
        m = muos.Mutex(name="m")

        async def waiter(name, hold):
            if hold:
                await m.lock()
            await s.wait()
            served.append((muos.now(), name))
            if hold:
                m.unlock()

        async def high():
            await muos.sleep_for(3)
            got = await m.timed_lock(2)
            served.append((muos.now(), "high", got))

        async def poster():
            await muos.sleep_for(8)
            for _ in range(3):
                s.post()

        for name in ("w1", "w2", "w3"):
            k.spawn(waiter, name, name == "w1", name=name, priority=2)
        k.spawn(high, name="high", priority=5)
        k.spawn(poster, name="poster", priority=1)
        k.run()
        return served

    units.REBASE_TICKS = None
    plain = run()
    rebase_every(1)
    monkeypatch.setattr(rebase_mod, "SEQ_LIMIT", 1)
    moved = run()
    assert plain == [(5, "high", False), (8, "w1"), (8, "w2"), (8, "w3")]
    assert moved == plain


def test_renumbering_keeps_the_order():
    # the waits' numbers: 100, 50, 75 -> 3, 1, 2 (and the next wait 4);
    # wait_any's operations are numbered with the rest
    from muos import rebase as rebase_mod
    from muos.ready import ReadyList
    k = muos.Kernel()
    s = muos.Semaphore(0)
    t = muos.Semaphore(0)

    async def one():
        await s.wait()

    async def both():
        await muos.wait_any(s.wait(), t.wait())

    ths = [k.spawn(one), k.spawn(one), k.spawn(both)]
    k.run()
    ops = ths[2]._trap.arg
    for th, seq in zip(ths[:2], (100, 50)):
        th._trap.seq = seq
    ops[0].seq, ops[1].seq = 75, 10
    rebase_mod._renumber_waits(k)
    assert [th._trap.seq for th in ths[:2]] == [4, 2]
    assert [op.seq for op in ops] == [3, 1]
    assert k._seq == 4
    k.close()
    # deadline heaps: entries by (deadline, seq); seq -7, 3, 12 in two
    # heaps -> 1, 2, 3; heads go on from 1 down, tails from 3 up
    r = ReadyList()
    r._dheaps = {1: [[5, 3, None], [9, 12, None]], 2: [[4, -7, None]]}
    rebase_mod._renumber_deadlines(r)
    assert r._dheaps == {1: [[5, 2, None], [9, 3, None]],
                         2: [[4, 1, None]]}
    assert (r._head_seq, r._tail_seq) == (1, 3)
