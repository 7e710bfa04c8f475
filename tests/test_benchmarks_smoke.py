"""The benchmarks' smoke mode (``python -m benchmarks --quick``): every
script runs and reports. This checks the benchmarks are correct, not how
fast muos is (BENCHMARKS.md has the numbers)."""

import glob
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..")


def _run_group(cmd, env=None, timeout=240):
    """Run ``cmd`` in its own process group; on a timeout the whole group
    is killed (python -m benchmarks starts one process per script, which
    a plain timeout would leave running)."""
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise
    return out, err, p.returncode


def test_every_benchmark_runs_in_quick_mode():
    scripts = [p for p in glob.glob(os.path.join(ROOT, "benchmarks", "*.py"))
               if not os.path.basename(p).startswith(("_", "common"))
               and os.path.basename(p) != "instructions.py"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "src")
    out, err, code = _run_group([sys.executable, "-m", "benchmarks",
                                 "--quick"], env)
    assert code == 0, out[-2000:] + err[-2000:]
    reports = [json.loads(line) for line in out.splitlines()
               if line.startswith("{")]
    assert len(reports) == len(scripts)
    for r in reports:
        if "skipped" in r:          # a peer or interpreter not installed
            continue
        assert r["results"], r["benchmark"]
        for v in r["results"].values():
            assert not isinstance(v, (int, float)) or v >= 0


def _valgrind_works():
    if shutil.which("valgrind") is None:
        return False
    p = subprocess.run(["valgrind", "--tool=none", sys.executable, "-c",
                        "pass"], capture_output=True, check=False,
                       timeout=120)
    return p.returncode == 0


def test_instruction_counts_in_quick_mode():
    if not _valgrind_works():
        pytest.skip("the instruction counts need a working valgrind")
    # python benchmarks/instructions.py runs by hand (not in the suite of
    # python -m benchmarks); its quick mode counts one workload
    out, err, code = _run_group([sys.executable,
                                 "benchmarks/instructions.py", "--quick"])
    assert code == 0, out[-2000:] + err[-2000:]
    r = json.loads(out.splitlines()[0])
    n = r["results"]["pingpong muos"]
    # a hand-over is thousands of instructions, not tens or millions
    assert 1000 < n < 200000, n
