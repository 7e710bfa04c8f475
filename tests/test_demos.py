"""The Pathfinder demo and the command line, as a new user runs them."""

import os
import subprocess
import sys
import textwrap

from hypothesis import given
from hypothesis import strategies as st

import muos
from muos.demos import dual_core, edf, fill, pathfinder

ROOT = os.path.join(os.path.dirname(__file__), "..")


def test_pathfinder_without_inheritance_resets():
    resets, r = pathfinder.run(muos.Mutex.NONE)
    # Every other cycle (250 ms) asi_met locks info_bus at +90 for 15 ms of
    # work; bc_dist (+100) preempts it, computes 2 ms and blocks at +102;
    # asi_met runs 102..105 (13 of 15 done); comms (+105, NORMAL) preempts
    # it for 50 ms, interrupted once by bc_sched's 1 ms at the cycle start
    # (125), so comms ends at 156, asi_met at 158, bc_dist at 161: a
    # response of 61 ms against a 25 ms deadline, and bc_sched sees the
    # cycle unfinished at 125. Cycles start at 0, 250, 500, 750: 4 resets.
    assert resets == [125, 375, 625, 875]
    st = r.stats.threads["bc_dist"]
    assert st.max_response == 61
    assert st.deadline_misses == 4
    # the other four cycles have no asi_met: bc_dist takes 2 + 3 = 5 ms
    assert sorted(st.response_times) == [5, 5, 5, 5, 61, 61, 61, 61]


def test_pathfinder_with_inheritance_meets_deadlines():
    resets, r = pathfinder.run(muos.Mutex.INHERIT)
    # at 102 asi_met inherits HIGH, finishes its 2 ms left at 107 (102 +
    # 5), bc_dist gets the bus and ends at 110: response 10 ms.
    assert resets == []
    st = r.stats.threads["bc_dist"]
    assert sorted(st.response_times) == [5, 5, 5, 5, 10, 10, 10, 10]
    assert st.deadline_misses == 0
    prio = [(ev[0] // 1000000, ev[4]) for ev in r.trace.events
            if ev[1] == "priority" and ev[2] == "asi_met"]
    assert prio[:2] == [(102, (32, 160)), (107, (160, 32))]


def test_pathfinder_demo_prints_both_verdicts():
    lines = []
    pathfinder.demo(lines.append)
    text = "\n".join(lines)
    assert "VERDICT: FAIL" in text and "VERDICT: OK" in text
    assert "watchdog resets in 1000 ms: 4" in text
    assert "watchdog resets in 1000 ms: 0" in text
    assert "102  asi_met priority 32 -> 160 (inherited)" in text


def test_pathfinder_is_deterministic():
    _, a = pathfinder.run(muos.Mutex.NONE)
    _, b = pathfinder.run(muos.Mutex.NONE)
    assert a.trace.events == b.trace.events
    assert len(a.trace.events) > 100


def _muos(*args, cwd=ROOT):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "src")
    return subprocess.run([sys.executable, "-m", "muos"] + list(args),
                          capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=60)


def test_cli_demo_pathfinder():
    p = _muos("demo", "pathfinder")
    assert p.returncode == 0, p.stderr
    assert "VERDICT: FAIL" in p.stdout and "VERDICT: OK" in p.stdout


def test_cli_unknown_demo():
    p = _muos("demo", "nosuch")
    assert p.returncode == 2
    assert "unknown demo 'nosuch'" in p.stderr


def test_cli_run_app(tmp_path):
    app = tmp_path / "app.py"
    app.write_text("import muos\n"
                   "async def main():\n"
                   "    await muos.sleep_for(3)\n"
                   "    await muos.busy(2)\n"
                   "    return 'done'\n")
    p = _muos("run", str(app), "--stats", cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    # sleep 3 then 2 ticks of work: returns at tick 5
    assert "main returned 'done' at tick 5" in p.stdout
    assert "cpu load 40.0%" in p.stdout


def test_cli_run_errors(tmp_path):
    p = _muos("run", str(tmp_path / "missing.py"))
    assert p.returncode == 2 and "no such file" in p.stderr
    bad = tmp_path / "nomain.py"
    bad.write_text("x = 1\n")
    p = _muos("run", str(bad))
    assert p.returncode == 2 and "defines no main()" in p.stderr
    sync = tmp_path / "sync.py"
    sync.write_text("def main():\n    pass\n")
    p = _muos("run", str(sync))
    assert p.returncode == 2 and "not an async def" in p.stderr
    boom = tmp_path / "boom.py"
    boom.write_text("import muos\n"
                    "async def main():\n"
                    "    await muos.sleep_for(1)\n"
                    "    raise RuntimeError('kaboom')\n")
    p = _muos("run", str(boom))
    assert p.returncode == 1
    assert "thread 'main'" in p.stderr and "kaboom" in p.stderr


def test_low_power_demo_energy_is_hand_computed():
    from muos.demos import low_power as lp
    samples, r = lp.run(lp.event_driven)
    assert samples == 10
    ps = r.stats.power_states
    # each second: 2 ms waking from deep sleep (not for the first sample,
    # taken at tick 0 while running), 2 + 5 ms of work, 1 ms asleep in WFI
    # waiting for the ADC; main wakes at 10000 from deep sleep (+2 ms).
    assert ps == {"run": 9 * 9 + 7 + 2, "sleep": 10,
                  "deep_sleep": 10002 - 90 - 10}
    expected = (16.5 * 90 + 4.95 * 10 + 0.0165 * 9902) / 1000  # mW*s = mJ
    assert abs(r.stats.energy - expected) < 1e-9
    samples, r = lp.run(lp.polling)
    assert samples == 10
    # polling never sleeps: 10 s at 16.5 mW = 165 mJ, 5 mA at 3.3 V
    assert r.stats.power_states == {"run": 10000, "sleep": 0,
                                    "deep_sleep": 0}
    assert abs(r.stats.energy - 165.0) < 1e-9
    assert abs(lp.average_ma(r.stats) - 5.0) < 1e-9


def test_superloop_demo_latencies():
    from muos.demos import superloop as sl
    lat, _ = sl.run(sl.superloop)
    assert len(lat) == len(sl.EVENTS)
    # the loop notices the flag only after a whole pass of 3 + 6 + 4 ms
    # (plus urgent jobs queued before it): never sooner than the handler
    assert 0.05 <= min(lat) and max(lat) <= 13 + 0.5 * 2
    assert max(lat) > 10
    lat, _ = sl.run(sl.rtos)
    # the urgent thread runs as soon as the 0.05 ms handler returns
    assert lat == [0.05] * len(sl.EVENTS)


def test_cli_lists_the_demos():
    p = _muos("demo", "--list")
    assert p.returncode == 0
    for name in ("pathfinder", "superloop", "low-power"):
        assert name in p.stdout
    for name in ("superloop", "low-power"):
        p = _muos("demo", name)
        assert p.returncode == 0, p.stderr


# -- edf: earliest deadline first against rate-monotonic priorities ----------

def test_edf_demo_analysis():
    from muos.analysis import liu_layland_bound, utilization
    from muos.analysis import rate_monotonic, response_times, worst_responses
    tasks = rate_monotonic(edf.TASKS)
    assert [t.name for t in tasks] == ["T1", "T2"]
    # U = 2/5 + 4/7 = 34/35 = 0.9714 > 2(2^(1/2) - 1) = 0.8284
    assert utilization(tasks) == 34 / 35
    assert abs(liu_layland_bound(2) - 0.8284271) < 1e-7
    # R2 = 4 + 2 * ceil(R2 / 5): start 2 + 4 = 6, then 4 + 2*2 = 8, 8
    assert edf._rta_steps(tasks) == ("4 + 2*ceil(R/5)", [6, 8, 8])
    assert worst_responses(tasks) == [2, 8]
    assert response_times(tasks) == [2, None]


def test_edf_demo_rate_monotonic_misses_t2():
    r = edf.run(False)
    # T1 (more urgent) always runs 5k..5k+2; T2 gets 5k+2..5k+5. T2's job
    # 0: 2..5, 7..8, done at 8 > 7 (the miss); job 1 (7): 8..10, 12..14 =
    # its deadline; job 2 (14): 14..15, 17..20; job 3 (21): 22..25,
    # 27..28 = its deadline; job 4 (28): 28..30, 32..34. Idle 34..35, and
    # at 35 the hyperperiod starts again: job 5 misses as job 0 did.
    t1, t2 = r.stats.threads["T1"], r.stats.threads["T2"]
    assert t1.response_times == [2] * 14 and t1.misses == []
    assert t2.response_times == [8, 7, 6, 7, 6] * 2
    assert [(j.index, j.release, j.deadline, j.finish)
            for j in t2.misses] == [(0, 0, 7, 8), (5, 35, 42, 43)]
    assert t2.deadline_misses == 2


def test_edf_demo_meets_every_deadline():
    r = edf.run(True)
    # (as test_deadlines.test_edf_schedules_what_rate_monotonic_cannot)
    # 0..2 T1 (d5); 2..5 T2 (d7); 5..6 T2 (d7 before T1's d10): T2's
    # first job done at 6; 6..8 T1; 8..12 T2 (d14 before d15); 12..14 T1;
    # 14..15 T2 (d21); 15..17 T1 (d20); 17..20 T2; 20..22 T1; 22..26 T2
    # (d28); 26..28 T1 (d30); 28..32 T2 (d35, T1's job of 30 has d35:
    # equal keys, no round-robin, no preemption); 32..34 T1; again from 35
    t1, t2 = r.stats.threads["T1"], r.stats.threads["T2"]
    assert t1.response_times == [2, 3, 4, 2, 2, 3, 4] * 2
    assert t2.response_times == [6, 5, 6, 5, 4] * 2
    assert t1.deadline_misses == t2.deadline_misses == 0
    assert t1.misses == t2.misses == []


def test_edf_demo_prints_both_schedules():
    lines = []
    runs = edf.demo(lines.append)
    assert len(runs) == 2
    text = "\n".join(lines)
    assert lines[0] == edf.TITLE
    assert "U = 2/5 + 4/7 = 34/35 = 0.9714 > 0.8284" in text
    assert "R(T2) = 4 + 2*ceil(R/5): 6 -> 8 -> 8, so R = 8 > D = 7" in text
    # jobs, worst response, misses: RM, then EDF
    assert "  RM   T1           14               2               0" in text
    assert "  RM   T2           10               8               2" in text
    assert "  EDF  T1           14               4               0" in text
    assert "  EDF  T2           10               6               0" in text
    assert ("RM: T2 missed job 0: released at 0, deadline 7, done at 8"
            in text)
    assert ("RM: T2 missed job 5: released at 35, deadline 42, done at 43"
            in text)
    assert "EDF: T" not in text
    # the first hyperperiod's charts (RM, then EDF) as derived above
    assert "    T2    --###--###--###--###.-###--###--##." in lines
    assert "    T2    --####.-####..#--###.-####..####..." in lines


# -- dual-core: partitioned against global on two cores ----------------------

def _dual(pinned):
    r, spun = dual_core.run(pinned)
    st = r.stats
    names = ["radio", "control", "sensor", "logger"]
    return r, spun, {n: st.threads[n] for n in names}


def test_dual_core_partitioned():
    r, spun, th = _dual(True)
    # core 0: MAC handler 10k..10k+1, radio 10k+1..10k+3, then the bus
    # 1 tick. Core 1: control 0..8; sensor 8..12, bus 12..14 (14);
    # logger 14..20; control 20..28; sensor (25) 28..32, bus 32..34 (9);
    # logger 34..40 (its 12 ticks done), bus 40..44 with core 1 masked:
    # control (40) waits, 44..52 (12); sensor (50) 52..56, bus 56..58
    # (8); the logger's job ends when it next runs, at 58 (its release
    # of the bus is a preemption point): 58 > 50, the miss, as RTA says
    # (16 + 3*8 + 3*6 = 58). Its job 1 (50) 58..60; control 60..68;
    # logger 68..75; sensor (75) 75..79, bus 79..81 masks core 1: control
    # (80) 81..89 (9), sensor's job ends at 89 (14); logger 89..92, bus
    # 92..96 (46); core 1 idles 96..100: load 96 %.
    assert [c.cpu_load for c in r.stats.cores] == [0.46, 0.96]
    assert th["control"].response_times == [8, 8, 12, 8, 9]
    assert th["sensor"].response_times == [14, 9, 8, 14]
    assert th["logger"].response_times == [58, 46]
    assert [(j.index, j.release, j.deadline, j.finish)
            for j in th["logger"].misses] == [(0, 0, 50, 58)]
    # the radio asks for the bus at 10k+3; taken at 13 (sensor), 33
    # (sensor), 43 (logger, until 44) and 93 (logger, until 96): it spins
    # 1 + 1 + 1 + 3 = 6 ticks; core 0: 10 handlers + 10 x 3 + 6 = 46
    assert th["radio"].response_times == [4, 5, 4, 5, 5, 4, 4, 4, 4, 7]
    assert spun == {"radio": 6, "control": 0, "sensor": 0, "logger": 0}
    assert [th[n].cpu_time for n in th] == [36, 40, 24, 32]
    assert [th[n].migrations for n in th] == [0, 0, 0, 0]
    mac = r.stats.isr_latency["mac"]
    assert (mac.count, mac.max) == (10, 0)
    from muos.analysis import Task, worst_responses
    assert worst_responses([Task(8, 20), Task(6, 25), Task(16, 50)]) == \
        [8, 14, 58]


def _migrations_in(trace, name):
    cores = [e[3] for e in trace.events if e[1] == "switch"
             and e[2] == name]
    return sum(1 for a, b in zip(cores, cores[1:]) if a != b)


def test_dual_core_global():
    r, spun, th = _dual(False)
    # core 0: MAC 0..1, radio 1..4; core 1: control 0..8. Sensor core 0
    # 4..10 (bus 8..10); handlers come before threads: the MAC of 10 takes
    # core 0 10..11 with sensor under it; at 11 the radio (pinned, woken)
    # takes core 0 and sensor core 1 from the logger (less urgent): its
    # job ends there (11); logger core 1 8..20, bus 20..24 masks core
    # 1: control (20) waits; core 0: MAC 20..21, radio 21..23 spins 23..24
    # for the bus, 24..25 (5); control core 1 24..32 (12). Sensor (25)
    # core 0 25..29, bus 29..31: the MAC of 30 waits until 31 (latency 1),
    # radio 32..35 (5). Logger's job 0 ends on core 1 at 32 (32). Control
    # (40) core 1 40..48; sensor (50) core 1 50..56 (6); logger (50) core
    # 0 after the radio, 54..60 and 64..70, bus 70..74 masks core 0: the
    # MAC of 70 waits until 74 (latency 4) and runs 74..75 over the
    # logger, the radio 75..78 (8) keeps it off core 0 (sensor, released
    # at 75, has core 1): the logger ends on core 0 at 78 (28). Sensor
    # (75) core 1 75..81, bus 79..81: control (80) 81..89 (9); sensor
    # ends on core 0 at 84 (9).
    assert th["radio"].response_times == [4, 4, 5, 5, 4, 4, 4, 8, 4, 4]
    assert th["control"].response_times == [8, 12, 8, 8, 9]
    assert th["sensor"].response_times == [11, 7, 6, 9]
    assert th["logger"].response_times == [32, 28]
    assert all(th[n].deadline_misses == 0 for n in th)
    mac = r.stats.isr_latency["mac"]
    assert (mac.count, mac.max, mac.mean) == (10, 4, 0.5)
    assert spun == {"radio": 1, "control": 0, "sensor": 0, "logger": 0}
    # core 0: 10 handlers + radio 31 + sensor 6 + 6 + logger 6 + 10 = 69;
    # core 1: control 40 + logger 16 + sensor 6 + 6 = 68
    assert [th[n].cpu_time for n in th] == [31, 40, 24, 32]
    assert [c.cpu_load for c in r.stats.cores] == [0.69, 0.68]
    assert r.stats.cpu_load == 0.685
    # migrations as the trace's switches show them: sensor 0 -> 1 at 11
    # (the radio takes core 0), 1 -> 0 at 25, 0 -> 1 at 32, 1 -> 0 at
    # 84; logger 1 -> 0 at 54
    assert [th[n].migrations for n in th] == [0, 0, 4, 1]
    assert [_migrations_in(r.trace, n) for n in th] == [0, 0, 4, 1]


def test_dual_core_demo_prints_the_comparison():
    lines = []
    (p, _), (g, _) = dual_core.demo(lines.append)
    text = "\n".join(lines)
    assert lines[0] == dual_core.TITLE
    assert "100 ms: cpu load core 0 46 %, core 1 96 %; MAC latency up to " \
           "0 ms" in text
    assert "100 ms: cpu load core 0 69 %, core 1 68 %; MAC latency up to " \
           "4 ms" in text
    assert "  logger       2     58 ms       1           0     32 ms   " \
           "0 ms" in lines
    assert "    missed job 0: released at 0, deadline 50, done at 58" in lines
    assert "  sensor       4     11 ms       0           4     24 ms   " \
           "0 ms" in lines
    assert "  radio       10      7 ms       0           0     36 ms   " \
           "6 ms" in lines
    # the per-core charts of ticks 0..49, as derived above
    assert "  core 1  CCCCCCCCSSSSSSLLLLLLCCCCCCCCSSSSSSLLLLLLLLLLCCCCCC" \
        in lines
    assert "  core 0  !RRRSSSSSS!RRR......!RRRRSSSSSS!RRR.....!RRR......" \
        in lines
    flat = " ".join(text.split())
    assert "gives control 8, sensor 14, logger 58" in flat
    assert "latency 0 -> 4 ms" in flat
    assert "36 ms of CPU are 10 jobs x 3 ms + 6 ms spinning" in flat
    # global does better on every application deadline
    for name in ("control", "sensor", "logger"):
        assert g.stats.threads[name].max_response <= \
            p.stats.threads[name].max_response
    assert sum(g.stats.threads[n].deadline_misses for n in
               ("radio", "control", "sensor", "logger")) == 0


def test_demos_never_read_their_docstring():
    # python -OO (and boards) drop docstrings: the title is a constant,
    # the docstring's first line for `muos demo --list` (issue 16)
    import importlib
    import inspect
    from muos.demos import DEMOS
    for name in DEMOS:
        mod = importlib.import_module(DEMOS[name])
        assert mod.TITLE == mod.__doc__.split("\n")[0], name
        assert "__doc__" not in inspect.getsource(mod), name


def test_every_demo_runs_with_docstrings_compiled_out():
    import subprocess
    import sys
    from muos.demos import DEMOS
    p = subprocess.run([sys.executable, "-OO", "-m", "muos", "demo",
                        "--list"], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0 and "edf " in p.stdout, p.stderr
    for name in DEMOS:
        p = subprocess.run([sys.executable, "-OO", "-m", "muos", "demo",
                            name], capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0, (name, p.stderr[-2000:])


def test_cli_lists_and_runs_the_new_demos():
    p = _muos("demo", "--list")
    assert p.returncode == 0
    assert "edf " in p.stdout and edf.TITLE in p.stdout
    assert "dual-core " in p.stdout and dual_core.TITLE in p.stdout
    p = _muos("demo", "edf")
    assert p.returncode == 0, p.stderr
    assert "RM: T2 missed job 0: released at 0, deadline 7, done at 8" \
        in p.stdout
    p = _muos("demo", "dual-core")
    assert p.returncode == 0, p.stderr
    assert "core 1 96 %" in p.stdout and "core 1 68 %" in p.stdout


# -- asyncio-latency: one priority bounds an asyncio task's latency ----------

def test_asyncio_latency_demo():
    from muos.demos import asyncio_latency as al
    # the four tasks take turns, 115 ms a round: w50 0-50, w30 50-80,
    # w25 80-105, w10 105-115, w50 115-165, ..., round 3 from 230: w50
    # 230-280, w30 280-310, w25 310-335, w10 335-345, w50 345-395.
    # Interrupt at 1: the handler (NORMAL) is queued behind w30, w25 and
    # w10: it runs at 115 (114 ms); at HIGH it runs when w50 awaits, at
    # 50 (49 ms). Interrupt at 300 (w30 running): behind w25, w10 and w50
    # (queued at 280), at 395 (95 ms); at HIGH at 310 (10 ms)
    assert al.run(muos.Priority.NORMAL) == [114, 95]
    assert al.run(muos.Priority.HIGH) == [49, 10]
    lines = []
    al.demo(lines.append)
    assert "  handler at priority=Priority.HIGH:                49, 10 ms" \
        in lines
    assert max(len(x) for x in lines) <= 78


WORDS = st.lists(st.text("abcxyz.,()0123456789", min_size=1, max_size=12),
                 max_size=40)


@given(WORDS, st.integers(12, 80))
def test_demo_fill_wraps_as_textwrap_does(words, width):
    """The demos' fill (boards have no textwrap) wraps words separated by
    one space as textwrap.fill does, for words that fit a line and have
    no hyphen (the demos' texts: their output is unchanged)."""
    text = " ".join(words)
    assert fill(text, width) == textwrap.fill(text, width)
    for line in fill(text, width).split("\n"):
        assert len(line) <= width
