"""Several cores on SimPort (API.md, "Several cores"): global scheduling
with affinity, per-core idle threads, handlers, locks and masks, the
Spinlock, migrations and per-core load.

Zero costs: every tick below is derived in a comment. The placement
rule: at every instant the N most urgent ready threads run, placed
greedily by urgency: a thread keeps the core it runs on (or last ran
on) if allowed and free, else takes the allowed free core that is idle
or runs the least urgent thread (lowest index among equals).
"""

import pytest

import muos


def worker(log, name, work, before=0):
    async def body():
        if before:
            await muos.sleep_for(before)
        log(name + " start %d" % muos.this_core())
        await muos.busy(work)
        log(name + " end %d" % muos.this_core())
    return body


def test_two_cores_run_the_two_most_urgent_threads(log):
    async def main():
        muos.spawn(worker(log, "a", 3), name="a", priority=100)
        muos.spawn(worker(log, "b", 2), name="b", priority=110)
        muos.spawn(worker(log, "c", 4), name="c", priority=90)
        await muos.sleep_for(20)

    r = muos.run(main, cores=2)
    # main sleeps at 0: b (110) takes core 0 (both idle: lowest index),
    # a (100) core 1; c (90) waits for the first free core: core 0 at 2
    # (b ends), 2..6
    assert log == [(0, "b start 0"), (0, "a start 1"), (2, "b end 0"),
                   (2, "c start 0"), (3, "a end 1"), (6, "c end 0")]
    # core 0 busy 0..6, core 1 0..3, of 20 ticks
    assert [c.cpu_load for c in r.stats.cores] == [0.3, 0.15]
    assert r.stats.cpu_load == pytest.approx(0.225)
    names = [t.name for t in r.stats.threads.values()]
    assert names[:2] == ["idle0", "idle1"]


def test_a_more_urgent_thread_preempts_the_least_urgent_core(log):
    async def main():
        muos.spawn(worker(log, "lo", 6), name="lo", priority=50)
        muos.spawn(worker(log, "mid", 6), name="mid", priority=60)
        muos.spawn(worker(log, "hi", 2, before=1), name="hi", priority=200)
        await muos.sleep_for(20)

    r = muos.run(main, cores=2)
    # at 0, once main sleeps: hi (200) core 0, mid (60) core 1; hi
    # sleeps: lo (50) takes core 0 (mid keeps core 1). hi wakes at 1 and
    # takes the core running the least urgent thread, core 0 (lo), 1..3;
    # lo resumes on core 0 at 3 (its last core, free again) and ends at
    # 3 + 5 = 8; mid 0..6 on core 1
    assert log == [(0, "lo start 0"), (0, "mid start 1"),
                   (1, "hi start 0"), (3, "hi end 0"), (6, "mid end 1"),
                   (8, "lo end 0")]
    assert r.stats.threads["lo"].cpu_time == 6
    # lo was preempted on core 0 and resumed there: no migration
    assert r.stats.threads["lo"].migrations == 0


def test_a_preempted_thread_resumes_on_its_last_core(log):
    seen = {}

    async def lo():
        log("lo start %d" % muos.this_core())
        await muos.busy(5)
        log("lo end %d" % muos.this_core())
        seen["migrations"] = muos.this_thread().migrations
        seen["core"] = muos.this_thread().core

    async def main():
        muos.spawn(worker(log, "long", 10), name="long", priority=60)
        muos.spawn(lo, name="lo", priority=50)
        muos.spawn(worker(log, "hi", 4, before=1), name="hi", priority=200)
        await muos.sleep_for(30)

    muos.run(main, cores=2)
    # at 0: hi core 0, long (60) core 1; hi sleeps, lo (50) takes core
    # 0. hi wakes at 1 and preempts lo (the least urgent) on core 0 until
    # 5; core 0 frees first (long ends at 10): lo resumes there, its
    # last core, 5..9: no migration
    assert log == [(0, "lo start 0"), (0, "long start 1"),
                   (1, "hi start 0"), (5, "hi end 0"), (9, "lo end 0"),
                   (10, "long end 1")]
    assert seen == {"migrations": 0, "core": 0}


def test_migration_when_the_last_core_is_taken(log):
    seen = {}

    async def lo():
        await muos.busy(5)
        seen["core"] = muos.this_core()
        seen["migrations"] = muos.this_thread().migrations

    async def main():
        muos.spawn(worker(log, "short", 2), name="short", priority=60)
        muos.spawn(lo, name="lo", priority=50)
        muos.spawn(worker(log, "hi", 4, before=1), name="hi", priority=200)
        await muos.sleep_for(30)

    muos.run(main, cores=2)
    # at 0: hi core 0, short (60) core 1 (0..2); hi sleeps, lo (50) takes
    # core 0. hi wakes at 1 and takes core 0 (lo's, the least urgent)
    # until 5; core 1 frees at 2: lo resumes there (a migration) with 4
    # left: 2..6
    assert log == [(0, "short start 1"), (1, "hi start 0"),
                   (2, "short end 1"), (5, "hi end 0")]
    assert seen == {"core": 1, "migrations": 1}


def test_affinity_makes_a_thread_wait_while_another_core_idles(log):
    async def main():
        muos.spawn(worker(log, "p1", 4), name="p1", priority=100,
                   affinity=0)
        muos.spawn(worker(log, "p2", 2), name="p2", priority=90,
                   affinity=[0])
        await muos.sleep_for(20)

    r = muos.run(main, cores=2)
    # both pinned to core 0: p1 0..4, then p2 4..6; core 1 idles
    assert log == [(0, "p1 start 0"), (4, "p1 end 0"), (4, "p2 start 0"),
                   (6, "p2 end 0")]
    assert r.stats.cores[1].cpu_load == 0.0
    assert r.stats.cores[0].cpu_load == pytest.approx(6 / 20)


def test_set_affinity_moves_a_running_thread(log):
    async def mover():
        log("on %d" % muos.this_core())
        muos.this_thread().set_affinity(1)
        await muos.busy(1)            # placed again at this await
        log("on %d" % muos.this_core())

    async def main():
        muos.spawn(mover, name="m", priority=100)
        await muos.sleep_for(5)

    muos.run(main, cores=2)
    assert log == [(0, "on 0"), (1, "on 1")]


def test_equal_priorities_rotate_across_two_cores(log):
    async def main():
        for name in "xyz":
            muos.spawn(worker(log, name, 2), name=name, priority=100)
        await muos.sleep_for(20)

    r = muos.run(main, cores=2)
    # 0..1: x core 0, y core 1, z waits. At 1 both slices end with z
    # ready at their key: x and y go to the tail (z, x, y); z takes
    # core 0 (both free: lowest index), x core 1 (its own is taken: a
    # migration). At 2 x is done; z's slice ends with y ready: y takes
    # its last core, 1, z keeps core 0; both end at 3
    assert log == [(0, "x start 0"), (0, "y start 1"), (1, "z start 0"),
                   (2, "x end 1"), (3, "z end 0"), (3, "y end 1")]
    assert r.stats.threads["x"].migrations == 1


def test_a_scheduler_lock_on_one_core_leaves_the_other_running(log):
    async def locked():
        log("L start %d" % muos.this_core())
        with muos.scheduler_locked():
            await muos.busy(5)
        log("L end %d" % muos.this_core())

    async def main():
        muos.spawn(locked, name="L", priority=50)
        muos.spawn(worker(log, "M", 5), name="M", priority=60)
        muos.spawn(worker(log, "H", 2, before=1), name="H", priority=200)
        await muos.sleep_for(20)

    muos.run(main, cores=2)
    # at 0: H core 0, M (60) core 1; H sleeps, L (50) takes core 0 and
    # locks it. H wakes at 1: core 0 is locked, so H takes core 1 from M
    # (the only free core, M less urgent), 1..3; M resumes at 3 on core
    # 1, ends at 3 + 4 = 7; L computes 0..5 on core 0 untouched
    assert log == [(0, "L start 0"), (0, "M start 1"), (1, "H start 1"),
                   (3, "H end 1"), (5, "L end 0"), (7, "M end 1")]


def test_masked_interrupts_on_one_core_leave_the_other_running(log):
    async def masked():
        log("L start %d" % muos.this_core())
        with muos.interrupts_disabled():
            await muos.busy(5)
        log("L end %d" % muos.this_core())

    async def main():
        muos.spawn(masked, name="L", priority=50)
        muos.spawn(worker(log, "M", 5), name="M", priority=60)
        muos.spawn(worker(log, "H", 2, before=1), name="H", priority=200)
        await muos.sleep_for(20)

    muos.run(main, cores=2)
    # as with the lock: core 0 (masked) keeps L, H takes core 1 from M
    assert log == [(0, "L start 0"), (0, "M start 1"), (1, "H start 1"),
                   (3, "H end 1"), (5, "L end 0"), (7, "M end 1")]


def test_an_interrupt_on_core_1_preempts_only_core_1(log):
    async def main():
        k = muos.current_kernel()
        irq = k.interrupt("tim", lambda: log("isr %d" % muos.this_core()),
                          cost=2, core=1)
        irq.trigger_at(1)
        muos.spawn(worker(log, "a", 4), name="a", priority=100)
        muos.spawn(worker(log, "b", 4), name="b", priority=90)
        await muos.sleep_for(20)

    r = muos.run(main, cores=2)
    # a core 0 0..4; b core 1 from 0, its core in the handler 1..3, so b
    # ends at 4 + 2 = 6; a is untouched
    assert log == [(0, "a start 0"), (0, "b start 1"), (1, "isr 1"),
                   (4, "a end 0"), (6, "b end 1")]
    assert r.stats.isr_latency["tim"].count == 1


def test_a_spinning_thread_uses_cpu_time_until_it_holds_the_lock(log):
    sl = muos.Spinlock("bus")

    async def holder():
        async with sl:
            log("A holds %d" % muos.this_core())
            await muos.busy(5)
        log("A released")

    async def spinner():
        await muos.sleep_for(1)
        log("B asks")
        async with sl:
            log("B holds %d" % muos.this_core())
            await muos.busy(1)
        log("B released")

    async def main():
        muos.spawn(holder, name="A", priority=100)
        muos.spawn(spinner, name="B", priority=90)
        await muos.sleep_for(20)

    r = muos.run(main, cores=2)
    # A holds 0..5 on core 0; B asks at 1 on core 1 and spins 1..5 (CPU
    # time, no switch), holds 5..6
    assert log == [(0, "A holds 0"), (1, "B asks"), (5, "A released"),
                   (5, "B holds 1"), (6, "B released")]
    assert r.stats.threads["B"].cpu_time == 5        # 4 spinning + 1
    assert r.stats.threads["B"].switches == 2        # no switch to spin
    assert r.stats.cores[1].idle_time == 20 - 5


def test_a_spinner_masks_its_core(log):
    sl = muos.Spinlock()

    async def holder():
        async with sl:
            await muos.busy(5)

    async def spinner():
        await muos.sleep_for(1)
        async with sl:
            log("B holds")

    async def main():
        k = muos.current_kernel()
        k.interrupt("irq1", lambda: log("isr"), core=1).trigger_at(2)
        muos.spawn(holder, name="A", priority=100)
        muos.spawn(spinner, name="B", priority=90)
        await muos.sleep_for(20)

    muos.run(main, cores=2)
    # B spins on core 1 from 1 with its interrupts masked: the trigger
    # at 2 waits until B releases the lock at 5
    assert log == [(5, "B holds"), (5, "isr")]


def test_spinlock_on_one_core_is_always_free(log):
    sl = muos.Spinlock()

    async def main():
        async with sl:
            assert sl.owner is muos.this_thread()
            with pytest.raises(muos.ContextError):
                await muos.sleep_for(1)      # interrupts are masked
            with pytest.raises(muos.DeadlockError):
                await sl.acquire()
        assert not sl.locked
        with pytest.raises(muos.NotOwnerError):
            sl.release()

    muos.run(main)


def test_per_core_idle_threads_and_this_core():
    async def main():
        k = muos.current_kernel()
        names = [t.name for t in k.threads]
        assert names[:3] == ["idle0", "idle1", "idle2"]
        assert muos.this_core() == 0
        assert muos.this_thread().core == 0
        for t in k.threads[:3]:
            with pytest.raises(muos.ContextError):
                t.kill()

    muos.run(main, cores=3)


def test_core_and_affinity_errors():
    with pytest.raises(ValueError, match="cores"):
        muos.Kernel(cores=0)
    with pytest.raises(ValueError, match="cores"):
        muos.Kernel(cores=2.0)
    k = muos.Kernel(cores=2)

    async def idle():
        pass

    with pytest.raises(ValueError, match="core 2 out of range"):
        k.spawn(idle, affinity=2)
    with pytest.raises(ValueError, match="names no core"):
        k.spawn(idle, affinity=[])
    with pytest.raises(TypeError, match="affinity"):
        k.spawn(idle, affinity="0")
    with pytest.raises(ValueError, match="core 3 out of range"):
        k.interrupt("x", lambda: None, core=3)
    t = k.spawn(idle, affinity=(1, 0, 1))
    assert t.affinity == (0, 1)
    assert t.core is None
    t.set_affinity(None)
    assert t.affinity is None
    k.close()                  # (its thread never ran)


def test_real_ports_refuse_several_cores():
    host = muos.HostPort()
    with pytest.raises(ValueError, match="HostPort runs one core"):
        muos.Kernel(host, cores=2)


def test_a_thread_woken_with_a_handler_on_its_core_takes_an_idle_one(log):
    async def main():
        k = muos.current_kernel()
        k.interrupt("irq", lambda: log("isr %d" % muos.this_core()),
                    cost=3, core=0).trigger_at(5)
        await muos.sleep_until(5)
        log("main %d" % muos.this_core())

    r = muos.run(main, cores=2)
    # at 5 main's sleep ends and the handler starts on core 0 (handlers
    # come before threads): main, whose last core is 0, goes to idle
    # core 1 at once instead of waiting 3 ticks under the handler
    assert log == [(5, "isr 0"), (5, "main 1")]
    assert r.now == 5


def test_killing_a_spinner_unmasks_its_core(log):
    sl = muos.Spinlock()

    async def holder():
        async with sl:
            await muos.busy(6)
        log("A released")

    async def spinner():
        await muos.sleep_for(1)
        async with sl:
            log("B holds")          # never: it is killed while spinning

    async def main():
        k = muos.current_kernel()
        k.interrupt("irq1", lambda: log("isr"), core=1).trigger_at(3)
        muos.spawn(holder, name="A", priority=100)
        b = muos.spawn(spinner, name="B", priority=90)
        await muos.sleep_for(2)
        b.kill()                    # spinning on core 1 since 1
        await muos.sleep_for(20)

    muos.run(main, cores=3)
    # A holds on core 0 from 0 (masked), B spins on core 1 from 1
    # (masked); main wakes at 2 on core 2 and kills B: core 1 unmasks,
    # so the interrupt triggered there at 3 runs at 3 (it would wait
    # forever otherwise); A releases at 6 with nobody to hand over to
    assert log == [(3, "isr"), (6, "A released")]


def test_killing_the_holder_hands_the_lock_on(log):
    sl = muos.Spinlock()

    async def holder():
        async with sl:
            await muos.busy(10)

    async def spinner():
        await muos.sleep_for(1)
        async with sl:
            log("B holds %d" % muos.this_core())

    async def main():
        a = muos.spawn(holder, name="A", priority=100)
        muos.spawn(spinner, name="B", priority=90)
        await muos.sleep_for(3)
        a.kill()                      # its 'async with' exit releases
        await muos.sleep_for(10)

    muos.run(main, cores=3)
    # A holds on core 0 from 0, B spins on core 1 from 1; main (core 2)
    # kills A at 3: the release in A's cleanup hands the lock to B at 3
    assert log == [(3, "B holds 1")]


def test_stalled_and_idle_ends_on_several_cores():
    s = muos.Semaphore(0)

    async def main():
        await s.wait()

    with pytest.raises(muos.Stalled) as e:
        muos.run(main, cores=2)
    assert e.value.blocked == {"main": "Semaphore"}

    k = muos.Kernel(cores=2)

    async def short():
        await muos.busy(2)

    k.spawn(short, name="s")
    assert k.run() == "idle"          # nothing left to happen
    assert k.now == 2


def test_the_text_report_shows_cores_and_migrations(log):
    async def main():
        muos.spawn(worker(log, "short", 2), name="short", priority=60)
        muos.spawn(worker(log, "lo", 5), name="lo", priority=50)
        muos.spawn(worker(log, "hi", 4, before=1), name="hi", priority=200)
        await muos.sleep_for(10)

    r = muos.run(main, cores=2)
    text = str(r.stats)
    # lo migrates once (see test_migration_when_the_last_core_is_taken)
    assert "migrations: lo 1" in text
    loads = [c.cpu_load for c in r.stats.cores]
    assert "cores: core0 load %.1f%%, core1 load %.1f%%" % (
        100 * loads[0], 100 * loads[1]) in text


def test_the_tick_cost_is_paid_on_every_computing_core(log):
    async def main():
        muos.spawn(worker(log, "c", 1, before=5), name="c", priority=200)
        muos.spawn(worker(log, "a", 2), name="a", priority=100)
        muos.spawn(worker(log, "b", 2), name="b", priority=100)
        await muos.sleep_for(10)

    muos.run(main, cores=2, port=muos.SimPort(tick_cost=0.1))
    # c takes core 0 at 0 and sleeps, a core 1, then b core 0. As on one
    # core (busy(2) from 0 ends at 2.2: the tick interrupt takes 0.1 at
    # 1 and at 2), on each computing core at once. c's busy(1) from 5
    # ends at 6 (the tick at 6 comes after the work: as on one core);
    # an idle core pays nothing
    assert log == [(0, "b start 0"), (0, "a start 1"), (2.2, "b end 0"),
                   (2.2, "a end 1"), (5, "c start 0"), (6, "c end 0")]


def test_the_switch_cost_is_paid_on_the_core_that_switches(log):
    async def main():
        log("main %d" % muos.this_core())
        muos.spawn(worker(log, "a", 2), name="a", priority=100)
        muos.spawn(worker(log, "b", 2), name="b", priority=90)
        await muos.sleep_for(10)

    muos.run(main, cores=2, port=muos.SimPort(switch_cost=0.5))
    # at 0 main is switched in on core 0 and idle1 on core 1: each core
    # pays 0.5 before its thread steps; main spawns at 0.5 and sleeps: a
    # takes core 0 and b core 1, each paying 0.5 more: both start at 1
    # and end at 3; main pays 0.5 again when it wakes at 10
    assert log == [(0.5, "main 0"), (1, "a start 0"), (1, "b start 1"),
                   (3, "a end 0"), (3, "b end 1")]


def test_a_trace_names_every_core_of_a_large_kernel():
    # the switch events name the core ("core70"): no fixed table of names
    async def main():
        for i in range(72):
            muos.spawn(worker(lambda m: None, "w%d" % i, 1), name="w%d" % i)
        await muos.sleep_for(2)

    r = muos.run(main, cores=72, trace=True)
    cores = {e[3] for e in r.trace.events if e[1] == "switch"}
    assert "core71" in cores and len(cores) == 72
