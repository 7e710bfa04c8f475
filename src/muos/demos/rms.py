"""Rate-monotonic scheduling: the Liu & Layland bound, met and exceeded.

Liu & Layland (1973) proved that n periodic tasks with deadlines equal to
their periods meet every deadline under rate-monotonic priorities (the
shorter the period, the more urgent) if their utilization is at most
n(2^(1/n) - 1): 0.7798 for three tasks. Their worst case has periods in
the ratio 2^(1/n) and each task filling the gap to the next period. Set A
is that worst case in whole ticks, just under the bound: guaranteed, and
the simulation agrees. Set B gives the last task 2 more ticks of work:
above the bound, the test can no longer vouch for it, response-time
analysis says the task misses, and the simulation shows the miss at the
first deadline. (Above the bound is not always fatal: the bound is
sufficient only. Response-time analysis is exact.)
"""

import muos
import muos.analysis as rta
from muos.analysis import Task
from muos.demos import fill

# the docstring's first line, for `muos demo --list` and the demo's
# header (docstrings are compiled out by python -OO and on boards)
TITLE = ('Rate-monotonic scheduling: the Liu & Layland bound, met and'
         ' exceeded.')
INTRO = ('Liu & Layland (1973) proved that n periodic tasks with '
         'deadlines equal to their periods meet every deadline under '
         'rate-monotonic priorities (the shorter the period, the more'
         ' urgent) if their utilization is at most n(2^(1/n) - 1): '
         '0.7798 for three tasks. Their worst case has periods in the'
         ' ratio 2^(1/n) and each task filling the gap to the next '
         'period. Set A is that worst case in whole ticks, just under'
         ' the bound: guaranteed, and the simulation agrees. Set B '
         'gives the last task 2 more ticks of work: above the bound, '
         'the test can no longer vouch for it, response-time analysis'
         ' says the task misses, and the simulation shows the miss at'
         ' the first deadline. (Above the bound is not always fatal: '
         'the bound is sufficient only. Response-time analysis is '
         'exact.)')

__all__ = ["SET_A", "SET_B", "check", "main", "run", "demo"]

# periods 100 * 2^(k/3) = 100, 126, 159; C = the gap to the next period,
# and 2*100 - 159 = 41 for the last: U = 0.7798, the bound. One tick less
# for the last task puts set A just under it.
SET_A = [Task(26, 100, name="t1"), Task(33, 126, name="t2"),
         Task(40, 159, name="t3")]
SET_B = [Task(26, 100, name="t1"), Task(33, 126, name="t2"),
         Task(42, 159, name="t3")]


def check(tasks, horizon=None):
    """Analysis and simulation of one set: a dict with the utilization,
    the bound, both utilization tests, the analytic and measured worst
    responses, the first miss and the number of misses."""
    tasks = rta.rate_monotonic(tasks)
    stats = rta.simulate(tasks, horizon)
    return {
        "U": rta.utilization(tasks),
        "bound": rta.liu_layland_bound(len(tasks)),
        "liu_layland": rta.liu_layland_test(tasks),
        "hyperbolic": rta.hyperbolic_test(tasks),
        "R": rta.worst_responses(tasks),
        "measured": [stats.threads[t.name].max_response for t in tasks],
        "first_miss": rta.first_miss(tasks, stats),
        "misses": sum(stats.threads[t.name].deadline_misses
                      for t in tasks),
        "horizon": stats.elapsed,
    }


async def main():
    """Set B as plain muos threads, as one would write it by hand: the
    three periodic tasks at rate-monotonic priorities, until the first
    deadline miss; returns (deadline, task, job index, response)."""
    missed = []
    alarm = muos.Semaphore(0, name="miss")

    async def task(t):
        async for job in muos.periodic(t.T, start=0):
            await muos.busy(t.C)
            if muos.now() > job.deadline:
                missed.append((job.deadline, t.name, job.index,
                               muos.now() - job.release))
                alarm.post()

    for i, t in enumerate(rta.rate_monotonic(SET_B)):
        muos.spawn(task, t, name=t.name, priority=200 - i)
    await alarm.wait()
    return missed[0]


def run():
    """Returns (check of set A, check of set B, what ``main`` found)."""
    return check(SET_A), check(SET_B), muos.run(main).value


def _describe(name, tasks, res, out):
    out("%s: %s" % (name, ", ".join(
        "%s C=%s T=%s" % (t.name, t.C, t.T) for t in tasks)))
    out("  U = %.4f %s %.4f, the bound: Liu & Layland %s" % (
        res["U"], "<=" if res["U"] <= res["bound"] else ">", res["bound"],
        "guarantees it" if res["liu_layland"] else "cannot tell"))
    out("  hyperbolic bound: %s" % ("guarantees it" if res["hyperbolic"]
                                    else "cannot tell either"))
    out("  response-time analysis: R = %s for deadlines %s" % (
        ", ".join(str(r) for r in res["R"]),
        ", ".join(str(t.D) for t in tasks)))
    out("  simulated %s ticks (the hyperperiod): worst responses %s" % (
        res["horizon"], ", ".join(str(r) for r in res["measured"])))
    miss = res["first_miss"]
    if miss is None:
        out("  no deadline missed")
    else:
        out("  first deadline miss at tick %s: %s's job %d (released at "
            "%s) done at %s" % (miss[3], miss[0], miss[1], miss[2],
                                miss[4]))
        out("  %d miss%s in the whole run" % (
            res["misses"], "" if res["misses"] == 1 else "es"))


def demo(out=print):
    """Print both sets: bounds, analysis, simulation."""
    out(TITLE)
    out("")
    out(fill(INTRO, 76))
    a, b, by_hand = run()
    out("")
    _describe("Set A", SET_A, a, out)
    out("")
    _describe("Set B", SET_B, b, out)
    out("")
    out(fill(
        "t3 is released with t1 and t2 at tick 0 (the critical instant) "
        "and must wait for them; in set B, t1's second job (tick 100) and "
        "t2's second job (126) also come before t3 is done, so its 42 "
        "ticks end at 42 + 2*26 + 2*33 = 160, one tick after its deadline."
        " Only that first job misses: later releases never line up so "
        "badly again within the hyperperiod.", 76))
    out("")
    out(fill(
        "The same set written by hand as three muos threads (main()) "
        "stops at its first miss: %s's job %d, deadline %s, response %s."
        % (by_hand[1], by_hand[2], by_hand[0], by_hand[3]), 76))
    return a, b, by_hand
