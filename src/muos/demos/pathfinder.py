"""Mars Pathfinder, July 1997: the priority inversion that reset a spacecraft.

What happened (Glenn Reeves, JPL, "What really happened on Mars"): the
VxWorks information bus was guarded by a mutex. A low-priority
meteorological task (ASI/MET) held it while publishing its data; the
high-priority bus distribution task (bc_dist) then blocked on it; a
long-running medium-priority communications task preempted ASI/MET, so
bc_dist could not finish its 125 ms bus cycle. The bus scheduler
(bc_sched) noticed at the next cycle start and the watchdog reset the
whole system. JPL fixed it from Earth by switching priority inheritance on
for that mutex.

This module replays that on simulated time (1 tick = 1 ms), once with the
mutex's protocol NONE (as flown) and once with INHERIT (as patched).
"""

import muos
from muos import Priority

# the docstring's first line, for `muos demo --list` and the demo's
# header (docstrings are compiled out by python -OO and on boards)
TITLE = ('Mars Pathfinder, July 1997: the priority inversion that '
         'reset a spacecraft.')

__all__ = ["CYCLE", "HORIZON", "main", "run", "demo"]

CYCLE = 125          # bus cycle, ms (8 Hz)
HORIZON = 1000       # simulate one second: eight bus cycles
BC_DIST_AT = 100     # bc_dist is released 100 ms into each cycle ...
BC_DIST_DEADLINE = 25  # ... and must be done before the next cycle starts
MET_PERIOD = 250     # ASI/MET publishes every other cycle ...
MET_AT = 90          # ... starting 90 ms into the cycle
MET_HOLD = 15        # ... holding the bus for 15 ms
COMMS_PERIOD = 250   # the communications task runs every other cycle ...
COMMS_AT = 105       # ... 105 ms into the cycle
COMMS_WORK = 50      # ... for 50 ms of CPU


async def main(protocol=muos.Mutex.NONE):
    """The flight software: four threads and the information-bus mutex.
    Returns the number of watchdog resets."""
    bus = muos.Mutex("info_bus", protocol=protocol)
    done = [-1]          # the last bus cycle bc_dist completed
    resets = []

    async def bc_sched():
        # highest priority: at each cycle start, check the previous cycle
        async for job in muos.periodic(CYCLE, start=0):
            if job.index > 0 and done[0] < job.index - 1:
                resets.append(muos.now())
            await muos.busy(1)

    async def bc_dist():
        async for job in muos.periodic(CYCLE, offset=BC_DIST_AT,
                                       deadline=BC_DIST_DEADLINE, start=0):
            await muos.busy(2)               # collect the bus data
            async with bus:
                await muos.busy(3)           # distribute it on the bus
            done[0] = job.index

    async def asi_met():
        async for _ in muos.periodic(MET_PERIOD, offset=MET_AT, start=0):
            async with bus:
                await muos.busy(MET_HOLD)    # publish meteorological data

    async def comms():
        async for _ in muos.periodic(COMMS_PERIOD, offset=COMMS_AT, start=0):
            await muos.busy(COMMS_WORK)

    muos.spawn(bc_sched, name="bc_sched", priority=Priority.REALTIME)
    muos.spawn(bc_dist, name="bc_dist", priority=Priority.HIGH)
    muos.spawn(comms, name="comms", priority=Priority.NORMAL)
    muos.spawn(asi_met, name="asi_met", priority=Priority.LOW)
    await muos.sleep_until(HORIZON)
    return resets


def run(protocol):
    """Run the scenario; returns (reset ticks, the RunResult)."""
    r = muos.run(main, protocol, trace=True)
    return r.value, r


def _verdict(resets, r):
    st = r.stats.threads["bc_dist"]
    lines = [
        "  watchdog resets in %d ms: %d%s" % (
            HORIZON, len(resets),
            "" if not resets else " (at ticks %s)" % ", ".join(
                str(x) for x in resets)),
        "  bc_dist response times (deadline %d ms): max %s ms, %d of %d "
        "jobs late" % (BC_DIST_DEADLINE, st.max_response,
                       st.deadline_misses, st.jobs),
    ]
    if resets:
        lines.append("  VERDICT: FAIL - unbounded priority inversion: comms "
                     "(NORMAL) kept asi_met (LOW) from releasing the bus "
                     "that bc_dist (HIGH) needed")
    else:
        lines.append("  VERDICT: OK - asi_met inherited bc_dist's priority "
                     "while holding the bus, so comms could not preempt it")
    return lines


def demo(out=print):
    """Print both runs, their critical windows and verdicts."""
    out(TITLE)
    out("")
    out("threads: bc_sched REALTIME (every %d ms), bc_dist HIGH (+%d ms, "
        "deadline %d ms), comms NORMAL (+%d ms, %d ms of work every %d ms),"
        " asi_met LOW (+%d ms, holds info_bus %d ms every %d ms)" % (
            CYCLE, BC_DIST_AT, BC_DIST_DEADLINE, COMMS_AT, COMMS_WORK,
            COMMS_PERIOD, MET_AT, MET_HOLD, MET_PERIOD))
    results = []
    for title, protocol in (
            ("Run 1: info_bus WITHOUT priority inheritance (as flown)",
             muos.Mutex.NONE),
            ("Run 2: info_bus WITH priority inheritance (as patched from "
             "Earth)", muos.Mutex.INHERIT)):
        resets, r = run(protocol)
        results.append((resets, r))
        out("")
        out(title)
        start = MET_AT - 5
        end = CYCLE + 40
        out("  critical window, ticks %d..%d (# running, - ready, = blocked "
            "on info_bus, . sleeping):" % (start, end))
        chart = r.trace.gantt(start, end, threads=[
            "bc_sched", "bc_dist", "comms", "asi_met"])
        for line in chart.split("\n"):
            out("    " + line)
        out("  what happened:")
        for line in narrate(r.trace, start, end):
            out("    " + line)
        for line in _verdict(resets, r):
            out(line)
    return results


def narrate(trace, start, end):
    """The events of the window that matter, in words."""
    hz = trace.tick_hz
    lines = []
    for t, kind, thread, obj, details in trace.select(
            ("suspend", "wake", "priority", "preempt", "ready"),
            start, end):
        tick = t * hz // 1000000000          # events are in ns
        if kind == "suspend" and obj == "info_bus":
            lines.append("%4d  %s blocks on info_bus" % (tick, thread))
        elif kind == "wake" and obj == "info_bus":
            lines.append("%4d  %s gets info_bus" % (tick, thread))
        elif kind == "priority":
            lines.append("%4d  %s priority %d -> %d%s" % (
                tick, thread, details[0], details[1],
                " (inherited)" if details[1] > details[0] else
                " (restored)"))
        elif kind == "preempt" and thread != "idle":
            lines.append("%4d  %s preempted by %s" % (tick, thread, details))
        elif kind == "ready" and details == "sleep" and thread != "main":
            lines.append("%4d  %s released" % (tick, thread))
    return lines
