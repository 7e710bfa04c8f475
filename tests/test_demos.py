"""The Pathfinder demo and the command line, as a new user runs them."""

import os
import subprocess
import sys

import muos
from muos.demos import pathfinder

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
