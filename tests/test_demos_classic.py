"""The classic demos: priority inversion, producer-consumer, dining
philosophers, rate-monotonic scheduling. Every tick below is derived by
hand in the comments; the demos run on SimPort (1 tick = 1 ms)."""

import os
import subprocess
import sys

import muos
from muos.demos import DEMOS, inversion, philosophers, rms
from muos.demos import producer_consumer as pc

ROOT = os.path.join(os.path.dirname(__file__), "..")


# -- priority inversion -------------------------------------------------------

def test_inversion_unbounded_without_protocol():
    log, r = inversion.run(muos.Mutex.NONE)
    # LOW runs 0..1 holding the resource (1 of its 4 ticks); HIGH arrives
    # at 1, preempts, computes 1..2 and blocks on the resource; LOW runs
    # 2..3 (2 of 4); MEDIUM arrives at 3, preempts LOW (NORMAL > LOW) and
    # computes 3..13; LOW finishes its section 13..15 and unlocks; HIGH
    # gets the resource at 15 and is done at 16; LOW ends after it.
    assert log == [
        (0, "LOW", "starts"),
        (0, "LOW", "locks the resource"),
        (1, "HIGH", "arrives"),
        (2, "HIGH", "waits for the resource (LOW has it)"),
        (3, "MEDIUM", "arrives"),
        (13, "MEDIUM", "done"),
        (15, "LOW", "unlocks it"),
        (15, "HIGH", "locks the resource"),
        (16, "HIGH", "done"),
        (16, "LOW", "done"),
    ]
    assert inversion.finished(log) == {"MEDIUM": 13, "HIGH": 16,
                                       "LOW": 16}
    assert [ev for ev in r.trace.events if ev[1] == "priority"
            and ev[2] == "LOW"] == []


def test_inversion_bounded_by_inheritance():
    log, r = inversion.run(muos.Mutex.INHERIT)
    # as before until HIGH blocks at 2; LOW inherits HIGH (160) and runs
    # 2..5 (its 3 remaining ticks): MEDIUM, arriving at 3, cannot preempt
    # it. At 5 LOW unlocks, drops to 32, HIGH locks and is done at 6;
    # MEDIUM first gets the CPU at 6 and computes 6..16.
    assert log == [
        (0, "LOW", "starts"),
        (0, "LOW", "locks the resource"),
        (1, "HIGH", "arrives"),
        (2, "HIGH", "waits for the resource (LOW has it)"),
        (3, "MEDIUM", "arrives"),
        (5, "LOW", "unlocks it"),
        (5, "HIGH", "locks the resource"),
        (6, "HIGH", "done"),
        (6, "MEDIUM", "gets the CPU"),
        (16, "MEDIUM", "done"),
        (16, "LOW", "done"),
    ]
    prio = [(ev[0] // 1000000, ev[4]) for ev in r.trace.events
            if ev[1] == "priority" and ev[2] == "LOW"]
    assert prio == [(2, (32, 160)), (5, (160, 32))]


def test_inversion_bounded_by_ceiling():
    log, r = inversion.run(muos.Mutex.PROTECT)
    # LOW runs at the ceiling (HIGH, 160) from the moment it locks at 0,
    # so neither HIGH (an equal, arriving at 1) nor MEDIUM (3) runs before
    # it unlocks at 4; HIGH then computes 4..5, locks the free resource
    # and is done at 6; MEDIUM computes 6..16. HIGH never waits on the
    # mutex itself.
    assert log == [
        (0, "LOW", "starts"),
        (0, "LOW", "locks the resource"),
        (1, "HIGH", "arrives"),
        (3, "MEDIUM", "arrives"),
        (4, "LOW", "unlocks it"),
        (4, "HIGH", "gets the CPU"),
        (5, "HIGH", "locks the resource"),
        (6, "HIGH", "done"),
        (6, "MEDIUM", "gets the CPU"),
        (16, "MEDIUM", "done"),
        (16, "LOW", "done"),
    ]
    prio = [(ev[0] // 1000000, ev[4]) for ev in r.trace.events
            if ev[1] == "priority" and ev[2] == "LOW"]
    assert prio == [(0, (32, 160)), (4, (160, 32))]


def test_inversion_demo_text():
    lines = []
    results = inversion.demo(lines.append)
    text = "\n".join(lines)
    # HIGH arrives at 1: responses 16 - 1 = 15 and 6 - 1 = 5
    assert "HIGH finished at 16: response 15 ticks" in text
    assert text.count("HIGH finished at 6: response 5 ticks") == 2
    assert "LOW's priority: 32 -> 160 at 2, 160 -> 32 at 5" in text
    assert "LOW's priority: 32 -> 160 at 0, 160 -> 32 at 4" in text
    assert set(results) == set(inversion.PROTOCOLS)


# -- producers and consumers --------------------------------------------------

def test_producer_consumer_log():
    log, r = pc.run()
    # queue of 3. telemetry (160) makes T1..T3 at 1, 2, 3 (1 tick each);
    # T4 at 4 finds the queue full and waits; logger (128) runs and waits
    # with L1. control (96) takes T1 (message priority 1 before the
    # logger's 0), which lets T4 in; telemetry, more urgent, says so at
    # once; archive (32) takes T2, which lets L1 in, and the logger then
    # waits with L2. control stores for 3 ticks (sleeping), archive 2.
    #  6: alarm (192) finds the queue full too (T3 T4 L1) and waits;
    #     archive wakes, takes T3: the most urgent blocked sender, alarm,
    #     gets the room (not the logger, waiting since 4).
    #  7: control takes A1: message priority 9 overtakes T4 and L1;
    #     L2 gets in, the logger waits with L3.
    #  8: archive takes T4 (priority 1 before L1); L3 in, L4 waits.
    # 10: both wake; control (more urgent) takes L1, L4 gets in; archive
    #     takes L2. 12: archive L3. 13: control L4; the queue is empty.
    # 14, 16: archive, then control, find it empty and wait.
    # 24: alarm sends A2: both consumers wait, archive the longer, but the
    #     more urgent thread, control, is served. It stores until 27.
    assert log == [
        (1, "telemetry", "sends", "T1"),
        (2, "telemetry", "sends", "T2"),
        (3, "telemetry", "sends", "T3"),
        (4, "telemetry", "waits: queue full", "T4"),
        (4, "logger", "waits: queue full", "L1"),
        (4, "control", "gets", "T1"),
        (4, "telemetry", "sent after waiting", "T4"),
        (4, "archive", "gets", "T2"),
        (4, "logger", "sent after waiting", "L1"),
        (4, "logger", "waits: queue full", "L2"),
        (6, "alarm", "waits: queue full", "A1"),
        (6, "archive", "gets", "T3"),
        (6, "alarm", "sent after waiting", "A1"),
        (7, "control", "gets", "A1"),
        (7, "logger", "sent after waiting", "L2"),
        (7, "logger", "waits: queue full", "L3"),
        (8, "archive", "gets", "T4"),
        (8, "logger", "sent after waiting", "L3"),
        (8, "logger", "waits: queue full", "L4"),
        (10, "control", "gets", "L1"),
        (10, "logger", "sent after waiting", "L4"),
        (10, "archive", "gets", "L2"),
        (12, "archive", "gets", "L3"),
        (13, "control", "gets", "L4"),
        (14, "archive", "waits: queue empty", ""),
        (16, "control", "waits: queue empty", ""),
        (24, "alarm", "sends", "A2"),
        (24, "control", "gets", "A2"),
    ]
    assert r.now == 27
    got = pc.received(log)
    assert got == {"control": ["T1", "A1", "L1", "L4", "A2"],
                   "archive": ["T2", "T3", "T4", "L2", "L3"]}


def test_producer_consumer_every_message_once():
    lines = []
    log = pc.demo(lines.append)
    every = sorted(m for ms in pc.received(log).values() for m in ms)
    assert every == sorted(["A1", "A2", "T1", "T2", "T3", "T4", "L1", "L2",
                            "L3", "L4"])
    assert "10 messages sent, 10 received, each exactly once; all done " \
        "at tick 27." in "\n".join(lines)


# -- dining philosophers ------------------------------------------------------

def test_philosophers_deadlock_detected():
    log, results, r = philosophers.run(ordered=False)
    # 0: Pi picks up fork i and thinks 1 tick. 1: P0..P3 reach for the
    # next fork and wait (each owner is still thinking); P4's lock of
    # fork 0 would wait on P0 -> P1 -> P2 -> P3 -> P4 itself: a cycle,
    # DeadlockError with .cycle [P4, P0, P1, P2, P3]. P4 puts fork 4
    # down, so P3 eats 1..3, then P2 (fork 3 freed) 3..5, P1 5..7, P0
    # 7..9; P3's second meal: fork 3 at 5, fork 4 at 6, eats 6..8; P2
    # fork 2 at 7, fork 3 at 8, eats 8..10; P0 and P1 pick up forks 0
    # and 1 at 9, P1 eats 10..12 (fork 2 free at 10), P0 12..14.
    assert log[:7] == [
        (0, "P0", "picks up fork 0"), (0, "P1", "picks up fork 1"),
        (0, "P2", "picks up fork 2"), (0, "P3", "picks up fork 3"),
        (0, "P4", "picks up fork 4"),
        (1, "P4", "DEADLOCK reaching for fork 0: "
                  "P4 -> P0 -> P1 -> P2 -> P3 -> P4"),
        (1, "P4", "puts fork 4 down and leaves"),
    ]
    assert results == ["ate", "ate", "ate", "ate", "left hungry"]
    assert philosophers.meals(log) == {
        "P3": [1, 6], "P2": [3, 8], "P1": [5, 10], "P0": [7, 12]}
    assert r.now == 14


def test_deadlock_error_cycle_lists_the_threads():
    async def main():
        forks = [muos.Mutex("f%d" % i) for i in range(3)]
        cycles = []

        async def p(i):
            async with forks[i]:
                await muos.sleep_for(1)
                try:
                    await forks[(i + 1) % 3].lock()
                    forks[(i + 1) % 3].unlock()
                except muos.DeadlockError as e:
                    cycles.append([t.name for t in e.cycle])

        ts = [muos.spawn(p, i, name="p%d" % i) for i in range(3)]
        for t in ts:
            await t.join()
        return cycles

    # p2 reaches for f0 last: p2 -> p0 (owns f0, waits f1) -> p1 (owns f1,
    # waits f2) -> p2
    assert muos.run(main).value == [["p2", "p0", "p1"]]


def test_philosophers_lock_order_all_eat():
    log, results, r = philosophers.run(ordered=True)
    # P4 reaches for fork 0 first and waits for P0 at tick 0, so nobody
    # holds fork 4 and P3 eats at 1: the same as before until 9, when P0
    # puts its forks down and P1 (fork 1) and P4 (fork 0) pick them up.
    # 10: P1 eats (fork 2) 10..12 and P4 (fork 4) 10..12; 12: P0 gets
    # fork 0 back, fork 1 at 13, eats 13..15; P4 waits for fork 0 until
    # 15, takes fork 4 at 16 and eats 16..18.
    assert results == ["ate"] * 5
    assert philosophers.meals(log) == {
        "P3": [1, 6], "P2": [3, 8], "P1": [5, 10], "P0": [7, 13],
        "P4": [10, 16]}
    assert not any("DEADLOCK" in what for _, _, what in log)
    assert r.now == 18


def test_philosophers_demo_text():
    lines = []
    philosophers.demo(lines.append)
    text = "\n".join(lines)
    assert "meals: P0 2, P1 2, P2 2, P3 2, P4 0; dinner over at tick 14" \
        in text
    assert "meals: P0 2, P1 2, P2 2, P3 2, P4 2; dinner over at tick 18" \
        in text


# -- rate-monotonic scheduling ------------------------------------------------

def test_rms_at_the_bound():
    a = rms.check(rms.SET_A)
    # U = 26/100 + 33/126 + 40/159 = 0.26 + 0.2619 + 0.2516 = 0.7735 <=
    # 3(2^(1/3) - 1) = 0.7798; R3 = 40 + 26 + 33 = 99 < 100, before t1's
    # second release. Hyperperiod lcm(100, 126, 159) = 333900.
    assert abs(a["U"] - 0.77348) < 1e-5 and a["liu_layland"]
    assert a["hyperbolic"]                 # 1.26 * 1.2619 * 1.2516 = 1.990
    assert a["R"] == a["measured"] == [26, 59, 99]
    assert a["horizon"] == 333900
    assert a["first_miss"] is None and a["misses"] == 0


def test_rms_above_the_bound_misses_at_159():
    b = rms.check(rms.SET_B)
    # U = 0.7861 > 0.7798; prod(U+1) = 2.010 > 2: neither bound tells.
    # R3 = 42 + 26 + 33 = 101 > 100 -> 42 + 52 + 33 = 127 > 126 -> 42 +
    # 52 + 66 = 160 > 159: t3's first job, released at 0, misses its
    # deadline 159 and is done at 160; no other job of the hyperperiod
    # misses.
    assert b["U"] > b["bound"] and not b["liu_layland"]
    assert not b["hyperbolic"]
    assert b["R"] == b["measured"] == [26, 59, 160]
    assert b["first_miss"] == ("t3", 0, 0, 159, 160)
    assert b["misses"] == 1
    # the same by hand-written threads, stopping at the first miss
    assert muos.run(rms.main).value == (159, "t3", 0, 160)


def test_rms_demo_text():
    lines = []
    rms.demo(lines.append)
    text = "\n".join(lines)
    assert "first deadline miss at tick 159: t3's job 0 (released at 0) " \
        "done at 160" in text
    assert "R = 26, 59, 99 for deadlines 100, 126, 159" in text
    assert "R = 26, 59, 160 for deadlines 100, 126, 159" in text


# -- the command line ---------------------------------------------------------

def test_cli_runs_the_classic_demos():
    for name in ("inversion", "producer-consumer", "philosophers", "rms"):
        assert name in DEMOS
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "src")
    code = ("import sys\nfrom muos.cli import main\n"
            "for n in sys.argv[1:]:\n"
            "    assert main(['demo', n]) == 0\n")
    p = subprocess.run([sys.executable, "-c", code, "inversion",
                        "producer-consumer", "philosophers", "rms"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "HIGH finished at 16" in p.stdout
    assert "each exactly once" in p.stdout
    assert "DEADLOCK reaching for fork 0" in p.stdout
    assert "first deadline miss at tick 159" in p.stdout
    p = subprocess.run([sys.executable, "-m", "muos", "demo", "--list"],
                       capture_output=True, text=True, env=env, timeout=60)
    for name in ("inversion", "producer-consumer", "philosophers", "rms"):
        assert name in p.stdout
