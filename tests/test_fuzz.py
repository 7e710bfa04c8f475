"""The fuzzing harness of issue 14: random programs with kills,
interrupts, nested mutexes, timeouts, deadlines and handlers, run traced
and untraced on 1 or 2 cores, with the kernel's invariants checked at
every switch (a checking Trace stands in for the kernel's), and the
traced and untraced runs compared (the trace observes, it never
changes the schedule).

CI runs FUZZ_EXAMPLES programs (default 150); ``MUOS_FUZZ=100000 python
-m pytest tests/test_fuzz.py`` runs that many by hand (see README). The
plain build runs it too (tests/test_builds.py's plain run and
``MUOS_PURE=1``).

Invariants, at each switch (the thread switched in, on its core):
* no thread in the ready list is more urgent (priority, then deadline)
  than it, unless its core is locked or masked, or the kernel is
  cooperative;
* thread states agree with the lists: a READY thread is linked in the
  ready list, a SUSPENDED one is not (and waits on something: a trap,
  its wake-up value and exception still None), a TERMINATED one is in
  no list and no wait queue; on one core the idle thread is linked,
  alone at level 0, even while it runs;
* every INHERIT mutex's owner is at least as urgent as its waiters; no
  mutex is owned by a TERMINATED thread unless it is not robust (POSIX:
  it stays locked);
* every waiter of a queue is SUSPENDED on that queue's object.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import muos
from muos.ready import earlier
from muos.trace import Trace

EXAMPLES = int(os.environ.get("MUOS_FUZZ", "150"))

OP = st.one_of(
    st.tuples(st.just("busy"), st.sampled_from([0.5, 1, 2])),
    st.tuples(st.just("sleep"), st.sampled_from([0.5, 1, 3])),
    st.tuples(st.just("lock"), st.integers(0, 1),
              st.sampled_from([None, 1, 3])),
    st.tuples(st.just("nest"), st.sampled_from([0.5, 2])),
    st.tuples(st.just("post"),),
    st.tuples(st.just("wait"), st.sampled_from([None, 0, 2])),
    st.tuples(st.just("kill"), st.integers(0, 4)),
    st.tuples(st.just("interrupt"), st.integers(0, 4)),
    st.tuples(st.just("deadline"), st.sampled_from([None, 2, 6])),
    st.tuples(st.just("prio"), st.sampled_from([10, 20, 30])),
    st.tuples(st.just("trigger"),),
)
PROGRAM = st.lists(st.tuples(st.sampled_from([10, 20, 30]),
                             st.lists(OP, min_size=1, max_size=8)),
                   min_size=2, max_size=5)


class Checked(Trace):
    """A trace that checks the kernel's invariants at every switch."""

    def __init__(self, k, objects):
        Trace.__init__(self, k.tick_hz, k.stats)
        self.k = k
        self.objects = objects
        self.checks = 0

    def on_switch(self, k, t, prev):
        Trace.on_switch(self, k, t, prev)
        self.checks += 1
        check(k, t, self.objects)


def check(k, cur, objects):
    ready = k._ready
    # the most urgent ready thread does not beat the one switched in (on
    # one core: on several, the placement switches the cores one after
    # the other, and tests/test_properties_smp.py checks the rule while
    # time passes)
    if (k._cores is None and cur.base_priority != 0 and not k._lock
            and not k._irqs.mask and k._preemptive):
        for t in ready.ordered():
            if t.base_priority == 0:
                continue
            assert not (t.priority > cur.priority or (
                t.priority == cur.priority and earlier(t._dl, cur._dl))), \
                (cur, t)
            break
    for t in k._threads:
        if t.state == muos.READY and t is not cur:
            if k._cores is None or t.base_priority != 0:
                assert t._rnext is not None, t
        elif t.state == muos.SUSPENDED:
            assert t._rnext is None and t._trap is not None, t
            # what its await ends with is set when it is woken, not
            # before (the switch path stores only values not None)
            assert t._wake_value is None and t._wake_exc is None, t
        elif t.state == muos.TERMINATED:
            assert t._rnext is None and t._trap is None, t
    if k._cores is None:
        # one core: the idle thread is linked at level 0, alone, even
        # while it runs (kernel.py, step 4)
        h = k._ready._heads[0]
        assert h._rnext is k.idle and k.idle._rnext is h, (h, k.idle)
    for m in objects["mutexes"]:
        o = m.owner
        if o is not None and o.state == muos.TERMINATED:
            # a thread killed holding it (or killed just after a hand-
            # over made it the owner, before its lock() returned): a
            # non-robust mutex stays locked by the dead owner (POSIX)
            assert not m.robust
            o = None
        for w in m.waiters:
            assert w.state == muos.SUSPENDED and w.waiting_on is m._q, w
            if o is not None and m.protocol == muos.Mutex.INHERIT:
                assert o.priority >= w.priority, (o, w)
    s = objects["sem"]
    for w in s._q.threads():
        assert w.state == muos.SUSPENDED, w


def build(program, ncores, traced):
    k = muos.Kernel(cores=ncores, trace=traced)
    ms = [muos.Mutex("m0"), muos.Mutex("m1", kind=muos.Mutex.RECURSIVE)]
    sem = muos.Semaphore(0, name="s")
    objects = {"mutexes": ms, "sem": sem}
    if traced:          # (before any thread: the same events each time)
        k.trace = k._trace = Checked(k, objects)
    threads = []
    log = []
    irq = k.interrupt("irq", lambda: sem.post(), cost=0.5)

    def body(ops, me_index):
        async def run():
            me = muos.this_thread()
            for op in ops:
                kind = op[0]
                try:
                    if kind == "busy":
                        await muos.busy(op[1])
                    elif kind == "sleep":
                        await muos.sleep_for(op[1])
                    elif kind == "lock":
                        m = ms[op[1]]
                        if op[2] is None:
                            async with m:
                                await muos.busy(1)
                        elif await m.timed_lock(op[2]):
                            try:
                                await muos.busy(0.5)
                            finally:
                                m.unlock()
                    elif kind == "nest":
                        async with ms[0]:
                            async with ms[1]:
                                async with ms[1]:
                                    await muos.busy(op[1])
                    elif kind == "post":
                        sem.post()
                        await muos.yield_now()
                    elif kind == "wait":
                        if op[1] is None:
                            await sem.wait()
                        else:
                            await sem.timed_wait(op[1])
                    elif kind == "kill":
                        t = threads[op[1] % len(threads)]
                        if t is not me:
                            t.kill()
                        await muos.yield_now()
                    elif kind == "interrupt":
                        threads[op[1] % len(threads)].interrupt()
                        await muos.yield_now()
                    elif kind == "deadline":
                        muos.set_deadline(op[1])
                        await muos.yield_now()
                    elif kind == "prio":
                        me.set_priority(op[1])
                        await muos.yield_now()
                    elif kind == "trigger":
                        irq.trigger()
                        await muos.yield_now()
                except muos.Interrupted:
                    me.interrupted = False
                    log.append((me_index, "interrupted"))
                except muos.DeadlockError:
                    log.append((me_index, "deadlock"))
            log.append((me_index, "done"))
        return run

    for i, (p, ops) in enumerate(program):
        threads.append(k.spawn(body(ops, i), name="t%d" % i, priority=p))
    return k, objects, log


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(PROGRAM, st.integers(1, 2))
def test_random_programs_keep_the_invariants(program, ncores):
    k, objects, log = build(program, ncores, True)
    checked = k.trace
    k.run(until=60)
    traced = (k.now, log, [t.cpu_ns for t in k._threads],
              [(t.name, t.state) for t in k._threads])
    events = list(checked.events)
    k.close()
    assert checked.checks > 0
    # the same program untraced: the same outcome
    k2, _, log2 = build(program, ncores, False)
    k2.run(until=60)
    assert (k2.now, log2, [t.cpu_ns for t in k2._threads],
            [(t.name, t.state) for t in k2._threads]) == traced
    k2.close()
    # and traced again: the same events (deterministic)
    k3, _, _ = build(program, ncores, True)
    k3.run(until=60)
    assert list(k3.trace.events) == events
    k3.close()
