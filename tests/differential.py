"""Random programs run by one build of muos, their outcomes printed.

    python tests/differential.py [examples]

tests/test_builds.py runs this script once on the compiled build and
once on the plain one (``MUOS_PURE=1``) and compares the two outputs
line by line: the same source compiled or not must behave identically.
Hypothesis draws the programs, derandomized, so both processes see the
same ones (any difference in behaviour shows in the output anyway)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_objects_properties import (  # noqa: E402
    _FAST_PROGRAM, fast_program_run)
from test_properties import PROGRAM, PROTO, SEM, build  # noqa: E402

import muos  # noqa: E402
from muos.stats import cpu_total  # noqa: E402

OUT = []


def summary(k):
    """What a run did, per thread: CPU time, switches, waits, state."""
    st_ = k.stats
    # (waits by name, the one in progress counted to the end: a rebase
    # may have counted whole spans of a long wait in progress already)
    return (k.now, st_.context_switches, st_.idle_ns, sorted(
        (t.name, t.state, cpu_total(t), t.switches, t.priority,
         sorted((str(n), ns) for n, ns in t.stats._waits_ns().items()))
        for t in k.threads))


def family(n):
    return settings(max_examples=n, deadline=None, derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck))


def semaphores_and_mutexes(n):
    @family(n)
    @given(PROGRAM, SEM, PROTO)
    def t(program, sem, proto):
        main, state = build(program, sem, proto)
        k = muos.Kernel()
        k.spawn(main, name="main")
        why = k.run()
        OUT.append(("sem", why, state["log"], state["sections"],
                    state["s"].value, summary(k)))
    t()


def queues_and_flags(n):
    @family(n)
    @given(_FAST_PROGRAM, st.integers(1, 3), st.booleans())
    def t(raw, capacity, trace):
        OUT.append(("queue", fast_program_run(raw, capacity, trace)))
    t()


def periodic_threads_and_interrupts(n):
    @family(n)
    @given(st.lists(st.tuples(st.integers(1, 5),          # period, ticks
                              st.integers(0, 3),          # work, ticks
                              st.sampled_from([1, 2, 3])),  # priority
                    min_size=1, max_size=5),
           st.integers(0, 2), st.integers(0, 2), st.booleans())
    def t(tasks, switch_cost, irq_every, trace):
        # costs, a periodic interrupt, busy work and (half the time) a
        # trace: overheads, handlers, preemption and time passing
        log = []
        k = muos.Kernel(muos.SimPort(switch_cost=switch_cost * 0.02,
                                     tick_cost=0.01 if switch_cost else 0),
                        trace=trace)

        async def task(i, period, work):
            async for job in muos.periodic(period):
                await muos.busy(work)
                log.append((muos.now(), i, job.index))

        def handler():
            log.append((k.now, "irq"))

        irq = k.interrupt("tick", handler, cost=0.125)
        for i, (period, work, prio) in enumerate(tasks):
            k.spawn(task, i, period, 0.5 * work * period / 3 / len(tasks),
                    name="t%d" % i, priority=prio)

        async def trigger():
            tm = muos.Timer(irq.trigger, periodic=True, name="trig")
            tm.start(irq_every)
            await muos.sleep_for(1000)

        if irq_every:
            k.spawn(trigger, name="trigger", priority=4)
        k.run(until=40)
        OUT.append(("periodic", log, summary(k), str(k.stats),
                    None if k.trace is None else k.trace.events,
                    None if k.trace is None else k.trace.timeline()))
    t()


def waiters_in_order(n):
    @family(n)
    @given(st.lists(st.tuples(st.integers(1, 6),        # priority
                              st.integers(0, 4)),       # arrival tick
                    min_size=2, max_size=8),
           st.integers(1, 3))                           # posts per round
    def t(waiters, per):
        served = []
        s = muos.Semaphore(0, name="s")

        async def waiter(i, at):
            await muos.sleep_for(at)
            await s.wait()
            served.append((muos.now(), i))

        async def poster():
            await muos.sleep_for(5)
            for _ in range(len(waiters)):
                for _ in range(per):
                    s.post()
                await muos.sleep_for(1)

        async def main():
            ts = [muos.spawn(waiter, i, at, priority=p)
                  for i, (p, at) in enumerate(waiters)]
            ts.append(muos.spawn(poster, priority=7))
            for th in ts:
                await th.join()

        muos.run(main)
        OUT.append(("waiters", served))
    t()


def cores_and_deadlines(n):
    # the property programs of test_properties_smp: 1-3 cores, deadlines
    from test_properties_smp import THREAD, run_program

    @family(n)
    @given(st.lists(THREAD, min_size=1, max_size=5),
           st.integers(1, 3), st.integers(0, 2))
    def t(threads, ncores, sem_init):
        k, sem, counts, waiting = run_program(threads, ncores, sem_init)
        OUT.append(("smp", ncores, k.trace.events, sem.value,
                    sorted(counts.items()), waiting,
                    [(c.index, c.idle_ns) for c in k.stats.cores],
                    summary(k)))
    t()


def main(n):
    print("build", muos.build())
    semaphores_and_mutexes(n)
    queues_and_flags(n)
    periodic_threads_and_interrupts(n // 2)
    waiters_in_order(n)
    cores_and_deadlines(n)
    for o in OUT:
        print(repr(o))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
