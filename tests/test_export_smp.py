"""The exporters on several cores (API.md "Several cores" and
"Observability"): the timeline model keeps one running thread per core
(the core a "switch" names), a track per core in the Perfetto JSON, a
``muos.cores.<core>`` signal in the VCD, a lane per core in the HTML
report; a one-core trace has none of them (test_export.py checks that
it is otherwise as before).

Every timeline below is derived by hand in a comment (zero costs; the
placement rule of tests/test_smp.py)."""

import json
import re

import pytest

import muos
from muos.export import Timeline
from muos.export.html import render as html_render
from muos.export.perfetto import events as perfetto_events
from test_export import check_chrome_trace, ns, read_vcd, values

MS = 1000000


def worker(work, before=0):
    async def body():
        if before:
            await muos.sleep_for(before)
        await muos.busy(work)
    return body


async def three_on_two():
    muos.spawn(worker(3), name="a", priority=100)
    muos.spawn(worker(2), name="b", priority=110)
    muos.spawn(worker(4), name="c", priority=90)
    await muos.sleep_for(20)


# main runs on core 0 at 0 and spawns; idle1 has core 1. main sleeps: b
# (110) takes core 0 (both free: lowest index), a (100) core 1; c (90)
# waits for the first free core: core 0 when b ends at 2, 2..6; a ends
# at 3. Then the idle threads until main wakes at 20 (on core 0) and
# returns at once.
CORE0 = [(0, 0, "thread", "main"), (0, 2 * MS, "thread", "b"),
         (2 * MS, 6 * MS, "thread", "c"), (6 * MS, 20 * MS, "thread", "idle0"),
         (20 * MS, 20 * MS, "thread", "main")]
CORE1 = [(0, 0, "thread", "idle1"), (0, 3 * MS, "thread", "a"),
         (3 * MS, 20 * MS, "thread", "idle1")]


@pytest.fixture(scope="module")
def run3():
    return muos.run(three_on_two, cores=2, trace=True)


def check_cores(tl):
    """Each core's slices are in order and never overlap; the slices of
    every thread add up to its track's."""
    per_thread = {}
    for core in tl.cores:
        end = 0
        for s, e, kind, name in tl.on_core[core]:
            assert end <= s <= e, (core, s, e)
            end = e
            if kind == "thread":
                per_thread[name] = per_thread.get(name, 0) + e - s
    for name in tl.threads:
        assert per_thread.get(name, 0) == sum(
            e - s for s, e in tl.running[name]), name


def check_sums(tl, st):
    """Slices add up to the statistics: threads, handlers, each core's
    load and the mean load."""
    for name in tl.threads:
        assert sum(b - a for a, b in tl.running[name]) == \
            st.threads[name].cpu_ns, name
    for name in tl.irqs:
        assert sum(b - a for a, b in tl.handling[name]) == \
            st.isr_latency[name].cpu_ns, name
    for i, core in enumerate(tl.cores):
        w = tl.cpu_load(core=core)
        mean = sum((b - a) * x for a, b, x in w) / tl.end_ns
        assert abs(mean - st.cores[i].cpu_load) < 1e-12, core
        assert w == tl.cpu_load(core=i)
    w = tl.cpu_load()
    mean = sum((b - a) * x for a, b, x in w) / tl.end_ns
    assert abs(mean - st.cpu_load) < 1e-12


# -- the model ---------------------------------------------------------------

def test_model_keeps_one_running_thread_per_core(run3):
    tl = Timeline(run3.trace)
    assert tl.cores == ["core0", "core1"]
    assert tl.idle_threads == ["idle0", "idle1"]
    assert tl.on_core == {"core0": CORE0, "core1": CORE1}
    # a switch on core 1 does not stop the thread of core 0
    assert tl.running["a"] == [(0, 3 * MS)]
    assert tl.running["b"] == [(0, 2 * MS)]
    assert tl.running["c"] == [(2 * MS, 6 * MS)]
    assert tl.running["idle0"] == [(6 * MS, 20 * MS)]
    assert tl.running["idle1"] == [(0, 0), (3 * MS, 20 * MS)]
    check_cores(tl)
    check_sums(tl, run3.stats)
    # per core: busy 0..6 and 0..3 of 20 ticks (tests/test_smp.py)
    assert [x for _, _, x in tl.cpu_load(core=0)] == [1.0] * 6 + [0.0] * 14
    assert [x for _, _, x in tl.cpu_load(core=1)] == [1.0] * 3 + [0.0] * 17
    assert [x for _, _, x in tl.cpu_load()][:7] == [1.0] * 3 + [0.5] * 3 \
        + [0.0]
    assert not tl.isr_core_guessed


def test_a_migrating_thread_shows_on_both_cores():
    async def main():
        muos.spawn(worker(2), name="short", priority=60)
        muos.spawn(worker(5), name="lo", priority=50)
        muos.spawn(worker(4, before=1), name="hi", priority=200)
        await muos.sleep_for(30)

    r = muos.run(main, cores=2, trace=True)
    tl = Timeline(r.trace)
    # tests/test_smp.py: hi core 0 (sleeps at once), short core 1 0..2,
    # lo core 0 0..1; hi wakes at 1 and takes core 0 until 5; lo resumes
    # on core 1 when short ends, 2..6 (4 left)
    thr = {c: [(s, e, n) for s, e, k, n in tl.on_core[c] if e > s]
           for c in tl.cores}
    assert thr == {"core0": [(0, MS, "lo"), (MS, 5 * MS, "hi"),
                             (5 * MS, 30 * MS, "idle0")],
                   "core1": [(0, 2 * MS, "short"), (2 * MS, 6 * MS, "lo"),
                             (6 * MS, 30 * MS, "idle1")]}
    assert tl.running["lo"] == [(0, MS), (2 * MS, 6 * MS)]
    check_cores(tl)
    check_sums(tl, r.stats)
    page = html_render(r.trace)
    lo = re.findall(r'<rect class="oncore" style="([^"]+)"[^>]*'
                    r'data-thread="lo"', page)
    assert len(lo) == 2 and lo[0] == lo[1]     # one colour on both cores


def test_a_switch_elsewhere_takes_the_thread_off_its_old_core():
    # hand-made: x is switched in on core 1 while it still runs on core
    # 0 (no event between): it leaves core 0, which keeps nothing
    tr = muos.Trace(1000)
    for name in ("idle0", "idle1", "x", "y"):
        tr.emit(0, "spawn", name, None, 1)
    tr.emit(0, "switch", "x", "core0", None)
    tr.emit(0, "switch", "y", "core1", None)
    tr.emit(2000, "exit", "y", None, "return")
    tr.emit(2000, "switch", "x", "core1", None)
    tr.emit(3000, "switch", "idle0", "core0", None)
    tr.emit(5000, "exit", "x", None, "return")
    tl = Timeline(tr)
    assert tl.on_core == {
        "core0": [(0, 2000, "thread", "x"), (3000, 5000, "thread", "idle0")],
        "core1": [(0, 2000, "thread", "y"), (2000, 5000, "thread", "x")]}
    assert tl.running["x"] == [(0, 5000)]       # touching pieces merge
    check_cores(tl)


# -- interrupts on several cores ---------------------------------------------

async def handlers_on_two_cores():
    k = muos.current_kernel()
    k.interrupt("tim", lambda: None, cost=2, core=1).trigger_at(1)
    k.interrupt("t0", lambda: None, cost=1, priority=3,
                core=0).trigger_at(2)
    k.interrupt("t2", lambda: None, cost=1, priority=3,
                core=1).trigger_at(8)
    muos.spawn(worker(4), name="a", priority=100)
    muos.spawn(worker(4), name="b", priority=90)
    await muos.sleep_for(20)


IRQ_CORE = {"tim": "core1", "t0": "core0", "t2": "core1"}


def with_isr_cores(trace, form):
    """The trace with each ``isr_enter``'s core in one of the two forms
    Timeline reads: in the event's ``thread`` field (as the kernel
    records it), or ``details`` as ``(priority, core)``; or none
    (``form`` None: a trace of an older version)."""
    out = muos.Trace(trace.tick_hz, stats=trace.stats)
    for t, kind, thread, obj, details in trace.events:
        if kind == "isr_enter":
            assert thread == IRQ_CORE[obj]       # what the kernel says
            if form == "details":
                details = (details, thread)
            if form != "thread":
                thread = None
        out.emit(t, kind, thread, obj, details)
    return out


@pytest.mark.parametrize("form", ["thread", "details"])
def test_handlers_take_the_core_the_trace_names(form):
    r = muos.run(handlers_on_two_cores, cores=2, trace=True)
    tl = Timeline(with_isr_cores(r.trace, form))
    # a core 0 0..4 but t0 takes core 0 2..3: a ends at 5; b core 1 from
    # 0, tim takes core 1 1..3: b ends at 6; t2 at 8 on idle core 1
    assert tl.on_core == {
        "core0": [(0, 0, "thread", "main"), (0, 2 * MS, "thread", "a"),
                  (2 * MS, 3 * MS, "irq", "t0"),
                  (3 * MS, 5 * MS, "thread", "a"),
                  (5 * MS, 20 * MS, "thread", "idle0"),
                  (20 * MS, 20 * MS, "thread", "main")],
        "core1": [(0, 0, "thread", "idle1"), (0, MS, "thread", "b"),
                  (MS, 3 * MS, "irq", "tim"),
                  (3 * MS, 6 * MS, "thread", "b"),
                  (6 * MS, 8 * MS, "thread", "idle1"),
                  (8 * MS, 9 * MS, "irq", "t2"),
                  (9 * MS, 20 * MS, "thread", "idle1")]}
    # t0 is not nested in tim: they run on different cores
    assert tl.handling["tim"] == [(MS, 3 * MS)]
    assert tl.handling["t0"] == [(2 * MS, 3 * MS)]
    assert tl.irq_core == IRQ_CORE
    assert tl.irq_priority == {"tim": 1, "t0": 3, "t2": 3}
    assert not tl.isr_core_guessed
    check_cores(tl)
    check_sums(tl, r.stats)


def test_handlers_without_a_core_in_the_trace_go_to_core_0():
    # a trace that does not say an isr_enter's core (an older version's):
    # the model places the handler on core 0 and says so
    r = muos.run(handlers_on_two_cores, cores=2, trace=True)
    tl = Timeline(with_isr_cores(r.trace, None))
    assert tl.isr_core_guessed
    assert tl.irq_core == {"tim": "core0", "t0": "core0", "t2": "core0"}
    assert [x for x in tl.on_core["core0"] if x[2] == "irq"] == [
        (MS, 2 * MS, "irq", "tim"), (2 * MS, 3 * MS, "irq", "t0"),
        (8 * MS, 9 * MS, "irq", "t2")]
    assert all(k == "thread" for _, _, k, _ in tl.on_core["core1"])
    check_cores(tl)


# -- Perfetto ----------------------------------------------------------------

def core_slices(data, names):
    """{core track: [(ts, dur, name)]} of the core tracks' slices."""
    out = {}
    for ev in data["traceEvents"]:
        if ev["ph"] == "X" and ev["cat"] == "core":
            out.setdefault(names[ev["tid"]], []).append(
                (ev["ts"], ev["dur"], ev["name"]))
    return out


def track_order(data, names):
    order = {ev["tid"]: ev["args"]["sort_index"]
             for ev in data["traceEvents"]
             if ev["ph"] == "M" and ev["name"] == "thread_sort_index"}
    return [names[t] for t in sorted(order, key=order.get)]


def test_perfetto_has_a_track_per_core(run3, tmp_path):
    path = run3.trace.to_perfetto(str(tmp_path / "t.json"))
    data = json.load(open(path))
    names = check_chrome_trace(data)
    assert track_order(data, names) == [
        "core0", "core1", "idle0", "idle1", "main", "a", "b", "c"]
    # the idle threads' time is left empty; zero-length slices are code
    # that ran in no simulated time (main spawning, main returning)
    assert core_slices(data, names) == {
        "core0": [(0.0, 0.0, "main"), (0.0, 2000.0, "b"),
                  (2000.0, 4000.0, "c"), (20000.0, 0.0, "main")],
        "core1": [(0.0, 3000.0, "a")]}
    args = [ev["args"] for ev in data["traceEvents"]
            if ev["ph"] == "X" and ev["cat"] == "core"
            and ev["name"] == "b"]
    assert args == [{"thread": "b", "priority": 110}]
    # the per-thread tracks as before
    x = {}
    for ev in data["traceEvents"]:
        if ev["ph"] == "X" and ev["cat"] == "thread":
            x.setdefault(names[ev["tid"]], []).append((ev["ts"], ev["dur"]))
    assert x["a"] == [(0.0, 3000.0)] and x["c"] == [(2000.0, 4000.0)]
    # a load counter per core, and the mean
    st = run3.stats
    for name, want in (("cpu load core0", st.cores[0].cpu_load),
                       ("cpu load core1", st.cores[1].cpu_load),
                       ("cpu load", st.cpu_load)):
        load = [(ns(e["ts"]), e["args"]["load"])
                for e in data["traceEvents"]
                if e["ph"] == "C" and e["name"] == name]
        assert len(load) == 20, name
        mean = sum(v for _, v in load) / 20          # 1-tick windows
        assert abs(mean - want) < 1e-9, name
    assert data["otherData"]["cores"] == 2
    assert data["otherData"]["core_load"] == [0.3, 0.15]


def test_perfetto_core_tracks_show_handlers():
    r = muos.run(handlers_on_two_cores, cores=2, trace=True)
    data = perfetto_events(with_isr_cores(r.trace, "thread"))
    names = check_chrome_trace(data)
    assert track_order(data, names)[:5] == [
        "core0", "core1", "IRQ t0 (prio 3)", "IRQ t2 (prio 3)",
        "IRQ tim (prio 1)"]
    cs = core_slices(data, names)
    assert cs["core1"] == [(0.0, 1000.0, "b"), (1000.0, 2000.0, "IRQ tim"),
                           (3000.0, 3000.0, "b"), (8000.0, 1000.0, "IRQ t2")]
    assert cs["core0"][1:4] == [(0.0, 2000.0, "a"), (2000.0, 1000.0, "IRQ t0"),
                                (3000.0, 2000.0, "a")]


# -- VCD ---------------------------------------------------------------------

def test_vcd_has_a_signal_per_core(run3, tmp_path):
    pytest.importorskip("vcd")
    path = run3.trace.to_vcd(str(tmp_path / "t.vcd"))
    ids, ch = read_vcd(path)
    assert {s for s in ids if s.startswith("muos.cores.")} == {
        "muos.cores.core0.thread", "muos.cores.core0.busy",
        "muos.cores.core1.thread", "muos.cores.core1.busy"}
    # one value per instant: main's zero-length slices at 0 and 20 do not
    # show; "none" once the run ends
    assert values(ids, ch, "muos.cores.core0.thread") == [
        (0, "b"), (2 * MS, "c"), (6 * MS, "idle0"), (20 * MS, "none")]
    assert values(ids, ch, "muos.cores.core1.thread") == [
        (0, "a"), (3 * MS, "idle1"), (20 * MS, "none")]
    assert values(ids, ch, "muos.cores.core0.busy") == [
        (0, "1"), (6 * MS, "0")]
    assert values(ids, ch, "muos.cores.core1.busy") == [
        (0, "1"), (3 * MS, "0")]
    # the threads' own signals as on one core
    assert values(ids, ch, "muos.threads.a.cpu") == [(0, "1"), (3 * MS, "0")]


def test_vcd_core_signal_names_handlers(tmp_path):
    pytest.importorskip("vcd")
    r = muos.run(handlers_on_two_cores, cores=2, trace=True)
    path = with_isr_cores(r.trace, "details").to_vcd(str(tmp_path / "h.vcd"))
    ids, ch = read_vcd(path)
    assert values(ids, ch, "muos.cores.core1.thread") == [
        (0, "b"), (MS, "irq:tim"), (3 * MS, "b"), (6 * MS, "idle1"),
        (8 * MS, "irq:t2"), (9 * MS, "idle1"), (20 * MS, "none")]
    assert values(ids, ch, "muos.cores.core1.busy") == [
        (0, "1"), (6 * MS, "0"), (8 * MS, "1"), (9 * MS, "0")]


# -- HTML --------------------------------------------------------------------

def test_html_has_a_lane_per_core(run3, tmp_path):
    path = run3.trace.to_html(str(tmp_path / "r.html"))
    page = open(path, encoding="utf-8").read()
    assert not re.search(r"(src|href)\s*=|https?://|@import|<link", page)
    rows = re.findall(r'<g class="row (\w+)" data-name="([^"]+)"', page)
    assert rows == [("core", "core0"), ("core", "core1"),
                    ("thread", "idle0"), ("thread", "idle1"),
                    ("thread", "main"), ("thread", "a"), ("thread", "b"),
                    ("thread", "c")]
    lanes = {}
    for name, body in re.findall(
            r'<g class="row core" data-name="([^"]+)">(.*?)</g>', page):
        lanes[name] = re.findall(r'data-tip="([^"]+)"', body)
    assert lanes == {
        "core0": ["core0: main ran at 0 (no simulated time)",
                  "core0: b running 0..2 (2 ticks) at priority 110",
                  "core0: c running 2..6 (4 ticks) at priority 90",
                  "core0: main ran at 20 (no simulated time)"],
        "core1": ["core1: a running 0..3 (3 ticks) at priority 100"]}
    assert "<h3>Cores</h3>" in page
    assert "<td>core0</td><td>30.0%</td><td>14</td>" in page
    assert "<td>core1</td><td>15.0%</td><td>17</td>" in page


def test_html_core_lane_shows_handlers():
    r = muos.run(handlers_on_two_cores, cores=2, trace=True)
    page = html_render(with_isr_cores(r.trace, "thread"))
    lane = re.search(r'<g class="row core" data-name="core1">(.*?)</g>',
                     page).group(1)
    assert re.findall(r'data-tip="([^"]+)"', lane) == [
        "core1: b running 0..1 (1 ticks) at priority 90",
        "core1: IRQ tim handler 1..3 (2 ticks)",
        "core1: b running 3..6 (3 ticks) at priority 90",
        "core1: IRQ t2 handler 8..9 (1 ticks)"]


# -- one core: nothing per core ----------------------------------------------

def test_one_core_has_no_core_tracks(tmp_path):
    async def main():
        muos.spawn(worker(3), name="a", priority=100)
        await muos.sleep_for(5)

    r = muos.run(main, trace=True)
    tl = Timeline(r.trace)
    assert tl.cores == [] and tl.on_core == {}
    assert tl.idle_threads == ["idle"]
    assert tl.irq_core == {} and not tl.isr_core_guessed
    data = perfetto_events(r.trace)
    names = check_chrome_trace(data)
    assert sorted(names.values()) == ["a", "idle", "main"]
    assert not any(ev.get("cat") == "core" for ev in data["traceEvents"])
    assert "cores" not in data["otherData"]
    page = html_render(r.trace)
    assert 'class="row core"' not in page and "<h3>Cores</h3>" not in page
    assert "oncore" not in page
    pytest.importorskip("vcd")
    ids, _ = read_vcd(r.trace.to_vcd(str(tmp_path / "t.vcd")))
    assert not any(s.startswith("muos.cores") for s in ids)
