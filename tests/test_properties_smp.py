"""Property tests of deadlines and several cores (hypothesis).

Random threads at a few priorities, on 1 to 3 cores, run random
sequences of work, sleeps, yields, semaphore operations, priority
changes and deadline changes (set, moved, cleared). Whatever the
program, on the trace:

* the most urgent threads run: while time passes, no ready thread has a
  more urgent key (priority, then earliest deadline, none last) than a
  thread running on a core, and no core idles while a thread is ready;
* every core runs one thread at a time, and a thread runs on one core;
* no wake-up is lost: a thread left waiting on the semaphore finds it at
  zero, and units are conserved;
* the same program gives the same trace on the plain build (checked by
  tests/test_builds.py's differential runs for the one-core programs).
"""

from hypothesis import given, settings
from hypothesis import strategies as st

import muos

PRIOS = [10, 20, 30]
OP = st.one_of(
    st.tuples(st.just("busy"), st.sampled_from([0.5, 1, 2, 3])),
    st.tuples(st.just("sleep"), st.sampled_from([0.5, 1, 2])),
    st.tuples(st.just("yield")),
    st.tuples(st.just("post")),
    st.tuples(st.just("wait")),
    st.tuples(st.just("deadline"), st.sampled_from([None, 1, 3, 5, 8, 20])),
    st.tuples(st.just("prio"), st.sampled_from(PRIOS)),
)
THREAD = st.tuples(st.sampled_from(PRIOS),
                   st.sampled_from([None, 2, 6, 10]),
                   st.lists(OP, max_size=10))
HORIZON = 100


def _key(prio, dl):
    """Urgency as a sortable tuple: larger is more urgent."""
    return (prio, 0 if dl is None else 1, 0 if dl is None else -dl)


def check_schedule(events, ncores):
    """While time passes: every core runs at most one thread and each
    thread at most one core; no ready thread is more urgent than a
    running one; no core idles while a thread is ready."""
    state = {}
    prio = {}
    dl = {}
    on = {}                   # core -> thread running there
    n = len(events)
    for i, (t, kind, name, obj, details) in enumerate(events):
        idle = name is not None and name.startswith("idle")
        if kind == "spawn" and not idle:
            state[name] = "ready"
            prio[name] = details
            dl[name] = None
        elif kind == "switch":
            core = obj or "core0"
            for c in list(on):
                if on[c] == name:
                    del on[c]       # (a migration)
            if idle:
                on.pop(core, None)
            else:
                on[core] = name
                state[name] = "running"
        elif kind in ("preempt", "ready", "suspend", "exit") and not idle:
            state[name] = {"suspend": "blocked",
                           "exit": "ended"}.get(kind, "ready")
            for c in list(on):
                if on[c] == name:
                    del on[c]
        elif kind == "priority":
            prio[name] = details[1]
        elif kind == "deadline":
            dl[name] = details
        if i + 1 < n and events[i + 1][0] > t:
            running = list(on.values())
            assert len(set(running)) == len(running), (t, on)
            assert len(on) <= ncores, (t, on)
            ready = [x for x in state if state[x] == "ready"]
            if ready:
                assert len(on) == ncores, (t, "a core idles", on, ready)
                least = min(_key(prio[x], dl[x]) for x in running)
                top = max(_key(prio[x], dl[x]) for x in ready)
                assert top <= least, (t, on, ready, dict(prio), dict(dl))


def run_program(threads, ncores, sem_init):
    k = muos.Kernel(cores=ncores, trace=True)
    sem = muos.Semaphore(sem_init)
    counts = {"posted": 0, "taken": 0}

    def body(ops):
        async def run():
            for op in ops:
                kind = op[0]
                if kind == "busy":
                    await muos.busy(op[1])
                elif kind == "sleep":
                    await muos.sleep_for(op[1])
                elif kind == "yield":
                    await muos.yield_now()
                elif kind == "post":
                    if sem.post():
                        counts["posted"] += 1
                    await muos.yield_now()
                elif kind == "wait":
                    await sem.wait()
                    counts["taken"] += 1
                elif kind == "deadline":
                    muos.set_deadline(op[1])
                    await muos.yield_now()
                else:
                    muos.this_thread().set_priority(op[1])
                    await muos.yield_now()
        return run

    ts = []
    for i, (p, d, ops) in enumerate(threads):
        t = k.spawn(body(ops), name="t%d" % i, priority=p)
        if d is not None:
            t.set_deadline(d)
        ts.append(t)
    k.run(until=HORIZON)
    waiting = [t.name for t in ts if t.waiting_on is not None]
    k.close()
    return k, sem, counts, waiting


@settings(max_examples=150, deadline=None)
@given(st.lists(THREAD, min_size=1, max_size=6),
       st.integers(min_value=1, max_value=3),
       st.integers(min_value=0, max_value=2))
def test_the_most_urgent_threads_run_on_every_core(threads, ncores,
                                                   sem_init):
    k, sem, counts, waiting = run_program(threads, ncores, sem_init)
    check_schedule(k.trace.events, ncores)
    # conservation and no lost wake-up
    assert sem_init + counts["posted"] == counts["taken"] + sem.value
    if waiting:
        assert sem.value == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(THREAD, min_size=1, max_size=5),
       st.integers(min_value=1, max_value=3))
def test_a_program_gives_the_same_trace_twice(threads, ncores):
    a = run_program(threads, ncores, 1)[0].trace.events
    b = run_program(threads, ncores, 1)[0].trace.events
    assert a == b
