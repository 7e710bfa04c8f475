"""Long runs stay bounded (API.md, "Observability"; issue 14 #9):
``trace=N`` keeps the last N events (a ring buffer) and each thread keeps
its last ``RESPONSES_KEPT`` response times, its count, shortest,
longest and mean covering every job."""

import os

import pytest

import muos
import muos.stats


def ticker(n):
    async def main():
        async def w():
            for _ in range(n):
                await muos.sleep_for(1)
        muos.spawn(w, name="w")
        await muos.sleep_for(n + 10)
    return main


def test_trace_n_keeps_the_last_n_events():
    full = muos.run(ticker(50), trace=True).trace.events
    r = muos.run(ticker(50), trace=10)
    assert len(r.trace) == 10 and r.trace.maxlen == 10
    assert r.trace.events == full[-10:]
    assert len(full) > 100


def test_trace_n_is_bounded_on_a_long_run():
    r = muos.run(ticker(5000), trace=64)
    assert len(r.trace) == 64
    assert r.trace.events[-1][1] == "exit"


def test_exporters_read_a_ring_trace(tmp_path):
    r = muos.run(ticker(30), trace=7)
    # threads first seen in the window (no spawn event) are drawn too
    r.trace.to_perfetto(str(tmp_path / "t.json"))
    r.trace.to_html(str(tmp_path / "t.html"))
    assert os.path.getsize(str(tmp_path / "t.html")) > 0
    assert "switch" in r.trace.timeline()


@pytest.mark.parametrize("bad", [-1, 0, 2.5, "10"])
def test_trace_must_be_a_bool_or_a_positive_int(bad):
    with pytest.raises(ValueError, match="trace must be"):
        muos.Kernel(trace=bad)


def test_response_times_keep_the_last_ones_and_summarize_all(monkeypatch):
    monkeypatch.setattr(muos.stats, "RESPONSES_KEPT", 4)

    async def task():
        async for job in muos.periodic(10, start=0):
            # job k computes k + 1 ticks: responses 1, 2, ..., 12
            await muos.busy(job.index + 1)
            if job.index == 11:
                break

    async def main():
        t = muos.spawn(task, name="t")
        await t.join()
        await muos.sleep_for(1)

    st = muos.run(main).stats.threads["t"]
    # 11 jobs completed (the 12th left with break); the list keeps the
    # last 4 (trimmed when it reaches twice that), the summary all 11
    assert st.jobs == 11
    assert st.response_times[-4:] == [8, 9, 10, 11]
    assert len(st.response_times) == 4
    assert (st.min_response, st.max_response) == (1, 11)
    assert st.mean_response == 6.0


def _alive(tp):
    import gc
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is tp)


def test_ended_threads_and_what_they_waited_on_are_not_kept_alive():
    from muos.stats import WAITS_KEPT

    async def request():
        s = muos.Semaphore(0)            # one per request, unnamed

        async def reply():
            s.post()

        muos.spawn(reply, name="reply")
        await s.wait()

    async def main():
        for _ in range(200):
            await muos.spawn(request, name="req").join()

    before = (0, _alive(muos.Thread))
    r = muos.run(main)
    # the statistics keep records of the 400 ended threads, not them;
    # main joined 200 threads: its waits are grouped once past
    # WAITS_KEPT objects, so at most that many threads it joined stay
    # (a request keeps its semaphore: one object in its record's waits)
    kept = [c for c in r.stats._counters.values()
            if isinstance(c, muos.Thread)]
    assert [t.name for t in kept] == ["idle"]    # main ended too
    assert _alive(muos.Thread) - before[1] <= WAITS_KEPT + 2
    st = r.stats.threads["req#50"]
    assert st.switches == 2 and st.blocked == {"Semaphore#50": 0}
    assert len(r.stats.threads) == 402      # idle, main, 200 + 200
    assert "join" in r.stats.threads["main"].blocked


def test_an_ended_threads_record_is_small():
    import tracemalloc

    async def short():
        pass

    def grown(n):
        async def main():
            for _ in range(n):
                await muos.spawn(short, name="s").join()

        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        r = muos.run(main)
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert len(r.stats.threads) == n + 2
        return after - before, r

    small, _ = grown(1000)
    large, r = grown(3000)
    # kept per ended thread: its record (about 100 bytes), its unique
    # name ("s#1234") and its entry in the statistics' table (issue 14
    # #9: ended threads keep only counters, <= 200 bytes)
    per = (large - small) / 2000
    assert per <= 200, per


def test_an_ended_thread_keeps_its_waits_by_name_not_the_objects():
    # issue 14: an ended thread's record kept the objects it waited on
    # alive (its waits were keyed by them); now by their names, which an
    # object keeps on itself (so no later object at its address gets it,
    # and the statistics keep no table of addresses)
    sems = []

    async def main():
        async def waiter(s):
            await s.wait()

        for _ in range(3):
            s = muos.Semaphore(0)          # unnamed: Semaphore#1, #2, #3
            sems.append(s)
            t = muos.spawn(waiter, s, name="w")
            await muos.sleep_for(2)
            s.post()
            await t.join()
        return muos.current_kernel().stats

    st = muos.run(main).value
    waits = {n: st.threads[n].waits for n in ("w", "w#2", "w#3")}
    assert waits == {"w": {"Semaphore#1": 2 * 10 ** 6},
                     "w#2": {"Semaphore#2": 2 * 10 ** 6},
                     "w#3": {"Semaphore#3": 2 * 10 ** 6}}
    assert [st.name_of(s) for s in sems] == [
        "Semaphore#1", "Semaphore#2", "Semaphore#3"]
    assert st._names == {}


def test_ended_threads_records_are_the_last_ended_kept():
    # issue 14 #9: threads s0..s19 end in turn (each computes 1 tick),
    # then main; ended_kept=5 keeps the records of the last five to end
    # (s16..s19, main); the 16 before are summed in stats.ended (16
    # ticks of CPU, one switch in each), and the run's totals (context
    # switches) are those of the full run
    async def short():
        await muos.busy(1)

    def run(kept):
        async def main():
            muos.current_kernel().stats.ended_kept = kept
            for i in range(20):
                await muos.spawn(short, name="s%d" % i).join()
        return muos.run(main).stats

    every = run(100)
    st = run(5)
    assert list(st.threads) == ["idle", "main", "s16", "s17", "s18", "s19"]
    assert (st.ended.count, st.ended.cpu_ns, st.ended.switches) == (
        16, 16 * 10**6, 16)
    assert st.context_switches == every.context_switches
    assert len(every.threads) == 22 and every.ended.count == 0
    none = run(0)
    assert list(none.threads) == ["idle"]
    assert none.ended.count == 21
    with pytest.raises(muos.ThreadError, match="ended_kept"):
        run(-1)


def _serve(requests):
    """A server thread answering ``requests`` requests, each from a new
    client thread, over a MessageQueue, with a new Semaphore per reply:
    the kernel's memory afterwards (tracemalloc, bytes)."""
    import gc
    import tracemalloc

    async def main():
        q = muos.MessageQueue(8, name="requests")

        async def server():
            while True:
                reply = await q.receive()
                await muos.busy(0.001)
                reply.post()

        async def client():
            reply = muos.Semaphore(0)
            await q.send(reply)
            await reply.wait()

        muos.spawn(server, name="server", priority=muos.Priority.HIGH)
        for _ in range(requests):
            await muos.spawn(client).join()
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        return muos.run(main).value
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_request_reply_memory_stays_constant():
    # issue 14: 200,000 requests (a new client thread and reply object
    # each) take no more memory at the end than 20,000 do: ended threads
    # are reclaimed, their records are small and hold no object, waits
    # are grouped once a thread has waited on 64 objects (the server
    # waits on one queue) and the statistics keep no table of addresses
    n = int(os.environ.get("MUOS_LONG_REQUESTS", "200000"))
    small = _serve(n // 10)
    big = _serve(n)
    # the records of the clients, about 200 bytes each (test_an_ended_
    # threads_record_is_small), are the last ENDED_KEPT (10,000) in both
    # runs: nothing grows with n (measured: 16.6 KB apart, the 10,000
    # kept names one digit longer, "client#199999"; 36 MB before)
    assert muos.stats.ENDED_KEPT <= n // 10
    assert big - small < 64 * 1024, big - small


def test_deadline_misses_keep_the_last_ones_and_count_all(monkeypatch):
    # a job of 3 ticks every 2 ticks (deadline 2): job k is released at
    # 2k, starts when job k-1 ends (3k) and ends at 3k+3, so every job
    # misses (3k+3 > 2k+2). 8 jobs: 8 misses counted, the last 3 kept
    # (MISSES_KEPT=3), in order, each with its own values (Job objects
    # reused from the oldest ones)
    monkeypatch.setattr(muos.stats, "MISSES_KEPT", 3)

    async def late():
        n = 0
        async for _job in muos.periodic(2):
            await muos.busy(3)
            n += 1
            if n == 9:
                break

    async def main():
        await muos.spawn(late, name="late").join()

    st = muos.run(main).stats.threads["late"]
    assert st.deadline_misses == 8
    got = [(j.index, j.release, j.deadline, j.finish) for j in st.misses]
    assert got == [(k, 2 * k, 2 * k + 2, 3 * k + 3) for k in (5, 6, 7)]


def test_inversion_windows_keep_the_last_ones_and_count_all(monkeypatch):
    # round k (k = 0..5, 10 ticks each from 10k): L (LOW) locks M (no
    # inheritance) and computes 3 ticks; H (HIGH) asks for M 1 tick in
    # and waits 2 ticks while L runs below it: a 2-tick inversion window
    # (10k+1, 10k+3). 6 windows; WINDOWS_KEPT=2 lists the last two,
    # inversion_time counts the 12 ticks of all six
    from muos import inversion
    monkeypatch.setattr(inversion, "WINDOWS_KEPT", 2)
    MS = 10**6

    async def main():
        m = muos.Mutex("M", protocol=muos.Mutex.NONE)

        async def low():
            for k in range(6):
                await muos.sleep_until(10 * k)
                async with m:
                    await muos.busy(3)

        async def high():
            for k in range(6):
                await muos.sleep_until(10 * k + 1)
                async with m:
                    pass

        muos.spawn(low, name="L", priority=muos.Priority.LOW)
        muos.spawn(high, name="H", priority=muos.Priority.HIGH)
        await muos.sleep_for(70)

    st = muos.run(main).stats
    assert st.inversion_time == 12
    assert st.inversion_windows == [
        ((10 * k + 1) * MS, (10 * k + 3) * MS, "H", "M", "L")
        for k in (4, 5)]


def _three_workers(kept):
    # workers w0, w1, w2 each lock M for 1 tick and run one periodic job,
    # in turn; then main ends
    async def worker(m):
        async for _job in muos.periodic(5):
            async with m:
                await muos.busy(1)
            break

    async def main():
        muos.current_kernel().stats.ended_kept = kept
        m = muos.Mutex("M")
        for i in range(3):
            await muos.spawn(worker, m, name="w%d" % i).join()
    return muos.run(main).stats


def test_a_dropped_record_takes_its_task_model_entries_along():
    # the records kept are the last ended_kept to end (w2 then main end
    # last): the holds of M and the periodic entries of the dropped ones
    # go with them (the task model of muos analyze does not grow with the
    # threads a program spawns)
    st = _three_workers(1)                   # main's record only
    assert st.holds == {} and st.periodics == {}
    st = _three_workers(2)                   # w2's and main's
    assert list(st.holds) == [("w2", "M")]
    assert list(st.periodics) == ["w2"]
    st = _three_workers(100)                 # every one
    assert sorted(st.periodics) == ["w0", "w1", "w2"]
