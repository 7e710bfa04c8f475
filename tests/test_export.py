"""The exporters (API.md "Observability": ``Trace.to_perfetto``,
``to_vcd``, ``to_html``): the Chrome trace-event format rules, slices
that add up to the statistics, a VCD that parses back, a self-contained
HTML page, and the Pathfinder demo's files compared with a golden
structure (times in µs, exact)."""

import json
import os
import re
import sys

import pytest

import muos
from muos import Priority
from muos.cli import main as cli
from muos.export import Timeline
from muos.export.perfetto import events as perfetto_events

MS = 1000000


# -- the Chrome trace-event format, as ui.perfetto.dev reads it -----------

def ns(us):
    """A JSON time (µs, float) back to integer ns; it must be exact."""
    v = us * 1000
    assert abs(v - round(v)) < 1e-6, us
    return round(v)


def check_chrome_trace(data):
    """Assert the rules a Chrome/Perfetto JSON trace must follow; returns
    {tid: track name}."""
    assert isinstance(data["traceEvents"], list)
    evs = data["traceEvents"]
    names = {}
    process = set()
    for ev in evs:
        ph = ev["ph"]
        assert isinstance(ev["name"], str) and ev["name"], ev
        assert isinstance(ev["pid"], int), ev
        if ph == "M":
            assert ev["name"] in ("process_name", "thread_name",
                                  "thread_sort_index"), ev
            if ev["name"] == "process_name":
                assert isinstance(ev["args"]["name"], str)
                process.add(ev["pid"])
            elif ev["name"] == "thread_name":
                assert isinstance(ev["args"]["name"], str)
                assert isinstance(ev["tid"], int)
                assert (ev["pid"], ev["tid"]) not in names, "named twice"
                names[(ev["pid"], ev["tid"])] = ev["args"]["name"]
            else:
                assert isinstance(ev["args"]["sort_index"], int)
        elif ph == "X":
            for k in ("ts", "dur", "tid"):
                assert k in ev, (k, ev)
            assert ev["dur"] >= 0 and ev["ts"] >= 0, ev
        elif ph == "i":
            for k in ("ts", "tid", "s"):
                assert k in ev, (k, ev)
            assert ev["s"] == "t", ev
        elif ph == "C":
            assert "ts" in ev and ev["args"], ev
            for v in ev["args"].values():
                assert type(v) in (int, float), ev
        else:
            raise AssertionError("unexpected phase %r" % ph)
        if "ts" in ev:
            ns(ev["ts"])
        if "dur" in ev:
            ns(ev["dur"])
    last = {}
    end = {}
    for ev in evs:
        ph = ev["ph"]
        if ph in ("X", "i"):
            key = (ev["pid"], ev["tid"])
            assert key in names, "tid %r has no thread_name" % (key,)
            assert ev["pid"] in process
        elif ph == "C":
            key = ("C", ev["name"])
        else:
            continue
        t = ns(ev["ts"])
        assert t >= last.get(key, 0), "ts not sorted on %r" % (key,)
        last[key] = t
        if ph == "X":
            assert t >= end.get(key, 0), "X slices overlap on %r at %r" % (
                names[key], ev["ts"])
            end[key] = t + ns(ev["dur"])
    return {tid: n for (_, tid), n in names.items()}


def slices(data, names, ph="X"):
    """{track name: [(ts, dur) or (ts, name)]} in file order."""
    out = {}
    for ev in data["traceEvents"]:
        if ev["ph"] == ph:
            out.setdefault(names[ev["tid"]], []).append(
                (ev["ts"], ev["dur"]) if ph == "X" else (ev["ts"],
                                                          ev["name"]))
    return out


# -- a program with nested interrupts, a timer, blocking and a kill --------

async def _busy_system():
    k = muos.this_thread()._kernel
    sem = muos.Semaphore(0, name="sem")
    lo = k.interrupt("lo", sem.post, priority=2, cost=3)
    hi = k.interrupt("hi", lambda: None, priority=5, cost=1)
    lo.trigger_at(2)              # handler 2..6, hi nested in it 3..4
    hi.trigger_at(3)
    muos.Timer(lambda: None, name="tick").start(8)

    async def worker():
        await muos.busy(10)       # 0..2; handlers 2..6; waiter 6..7.5;
        #                           the remaining 8: 7.5..15.5

    async def waiter():
        await sem.wait()          # posted by lo's handler at 2
        await muos.busy(1.5)      # after the handlers: 6..7.5
        await muos.sleep_for(100)

    muos.spawn(worker, name="worker", priority=Priority.LOW)
    muos.spawn(waiter, name="waiter", priority=Priority.HIGH)
    v = muos.spawn(waiter, name="victim", priority=Priority.LOWEST)
    await muos.sleep_for(20)
    v.kill()
    await muos.sleep_for(1)


def test_perfetto_format_and_exact_slices(tmp_path):
    r = muos.run(_busy_system, trace=True)
    path = r.trace.to_perfetto(str(tmp_path / "t.json"))
    data = json.load(open(path))
    assert data["displayTimeUnit"] == "ns"
    names = check_chrome_trace(data)
    assert sorted(names.values()) == sorted(
        ["idle", "main", "worker", "waiter", "victim", "IRQ hi (prio 5)",
         "IRQ lo (prio 2)", "IRQ timers (prio 1)"])
    x = slices(data, names)
    # the worker loses the CPU to both nested handlers and to waiter
    assert x["worker"] == [(0.0, 2000.0), (7500.0, 8000.0)]
    assert x["IRQ lo (prio 2)"] == [(2000.0, 1000.0), (4000.0, 2000.0)]
    assert x["IRQ hi (prio 5)"] == [(3000.0, 1000.0)]
    assert x["waiter"] == [(0.0, 0.0), (6000.0, 1500.0)]
    assert x["IRQ timers (prio 1)"] == [(8000.0, 0.0)]
    inst = slices(data, names, "i")
    assert (2000.0, "wake by sem") in inst["waiter"]
    assert (15500.0, "block on sem") in inst["victim"]  # after worker
    assert (20000.0, "exit (kill)") in inst["victim"]
    assert (8000.0, "timer tick") in inst["IRQ timers (prio 1)"]
    assert (6000.0, "preempted by waiter") in inst["worker"]
    # slices add up to the statistics, thread by thread and per line
    tl = Timeline(r.trace)
    for name in tl.threads:
        assert sum(b - a for a, b in tl.running[name]) == \
            r.stats.threads[name].cpu_ns, name
    for name in tl.irqs:
        assert sum(b - a for a, b in tl.handling[name]) == \
            r.stats.isr_latency[name].cpu_ns, name
    assert tl.active["lo"] == [(2 * MS, 6 * MS)]


def test_cpu_load_counter_averages_to_the_stats():
    r = muos.run(_busy_system, trace=True)
    data = perfetto_events(r.trace)
    load = [(ns(e["ts"]), e["args"]["load"]) for e in data["traceEvents"]
            if e["ph"] == "C" and e["name"] == "cpu load"]
    tl = Timeline(r.trace)
    assert [a for a, _ in load] == [a for a, _, _ in tl.cpu_load()]
    w = tl.cpu_load()
    mean = sum((b - a) * x for a, b, x in w) / tl.end_ns
    assert abs(mean - r.stats.cpu_load) < 1e-12
    assert all(0.0 <= x <= 1.0 for _, x in load)


def test_priority_counters_and_a_trace_without_stats(tmp_path):
    tr = muos.Trace(1000)
    tr.emit(0, "spawn", "a", None, 10)
    tr.emit(0, "switch", "a", None, None)
    tr.emit(1500, "priority", "a", None, (10, 20))
    tr.emit(1500, "priority", "a", None, (20, 30))   # same instant: last
    tr.emit(3000, "exit", "a", None, "return")
    data = perfetto_events(tr)
    names = check_chrome_trace(data)
    assert slices(data, names)["a"] == [(0.0, 3.0)]
    prio = [(e["ts"], e["args"]["priority"]) for e in data["traceEvents"]
            if e["name"] == "priority a"]
    assert prio == [(0.0, 10), (1.5, 30)]
    pytest.importorskip("vcd")
    tr.emit(4000, "spawn", "late b", None, 5)
    path = tr.to_vcd(str(tmp_path / "t.vcd"))
    ids, ch = read_vcd(path)
    assert values(ids, ch, "muos.threads.late_b.state") == [
        (0, "none"), (4000, "ready")]
    assert values(ids, ch, "muos.threads.a.priority") == [
        (0, 10), (1500, 30)]


# -- VCD --------------------------------------------------------------------

def read_vcd(path):
    """({signal path: id}, [(t, id, value)]) parsed with pyvcd."""
    from vcd.reader import TokenKind, tokenize
    ids = {}
    scope = []
    changes = []
    t = 0
    with open(path, "rb") as f:
        for tok in tokenize(f):
            k = tok.kind
            if k is TokenKind.SCOPE:
                scope.append(tok.data.ident)
            elif k is TokenKind.UPSCOPE:
                scope.pop()
            elif k is TokenKind.VAR:
                ids[".".join(scope + [tok.data.reference])] = (
                    tok.data.id_code)
            elif k is TokenKind.CHANGE_TIME:
                t = tok.data
            elif k in (TokenKind.CHANGE_SCALAR, TokenKind.CHANGE_VECTOR,
                       TokenKind.CHANGE_STRING):
                changes.append((t, tok.data.id_code, tok.data.value))
    return ids, changes


def values(ids, changes, sig):
    code = ids[sig]
    return [(t, v) for t, c, v in changes if c == code]


def test_vcd_parses_back(tmp_path):
    pytest.importorskip("vcd")
    r = muos.run(_busy_system, trace=True)
    path = r.trace.to_vcd(str(tmp_path / "t.vcd"))
    ids, ch = read_vcd(path)
    assert set(ids) >= {"muos.threads.worker.state",
                        "muos.threads.worker.cpu",
                        "muos.threads.worker.priority",
                        "muos.irqs.lo.active", "muos.irqs.lo.cpu",
                        "muos.irqs.lo.fired", "muos.irqs.timers.cpu"}
    assert values(ids, ch, "muos.threads.worker.cpu") == [
        (0, "1"), (2 * MS, "0"), (7500000, "1"), (15500000, "0")]
    assert values(ids, ch, "muos.irqs.lo.active") == [
        (0, "0"), (2 * MS, "1"), (6 * MS, "0")]
    assert values(ids, ch, "muos.irqs.lo.cpu") == [
        (0, "0"), (2 * MS, "1"), (3 * MS, "0"), (4 * MS, "1"),
        (6 * MS, "0")]
    st = values(ids, ch, "muos.threads.victim.state")
    # one value per instant: running at 15.5 for no time is not shown
    assert st == [(0, "ready"), (15500000, "blocked:sem"),
                  (20 * MS, "ended")]
    assert values(ids, ch, "muos.threads.worker.priority") == [(0, 32)]


def test_vcd_needs_pyvcd(tmp_path, monkeypatch):
    r = muos.run(_busy_system, trace=True)
    monkeypatch.setitem(sys.modules, "vcd", None)
    with pytest.raises(ImportError, match="pyvcd"):
        r.trace.to_vcd(str(tmp_path / "t.vcd"))


# -- HTML -------------------------------------------------------------------

def test_html_is_self_contained(tmp_path):
    r = muos.run(_busy_system, trace=True)
    path = r.trace.to_html(str(tmp_path / "r.html"), title="busy <system>")
    page = open(path, encoding="utf-8").read()
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>busy &lt;system&gt;</title>" in page
    assert not re.search(r"(src|href)\s*=|https?://|@import|<link", page)
    assert page.count('<g class="row thread"') == 5
    assert page.count('<g class="row irq"') == 3
    assert "<h2>Statistics</h2>" in page and "sem" in page
    assert 'data-tip="worker running 0..2 (2 ticks)' in page
    assert 'data-tip="worker running 7.5..15.5 (8 ticks)' in page


# -- the golden files of the Pathfinder demo --------------------------------

GOLDEN_TRACKS = ["idle", "main", "bc_sched", "bc_dist", "comms", "asi_met"]
GOLDEN_COUNTS = {   # running slices per track, run 1 (NONE) and 2 (INHERIT)
    1: {"idle": 12, "main": 2, "bc_sched": 9, "bc_dist": 13, "comms": 9,
        "asi_met": 17},
    2: {"idle": 12, "main": 2, "bc_sched": 9, "bc_dist": 13, "comms": 9,
        "asi_met": 13},
}


def test_pathfinder_golden(tmp_path, capsys):
    # the VCD's half is test_pathfinder_golden_vcd (it needs pyvcd)
    base = str(tmp_path / "pf")
    assert cli(["demo", "pathfinder", "--trace", base + ".json",
                "--report", base + ".html"]) == 0
    out = capsys.readouterr().out
    for i in (1, 2):
        for ext in ("json", "html"):
            assert "wrote %s-%d.%s (muos demo pathfinder, run %d of 2)" % (
                base, i, ext, i) in out
    runs = {}
    for i in (1, 2):
        data = json.load(open("%s-%d.json" % (base, i)))
        names = check_chrome_trace(data)
        assert [names[t] for t in sorted(names)] == GOLDEN_TRACKS
        x = slices(data, names)
        assert {k: len(v) for k, v in x.items()} == GOLDEN_COUNTS[i]
        runs[i] = (data, names, x)
    # run 1, cycle 0: bc_dist computes 100..102, blocks on info_bus held
    # by asi_met (which ran 90..100, 102..105); comms runs 105..156 (with
    # bc_sched's tick at 125), asi_met finishes 156..158 and unlocks,
    # bc_dist distributes 158..161
    data, names, x = runs[1]
    assert x["bc_dist"][:4] == [(1000.0, 0.0), (100000.0, 2000.0),
                                (158000.0, 3000.0), (225000.0, 5000.0)]
    assert x["asi_met"][:5] == [(1000.0, 0.0), (90000.0, 10000.0),
                                (102000.0, 3000.0), (156000.0, 2000.0),
                                (161000.0, 0.0)]
    assert x["comms"][1:3] == [(105000.0, 20000.0), (126000.0, 30000.0)]
    inst = [i for i in slices(data, names, "i")["bc_dist"]
            if i[0] < 250000]
    assert inst == [(1000.0, "sleep"), (102000.0, "block on info_bus"),
                    (158000.0, "wake by info_bus"), (161000.0, "sleep"),
                    (230000.0, "sleep")]
    # run 2: asi_met inherits HIGH 102..107 in every odd cycle
    data, names, x = runs[2]
    assert x["bc_dist"][1:3] == [(100000.0, 2000.0), (107000.0, 3000.0)]
    prio = [(e["ts"], e["args"]["priority"]) for e in data["traceEvents"]
            if e["ph"] == "C" and e["name"] == "priority asi_met"]
    assert prio == [(0.0, 32)] + [
        (c + d, p) for c in (102000.0, 352000.0, 602000.0, 852000.0)
        for d, p in ((0.0, 160), (5000.0, 32))]
    counters = sorted({e["name"] for e in data["traceEvents"]
                       if e["ph"] == "C"})
    assert counters == ["cpu load"] + sorted(
        "priority " + n for n in GOLDEN_TRACKS)
    # the report of run 1 shows the 4 inversion windows, run 2 none
    page = open(base + "-1.html", encoding="utf-8").read()
    assert page.count('<rect class="inversion"') == 4
    assert page.count('<g class="row thread"') == 6
    page = open(base + "-2.html", encoding="utf-8").read()
    assert page.count('<rect class="inversion"') == 0
    assert page.count('<rect class="boost"') == 4


def test_pathfinder_golden_vcd(tmp_path, capsys):
    # the VCD says what the trace says, in ns (pyvcd: the vcd extra,
    # which CI installs)
    pytest.importorskip("vcd")
    base = str(tmp_path / "pf")
    assert cli(["demo", "pathfinder", "--vcd", base + ".vcd"]) == 0
    out = capsys.readouterr().out
    for i in (1, 2):
        assert ("wrote %s-%d.vcd (muos demo pathfinder, run %d of 2; "
                "GTKWave: gtkwave %s-%d.gtkw)" % (base, i, i, base, i)) in out
        assert os.path.exists("%s-%d.gtkw" % (base, i))
    ids, ch = read_vcd(base + "-1.vcd")
    st = values(ids, ch, "muos.threads.bc_dist.state")
    assert st[:5] == [(0, "ready"), (MS, "sleeping"),
                      (100 * MS, "running"), (102 * MS, "blocked:info_bus"),
                      (158 * MS, "running")]
    ids, ch = read_vcd(base + "-2.vcd")
    assert values(ids, ch, "muos.threads.asi_met.priority")[:3] == [
        (0, 32), (102 * MS, 160), (107 * MS, 32)]



def test_vcd_priorities_above_127_are_unsigned(tmp_path):
    # issue 15 #3: an 8-bit "integer" showed 160 as -96 in GTKWave
    pytest.importorskip("vcd")

    async def main():
        muos.this_thread().set_priority(muos.Priority.HIGH)      # 160
        await muos.sleep_for(1)

    r = muos.run(main, trace=True)
    path = r.trace.to_vcd(str(tmp_path / "p.vcd"))
    text = open(path).read()
    assert "$var reg 8" in text and " priority $end" in text
    ids, ch = read_vcd(path)
    assert values(ids, ch, "muos.threads.main.priority")[-1][1] == 160
    assert "b10100000" in text
