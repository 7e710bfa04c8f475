"""Superloop vs. RTOS: the reaction latency of an urgent interrupt-driven job.

The seed document's argument, measured: in a foreground/background
superloop the interrupt only sets a flag, and the background loop notices
it when its turn comes, so the reaction time depends on everything else
the loop does. With prioritised threads the interrupt posts a semaphore
and the urgent thread preempts the background work at once.
"""

import muos

# the docstring's first line, for `muos demo --list` and the demo's
# header (docstrings are compiled out by python -OO and on boards)
TITLE = ('Superloop vs. RTOS: the reaction latency of an urgent '
         'interrupt-driven job.')

__all__ = ["EVENTS", "superloop", "rtos", "run", "demo"]

HORIZON = 5000
BACKGROUND = (("read_sensors", 3), ("update_display", 6), ("log_data", 4))
URGENT_WORK = 0.5      # the urgent job itself, ms
ISR_COST = 0.05        # the interrupt handler, ms


def event_times(seed=1, n=40):
    """When the urgent interrupt fires: n pseudo-random instants, fixed by
    the seed, at fractional milliseconds."""
    rng = muos.SimPort(seed=seed).random
    times = sorted(set(rng.randint(1, HORIZON * 10 - 1) / 10.0
                       for _ in range(n)))
    return times


EVENTS = event_times()


async def superloop():
    """One background loop; the ISR sets a flag the loop polls."""
    k = muos.this_thread()._kernel
    flag = []
    latencies = []

    def isr():
        flag.append(k.hrclock.now())     # remember when it happened (ns)

    irq = k.interrupt("urgent", isr, priority=5, cost=ISR_COST)
    for t in EVENTS:
        irq.trigger_at(t)
    while muos.now() < HORIZON:
        for _, work in BACKGROUND:
            await muos.busy(work)
        while flag:                      # the loop's turn to react
            latencies.append((k.hrclock.now() - flag.pop(0)) / 1e6)
            await muos.busy(URGENT_WORK)
    return latencies


async def rtos():
    """The same work as threads; the ISR posts a semaphore."""
    k = muos.this_thread()._kernel
    sem = muos.Semaphore(0, name="urgent")
    stamps = []
    latencies = []

    def isr():
        stamps.append(k.hrclock.now())
        sem.post()

    irq = k.interrupt("urgent", isr, priority=5, cost=ISR_COST)
    for t in EVENTS:
        irq.trigger_at(t)

    async def urgent():
        while True:
            await sem.wait()
            latencies.append((k.hrclock.now() - stamps.pop(0)) / 1e6)
            await muos.busy(URGENT_WORK)

    async def background(work):
        while True:
            await muos.busy(work)
            await muos.yield_now()

    muos.spawn(urgent, name="urgent", priority=muos.Priority.HIGH)
    for name, work in BACKGROUND:
        muos.spawn(background, work, name=name, priority=muos.Priority.LOW)
    me = muos.this_thread()
    me.set_priority(muos.Priority.HIGHEST)   # main only ends the run
    await muos.sleep_until(HORIZON)
    return latencies


def run(design):
    """Run a design; returns (latencies in ms, RunResult)."""
    r = muos.run(design)
    return r.value, r


def demo(out=print):
    out(TITLE)
    out("")
    out("background work per loop: %s; urgent job %s ms; %d interrupts in "
        "%d ms" % (", ".join("%s %d ms" % b for b in BACKGROUND),
                   URGENT_WORK, len(EVENTS), HORIZON))
    results = []
    for title, design in (("superloop (flag polled)", superloop),
                          ("RTOS (semaphore + thread)", rtos)):
        lat, r = run(design)
        worst = max(lat)
        mean = sum(lat) / len(lat)
        results.append((worst, mean, lat))
        out("%-27s reactions %d, worst latency %6.2f ms, mean %6.2f ms" % (
            title + ":", len(lat), worst, mean))
    out("")
    out("With the superloop the worst case is a whole loop (%d ms of "
        "background work); with the RTOS it is the handler's own %s ms." % (
            sum(b[1] for b in BACKGROUND), ISR_COST))
    return results
