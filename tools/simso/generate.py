"""Generate SimSo 0.8.5 reference schedules for muos's tests.

Run with the Python of a virtual environment that has SimSo (never muos's
own environment; see README.md beside this file):

    /tmp/simso-venv/bin/python tools/simso/generate.py [--out DIR] [--check]

Writes tests/data/simso/{edf_uni,gfp_2,gfp_4,prm,gedf_2,gedf_4}.json.
Everything is deterministic (fixed seed, SimSo has no randomness with the
WCET execution-time model), so running it again rewrites identical files;
--check compares instead of writing and exits 1 on a difference.

A task set is kept only when its schedule cannot depend on a tie-break:
every job's finish time (and the time intervals it ran in, processors
aside) must be the same

  * in SimSo with the tasks given in their order and in reverse order
    (SimSo breaks ties between equal keys by list order, see README.md);
  * for the EDF families, in SimSo with a patched scheduler that lets a
    job with an equal deadline preempt (SimSo's own never does);
  * in SimSo with 1 and with 1000 cycles per ms (no time quantisation);
  * in an independent tick-by-tick simulator of the ideal policy
    (ideal_schedule below) under five tie rules: task order, reverse task
    order, release order, "the running job keeps the CPU" and round-robin
    among equal keys (a running job goes behind its equals every tick).
"""

import argparse
import contextlib
import io
import json
import math
import os
import random
import sys
import time
import warnings
from collections import deque
from functools import reduce

warnings.filterwarnings("ignore")  # SimSo imports the deprecated `imp`

from simso.configuration import Configuration  # noqa: E402
from simso.core import Model  # noqa: E402
from simso.core.JobEvent import JobEvent  # noqa: E402
from simso.schedulers.EDF import EDF  # noqa: E402
from simso.schedulers.EDF_mono import EDF_mono  # noqa: E402
from simso.schedulers.P_RM import P_RM  # noqa: E402

SEED = 20240518
HORIZON_MAX = 500
SIMSO_VERSION = "0.8.5"

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "..", "tests",
                                            "data", "simso"))

# Period pools: a harmonic-rich one (small hyperperiods, many equal
# deadlines) and a plain range (hyperperiod mostly above HORIZON_MAX).
HARMONIC_POOL = [4, 5, 6, 8, 10, 12, 15, 16, 20, 24, 25, 30, 40, 48, 50,
                 60, 75, 80, 100, 120]
RANGE_POOL = list(range(5, 101))

# family: file stem, processors, scheduler kind, number of sets, number of
# tasks (min, max), total utilisation (min, max) for sets meant to miss a
# deadline and for sets meant not to.
FAMILIES = [
    dict(stem="edf_uni", m=1, kind="edf_uni", sets=8, n=(3, 8),
         u_miss=(0.95, 1.15), u_ok=(0.6, 1.0)),
    dict(stem="gfp_2", m=2, kind="gfp", sets=8, n=(3, 8),
         u_miss=(1.3, 1.95), u_ok=(0.9, 1.6)),
    dict(stem="gfp_4", m=4, kind="gfp", sets=8, n=(5, 8),
         u_miss=(2.6, 3.9), u_ok=(1.8, 3.2)),
    dict(stem="prm", m=2, kind="prm", sets=8, n=(3, 8),
         u_miss=(1.2, 1.9), u_ok=(0.8, 1.5)),
    dict(stem="gedf_2", m=2, kind="gedf", sets=8, n=(3, 8),
         u_miss=(1.6, 2.2), u_ok=(1.0, 1.8)),
    dict(stem="gedf_4", m=4, kind="gedf", sets=6, n=(5, 8),
         u_miss=(3.3, 4.3), u_ok=(2.0, 3.6)),
]

SCHEDULER_NAMES = {
    "edf_uni": "simso.schedulers.EDF_mono",
    "gedf": "simso.schedulers.EDF",
    "prm": "simso.schedulers.P_RM",
}


# ---------------------------------------------------------------------------
# Task sets

def lcm(a, b):
    return a * b // math.gcd(a, b)


def uunifast(rng, n, total):
    """Bini & Buttazzo's UUniFast: n utilisations summing to total."""
    us, rest = [], total
    for i in range(1, n):
        nxt = rest * rng.random() ** (1.0 / (n - i))
        us.append(rest - nxt)
        rest = nxt
    us.append(rest)
    return us


def make_taskset(rng, fam, want_miss, constrained):
    """One random task set (dict) for family fam, or None if unusable."""
    n = rng.randint(*fam["n"])
    total = rng.uniform(*(fam["u_miss"] if want_miss else fam["u_ok"]))
    pool = HARMONIC_POOL if rng.random() < 0.5 else RANGE_POOL
    if len(pool) < n:
        return None
    periods = rng.sample(pool, n)        # distinct periods in every set
    us = uunifast(rng, n, total)
    if max(us) > 1.0:
        return None
    tasks = []
    for i, (T, u) in enumerate(zip(periods, us)):
        C = min(T, max(1, round(u * T)))
        D = T
        if constrained:
            D = rng.randint(max(C, math.ceil(0.5 * T)), T)
        tasks.append(dict(name="T%d" % (i + 1), C=C, T=T, D=D))
    if any(t["C"] > t["D"] for t in tasks):
        return None
    kind = fam["kind"]
    if kind in ("gfp", "prm"):
        # Fixed priorities: rate monotonic for implicit deadlines, deadline
        # monotonic for constrained ones; keys must be distinct (no ties).
        key = "D" if constrained else "T"
        if len({t[key] for t in tasks}) != n:
            return None
        for rank, t in enumerate(sorted(tasks, key=lambda t: t[key])):
            t["prio"] = rank                 # 0 = highest priority
    hyper = reduce(lcm, (t["T"] for t in tasks))
    if kind == "gfp":
        scheduler = ("simso.schedulers.FP" if constrained
                     else "simso.schedulers.RM")
        policy = "DM" if constrained else "RM"
    else:
        scheduler = SCHEDULER_NAMES[kind]
        policy = "RM" if kind == "prm" else "EDF"
    return dict(
        processors=fam["m"], scheduler=scheduler, policy=policy,
        deadlines="constrained" if constrained else "implicit",
        hyperperiod=hyper, horizon=min(hyper, HORIZON_MAX),
        utilization=round(sum(t["C"] / t["T"] for t in tasks), 4),
        tasks=tasks)


# ---------------------------------------------------------------------------
# SimSo runs

class EDF_mono_eq(EDF_mono):
    """EDF_mono, but the most recently activated of equal-deadline jobs
    wins (SimSo's picks the first activated): an equal deadline preempts."""

    def schedule(self, cpu):
        if self.ready_list:
            return (min(reversed(self.ready_list),
                        key=lambda x: x.absolute_deadline), cpu)
        return (None, cpu)


class EDF_eq(EDF):
    """Global EDF (simso.schedulers.EDF) where an equal deadline preempts
    and the last of the equal ready jobs is taken."""

    def schedule(self, cpu):
        ready_jobs = [t.job for t in self.task_list
                      if t.is_active() and not t.job.is_running()]
        if ready_jobs:
            key = lambda x: (  # noqa: E731
                1 if not x.running else 0,
                x.running.absolute_deadline if x.running else 0,
                1 if x is cpu else 0)
            cpu_min = max(self.processors, key=key)
            job = min(reversed(ready_jobs), key=lambda x: x.absolute_deadline)
            if (cpu_min.running is None or
                    cpu_min.running.absolute_deadline >=
                    job.absolute_deadline):
                return (job, cpu_min)


class P_RM_fixed(P_RM):
    """P_RM with a given partition (task name -> processor identifier), so
    that the task order can change without changing SimSo's packing."""
    mapping = {}

    def packer(self):
        cpus = {cpu.identifier: cpu for cpu in self.processors}
        for task in self.task_list:
            self.affect_task_to_processor(task, cpus[self.mapping[task.name]])
        return True


def run_simso(ts, scheduler, order, cpm=1):
    """Simulate ts with SimSo; tasks added in the given order of indices.

    Returns (jobs, partition): jobs maps (task name, index from 0) to a dict
    release, deadline, finish (None if unfinished at the horizon) and runs
    [[start, end, cpu], ...]; partition maps task names to processors
    (P_RM only)."""
    H = ts["horizon"]
    n = len(ts["tasks"])
    c = Configuration()
    c.etm = "wcet"                  # a job executes exactly its WCET
    c.cycles_per_ms = cpm           # 1 ms = 1 tick of muos
    c.duration = H * cpm            # in cycles; events at H are processed
    for ident, i in enumerate(order):
        t = ts["tasks"][i]
        c.add_task(name=t["name"], identifier=ident, task_type="Periodic",
                   abort_on_miss=False, period=t["T"], activation_date=0,
                   wcet=t["C"], deadline=t["D"],
                   # simso.schedulers.FP: the greatest value wins
                   data={"priority": n - t.get("prio", 0)})
    for p in range(ts["processors"]):
        c.add_processor(name="CPU%d" % p, identifier=p)
    c.scheduler_info.clas = scheduler
    c.check_all()
    model = Model(c)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):   # simso.schedulers.EDF prints
        model.run_model()
    # SimPy 2's simulate(until) may process one event past `until` (when a
    # cancelled event notice heads its queue, step() pops the next one):
    # clip everything at the horizon.
    end_cycles = H * cpm
    jobs = {}
    for task in model.task_list:
        opened = {}
        runs = {}
        for tm, ev in task.monitor:
            j = ev.job
            if ev.event == JobEvent.EXECUTE:
                opened[j] = (tm, ev.cpu.identifier)
            elif ev.event in (JobEvent.PREEMPTED, JobEvent.TERMINATED,
                              JobEvent.ABORTED):
                if j in opened:
                    start, cpu = opened.pop(j)
                    runs.setdefault(j, []).append([start, tm, cpu])
        for j, (start, cpu) in opened.items():      # running at the horizon
            runs.setdefault(j, []).append([start, end_cycles, cpu])
        for k, j in enumerate(task.jobs):
            rel = j.activation_date
            if rel >= H:
                continue
            dl = j.absolute_deadline
            fin = j.end_date
            if fin is not None and fin > end_cycles:
                fin = None
            assert float(rel).is_integer() and float(dl).is_integer()
            assert fin is None or fin % cpm == 0, (fin, cpm)
            assert not j.aborted
            rs = []
            for s, e, cpu in runs.get(j, []):
                assert s % cpm == 0 and e % cpm == 0, (s, e, cpm)
                s, e = min(s, end_cycles) // cpm, min(e, end_cycles) // cpm
                if e > s:
                    rs.append([s, e, cpu])
            jobs[(task.name, k)] = dict(
                release=int(rel), deadline=int(dl),
                finish=None if fin is None else fin // cpm,
                runs=merge_runs(rs))
    partition = None
    if hasattr(model.scheduler, "map_task_sched"):
        partition = {t.name: t.cpu.identifier for t in model.task_list}
    return jobs, partition


def merge_runs(rs):
    """Join runs that touch on the same processor."""
    out = []
    for r in sorted(rs):
        if out and out[-1][1] == r[0] and out[-1][2] == r[2]:
            out[-1][1] = r[1]
        else:
            out.append(list(r))
    return out


def intervals(runs):
    """Time intervals of runs, processors dropped, touching ones joined."""
    out = []
    for s, e, _ in sorted(runs):
        if out and out[-1][1] == s:
            out[-1][1] = e
        else:
            out.append([s, e])
    return out


# ---------------------------------------------------------------------------
# Independent ideal simulator (tick by tick)

TIE_RULES = ("order", "reverse", "release", "sticky", "round_robin")


def ideal_schedule(ts, partition, tie):
    """Preemptive EDF / fixed priority, global on m processors or
    partitioned; a task's jobs run one after the other (a late job delays
    the next one, no job is skipped or aborted). Returns {(name, k): dict
    finish, runs (intervals)}."""
    tasks = ts["tasks"]
    H = ts["horizon"]
    m = ts["processors"]
    edf = ts["policy"] == "EDF"
    queues = [deque() for _ in tasks]
    result = {}
    running = set()
    n = len(tasks)

    def key(i):
        job = queues[i][0]
        primary = job["deadline"] if edf else tasks[i]["prio"]
        was = (tasks[i]["name"], job["k"]) in running
        if tie == "order":
            sec = (i,)
        elif tie == "reverse":
            sec = (n - i,)
        elif tie == "release":
            sec = (job["release"], i)
        elif tie == "sticky":
            sec = (0 if was else 1, i)
        else:  # round_robin
            sec = (1 if was else 0, i)
        return (primary,) + sec

    for t in range(H):
        for i, task in enumerate(tasks):
            if t % task["T"] == 0:
                k = t // task["T"]
                job = dict(k=k, release=t, deadline=t + task["D"],
                           rem=task["C"])
                queues[i].append(job)
                result[(task["name"], k)] = dict(finish=None, runs=[])
        ready = [i for i in range(n) if queues[i]]
        if partition is None:
            chosen = sorted(ready, key=key)[:m]
        else:
            chosen = []
            for p in range(m):
                mine = [i for i in ready if partition[tasks[i]["name"]] == p]
                if mine:
                    chosen.append(min(mine, key=key))
        running = set()
        for i in chosen:
            job = queues[i][0]
            name = tasks[i]["name"]
            rec = result[(name, job["k"])]
            if rec["runs"] and rec["runs"][-1][1] == t:
                rec["runs"][-1][1] = t + 1
            else:
                rec["runs"].append([t, t + 1])
            job["rem"] -= 1
            if job["rem"] == 0:
                rec["finish"] = t + 1
                queues[i].popleft()
            else:
                running.add((name, job["k"]))
    return result


# ---------------------------------------------------------------------------
# Checks and selection

def finish_map(jobs):
    return {k: v["finish"] for k, v in jobs.items()}


def evaluate(ts):
    """Run SimSo and all cross-checks. Returns (jobs, partition, problems)
    where problems is a list of strings (empty: the set is tie-free)."""
    n = len(ts["tasks"])
    fwd, rev = list(range(n)), list(range(n - 1, -1, -1))
    sched = ts["scheduler"]
    problems = []
    jobs, partition = run_simso(ts, sched, fwd)
    base_f = finish_map(jobs)
    base_i = {k: intervals(v["runs"]) for k, v in jobs.items()}

    variants = []
    if ts["scheduler"] == "simso.schedulers.P_RM":
        P_RM_fixed.mapping = partition
        variants.append(("simso reverse order", P_RM_fixed, rev, 1))
        variants.append(("simso 1000 cycles/ms", P_RM_fixed, fwd, 1000))
    else:
        variants.append(("simso reverse order", sched, rev, 1))
        variants.append(("simso 1000 cycles/ms", sched, fwd, 1000))
    if sched == "simso.schedulers.EDF_mono":
        variants.append(("simso equal deadline preempts", EDF_mono_eq, fwd, 1))
        variants.append(("simso equal deadline preempts, reverse",
                         EDF_mono_eq, rev, 1))
    if sched == "simso.schedulers.EDF":
        variants.append(("simso equal deadline preempts", EDF_eq, fwd, 1))
        variants.append(("simso equal deadline preempts, reverse",
                         EDF_eq, rev, 1))
    for label, cls, order, cpm in variants:
        other, _ = run_simso(ts, cls, order, cpm)
        if finish_map(other) != base_f:
            problems.append(label + ": finish times differ")
        elif {k: intervals(v["runs"]) for k, v in other.items()} != base_i:
            problems.append(label + ": run intervals differ")
        if cpm != 1 and other != jobs:
            problems.append(label + ": schedule differs")
    for tie in TIE_RULES:
        ideal = ideal_schedule(ts, partition, tie)
        if set(ideal) != set(jobs):
            problems.append("ideal %s: different jobs" % tie)
        elif {k: v["finish"] for k, v in ideal.items()} != base_f:
            problems.append("ideal %s: finish times differ" % tie)
        elif {k: v["runs"] for k, v in ideal.items()} != base_i:
            problems.append("ideal %s: run intervals differ" % tie)
    return jobs, partition, problems


def missed(job, H):
    if job["finish"] is None:
        return job["deadline"] <= H
    return job["finish"] > job["deadline"]


def generate_family(fam, rng, stats):
    sets = []
    while len(sets) < fam["sets"]:
        # Slots alternate: a set with a missed deadline, one without; every
        # other pair has constrained deadlines (not for P_RM, whose RM_mono
        # orders by period).
        want_miss = len(sets) % 2 == 0
        constrained = fam["kind"] != "prm" and len(sets) // 2 % 2 == 1
        ts = make_taskset(rng, fam, want_miss, constrained)
        if ts is None:
            continue
        stats["candidates"] += 1
        jobs, partition, problems = evaluate(ts)
        H = ts["horizon"]
        n_missed = sum(missed(j, H) for j in jobs.values())
        preempted = sum(len(j["runs"]) > 1 for j in jobs.values())
        migrated = sum(len(cpu_sequence(j["runs"])) > 1
                       for j in jobs.values())
        if problems:
            stats["tie_dependent"] += 1
            for p in problems:
                stats["problems"][p] = stats["problems"].get(p, 0) + 1
            continue
        if ((n_missed > 0) != want_miss or preempted < 3 or
                (partition is None and ts["processors"] > 1 and
                 migrated == 0)):
            stats["uninteresting"] += 1
            continue
        if partition is not None:
            for t in ts["tasks"]:
                t["cpu"] = partition[t["name"]]
            if len(set(partition.values())) < ts["processors"]:
                stats["uninteresting"] += 1
                continue
        ts["id"] = "%s-%d" % (fam["stem"], len(sets))
        ts["missed_jobs"] = n_missed
        ts["jobs"] = [dict(task=name, k=k, release=j["release"],
                           deadline=j["deadline"], finish=j["finish"],
                           cpus=cpu_sequence(j["runs"]), runs=j["runs"])
                      for (name, k), j in sorted(
                          jobs.items(),
                          key=lambda kv: (kv[1]["release"],
                                          task_index(ts, kv[0][0])))]
        sets.append(ts)
    return sets


def task_index(ts, name):
    return [t["name"] for t in ts["tasks"]].index(name)


def cpu_sequence(runs):
    seq = []
    for _, _, cpu in runs:
        if not seq or seq[-1] != cpu:
            seq.append(cpu)
    return seq


# ---------------------------------------------------------------------------
# Output

SET_KEYS = ["id", "scheduler", "policy", "processors", "deadlines",
            "utilization", "hyperperiod", "horizon", "missed_jobs"]
TASK_KEYS = ["name", "C", "T", "D", "prio", "cpu"]
JOB_KEYS = ["task", "k", "release", "deadline", "finish", "cpus", "runs"]


def dumps(obj):
    return json.dumps(obj, separators=(", ", ": "))


def render(sets):
    lines = ["["]
    for si, ts in enumerate(sets):
        lines.append("{")
        for key in SET_KEYS:
            lines.append("  %s: %s," % (dumps(key), dumps(ts[key])))
        lines.append('  "tasks": [')
        for ti, t in enumerate(ts["tasks"]):
            d = {k: t[k] for k in TASK_KEYS if k in t}
            lines.append("    " + dumps(d) +
                         ("," if ti < len(ts["tasks"]) - 1 else ""))
        lines.append("  ],")
        lines.append('  "jobs": [')
        for ji, j in enumerate(ts["jobs"]):
            d = {k: j[k] for k in JOB_KEYS}
            lines.append("    " + dumps(d) +
                         ("," if ji < len(ts["jobs"]) - 1 else ""))
        lines.append("  ]")
        lines.append("}" + ("," if si < len(sets) - 1 else ""))
    lines.append("]")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true",
                    help="compare with the files in --out, write nothing")
    args = ap.parse_args()
    import simso
    version = getattr(simso, "__version__", None)
    if version is not None and version != SIMSO_VERSION:
        sys.exit("SimSo %s found, %s expected" % (version, SIMSO_VERSION))
    rng = random.Random(SEED)
    os.makedirs(args.out, exist_ok=True)
    differ = False
    t0 = time.time()
    for fam in FAMILIES:
        t1 = time.time()
        stats = dict(candidates=0, tie_dependent=0, uninteresting=0,
                     problems={})
        sets = generate_family(fam, rng, stats)
        text = render(sets)
        path = os.path.join(args.out, fam["stem"] + ".json")
        if args.check:
            with open(path) as f:
                same = f.read() == text
            differ |= not same
            status = "same" if same else "DIFFERS"
        else:
            with open(path, "w") as f:
                f.write(text)
            status = "written"
        print("%s: %d sets, %d jobs, %d with a missed deadline; %d "
              "candidates simulated, %d tie-dependent, %d uninteresting; "
              "%.1f s; %s" % (
                  path, len(sets), sum(len(s["jobs"]) for s in sets),
                  sum(s["missed_jobs"] > 0 for s in sets),
                  stats["candidates"], stats["tie_dependent"],
                  stats["uninteresting"], time.time() - t1, status))
        for p, cnt in sorted(stats["problems"].items()):
            print("    rejected, %s: %d" % (p, cnt))
    print("total %.1f s" % (time.time() - t0))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
