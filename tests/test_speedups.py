"""The optional C run loop (src/muos/_speedups.c) against kernel.py's
Python loop, the reference it transcribes: both must behave identically.

CI builds the C loop (MUOS_REQUIRE_SPEEDUPS=1 makes its absence a
failure); the suite then runs on it, and this module runs the
exact-timing and property modules once more on the Python loop
(MUOS_PURE=1), and compares random programs run on both loops."""

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_objects_properties import _FAST_PROGRAM, fast_program_run
from test_properties import PROGRAM, PROTO, SEM, build

import muos
import muos.kernel as kernel

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

try:
    from muos import _speedups
except ImportError:
    _speedups = None

# built and in use (MUOS_PURE=1 keeps a built extension unused)
needs_c = pytest.mark.skipif(kernel._C is None,
                             reason="muos._speedups is not built or "
                                    "MUOS_PURE=1")


def test_c_loop_is_used_when_built():
    pure = os.environ.get("MUOS_PURE", "") not in ("", "0")
    if os.environ.get("MUOS_REQUIRE_SPEEDUPS") and not pure:
        assert _speedups is not None, "the C loop was not built"
    if _speedups is not None and not pure:
        assert kernel.ACCEL is _speedups
        assert kernel.Kernel.wake is not kernel._PY_WAKE
    else:
        assert kernel.ACCEL is None
        assert kernel.Kernel.wake is kernel._PY_WAKE


@needs_c
def test_use_speedups_switches_loop_and_wake():
    try:
        assert kernel.use_speedups(False) is False
        assert kernel.ACCEL is None and kernel.Kernel.wake is kernel._PY_WAKE
        assert kernel.use_speedups(True) is True
        assert kernel.ACCEL is _speedups
    finally:
        kernel.use_speedups(os.environ.get("MUOS_PURE", "") in ("", "0"))


def run_on(c, fn):
    """``fn()`` with kernels on the C loop (c) or on the Python one."""
    before = kernel.ACCEL is not None
    kernel.use_speedups(c)
    try:
        return fn()
    finally:
        kernel.use_speedups(before)


def summary(k):
    """What a run did, per thread: CPU time, switches, waits, state."""
    st_ = k.stats
    return (k.now, st_.context_switches, st_.idle_ns, sorted(
        (t.name, t.state, t.cpu_ns, t.switches, t.priority,
         sorted((str(st_.name_of(o)), ns) for o, ns in (t.waits or {})
                .items()))
        for t in k.threads))


@needs_c
@settings(max_examples=150, deadline=None)
@given(PROGRAM, SEM, PROTO)
def test_random_programs_run_identically_on_both_loops(program, sem, proto):
    def once():
        main, state = build(program, sem, proto)
        k = muos.Kernel()
        k.spawn(main, name="main")
        why = k.run()
        return why, state["log"], state["sections"], state["s"].value, \
            summary(k)

    assert run_on(True, once) == run_on(False, once)


@needs_c
@settings(max_examples=150, deadline=None)
@given(_FAST_PROGRAM, st.integers(1, 3))
def test_queue_and_flag_programs_run_identically_on_both_loops(raw,
                                                               capacity):
    def once():
        return fast_program_run(raw, capacity, False)

    assert run_on(True, once) == run_on(False, once)


@needs_c
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5),          # period, ticks
                          st.integers(0, 3),          # work, ticks
                          st.sampled_from([1, 2, 3])),  # priority
                min_size=1, max_size=5),
       st.integers(0, 2), st.integers(0, 2))
def test_periodic_threads_and_interrupts_identical_on_both_loops(
        tasks, switch_cost, irq_every):
    # costs, a periodic interrupt and busy work: the C loop's calls into
    # the general paths (overheads, handlers, preemption, time passing)
    def once():
        log = []
        k = muos.Kernel(muos.SimPort(switch_cost=switch_cost * 0.02,
                                     tick_cost=0.01 if switch_cost else 0))

        async def task(i, period, work):
            async for job in muos.periodic(period):
                await muos.busy(work)
                log.append((muos.now(), i, job.index))

        def handler():
            log.append((k.now, "irq"))

        irq = k.interrupt("tick", handler, cost=0.125)
        for i, (period, work, prio) in enumerate(tasks):
            # at most half the CPU in all: every thread starts
            k.spawn(task, i, period, 0.5 * work * period / 3 / len(tasks),
                    name="t%d" % i, priority=prio)

        async def trigger():
            tm = muos.Timer(irq.trigger, periodic=True, name="trig")
            tm.start(irq_every)
            await muos.sleep_for(1000)

        if irq_every:
            k.spawn(trigger, name="trigger", priority=4)
        k.run(until=40)
        return log, summary(k)

    assert run_on(True, once) == run_on(False, once)


def test_python_loop_passes_the_exact_timing_suites():
    """The reference loop on its own, in a process where MUOS_PURE=1."""
    mods = ["test_sched", "test_time", "test_inheritance", "test_semaphore",
            "test_mutex", "test_mqueue", "test_evflags", "test_condvar",
            "test_threads", "test_irq", "test_timer", "test_waitany",
            "test_stats", "test_critical", "test_clocks", "test_mempool",
            "test_rta", "test_properties", "test_objects_properties"]
    env = dict(os.environ, MUOS_PURE="1")
    env.pop("MUOS_REQUIRE_SPEEDUPS", None)
    p = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p",
         "no:cacheprovider"] + [os.path.join(HERE, m + ".py") for m in mods]
        + [os.path.join(HERE, "test_speedups.py") + "::"
           "test_c_loop_is_used_when_built"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]


@needs_c
def test_c_helpers_are_installed_when_built():
    # sleep_for and Semaphore.wait/post: their common cases in C, the
    # Python functions (kept by the C ones) for the rest
    from muos import calls, semaphore
    assert muos.sleep_for is _speedups.sleep_for is calls.sleep_for
    assert type(semaphore.Semaphore.__dict__["wait"]).__name__ == \
        "method_descriptor"
    assert type(semaphore.Semaphore.__dict__["post"]).__name__ == \
        "method_descriptor"


@pytest.mark.parametrize("ticks", [0, 1, 7, 9 * 10**9, 9 * 10**9 + 1,
                                   10**12, 2.5])
def test_sleep_for_wakes_at_the_same_instant_on_every_path(ticks):
    # 9e9 ticks is the C fast path's bound (ticks * 1e9 must fit 64
    # bits); beyond it, and for floats, the Python function computes
    # expected: ticks * 10**9 // 1000 ns at 1 kHz, i.e. `ticks` ticks
    async def main():
        await muos.sleep_for(ticks)
        return muos.now()

    assert muos.run(main).value == ticks


def test_semaphore_post_without_waiter_and_at_max_is_python_semantics():
    # no waiter: the first post counts (True, value 1), the second finds
    # the count at max (False, value stays 1); the wait then takes the
    # unit without blocking (value 0)
    async def main():
        s = muos.Semaphore(0, max=1)
        out = [s.post(), s.post(), s.value]       # count, then at max
        await s.wait()
        out.append(s.value)
        return out

    assert muos.run(main).value == [True, False, 1, 0]


@needs_c
@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6),        # priority
                          st.integers(0, 4)),       # arrival tick
                min_size=2, max_size=8),
       st.integers(1, 3))                           # posts per round
def test_waiters_are_served_in_the_same_order_on_both_loops(waiters, per):
    # threads of mixed priorities queue on one semaphore at various ticks
    # (a more urgent one often arrives behind less urgent ones: the C
    # loop's inline queue insertion must then defer to WaitQueue.push);
    # a poster serves a few per tick
    def once():
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
            for t in ts:
                await t.join()

        muos.run(main)
        return served

    assert run_on(True, once) == run_on(False, once)
