"""A trace as Chrome trace-event JSON, for ui.perfetto.dev.

Owns: ``write(trace, path)`` and ``events(trace)`` (the JSON object).
CPython only; imported lazily by ``Trace.to_perfetto``.

Layout: one process ("muos"), one track per interrupt (on top, most
urgent first) and one per thread (spawn order), each named by ``M``
metadata. Running and handler time are ``X`` complete slices (see
``muos.export`` for what a slice means); block, wake, timeout, interrupt,
preemption and exit are thread-scoped instants (``ph: "i"``) that name
the object or thread involved; timer callbacks are instants on the
"timers" line. Counters (``ph: "C"``): CPU load per window and each
thread's effective priority. Queue fill and semaphore values are not
exported: the trace records no object state, by design (sync objects
carry no trace code), so they cannot be reconstructed.

Several cores: one more track per core ("core0", "core1", ...; on
top, in index order), whose slices (``cat: "core"``) say what runs on
it: a thread's slice named by the thread, a handler's named "IRQ
<name>"; the idle thread's time is left empty, as in Perfetto's own CPU
tracks. The "cpu load" counter is the mean over the cores (as
``Stats.cpu_load``), and "cpu load core<i>" counters give each core's
(``Stats.cores[i].cpu_load``). A one-core trace has no core track.

Times are microseconds as floats: kernel time units / 1000 per
microsecond (units.py: a nanosecond at the usual tick rates), exact to
the nanosecond (``displayTimeUnit`` is "ns").
"""

import json

from ..units import units_per_ns
from . import Timeline

__all__ = ["write", "events", "PID"]

PID = 1
_IRQ_TID = 100000        # interrupt tracks: tids above every thread's
_CORE_TID = 200000       # core tracks (several cores): above the IRQs'


def _us(t, per_us):
    return t / per_us


def events(trace):
    """The trace as a Chrome trace-event object (a dict ready for
    ``json.dump``): ``{"traceEvents": [...], ...}``."""
    tl = Timeline(trace)
    per_us = 1000 * units_per_ns(tl.tick_hz)     # kernel time units
    meta = [{"name": "process_name", "ph": "M", "pid": PID,
             "args": {"name": "muos"}}]
    tids = {}
    order = 0
    for i, name in enumerate(tl.cores):
        tid = _CORE_TID + i
        tids[("core", name)] = tid
        meta.append({"name": "thread_name", "ph": "M", "pid": PID,
                     "tid": tid, "args": {"name": name}})
        meta.append({"name": "thread_sort_index", "ph": "M", "pid": PID,
                     "tid": tid, "args": {"sort_index": order}})
        order += 1
    irqs = sorted(tl.irqs, key=lambda n: -(tl.irq_priority.get(n) or 0))
    for i, name in enumerate(irqs):
        tid = _IRQ_TID + i
        tids[("irq", name)] = tid
        p = tl.irq_priority.get(name)
        label = "IRQ %s" % name + ("" if p is None else " (prio %d)" % p)
        meta.append({"name": "thread_name", "ph": "M", "pid": PID,
                     "tid": tid, "args": {"name": label}})
        meta.append({"name": "thread_sort_index", "ph": "M", "pid": PID,
                     "tid": tid, "args": {"sort_index": order}})
        order += 1
    for i, name in enumerate(tl.threads):
        tid = i + 1
        tids[("thread", name)] = tid
        meta.append({"name": "thread_name", "ph": "M", "pid": PID,
                     "tid": tid, "args": {"name": name}})
        meta.append({"name": "thread_sort_index", "ph": "M", "pid": PID,
                     "tid": tid, "args": {"sort_index": order}})
        order += 1
    timed = []
    for name in tl.threads:
        tid = tids[("thread", name)]
        for s, e in tl.running[name]:
            timed.append({"name": "running", "cat": "thread", "ph": "X",
                          "pid": PID, "tid": tid, "ts": _us(s, per_us),
                          "dur": _us(e - s, per_us),
                          "args": {"priority": tl.priority_at(name, s)}})
    for name in tl.irqs:
        tid = tids[("irq", name)]
        for s, e in tl.handling[name]:
            timed.append({"name": "handler", "cat": "irq", "ph": "X",
                          "pid": PID, "tid": tid, "ts": _us(s, per_us),
                          "dur": _us(e - s, per_us),
                          "args": {"priority": tl.irq_priority.get(name)}})
    idle = set(tl.idle_threads)
    for core in tl.cores:
        tid = tids[("core", core)]
        for s, e, what, name in tl.on_core[core]:
            if what == "irq":
                label = "IRQ %s" % name
                args = {"irq": name,
                        "priority": tl.irq_priority.get(name)}
            elif name in idle:
                continue
            else:
                label = name
                args = {"thread": name,
                        "priority": tl.priority_at(name, s)}
            timed.append({"name": label, "cat": "core", "ph": "X",
                          "pid": PID, "tid": tid, "ts": _us(s, per_us),
                          "dur": _us(e - s, per_us), "args": args})
    for t, thread, kind, obj, details in tl.instants:
        if kind == "timer":
            key = ("irq", "timers")
        else:
            key = ("thread", thread)
        tid = tids.get(key)
        if tid is None:
            continue
        name, args = _instant(kind, obj, details)
        timed.append({"name": name, "cat": kind, "ph": "i", "s": "t",
                      "pid": PID, "tid": tid, "ts": _us(t, per_us),
                      "args": args})
    for a, _, load in tl.cpu_load():
        timed.append({"name": "cpu load", "ph": "C", "pid": PID,
                      "ts": _us(a, per_us),
                      "args": {"load": round(load, 6)}})
    for core in tl.cores:
        for a, _, load in tl.cpu_load(core=core):
            timed.append({"name": "cpu load %s" % core, "ph": "C",
                          "pid": PID, "ts": _us(a, per_us),
                          "args": {"load": round(load, 6)}})
    for name in tl.threads:
        last = {}
        for t, p in tl.priority[name]:
            last[t] = p              # the last value at each instant
        prev = None
        for t in sorted(last):
            if last[t] != prev:
                timed.append({"name": "priority %s" % name, "ph": "C",
                              "pid": PID, "ts": _us(t, per_us),
                              "args": {"priority": last[t]}})
                prev = last[t]
    timed.sort(key=lambda ev: ev["ts"])       # stable: ties keep order
    st = tl.stats
    other = {"generator": "muos", "tick_hz": tl.tick_hz,
             "end_us": _us(tl.end_ns, per_us)}
    if st is not None:
        other["cpu_load"] = st.cpu_load
        other["context_switches"] = st.context_switches
        if tl.cores:
            other["cores"] = len(tl.cores)
            other["core_load"] = [c.cpu_load for c in st.cores]
    return {"traceEvents": meta + timed, "displayTimeUnit": "ns",
            "otherData": other}


def _instant(kind, obj, details):
    if kind == "suspend":
        if obj == "sleep":
            return "sleep", {}
        if obj == "suspend":
            return "suspend", {}
        return "block on %s" % obj, {"object": obj}
    if kind == "wake":
        return "wake by %s" % obj, {"object": obj}
    if kind == "timeout":
        if obj is None:
            return "timeout", {}
        return "timeout on %s" % obj, {"object": obj}
    if kind == "interrupt":
        return "interrupted on %s" % obj, {"object": obj}
    if kind == "preempt":
        return "preempted by %s" % details, {"by": details}
    if kind == "timer":
        return "timer %s" % obj, {"timer": obj}
    if kind == "watchdog":          # muos.Watchdog: details (fed, deadline)
        return "watchdog %s missed" % obj, {
            "watchdog": obj, "last_feed": details[0],
            "deadline": details[1]}
    return "exit (%s)" % details, {"how": details}


def write(trace, path):
    """Write ``events(trace)`` to ``path`` as JSON; returns ``path``."""
    data = events(trace)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    return path
