"""Priority inversion, unbounded, then cured by inheritance and by a ceiling.

Three threads share one CPU (1 tick = 1 ms). LOW locks the resource at
tick 0 for 4 ticks of work. HIGH arrives at 1, computes 1 tick and then
needs the resource. MEDIUM arrives at 3 with 10 ticks of work and never
touches the resource. With protocol NONE, MEDIUM preempts LOW while LOW
holds what HIGH waits for, so HIGH waits for all of MEDIUM's work too:
the inversion lasts as long as any middle-priority work, unbounded. With
INHERIT, LOW runs at HIGH's priority while HIGH waits for it; with
PROTECT (ceiling HIGH), LOW runs at the ceiling from the moment it locks,
so HIGH cannot even start until the resource is free. Either way HIGH
waits for one critical section at most.
"""


import muos
from muos import Priority
from muos.demos import fill

# the docstring's first line, for `muos demo --list` and the demo's
# header (docstrings are compiled out by python -OO and on boards)
TITLE = ('Priority inversion, unbounded, then cured by inheritance '
         'and by a ceiling.')

__all__ = ["PROTOCOLS", "main", "run", "finished", "demo"]

PROTOCOLS = (muos.Mutex.NONE, muos.Mutex.INHERIT, muos.Mutex.PROTECT)

LOW_HOLD = 4         # LOW's critical section, ticks
HIGH_AT = 1          # HIGH arrives ...
HIGH_WORK = 1        # ... computes ...
HIGH_HOLD = 1        # ... then needs the resource for this long
MEDIUM_AT = 3        # MEDIUM arrives ...
MEDIUM_WORK = 10     # ... and computes this long


async def main(protocol=muos.Mutex.NONE):
    """The three threads; returns the log: a list of (tick, thread,
    what)."""
    ceiling = Priority.HIGH if protocol == muos.Mutex.PROTECT else None
    res = muos.Mutex("resource", protocol=protocol, ceiling=ceiling)
    log = []

    def note(what):
        log.append((muos.now(), muos.this_thread().name, what))

    def arrived(at):
        # a thread runs its code when it gets the CPU: log the arrival at
        # its release tick, and when it really started if that was later
        log.append((at, muos.this_thread().name, "arrives"))
        if muos.now() > at:
            note("gets the CPU")

    async def low():
        note("starts")
        async with res:
            note("locks the resource")
            await muos.busy(LOW_HOLD)
            note("unlocks it")
        note("done")

    async def high():
        await muos.sleep_until(HIGH_AT)
        arrived(HIGH_AT)
        await muos.busy(HIGH_WORK)
        if res.locked:
            note("waits for the resource (LOW has it)")
        async with res:
            note("locks the resource")
            await muos.busy(HIGH_HOLD)
        note("done")

    async def medium():
        await muos.sleep_until(MEDIUM_AT)
        arrived(MEDIUM_AT)
        await muos.busy(MEDIUM_WORK)
        note("done")

    # main watches from above; the threads start in the order they are
    # spawned only among equals, so LOW (the only one ready at 0) runs
    muos.this_thread().set_priority(Priority.HIGHEST)
    threads = [muos.spawn(low, name="LOW", priority=Priority.LOW),
               muos.spawn(high, name="HIGH", priority=Priority.HIGH),
               muos.spawn(medium, name="MEDIUM", priority=Priority.NORMAL)]
    for t in threads:
        await t.join()
    # by tick, same-tick entries in the order they were logged (the index
    # in the key: MicroPython's sort is not stable)
    order = sorted(range(len(log)), key=lambda i: (log[i][0], i))
    return [log[i] for i in order]


def run(protocol):
    """Run once with the resource's ``protocol``; returns (log, RunResult).
    No round-robin (``time_slice=None``): under PROTECT, LOW at the
    ceiling and HIGH are equals, and FIFO keeps LOW on the CPU."""
    r = muos.run(main, protocol, trace=True, time_slice=None)
    return r.value, r


def finished(log):
    """{thread: tick it finished}."""
    return {who: t for t, who, what in log if what == "done"}


def demo(out=print):
    """Print the three runs and what they show."""
    out(TITLE)
    out("")
    out(fill(
        "LOW locks the resource at 0 for %d ticks; HIGH arrives at %d, "
        "computes %d and needs it for %d; MEDIUM arrives at %d and "
        "computes %d." % (LOW_HOLD, HIGH_AT, HIGH_WORK, HIGH_HOLD,
                          MEDIUM_AT, MEDIUM_WORK), 76))
    results = {}
    for protocol in PROTOCOLS:
        log, r = run(protocol)
        results[protocol] = log
        out("")
        out("protocol %s:" % protocol.upper())
        for t, who, what in log:
            out("  %3d  %-6s %s" % (t, who, what))
        changes = ["%d -> %d at %d" % (ev[4] + (ev[0] // 1000000,))
                   for ev in r.trace.select(("priority",), threads=["LOW"])]
        out("  LOW's priority: %s" % (", ".join(changes) or
                                      "never changes"))
        done = finished(log)
        response = done["HIGH"] - HIGH_AT
        out("  HIGH finished at %d: response %d ticks for %d of its own "
            "work" % (done["HIGH"], response, HIGH_WORK + HIGH_HOLD))
    out("")
    none, inh = (finished(results[p])["HIGH"] for p in PROTOCOLS[:2])
    out(fill(
        "Without a protocol HIGH waited for MEDIUM's %d ticks of work as "
        "well (done at %d): the inversion grows with whatever runs at a "
        "middle priority. Inheritance and the ceiling bound it by LOW's "
        "critical section: HIGH done at %d." % (MEDIUM_WORK, none, inh),
        76))
    return results
