"""Earliest deadline first: schedules what rate-monotonic priorities cannot.

T1 (C 2, T 5) and T2 (C 4, T 7), deadlines equal to periods, use 2/5 +
4/7 = 34/35 of the CPU. Under rate-monotonic priorities (T1 more urgent,
fixed) T2's first job misses its deadline; with earliest deadline first
(both threads at one priority, each periodic job setting its thread's
deadline: ``muos.run(main, edf=True)``) every deadline is met, as Liu &
Layland proved for any set with U <= 1.
"""

from fractions import Fraction

import muos
import muos.analysis as rta
from muos.analysis import Task

__all__ = ["TASKS", "HORIZON", "main", "run", "demo"]

# the docstring's first line, for demo() (python -OO drops docstrings)
TITLE = ("Earliest deadline first: schedules what rate-monotonic "
         "priorities cannot.")

TASKS = [Task(2, 5, name="T1"), Task(4, 7, name="T2")]
HORIZON = 2 * rta.hyperperiod(TASKS)   # 70: the schedule repeats at 35


async def main(edf):
    """Both tasks as muos threads released together at tick 0; under RM
    T1 (the shorter period) is one priority level above T2, under EDF
    both share one level and their deadlines decide."""

    async def task(c, t):
        async for _ in muos.periodic(t, start=0):
            await muos.busy(c)

    for i, t in enumerate(rta.rate_monotonic(TASKS)):
        prio = muos.Priority.HIGH + (0 if edf else len(TASKS) - 1 - i)
        th = muos.spawn(task, t.C, t.T, name=t.name, priority=prio)
        if edf:
            th.set_deadline(t.D)    # the first job's, ordered from tick 0
    muos.this_thread().set_priority(muos.Priority.HIGHEST)  # ends the run
    await muos.sleep_until(HORIZON)


def run(edf):
    """One run (RM when ``edf`` is false); returns the RunResult.
    No round-robin: at tick 30 both jobs have deadline 35 and the one
    running keeps the CPU, as in a textbook EDF schedule."""
    return muos.run(main, edf, edf=edf, time_slice=None, trace=True)


def _rows(r):
    rows = []
    for t in TASKS:
        st = r.stats.threads[t.name]
        rows.append((t.name, st.jobs, st.max_response, st.deadline_misses))
    return rows


def _rta_steps(tasks):
    """The response-time iteration of the last task of ``tasks`` (most
    urgent first): (its formula, the successive values of R)."""
    last, hp = tasks[-1], tasks[:-1]
    formula = " + ".join(["%d" % last.C] + ["%d*ceil(R/%d)" % (t.C, t.T)
                                            for t in hp])
    steps = [sum(t.C for t in tasks)]
    while len(steps) < 2 or steps[-1] != steps[-2]:
        steps.append(last.C + sum(-(-steps[-1] // t.T) * t.C for t in hp))
    return formula, steps


def demo(out=print):
    """Print the analysis, then both runs side by side."""
    u = sum(Fraction(t.C, t.T) for t in TASKS)      # rta.utilization, exact
    bound = rta.liu_layland_bound(len(TASKS))
    rm_order = rta.rate_monotonic(TASKS)
    worst = rta.worst_responses(rm_order)
    formula, steps = _rta_steps(rm_order)
    out(TITLE)
    out("")
    out("tasks: %s; deadlines = periods, all released at tick 0" % ", ".join(
        "%s C=%d T=%d" % (t.name, t.C, t.T) for t in TASKS))
    out("  U = %s = %s = %.4f > %.4f = n(2^(1/n) - 1) for n = %d:" % (
        " + ".join("%d/%d" % (t.C, t.T) for t in TASKS), u, u, bound,
        len(TASKS)))
    out("  above the Liu & Layland bound, rate monotonic is not guaranteed;")
    out("  response-time analysis decides (T1 first, the shorter period):")
    out("  R(%s) = %s: %s, so R = %s > D = %s: RM misses" % (
        rm_order[-1].name, formula, " -> ".join(str(x) for x in steps),
        steps[-1], rm_order[-1].D))
    out("  (worst responses under RM: %s)." % ", ".join(
        "%s %s" % (t.name, r) for t, r in zip(rm_order, worst)))
    out("  EDF meets every deadline of such a set iff U <= 1: %s %s 1." % (
        u, "<=" if u <= 1 else ">"))
    runs = (run(False), run(True))
    out("")
    out("simulated %d ticks (two hyperperiods):" % HORIZON)
    out("  %-4s %15s %15s %15s" % ("", "jobs", "worst response",
                                   "deadline misses"))
    for label, r in zip(("RM", "EDF"), runs):
        for name, jobs, resp, misses in _rows(r):
            out("  %-4s %-3s %11d %15s %15d" % (label, name, jobs, resp,
                                                misses))
    for label, r in zip(("RM", "EDF"), runs):
        for t in TASKS:
            for job in r.stats.threads[t.name].misses:
                out("  %s: %s missed job %d: released at %s, deadline %s, "
                    "done at %s" % (label, t.name, job.index, job.release,
                                    job.deadline, job.finish))
    for label, r in zip(("RM", "EDF"), runs):
        out("")
        out("%s, the first hyperperiod (# running, - ready, . waiting for "
            "the next release):" % label)
        for line in r.trace.gantt(0, HORIZON // 2, threads=["T1", "T2"]
                                  ).split("\n"):
            out("    " + line)
    out("")
    out("RM: T1 always takes ticks 5k..5k+2, leaving T2 3 ticks in each 5;")
    out("T2's first job gets 2..5 and 7..8: done at 8, one tick late. Its")
    out("job released at 7 finishes at 14 and the one at 21 at 28, exactly")
    out("on their deadlines; at 35 both are released together again and the")
    out("miss repeats (job 5, done at 43). EDF lets T2 go first at tick 5")
    out("(deadline 7 before T1's 10): T2 is done at 6; T1's responses grow")
    out("to 4 ticks, still inside its 5. The same CPU, the same work: only")
    out("the order changed, and EDF uses the CPU up to 100 %.")
    return runs
