"""The benchmarks' smoke mode (``python -m benchmarks --quick``): every
script runs and reports. This checks the benchmarks are correct, not how
fast muos is (BENCHMARKS.md has the numbers)."""

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..")


def test_every_benchmark_runs_in_quick_mode():
    scripts = [p for p in glob.glob(os.path.join(ROOT, "benchmarks", "*.py"))
               if not os.path.basename(p).startswith(("_", "common"))
               and os.path.basename(p) != "instructions.py"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "src")
    p = subprocess.run([sys.executable, "-m", "benchmarks", "--quick"],
                       cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=240, check=False)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    reports = [json.loads(line) for line in p.stdout.splitlines()
               if line.startswith("{")]
    assert len(reports) == len(scripts)
    for r in reports:
        assert r["results"], r["benchmark"]
        for v in r["results"].values():
            assert not isinstance(v, (int, float)) or v >= 0


@pytest.mark.skipif(shutil.which("valgrind") is None,
                    reason="the instruction counts need valgrind")
def test_instruction_counts_in_quick_mode():
    # python benchmarks/instructions.py runs by hand (not in the suite of
    # python -m benchmarks); its quick mode counts one workload
    p = subprocess.run([sys.executable, "benchmarks/instructions.py",
                        "--quick"], cwd=ROOT, capture_output=True, text=True,
                       timeout=240, check=False)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    r = json.loads(p.stdout.splitlines()[0])
    n = r["results"]["pingpong muos"]
    # a hand-over is thousands of instructions, not tens or millions
    assert 1000 < n < 200000, n
