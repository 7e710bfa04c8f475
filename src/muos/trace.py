"""The portable trace core: events recorded at the kernel's choke points.

Owns: ``Trace`` (the event list, or with ``maxlen`` a ring buffer of the
last events, and the text timeline). Imports ``collections``, ``stats``
and ``units``. Events are tuples ``(t_ns, kind, thread, obj,
details)`` of plain values (names, not objects), so two runs of the same
program compare equal. Exporters (Perfetto, VCD, HTML) live in
``muos.export`` and are loaded lazily; they never load on MicroPython.
"""

from collections import deque

from .compat import computed, computed_attrs
from .observe import Observer
from .stats import Stats
from .units import (ns_to_ticks, public_ticks, tick_units, units_per_ns,
                    units_to_ns)

__all__ = ("Trace", "EVENT_KINDS")

# spawn: thread created; ready: thread made ready (details: why);
# switch: thread gets the CPU (details: previous thread); preempt: a
# running thread lost the CPU to a more urgent one; suspend: thread blocks
# (obj: what on); wake: obj completed the thread's wait; timeout: a wait
# gave up; interrupt: Thread.interrupt() ended a wait; priority: effective
# priority changed (details: (old, new)); deadline: effective deadline
# changed (details: the absolute deadline in ticks, or None); switch on
# several cores: obj names the core ("core1"); exit: thread ended (details:
# "return", "kill" or the exception's type name); isr_enter: a handler
# starts (thread None, or its core's name on several cores; obj: the
# interrupt's name, details: its priority);
# isr_exit: it returns; timer: a software timer's callback runs (obj: the
# timer); power: the idle CPU sleeps (details: "sleep", "deep_sleep") or
# pays its wake-up cost ("wakeup").
EVENT_KINDS = ("spawn", "ready", "switch", "preempt", "suspend", "wake",
               "timeout", "interrupt", "priority", "exit", "isr_enter",
               "isr_exit", "timer", "power", "deadline")


class Trace(Observer):
    """Events of one kernel run, in order; ``timeline()`` renders them.
    The kernel's observer when tracing (observe.py): each of its events
    is one tuple here."""

    def __init__(self, tick_hz=1000, stats=None, maxlen=None):
        self.tick_hz = tick_hz
        # (t, kind, thread, obj, details), t in kernel time units (units.py:
        # nanoseconds unless tick_hz does not divide a second); with
        # ``maxlen`` the last maxlen only (a ring buffer: Kernel(trace=N))
        self.maxlen = maxlen
        self._events = [] if maxlen is None else deque((), maxlen)
        self.stats = stats          # the run's Stats (for the exporters)
        # names objects as the run's Stats does (a private one if none)
        self._namer = stats if stats is not None else Stats(tick_hz)

    def name_of(self, obj):
        """The name an object has in events: its ``name``, else its type
        and a number counted per type in order of first appearance
        (deterministic), the same names as in the run's ``Stats``."""
        return self._namer.name_of(obj)

    # -- exporters: muos.export, CPython only, imported on first use --
    def to_perfetto(self, path):
        """Write the trace as Chrome trace-event JSON, which opens in
        ui.perfetto.dev and chrome://tracing (see muos.export.perfetto)."""
        return _exporter("perfetto").write(self, path)

    def to_vcd(self, path):
        """Write thread states, interrupt lines and effective priorities
        as a VCD waveform for GTKWave, and a GTKWave save file beside it
        (needs ``pyvcd``: the ``vcd`` extra; see muos.export.vcd)."""
        return _exporter("vcd").write(self, path)

    def to_html(self, path, title=None):
        """Write one self-contained HTML page: the timeline (drawn on a
        canvas at the current zoom, what is narrower than a pixel
        summed up), zoom and hover details, and the statistics (see
        muos.export.html)."""
        return _exporter("html").write(self, path, title)

    @computed
    def events(self):
        """Every event, in order: ``(t_ns, kind, thread, obj, details)``,
        times in nanoseconds (API.md). At a tick rate that does not divide
        a second a new list is made, its times converted (a float where
        not a whole nanosecond); otherwise the trace's own list."""
        if units_per_ns(self.tick_hz) == 1:
            ev = self._events
            return ev if self.maxlen is None else list(ev)
        hz = self.tick_hz
        return [(units_to_ns(e[0], hz),) + e[1:] for e in self._events]

    def emit(self, t_ns, kind, thread, obj=None, details=None):
        """Record one event; an object is recorded by its name."""
        self._events.append((t_ns, kind, thread, self._obj(obj), details))

    # -- the kernel's events (observe.py), one tuple each (written out:
    # a traced run has an event at every step, so a call less each is
    # most of what tracing costs; emit() above is the same append) --
    def _obj(self, obj):
        if obj is None or type(obj) is str:
            return obj
        return self._namer.name_of(obj)

    def on_spawn(self, k, t):
        self._events.append((k._now + k._epoch, "spawn", t.name, None,
                             t.priority))

    def on_ready(self, k, t, why):
        self._events.append((k._now + k._epoch, "ready", t.name, None, why))

    def on_switch(self, k, t, prev):
        # on several cores obj names the core ("core1"), else None
        self._events.append((k._now + k._epoch, "switch", t.name,
                             None if k._cores is None
                             else "core%d" % t._core,
                             None if prev is None else prev.name))

    def on_preempt(self, k, t, by):
        self._events.append((k._now + k._epoch, "preempt", t.name, None,
                             by.name))

    def on_block(self, k, t, what):
        self._events.append((k._now + k._epoch, "suspend", t.name,
                             self._obj(what), None))

    def on_wake(self, k, t, obj):
        self._events.append((k._now + k._epoch, "wake", t.name,
                             self._obj(obj), None))

    def on_timeout(self, k, t, obj):
        self._events.append((k._now + k._epoch, "timeout", t.name,
                             self._obj(obj), None))

    def on_interrupt(self, k, t, obj):
        self._events.append((k._now + k._epoch, "interrupt", t.name,
                             self._obj(obj), None))

    def on_priority(self, k, t, old, new):
        self._events.append((k._now + k._epoch, "priority", t.name, None,
                             (old, new)))

    def on_deadline(self, k, t, new):
        self._events.append((k._now + k._epoch, "deadline", t.name, None,
                             None if new is None
                             else public_ticks(new, k._epoch_ticks,
                                               self.tick_hz)))

    def on_exit(self, k, t, how):
        self._events.append((k._now + k._epoch, "exit", t.name, None, how))

    def on_isr_enter(self, k, irq):
        # on several cores the thread field names the handler's core
        self._events.append((k._now + k._epoch, "isr_enter",
                             None if k._cores is None
                             else "core%d" % k._cpu,
                             irq.name, irq.priority))

    def on_isr_exit(self, k, irq):
        self._events.append((k._now + k._epoch, "isr_exit", None, irq.name,
                             None))

    def on_timer(self, k, tm):
        self._events.append((k._now + k._epoch, "timer", None, self._obj(tm),
                             None))

    def on_power(self, k, state):
        self._events.append((k._now + k._epoch, "power", None, None, state))

    def __len__(self):
        return len(self._events)

    def select(self, kinds=None, start=None, end=None, threads=None):
        """Events filtered by kind, time window (ticks) and thread names;
        times in nanoseconds, as in ``events``."""
        out = self._select(kinds, start, end, threads)
        if units_per_ns(self.tick_hz) == 1:
            return out
        hz = self.tick_hz
        return [(units_to_ns(e[0], hz),) + e[1:] for e in out]

    def _select(self, kinds=None, start=None, end=None, threads=None):
        # select(), times in kernel time units
        hz = self.tick_hz
        out = []
        for ev in self._events:
            if kinds is not None and ev[1] not in kinds:
                continue
            if threads is not None and ev[2] not in threads:
                continue
            if start is not None or end is not None:
                t = ns_to_ticks(ev[0], hz)
                if start is not None and t < start:
                    continue
                if end is not None and t > end:
                    continue
            out.append(ev)
        return out

    def timeline(self, start=None, end=None, kinds=None, threads=None):
        """A readable text table of events, one line each, times in ticks."""
        # (right-aligned by hand: Cython compiles "%10s" % s as
        # format(s, "10"), which aligns a str to the left)
        lines = ["%s  %-9s %-14s %-14s %s" % (
            _right("tick", 10), "event", "thread", "object", "details")]
        for ev in self._select(kinds, start, end, threads):
            t, kind, thread, obj, details = ev
            tk = ns_to_ticks(t, self.tick_hz)
            if isinstance(tk, int):
                ts = str(tk)
            else:
                ts = "%.3f" % tk
            lines.append("%s  %-9s %-14s %-14s %s" % (
                _right(ts, 10), kind, thread or "-", obj or "-",
                "" if details is None else _fmt_details(details)))
        return "\n".join(lines)


    def states(self):
        """Each thread's state changes, from the events: {name: [(t_ns,
        state, obj)]} with state "ready", "running", "blocked" (obj names
        what on; "sleep" for a sleep) or "ended"."""
        out = {}
        for t, kind, thread, obj, _ in self._events:
            st = _STATE_OF.get(kind)
            if st is None or thread is None:
                continue
            out.setdefault(thread, []).append((t, st, obj))
        return out

    def gantt(self, start, end, threads=None, width=None):
        """A text chart of ticks ``start``..``end``, one row per thread:
        ``#`` running, ``-`` ready, ``=`` blocked on an object, ``.``
        sleeping, blank before creation or after the end."""
        hz = self.tick_hz
        n = int(end - start)
        cell = 1.0 if width is None or n <= width else n / width
        cells = int(n / cell)
        states = self.states()
        names = threads if threads is not None else [
            ev[2] for ev in self._events if ev[1] == "spawn"]
        w = max([len(x) for x in names] + [4])
        ruler = [" "] * cells
        c = 0
        while c < cells:
            label = str(int(start + c * cell))
            if c + len(label) <= cells:
                for i in range(len(label)):
                    ruler[c + i] = label[i]
            c += 10
        lines = [" " * (w + 2) + "".join(ruler)]
        for name in names:
            row = []
            changes = states.get(name, [])
            for c in range(cells):
                a = (start + c * cell) * tick_units(hz)
                b = (start + (c + 1) * cell) * tick_units(hz)
                row.append(_cell(changes, a, b))
            lines.append(name + " " * (w - len(name) + 2) + "".join(row))
        return "\n".join(lines)


computed_attrs(Trace)


_STATE_OF = {"spawn": "ready", "ready": "ready", "preempt": "ready",
             "switch": "running", "suspend": "blocked", "exit": "ended"}
_RANK = {"running": 4, "blocked": 3, "ready": 2, "sleep": 1, "ended": 0,
         None: 0}
_CHAR = {"running": "#", "blocked": "=", "ready": "-", "sleep": ".",
         "ended": " ", None: " "}


def _cell(changes, a, b):
    """The most telling state a thread held for a positive time in
    [a, b): running, then blocked, ready, sleeping."""
    best = None
    n = len(changes)
    for i in range(n):
        t0, st, obj = changes[i]
        t1 = changes[i + 1][0] if i + 1 < n else b
        if t1 <= a or t0 >= b or t1 <= t0:
            continue
        if st == "blocked" and obj in ("sleep", "suspend"):
            st = "sleep"
        if _RANK[st] > _RANK[best]:
            best = st
    return _CHAR[best]


def _exporter(name):
    # the one reference upwards, resolved at call time: export/ sits above
    # the portable core and never loads on MicroPython (DESIGN.md)
    return __import__("muos.export." + name, None, None, ["write"])


def _fmt_details(d):
    if isinstance(d, tuple) and len(d) == 2:
        return "%s -> %s" % (d[0], d[1])
    return str(d)


def _right(s, width):
    """``s`` right-aligned in ``width`` columns."""
    return " " * (width - len(s)) + s
