"""Dining philosophers: a deadlock detected, then prevented by lock order.

Five philosophers sit around a table with one fork (a Mutex) between
each pair. To eat, a philosopher needs both neighbouring forks. If every
philosopher picks up the left fork and then reaches for the right one,
each waits for the next: a cycle of owners, a deadlock. muos sees the
cycle when the last philosopher's lock() would close it and raises
muos.DeadlockError there, whose .cycle lists the threads involved. The
cure (Havender 1968; Dijkstra's own solution) is a global lock order:
everyone picks up the lower-numbered fork first. Philosopher 4 then
reaches for fork 0 before fork 4, no cycle can form, and all eat.
"""


import muos
from muos.demos import fill

# the docstring's first line, for `muos demo --list` and the demo's
# header (docstrings are compiled out by python -OO and on boards)
TITLE = ('Dining philosophers: a deadlock detected, then prevented by'
         ' lock order.')

__all__ = ["N", "THINK", "EAT", "MEALS", "main", "run", "meals", "demo"]

N = 5
THINK = 1            # ticks between picking up the first fork and the next
EAT = 2              # ticks spent eating (holding both forks)
MEALS = 2            # meals per philosopher


async def main(ordered=False):
    """Seat the philosophers; returns the log, (tick, who, what) tuples.
    ``ordered``: take the lower-numbered fork first (no deadlock)."""
    forks = [muos.Mutex("fork%d" % i) for i in range(N)]
    log = []

    def note(what):
        log.append((muos.now(), muos.this_thread().name, what))

    async def philosopher(i):
        left, right = i, (i + 1) % N
        first, second = (min(left, right), max(left, right)) if ordered \
            else (left, right)
        for _ in range(MEALS):
            async with forks[first]:
                note("picks up fork %d" % first)
                await muos.sleep_for(THINK)
                try:
                    await forks[second].lock()
                except muos.DeadlockError as e:
                    note("DEADLOCK reaching for fork %d: %s" % (
                        second, " -> ".join(t.name for t in e.cycle +
                                            e.cycle[:1])))
                    note("puts fork %d down and leaves" % first)
                    return "left hungry"
                try:
                    note("picks up fork %d, eats" % second)
                    await muos.sleep_for(EAT)
                finally:
                    forks[second].unlock()
            note("puts both forks down")
        return "ate"

    table = [muos.spawn(philosopher, i, name="P%d" % i) for i in range(N)]
    results = []
    for t in table:
        results.append(await t.join())
    return log, results


def run(ordered=False):
    """Returns (log, [each philosopher's result], RunResult)."""
    r = muos.run(main, ordered)
    log, results = r.value
    return log, results, r


def meals(log):
    """{philosopher: [ticks at which it started eating]}."""
    out = {}
    for t, who, what in log:
        if what.endswith("eats"):
            out.setdefault(who, []).append(t)
    return out


def demo(out=print):
    """Print both dinners."""
    out(TITLE)
    out("")
    out(fill(
        "Each philosopher picks up one fork, thinks %d tick, picks up the "
        "other, eats for %d ticks and puts both down, %d times." % (
            THINK, EAT, MEALS), 76))
    runs = []
    for title, ordered in (
            ("Dinner 1: everyone takes the left fork first", False),
            ("Dinner 2: everyone takes the lower-numbered fork first",
             True)):
        log, results, r = run(ordered)
        runs.append((log, results))
        out("")
        out(title)
        for t, who, what in log:
            out("  %3d  %s %s" % (t, who, what))
        eaten = meals(log)
        out("  meals: " + ", ".join(
            "P%d %d" % (i, len(eaten.get("P%d" % i, [])))
            for i in range(N)) + "; dinner over at tick %s" % r.now)
    out("")
    out(fill(
        "In dinner 1 the cycle was caught at the fifth lock() and the "
        "philosopher who would have closed it gave up, which let the "
        "others eat. In dinner 2 no cycle could form at all: lock "
        "ordering prevents the deadlock instead of detecting it.", 76))
    return runs
