"""The running kernel (API.md, "Running"): one per OS thread,
``muos.current_kernel()`` and ``Kernel.stop()``."""

import threading

import pytest

import muos
import muos.asyncio
from muos import ContextError, Priority


def test_current_kernel_in_a_thread_and_in_a_handler():
    seen = []

    async def main():
        k = muos.current_kernel()
        irq = k.interrupt("irq", lambda: seen.append(muos.current_kernel()))
        irq.trigger()
        await muos.sleep_for(1)
        return k

    r = muos.run(main)
    assert r.value is r.kernel and seen == [r.kernel]


def test_current_kernel_outside_a_kernel_raises_context_error():
    with pytest.raises(ContextError, match="muos.current_kernel"):
        muos.current_kernel()


def test_kernels_in_two_os_threads_at_once_do_not_see_each_other():
    # both mains wait at a barrier inside their run(), so both kernels
    # are running at once; then each sleeps 1 tick 300 times, checking at
    # every step that muos calls act on its own kernel: main i ends at
    # tick 300 on its own clock (sleep_for(1) x 300 from tick 0)
    def make_main(barrier):
        async def main():
            k = muos.current_kernel()
            barrier.wait()
            bad = 0
            for _ in range(300):
                await muos.sleep_for(1)
                if muos.current_kernel() is not k or \
                        muos.this_thread()._kernel is not k:
                    bad += 1
            return bad, muos.now()
        return main

    assert _in_two_os_threads(make_main) == {0: (0, 300), 1: (0, 300)}


def _in_two_os_threads(make_main):
    """{i: value} of muos.run(make_main(barrier)) in two OS threads at
    once (the mains meet at the barrier inside their runs), or the
    exception a run raised."""
    barrier = threading.Barrier(2, timeout=30)
    out = {}

    def simulate(i):
        try:
            out[i] = muos.run(make_main(barrier)).value
        except BaseException as e:      # reported by the caller's assert
            out[i] = e

    ts = [threading.Thread(target=simulate, args=(i,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    return out


def _handovers(barrier=None):
    # a Semaphore and an Event hand-over, a Mutex, busy work and a yield
    # per round: the blocking calls' inline paths, which read RUNNING[0]
    # first
    async def main():
        s = muos.Semaphore(0)
        m = muos.Mutex()
        ev = muos.asyncio.Event()

        async def poster():
            for _ in range(100):
                await muos.sleep_for(1)
                s.post()
                ev.set()

        muos.spawn(poster, priority=Priority.HIGH)
        if barrier is not None:
            barrier.wait()
        for _ in range(100):
            await s.wait()
            await ev.wait()
            ev.clear()
            async with m:
                await muos.busy(1)
            await muos.yield_now()
        return muos.now()
    return main


def test_blocking_calls_in_kernels_of_two_os_threads_at_once():
    # while two OS threads run kernels, RUNNING[0] is a stand-in that
    # fails the calls' fast checks, and each call must then find its
    # own kernel (Semaphore.wait once went on with the stand-in): both
    # runs end as the same program run alone does
    # alone: the poster (HIGH) sleeps to tick 1, posts and sets; main
    # takes both, computes 1 tick under the mutex (to 2), yields; from
    # then on the poster's post at tick k finds main ready to take it at
    # once, so round k ends its work at tick k + 1: round 100 at 101
    alone = muos.run(_handovers()).value
    assert alone == 101
    assert _in_two_os_threads(_handovers) == {0: alone, 1: alone}


def test_one_kernel_cannot_run_inside_another_in_one_os_thread():
    inner = muos.Kernel()

    async def main():
        with pytest.raises(ContextError, match="another kernel"):
            inner.run()
        return "ok"

    assert muos.run(main).value == "ok"


def test_stop_from_a_thread_returns_at_its_next_await():
    # the stopper stops at tick 3, then logs and awaits: run() returns
    # there (main, still sleeping until 10, has not returned: value None)
    log = []

    async def stopper():
        await muos.sleep_for(3)
        muos.current_kernel().stop()
        log.append(("after stop", muos.now()))
        await muos.sleep_for(1)
        log.append("never")

    async def main():
        muos.spawn(stopper, priority=muos.Priority.HIGH)
        await muos.sleep_for(10)
        return "main"

    r = muos.run(main)
    assert r.value is None and r.now == 3
    assert log == [("after stop", 3)]


def test_stop_from_a_handler_and_run_again():
    # a timer's handler stops the kernel at tick 5; run() returns
    # "stopped"; a second run() goes on where it stopped (the worker's
    # sleeps end at ticks 2, 4, 6, 8)
    k = muos.Kernel()
    ticks = []

    async def worker():
        for _ in range(4):
            await muos.sleep_for(2)
            ticks.append(muos.now())

    k.spawn(worker)
    k.interrupt("stop", k.stop).trigger_at(5)
    assert k.run() == "stopped"
    assert k.now == 5 and ticks == [2, 4]
    assert k.run() == "idle"
    assert ticks == [2, 4, 6, 8]


def test_run_stop_on_a_thread_and_failed_threads():
    # worker fails at 2 (kept in k.failed, reported), main ends at 3:
    # run(stop_on=main) returns "stopped" there; the poller (waking every
    # 2 ticks) would have kept the kernel going to 100
    k = muos.Kernel()

    async def poller():
        for _ in range(50):
            await muos.sleep_for(2)

    async def worker():
        await muos.sleep_for(2)
        raise KeyError("w")

    async def main():
        await muos.sleep_for(3)
        raise ValueError("main's own, left to the caller")

    k.spawn(poller)
    k.spawn(worker, name="worker")
    m = k.spawn(main, name="main")
    assert k.run(stop_on=m) == "stopped"
    assert k.now == 3
    assert [(n, type(e).__name__) for n, e in k.failed] == [
        ("worker", "KeyError"), ("main", "ValueError")]
    assert isinstance(m.exception, ValueError)


def test_a_kernel_cannot_run_inside_itself_or_in_two_os_threads():
    k = muos.Kernel()
    seen = []
    started = threading.Event()
    release = threading.Event()

    async def nested():
        try:
            k.run()
        except ContextError as e:
            seen.append(str(e))

    async def blocker():
        # holds the kernel running in this OS thread while another OS
        # thread tries to run it too
        started.set()
        release.wait(10)
        await muos.sleep_for(1)

    k.spawn(nested)
    k.run()
    assert seen == ["Kernel.run: this kernel is running already (a thread "
                    "of it called run())"]
    k.spawn(blocker)
    t = threading.Thread(target=k.run)
    t.start()
    assert started.wait(10)
    with pytest.raises(ContextError, match="another OS thread"):
        k.run()
    release.set()
    t.join(10)
    assert k.now == 1          # the other OS thread's run went on


def test_stop_before_run_and_an_exception_out_of_run_leave_it_usable():
    k = muos.Kernel()
    k.stop()                           # kept for the next run
    assert k.run() == "stopped" and k.now == 0

    async def ctrl_c():
        raise KeyboardInterrupt        # goes out of run(), as Ctrl-C does

    k.spawn(ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        k.run()
    # nothing was left registered: this OS thread runs kernels again
    assert muos.run(lambda: _answer()).value == 42


async def _answer():
    return 42


def test_recording_collects_every_run_inside_and_can_force_a_trace():
    # two runs made by code that knows nothing of the recording; the
    # outer block sees neither while the inner one is in force
    async def one():
        await muos.sleep_for(2)
        return 1

    def library():
        return [muos.run(one).value, muos.run(one).value]

    with muos.recording() as outer:
        with muos.recording(trace=True) as runs:
            assert library() == [1, 1]
        muos.run(one)
    assert [r.now for r in runs] == [2, 2]
    assert all(r.trace is not None and len(r.trace) > 0 for r in runs)
    assert len(outer) == 1 and outer[0].trace is None
    assert muos.run(one).trace is None        # nothing in force now


def test_threads_left_blocked_end_when_their_run_ends_in_their_kernel():
    # issue 14 #6: a worker still waiting when main returns is ended by
    # muos.run itself, at once and in its own kernel (its cleanup saw no
    # kernel, or the next run's, when the garbage collector ran it later)
    log = []
    m = muos.Mutex("m")

    async def worker():
        try:
            async with m:                       # held while it waits
                await muos.Semaphore(0, name="never").wait()
        finally:
            log.append(("cleanup", muos.now(),
                        muos.current_kernel() is kernels[0]))

    kernels = []

    async def main():
        kernels.append(muos.current_kernel())
        muos.spawn(worker, name="w")
        await muos.sleep_for(5)
        return "done"

    r = muos.run(main)
    # the cleanup ran when the run ended (at 5), as the worker, in its
    # kernel; the mutex was released there, and nothing is left alive
    assert r.value == "done"
    assert log == [("cleanup", 5, True)]
    assert m.owner is None and r.kernel.threads == [r.kernel.idle]
    assert r.kernel.failed == []
    # a Stalled run keeps what blocked in its report, then ends them too
    log.clear()

    async def stuck():
        kernels[0] = muos.current_kernel()
        muos.spawn(worker, name="w")
        await muos.Semaphore(0, name="forever").wait()

    with pytest.raises(muos.Stalled) as ei:
        muos.run(stuck)
    assert set(ei.value.blocked) == {"main", "w"}
    assert log == [("cleanup", 0, True)]
