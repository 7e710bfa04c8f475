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
    irqs = sorted(tl.irqs, key=lambda n: -(tl.irq_priority.get(n) or 0))
    order = 0
    for name in irqs:
        tid = _IRQ_TID + len(tids)
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
    return "exit (%s)" % details, {"how": details}


def write(trace, path):
    """Write ``events(trace)`` to ``path`` as JSON; returns ``path``."""
    data = events(trace)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    return path
