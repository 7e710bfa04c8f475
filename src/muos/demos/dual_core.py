"""Dual core, ESP32 style: partitioned against global scheduling.

Core 0 (PRO_CPU) takes the radio: its MAC interrupt and its thread, pinned
there. The application threads are either all pinned to core 1 (APP_CPU),
the usual ESP-IDF split, or free to run on either core. Radio and
application share a bus guarded by a ``muos.Spinlock``: a thread spins
for it on its core, and while it spins or holds it, its core's interrupts
are masked and it cannot be preempted.
"""


import muos
import muos.analysis as rta
from muos import Priority
from muos.demos import fill

__all__ = ["RADIO", "APPS", "HORIZON", "main", "run", "demo"]

# the docstring's first line, for demo() (python -OO drops docstrings)
TITLE = "Dual core, ESP32 style: partitioned against global scheduling."

HORIZON = 100           # one hyperperiod of 10, 20, 25, 50: it then repeats
MAC_COST = 1            # the MAC interrupt on core 0, every 10 ms
# name, priority, period (= deadline), work before the bus, bus hold (ms)
RADIO = ("radio", Priority.REALTIME, 10, 2, 1)
APPS = [("control", Priority.HIGH, 20, 8, 0),
        ("sensor", Priority.ABOVE_NORMAL, 25, 4, 2),
        ("logger", Priority.NORMAL, 50, 12, 4)]


async def main(pinned, spun):
    """Spawn the system; ``spun[name]`` sums the ticks each thread spent
    spinning for the bus (its core taken, no work done)."""
    bus = muos.Spinlock("bus")
    rx = muos.Semaphore(0, name="rx")
    muos.current_kernel().interrupt(
        "mac", rx.post, priority=5, cost=MAC_COST,
        core=0).trigger_every(RADIO[2])     # a frame for each radio job

    async def task(name, period, work, hold, frames):
        spun[name] = 0
        async for _ in muos.periodic(period, start=0):
            if frames is not None:
                await frames.wait()          # the frame the MAC received
            await muos.busy(work)
            if hold:
                asked = muos.now()
                async with bus:
                    spun[name] += muos.now() - asked
                    await muos.busy(hold)

    name, prio, period, work, hold = RADIO
    muos.spawn(task, name, period, work, hold, rx, name=name, priority=prio,
               affinity=0)
    for name, prio, period, work, hold in APPS:
        muos.spawn(task, name, period, work, hold, None, name=name,
                   priority=prio, affinity=1 if pinned else None)
    await muos.sleep_for(2 * HORIZON)        # run(until=HORIZON) ends it


def run(pinned):
    """One hyperperiod; returns (RunResult, {thread: ticks spun})."""
    spun = {}
    r = muos.run(main, pinned, spun, cores=2, until=HORIZON, trace=True)
    return r, spun


def core_chart(trace, start, end):
    """Per core, one letter a tick: the initial of the thread that had
    it, ``!`` the MAC handler, ``.`` idle (from the trace's events)."""
    ms = 10 ** 9 // trace.tick_hz
    marks = [[(0, ".")], [(0, ".")]]        # per core: (ns, mark) changes
    thread = [".", "."]
    for t, kind, name, obj, _ in trace.events:
        if kind == "switch":
            core = int(obj[len("core"):])
            thread[core] = "." if name.startswith("idle") else \
                name[0].upper()
            if marks[core][-1][1] != "!":
                marks[core].append((t, thread[core]))
        elif kind in ("isr_enter", "isr_exit") and obj == "mac":
            marks[0].append((t, "!" if kind == "isr_enter" else thread[0]))
    return ["core %d  %s" % (core, "".join(
        [m for t, m in changes if t <= i * ms + ms // 2][-1]
        for i in range(start, end))) for core, changes in enumerate(marks)]


def demo(out=print):
    """Print both runs: per-core load, migrations, responses, spinning."""
    out(TITLE)
    out("")
    out("core 0: the MAC interrupt (%d ms every %d ms) hands a frame to the "
        "%s" % (MAC_COST, RADIO[2], RADIO[0]))
    out("  thread, pinned there at REALTIME: %d ms of work, then the bus for"
        " %d ms" % RADIO[3:])
    out("application (most urgent first; deadline = period):")
    for name, _, period, work, hold in APPS:
        out("  %-8s every %2d ms: %2d ms of work%s" % (
            name, period, work, hold and ", then the bus for %d ms" % hold
            or ""))
    out("charts, a letter per core and ms: R radio, C control, S sensor, "
        "L logger,")
    out("  ! the MAC handler, . idle (spinning shows as its thread)")
    results = []
    for title, pinned in (
            ("partitioned: the application pinned to core 1 "
             "(xTaskCreatePinnedToCore)", True),
            ("global: the application on either core (tskNO_AFFINITY)",
             False)):
        r, spun = run(pinned)
        results.append((r, spun))
        st = r.stats
        out("")
        out(title)
        out("  %d ms: cpu load core 0 %.0f %%, core 1 %.0f %%; MAC latency "
            "up to %s ms" % (HORIZON, st.cores[0].cpu_load * 100,
                             st.cores[1].cpu_load * 100,
                             st.isr_latency["mac"].max))
        out("  thread    jobs     worst  misses  migrations  cpu time   spun")
        for name in [RADIO[0]] + [a[0] for a in APPS]:
            t = st.threads[name]
            out("  %-8s %5d %6s ms %7d %11d %6s ms %3d ms" % (
                name, t.jobs, t.max_response, t.deadline_misses,
                t.migrations, t.cpu_time, spun[name]))
            for job in t.misses:
                out("    missed job %d: released at %s, deadline %s, done "
                    "at %s" % (job.index, job.release, job.deadline,
                               job.finish))
        for half in (0, HORIZON // 2):
            out("  ms      " + "".join("%-10d" % t for t in range(
                half, half + HORIZON // 2, 10)).rstrip())
            for line in core_chart(r.trace, half, half + HORIZON // 2):
                out("  " + line)
    (p, pspun), (g, _) = results
    tasks = [rta.Task(w + h, t, name=n) for n, _, t, w, h in APPS]
    radio = p.stats.threads[RADIO[0]]
    out("")
    out(fill(
        "Pinned, core 1 carries %s = %.0f %% of work while core 0 idles "
        "%.0f %% of the time; response-time analysis of core 1 alone gives "
        "%s: the logger misses (its work is over at 44, but releasing the bus "
        "lets control, ready since 40, run first: the job ends when the "
        "logger next runs). Control, the most urgent, waits up to %d ms "
        "(%s -> %s) behind the logger's bus hold, which masks core 1. "
        "Free to migrate, the logger and sensor fill core 0's gaps: no "
        "deadline missed. The price: migrations, and application code now "
        "holds the bus on core 0, masking the MAC interrupt there (latency "
        "%s -> %s ms) and keeping the radio thread off its core (worst "
        "response %s -> %s ms). Spinning is CPU time without work: pinned, "
        "the radio's %s ms of CPU are %d jobs x %d ms + %d ms spinning while"
        " the application held the bus." % (
            " + ".join("%.0f" % (t.U * 100) for t in tasks),
            rta.utilization(tasks) * 100,
            100 - p.stats.cores[0].cpu_load * 100,
            ", ".join("%s %s" % (t.name, x) for t, x in zip(
                tasks, rta.worst_responses(tasks))),
            APPS[2][4], APPS[0][3], p.stats.threads["control"].max_response,
            p.stats.isr_latency["mac"].max, g.stats.isr_latency["mac"].max,
            radio.max_response, g.stats.threads[RADIO[0]].max_response,
            radio.cpu_time, radio.jobs, RADIO[3] + RADIO[4],
            pspun[RADIO[0]]), 76))
    return results
