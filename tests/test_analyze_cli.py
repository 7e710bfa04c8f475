"""``muos analyze TASKSET``: the table, the tests, the verdict and the exit
status (0 schedulable, 1 not schedulable, 2 bad input), as a new user runs
it, and a clear error naming the line or entry for every kind of bad
input."""

import json
import os
import subprocess
import sys

import pytest

from muos.analysis import Task, TasksetError, load_taskset
from muos.cli import main

ROOT = os.path.join(os.path.dirname(__file__), "..")

TEXTBOOK_TOML = """\
# Burns & Wellings style example, 1 tick = 1 ms
[[task]]
name = "sensor"
C = 1
T = 4

[[task]]
name = "control"
C = 2
T = 6

[[task]]
name = "logger"
C = 3
T = 13
"""


def _muos(args, cwd):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.abspath(os.path.join(ROOT, "src"))
    return subprocess.run([sys.executable, "-m", "muos"] + args, cwd=cwd,
                          capture_output=True, text=True, env=env,
                          timeout=60)


def _analyze(capsys, *args):
    code = main(["analyze"] + [str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# -- as a new user runs it ----------------------------------------------------

def test_toml_schedulable_with_simulation(tmp_path):
    (tmp_path / "tasks.toml").write_text(TEXTBOOK_TOML)
    p = _muos(["analyze", "tasks.toml", "--simulate"], str(tmp_path))
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    # R1 = 1; R2 = 2 + 1 = 3; R3 = 3 + ceil(R/4) + 2 ceil(R/6): 6 -> 7
    # -> 9 -> 10; the simulation of lcm(4, 6, 13) = 156 ticks agrees
    assert lines[0] == "tasks.toml:"
    assert lines[3].split() == ["prio", "task", "C", "T", "D", "U", "R",
                                "sim", "R", "verdict"]
    assert lines[4].split() == ["1", "sensor", "1", "4", "4", "0.250",
                                "1", "1", "ok"]
    assert lines[5].split() == ["2", "control", "2", "6", "6", "0.333",
                                "3", "3", "ok"]
    assert lines[6].split() == ["3", "logger", "3", "13", "13", "0.231",
                                "10", "10", "ok"]
    text = p.stdout
    # U = 1/4 + 1/3 + 3/13 = 0.8141 > 0.7798; 1.25 * 1.333 * 1.231 = 2.05
    assert "utilization U = 0.8141" in text
    assert "U > 0.7798: not proven" in text
    assert "prod(U_i + 1) = 2.0513 > 2: not proven" in text
    assert "simulation: 156 ticks" in text
    assert "measured worst responses agree with the analysis" in text
    assert lines[-1] == "verdict: SCHEDULABLE"


def test_csv_unschedulable_exit_1_and_first_miss(tmp_path):
    (tmp_path / "set.csv").write_text(
        "C,T,D,name\n26,100,,a\n33,126,,b\n42,159,,c\n")
    p = _muos(["analyze", "set.csv", "--simulate"], str(tmp_path))
    assert p.returncode == 1, p.stderr
    # R3 = 42 + 26 + 33 = 101 -> 127 -> 160 > 159
    assert "c     42  159  159  0.264  160  160 late  MISS (R > D)" in \
        p.stdout
    assert "first deadline miss: c, job 0 (released at 0), deadline 159, " \
        "done at 160" in p.stdout
    assert p.stdout.rstrip().endswith("verdict: NOT SCHEDULABLE")


def test_bad_input_exit_2_names_the_line(tmp_path):
    (tmp_path / "bad.csv").write_text("C,T,name\n1,4,a\n2,-5,b\n")
    p = _muos(["analyze", "bad.csv"], str(tmp_path))
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.strip() == ("muos analyze: bad.csv, line 3: Task 'b': "
                                "period T must be positive, not -5")


def test_help_documents_the_exit_status(tmp_path):
    p = _muos(["analyze", "--help"], str(tmp_path))
    assert p.returncode == 0
    assert "0 schedulable, 1 not schedulable, 2 bad input" in p.stdout


# -- formats and options ------------------------------------------------------

def test_json_arbitrary_deadlines_given_order(tmp_path, capsys):
    # Lehoczky's example: the fifth job of t2 is its worst, R = 118
    path = tmp_path / "leh.json"
    path.write_text(json.dumps({"tasks": [
        {"name": "fast", "C": 26, "T": 70},
        {"name": "slow", "C": 62, "T": 100, "D": 120}]}))
    code, out, _ = _analyze(capsys, path, "--order", "given",
                            "--simulate")
    assert code == 0
    assert "priorities as given" in out
    assert "slow  62  100  120  0.620  118    118  ok" in out
    assert "simulation: 700 ticks" in out
    # D > T: the utilization bounds still apply (D >= T, no jitter)
    assert "U > 0.8284: not proven" in out


def test_order_matters_when_deadlines_are_short(tmp_path, capsys):
    # A: C 2, T 10, D 3; B: C 2, T 4. Rate-monotonic puts B first:
    # R_A = 2 + 2 = 4 > 3. Deadline-monotonic puts A first: R_A = 2,
    # R_B = 2 + 2 = 4 <= 4.
    path = tmp_path / "dm.csv"
    path.write_text("name,C,T,D\nA,2,10,3\nB,2,4,4\n")
    code, out, _ = _analyze(capsys, path, "--order", "rm")
    assert code == 1
    assert "A can miss its deadline" in out
    assert "does not apply (it needs D >= T and no jitter)" in out
    code, out, _ = _analyze(capsys, path)          # dm is the default
    assert code == 0
    assert "priorities deadline-monotonic" in out
    assert out.splitlines()[4].split()[:2] == ["1", "A"]


def test_blocking_and_jitter_columns(tmp_path, capsys):
    # t1: R = 1 + B 2 = 3; t2: w = 2 + ceil((w + 1)/4) = 3 -> 3, R = 3 +
    # J 1 = 4
    path = tmp_path / "bj.csv"
    path.write_text("C,T,B,J\n1,4,2,\n2,10,,1\n")
    code, out, _ = _analyze(capsys, path, "--simulate")
    assert code == 0
    assert out.splitlines()[3].split() == [
        "prio", "task", "C", "T", "D", "B", "J", "U", "R", "sim", "R",
        "verdict"]
    assert out.splitlines()[4].split() == [
        "1", "t1", "1", "4", "4", "2", "0", "0.250", "3", "1", "ok"]
    assert out.splitlines()[5].split() == [
        "2", "t2", "2", "10", "10", "0", "1", "0.200", "4", "3", "ok"]
    assert "blocking B and jitter J are not simulated" in out
    assert "t1: measured 1, analysis 3" in out


def test_format_option_and_fractional_ticks(tmp_path, capsys):
    path = tmp_path / "tasks.txt"
    path.write_text("C,T\n0.5,2\n1.25,3\n")
    code, _, err = _analyze(capsys, path)
    assert code == 2 and "unknown file type '.txt'" in err
    code, out, _ = _analyze(capsys, path, "--format", "csv", "--simulate",
                            "--horizon", "12")
    # R2 = 1.25 + 0.5 = 1.75
    assert code == 0
    assert out.splitlines()[5].split() == [
        "2", "t2", "1.25", "3", "3", "0.417", "1.75", "1.75", "ok"]
    assert "simulation: 12 ticks" in out


# -- bad input: exit 2 and a message naming where -----------------------------

@pytest.mark.parametrize("name, text, message", [
    ("c_gt_d.csv", "C,T,D,name\n1,4,4,a\n5,10,3,x\n",
     "c_gt_d.csv, line 3: Task 'x': execution time C = 5 exceeds the "
     "deadline D = 3"),
    ("zero.csv", "C,T\n1,0\n", "zero.csv, line 2: Task: period T must be "
     "positive, not 0"),
    ("nocol.csv", "C,D\n1,4\n", "nocol.csv, line 1: missing column T in "
     "the header"),
    ("nocols.csv", "name\nx\n", "missing columns C and T"),
    ("unknown.csv", "C,period\n1,4\n", "unknown.csv, line 1: unknown "
     "column 'period'; the header names the columns C, T and optionally "
     "D, name, B, J"),
    ("twice.csv", "C,T,c\n1,4,1\n", "column C appears twice"),
    ("nan.csv", "C,T\n1,abc\n", "nan.csv, line 2: T 'abc' is not a "
     "number"),
    ("inf.csv", "C,T\n1,inf\n", "line 2: T 'inf' is not a finite number"),
    ("fields.csv", "C,T\n1,4\n# a comment\n\n2,5,6\n",
     "fields.csv, line 5: 3 fields, but the header has 2 (C,T)"),
    ("emptyc.csv", "C,T\n,4\n", "line 2: C is empty"),
    ("empty.csv", "", "empty.csv: empty: expected a header line"),
    ("header.csv", "C,T\n", "header.csv: no tasks"),
    ("dup.csv", "C,T,name\n1,4,a\n1,5,a\n", "two tasks are named 'a'"),
    ("neg_b.csv", "C,T,B\n1,4,-1\n", "line 2: Task: blocking B must not "
     "be negative, not -1"),
    ("c_gt_d.toml", TEXTBOOK_TOML.replace("C = 2", "C = 7"),
     "c_gt_d.toml, line 7 (task 2): Task 'control': execution time C = 7 "
     "exceeds the deadline D = 6"),
    ("missing.toml", "[[task]]\nC = 1\n", "missing.toml, line 1 (task 1): "
     "missing T (every task needs C, T"),
    ("str.toml", "[[task]]\nC = 1\nT = \"4\"\n",
     "line 1 (task 1): T must be a number, not '4'"),
    ("key.toml", "[[task]]\nC = 1\nT = 4\nperiod = 4\n",
     "unknown key 'period'"),
    ("syntax.toml", "[[task]\nC = 1\n", "syntax.toml: invalid TOML"),
    ("none.toml", "title = 'x'\n", "none.toml: no tasks: expected "
     "[[task]] tables"),
    ("syntax.json", '[{"C": 1,\n "T": }]', "syntax.json, line 2, column "
     "7: invalid JSON"),
    ("obj.json", '{"C": 1, "T": 4}', "obj.json: no tasks"),
    ("item.json", '[{"C": 1, "T": 4}, [2, 5]]', "item.json, task 2: a "
     "task must be an object"),
    ("neg.json", '[{"C": 1, "T": 4}, {"C": 1, "T": -3}]',
     "neg.json, task 2: Task: period T must be positive, not -3"),
    ("bool.json", '[{"C": true, "T": 4}]', "C must be a number, not True"),
    ("notes.txt", "C,T\n1,4\n", "unknown file type '.txt'"),
])
def test_bad_input(tmp_path, capsys, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    code, out, err = _analyze(capsys, path)
    assert code == 2
    assert out == ""
    assert err.startswith("muos analyze: ")
    assert message in err
    with pytest.raises(TasksetError):
        load_taskset(path)


def test_missing_file_and_short_horizon(tmp_path, capsys):
    code, _, err = _analyze(capsys, tmp_path / "nope.csv")
    assert code == 2 and "nope.csv: cannot read" in err
    path = tmp_path / "t.csv"
    path.write_text("C,T,D\n1,4,9\n")
    code, _, err = _analyze(capsys, path, "--simulate", "--horizon", "5")
    assert code == 2
    assert "--horizon 5 is shorter than the longest deadline 9" in err


def test_load_taskset_names_and_defaults(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text("[[task]]\nC = 1\nT = 4\n[[task]]\nc = 2\nt = 6\n"
                    "d = 5\nname = 'b'\nB = 1\nJ = 0.5\n")
    assert load_taskset(path) == [Task(1, 4, 4, "t1"),
                                  Task(2, 6, 5, "b", B=1, J=0.5)]
