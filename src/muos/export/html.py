"""A trace as one self-contained HTML page: timeline and statistics.

Owns: ``write(trace, path, title=None)`` and ``render(trace, title)``.
CPython only; imported lazily by ``Trace.to_html``. The page needs no
network: styles, the data and a small script are inline.

The data. The page embeds what ``Timeline`` says as compact JSON (a
``<script type="application/json">``), every time an integer number of
quanta (the greatest common divisor of the trace's times, so that it is
exact) and every list delta-encoded: per thread its running slices
(``[start, length, gap, length, ...]``), its state changes, preemptions,
wake-ups, priority changes and boosts; per interrupt its handler and
active time; per core what ran there; the inversion windows, the power
states, and per periodic thread its period, deadline, first release and
missed jobs. About 10 bytes an event: 100,000 events make about 1 MB.

The drawing. The page's script paints the timeline on a canvas at the
current zoom, one pixel column at a time: what is narrower than a pixel
is aggregated, so a column shows the share of its time a thread ran (the
height of its bar), the state it was mostly in otherwise (ready a thin
grey bar, blocked an amber one, sleeping a dotted line), whether its
priority was raised (a purple strip) or a priority inversion touched it
(a red band over the waiter's row, a pink one over the owner's). The
idle thread's time is drawn as idle (pale green), not as running. On
top, a CPU-load lane (the share of each column the CPU, or the mean of
the cores, was not idle) and, when the run had a ``PowerModel``, a
power lane (the share of each column the CPU ran, slept, deep-slept or
paid its wake-up cost). Per periodic thread (``Stats.periodics``), its
releases (a green tick at the top) and deadlines (a dark one at the
bottom) once they are 6 pixels apart, and every late job (a deadline
miss, ``ThreadStats.misses``) in red at any zoom: a mark at the
deadline, a band from the deadline to the finish and a line under the
job from its release. Preemptions (red ticks) and wake-ups, timeouts
and interrupts (grey lines) are drawn when they are sparse (at most one
per 6 pixels in view); watchdog misses always. What ran in no time (a
zero-length slice or handler) is a line in its column, or a low strip
where such columns are dense (more than one in 6). On several cores, one
lane per core on top of the rows ("core0", ...): in each column the
share of time the core ran something, in the colour of what ran most
there (a colour per thread, the same on every core; the handler colour
for handlers).

The releases are not events of the trace: they are ``start + offset +
k * period`` (``muos.periodic``), and the start is inferred: from a
missed job when there is one (exact), else from the wake-ups of the
thread's sleeps (the most common phase modulo the period), the first
release being the first such wake-up, or the period before it when the
offset is 0 and the thread was ready or running then (a first job due
at once does not sleep).

The page's structure (what tests read): ``<svg id="tl">``, whose
``viewBox`` is the window shown in ticks, holds one ``<g class="row
KIND" data-name=NAME>`` per row (KIND core, irq or thread); up to
``SHAPES_MAX`` events the exact SVG shapes of the previous report are
in it as well, invisible, each with its hover text (``data-tip``);
beyond it the script finds the hover text in the data (the slice or
state under the pointer, or what the column aggregates). Zoom: the
mouse wheel (around the pointer) or the + / - / fit buttons; drag to
pan; open the page with ``#t=A,B`` (or change the fragment) to show
ticks A..B. Under it, the statistics tables of ``Stats`` (and each
core's load, and the late jobs: a click on one shows it).
"""

import json
from collections import Counter
from html import escape
from math import gcd

from ..statreport import _opt as _fmt  # numbers as the text report has them
from ..units import tick_units, ticks_to_ns
from . import Timeline

__all__ = ["write", "render", "SHAPES_MAX"]

ROW = 28            # px per row
LABEL_W = 170       # px of the label column
SHAPES_MAX = 3000   # events up to which the exact SVG shapes are embedded
LATE_ROWS = 500     # late jobs listed in the table at most


def _tk(ns, hz):
    """Kernel time units to ticks as a short decimal string (exact to
    the unit)."""
    u = tick_units(hz)
    q, r = divmod(ns, u)
    if r == 0:
        return str(q)
    return ("%.9f" % (ns / u)).rstrip("0").rstrip(".")


class _Svg:
    def __init__(self, hz):
        self.hz = hz
        self.parts = []

    def x(self, ns):
        return _tk(ns, self.hz)

    def rect(self, cls, a, b, y, h, tip):
        w = _tk(b - a, self.hz)
        self.parts.append(
            '<rect class="%s" x="%s" y="%g" width="%s" height="%g" '
            'data-tip="%s"/>' % (cls, self.x(a), y, w, h, escape(tip)))

    def line(self, cls, t, y0, y1, tip):
        x = self.x(t)
        self.parts.append(
            '<line class="%s" x1="%s" x2="%s" y1="%g" y2="%g" '
            'data-tip="%s"/>' % (cls, x, x, y0, y1, escape(tip)))

    def hline(self, cls, a, b, y, tip):
        self.parts.append(
            '<line class="%s" x1="%s" x2="%s" y1="%g" y2="%g" '
            'data-tip="%s"/>' % (cls, self.x(a), self.x(b), y, y,
                                 escape(tip)))


def _span(a, b, hz):
    return "%s..%s (%s ticks)" % (_tk(a, hz), _tk(b, hz), _tk(b - a, hz))


def _rows(tl):
    """``[(kind, name, label)]``: the cores, the interrupts (most urgent
    first), the threads (spawn order)."""
    rows = []
    for name in tl.cores:
        rows.append(("core", name, name))
    irqs = sorted(tl.irqs, key=lambda n: -(tl.irq_priority.get(n) or 0))
    for name in irqs:
        p = tl.irq_priority.get(name)
        rows.append(("irq", name, "IRQ %s%s" % (
            name, "" if p is None else " (%d)" % p)))
    for name in tl.threads:
        rows.append(("thread", name, "%s (%s)" % (
            name, tl.base_priority(name))))
    return rows


def _timeline(tl, rows, shapes=True):
    """The rows of ``<svg id="tl">``: a band each, and with ``shapes``
    the exact shapes (invisible: hover targets carrying their text)."""
    hz = tl.tick_hz
    svg = _Svg(hz)
    y_of = {}
    for i, (kind, name, _) in enumerate(rows):
        y_of[(kind, name)] = i * ROW
    for kind, name, _ in rows:
        y = y_of[(kind, name)]
        svg.parts.append('<g class="row %s" data-name="%s">' % (
            kind, escape(name)))
        svg.parts.append('<rect class="band" x="0" y="%d" width="%s" '
                         'height="%d"/>' % (y, svg.x(tl.end_ns), ROW))
        if not shapes:
            pass
        elif kind == "core":
            _core_lane(svg, tl, name, y)
        elif kind == "irq":
            for a, b in tl.active[name]:
                svg.rect("active", a, b, y + ROW - 7, 4,
                         "IRQ %s active %s" % (name, _span(a, b, hz)))
            for a, b in tl.handling[name]:
                if b > a:
                    svg.rect("handler", a, b, y + 4, ROW - 12,
                             "IRQ %s handler %s" % (name, _span(a, b, hz)))
                else:
                    svg.line("handler0", a, y + 4, y + ROW - 8,
                             "IRQ %s handler at %s (no CPU time)" % (
                                 name, _tk(a, hz)))
        else:
            for a, b, st, obj in tl.segments(name):
                if st == "ready":
                    svg.rect("ready", a, b, y + ROW / 2 - 2, 4,
                             "%s ready %s" % (name, _span(a, b, hz)))
                elif st == "blocked":
                    svg.rect("blocked", a, b, y + ROW / 2 - 4, 8,
                             "%s blocked on %s %s" % (
                                 name, obj, _span(a, b, hz)))
                elif st in ("sleeping", "suspended"):
                    svg.hline(st, a, b, y + ROW / 2,
                              "%s %s %s" % (name, st, _span(a, b, hz)))
            idle = name in tl.idle_threads
            for a, b in tl.running[name]:
                p = tl.priority_at(name, a)
                if idle and b > a:
                    svg.rect("idle", a, b, y + 3, ROW - 6,
                             "%s: CPU idle %s" % (name, _span(a, b, hz)))
                elif b > a:
                    svg.rect("run", a, b, y + 3, ROW - 6,
                             "%s running %s at priority %s" % (
                                 name, _span(a, b, hz), p))
                else:
                    svg.line("run0", a, y + 3, y + ROW - 3,
                             "%s ran at %s (no simulated time)" % (
                                 name, _tk(a, hz)))
            for a, b, p in tl.boosts(name):
                svg.rect("boost", a, b, y, 3,
                         "%s priority raised %s -> %s, %s" % (
                             name, tl.base_priority(name), p,
                             _span(a, b, hz)))
        svg.parts.append("</g>")
    if not shapes:
        return "".join(svg.parts)
    marks = []
    idle = set(tl.idle_threads)
    for t, thread, kind, obj, details in tl.instants:
        if (kind == "preempt" and thread not in idle
                and ("thread", thread) in y_of):
            y = y_of[("thread", thread)]
            marks.append((t, y, "preempt", "%s preempted by %s at %s" % (
                thread, details, _tk(t, hz))))
        elif kind == "watchdog" and ("thread", thread) in y_of:
            marks.append((t, y_of[("thread", thread)], "watchdog",
                          "%s: missed its watchdog %s deadline %s (fed at "
                          "%s)" % (thread, obj, details[1], details[0])))
        elif kind in ("wake", "timeout", "interrupt") and obj is not None:
            y = y_of.get(("thread", thread))
            if y is not None:
                marks.append((t, y, kind, "%s: %s %s at %s" % (
                    thread, kind, obj, _tk(t, hz))))
    svg.parts.append('<g class="marks">')
    for t, y, cls, tip in marks:
        svg.line(cls, t, y + 1, y + ROW - 1, tip)
    svg.parts.append("</g>")
    svg.parts.append('<g class="inversions">')
    for a, b, waiter, mutex, owner in tl.inversions:
        tip = ("priority inversion %s: %s waits on %s held by %s, which "
               "runs below it" % (_span(a, b, hz), waiter, mutex, owner))
        y = y_of.get(("thread", waiter))
        if y is not None:
            svg.rect("inversion", a, b, y, ROW, tip)
        y = y_of.get(("thread", owner))
        if y is not None:
            svg.rect("inversion-owner", a, b, y, ROW, tip)
    svg.parts.append("</g>")
    return "".join(svg.parts)


def _hue(tl, thread):
    """A thread's colour in the core lanes: hues a golden angle apart in
    spawn order."""
    i = tl.threads.index(thread) if thread in tl.threads else 0
    return "hsl(%d,60%%,48%%)" % (i * 137.508 % 360)


def _core_lane(svg, tl, core, y):
    """What runs on ``core``: thread slices (a colour per thread) and
    handler slices; the idle thread's time is left empty."""
    hz = tl.tick_hz
    idle = set(tl.idle_threads)
    for a, b, kind, name in tl.on_core[core]:
        if kind == "irq":
            if b > a:
                svg.rect("handler", a, b, y + 4, ROW - 8,
                         "%s: IRQ %s handler %s" % (
                             core, name, _span(a, b, hz)))
            else:
                svg.line("handler0", a, y + 4, y + ROW - 4,
                         "%s: IRQ %s handler at %s (no CPU time)" % (
                             core, name, _tk(a, hz)))
            continue
        if name in idle:
            continue
        p = tl.priority_at(name, a)
        if b > a:
            svg.parts.append(
                '<rect class="oncore" style="fill:%s" x="%s" y="%g" '
                'width="%s" height="%g" data-thread="%s" data-tip="%s"/>'
                % (_hue(tl, name), svg.x(a), y + 3, _tk(b - a, hz),
                   ROW - 6, escape(name), escape(
                       "%s: %s running %s at priority %s" % (
                           core, name, _span(a, b, hz), p))))
        else:
            svg.parts.append(
                '<line class="oncore0" style="stroke:%s" x1="%s" x2="%s" '
                'y1="%g" y2="%g" data-thread="%s" data-tip="%s"/>' % (
                    _hue(tl, name), svg.x(a), svg.x(a), y + 3,
                    y + ROW - 3, escape(name), escape(
                        "%s: %s ran at %s (no simulated time)" % (
                            core, name, _tk(a, hz)))))


def _table(head, rows, cls=""):
    out = ['<table class="%s"><thead><tr>' % cls]
    out.extend("<th>%s</th>" % escape(h) for h in head)
    out.append("</tr></thead><tbody>")
    for r in rows:
        out.append("<tr>" + "".join(
            "<td>%s</td>" % escape(str(c)) for c in r) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _stats(st, late=""):
    if st is None:
        return "<p>No statistics in this trace.</p>"
    out = ["<p>Elapsed %s ticks, CPU load %.1f%%, %d context switches.</p>"
           % (_fmt(st.elapsed), 100.0 * st.cpu_load, st.context_switches)]
    if getattr(st, "ncores", 1) > 1:
        out.append("<h3>Cores</h3>")
        out.append("<p>%d cores; the CPU load above is their mean.</p>"
                   % st.ncores)
        out.append(_table(("core", "cpu load", "idle"), [
            ("core%d" % c.index, "%.1f%%" % (100.0 * c.cpu_load),
             _fmt(c.idle_time)) for c in st.cores], "cores"))
    rows = []
    for t in st.threads.values():
        rows.append((t.name, _fmt(t.cpu_time), t.switches, t.jobs,
                     _fmt(t.min_response), _fmt(t.mean_response),
                     _fmt(t.max_response), t.deadline_misses,
                     _fmt(t.blocked_time), _fmt(t.sleep_time),
                     _fmt(t.inversion_time) if t.inversion_ns
                     or t.inversion_time else "-"))
    out.append("<h3>Threads</h3>")
    out.append(_table(("thread", "cpu", "switches", "jobs", "min resp",
                       "mean resp", "max resp", "misses", "blocked",
                       "sleeping", "inversion"), rows, "threads"))
    hist = [t for t in st.threads.values() if t.jobs]
    if hist:
        out.append("<h3>Response-time histograms (ticks)</h3>")
        for t in hist:
            h = t.histogram()
            peak = max(c for _, _, c in h) or 1
            out.append('<div class="hist"><b>%s</b>' % escape(t.name))
            for a, b, c in h:
                out.append(
                    '<span class="bin" title="%s..%s: %d jobs"><i '
                    'style="height:%dpx"></i><small>%s</small></span>' % (
                        _fmt(a), _fmt(b), c, 2 + 40 * c // peak, c))
            out.append('<small class="range">%s .. %s</small></div>' % (
                _fmt(h[0][0]), _fmt(h[-1][1])))
    blocked = st.blocked
    if blocked:
        out.append("<h3>Blocked time per object (ticks)</h3>")
        out.append(_table(("object", "total", "per thread"), [
            (name, _fmt(blocked[name]), ", ".join(
                "%s %s" % (k, _fmt(v))
                for k, v in st.blocked_by(name).items()))
            for name in blocked], "blocked"))
    win = st._inversion_windows()     # kernel time units
    out.append("<h3>Priority inversion</h3>")
    if win:
        hz = st.tick_hz
        out.append("<p>%s ticks in %d windows: a thread blocked on a mutex "
                   "whose owner ran below its priority.</p>" % (
                       _fmt(st.inversion_time), len(win)))
        out.append(_table(("from", "to", "ticks", "waiter", "mutex",
                           "owner"), [
            (_tk(a, hz), _tk(b, hz), _tk(b - a, hz), w, m, o)
            for a, b, w, m, o in win], "inversions"))
    else:
        out.append("<p>None.</p>")
    if st.isr_latency:
        out.append("<h3>Interrupts</h3>")
        out.append(_table(("interrupt", "count", "missed", "min latency",
                           "mean latency", "max latency", "cpu"), [
            (name, s.count, s.missed, _fmt(s.min), _fmt(s.mean),
             _fmt(s.max), _fmt(s.cpu_time))
            for name, s in st.isr_latency.items()], "irqs"))
    if st.masked_ns:
        out.append("<p>Longest interrupts-masked section: %s ticks%s.</p>"
                   % (_fmt(st.longest_masked), "" if st.masked_by is None
                      else " (thread %s)" % escape(st.masked_by)))
    if st.power is not None:
        ps = st.power_states
        out.append("<p>Power: run %s, sleep %s, deep sleep %s ticks; "
                   "energy %.6g mJ.</p>" % (
                       _fmt(ps["run"]), _fmt(ps["sleep"]),
                       _fmt(ps["deep_sleep"]), st.energy))
    out.append(late)
    out.append("<details><summary>as text</summary><pre>%s</pre>"
               "</details>" % escape(str(st)))
    return "".join(out)


# -- the data the page's script draws ------------------------------------

_STATE_CODE = {"ready": 0, "running": 1, "sleeping": 2, "suspended": 3,
               "ended": 4}            # 5 + i: blocked on objects[i]
_MARK_CODE = {"wake": 0, "timeout": 1, "interrupt": 2}


def _state_at(tl, thread, t):
    """The thread's states at ``t``: the one it was in just before and
    those it entered at ``t``."""
    out = set()
    last = None
    for tt, st, _ in tl.states.get(thread, ()):
        if tt < t:
            last = st
        elif tt == t:
            out.add(st)
        else:
            break
    if last is not None:
        out.add(last)
    return out


def _periodics(tl):
    """``{thread: (period, deadline, first release, stop, misses)}`` in
    kernel time units for the periodic threads of the run (misses:
    ``[(index, release, deadline, finish)]``; stop: when the thread
    ended, else the end of the run). See the module's docstring for how
    the first release is found."""
    st = tl.stats
    per = getattr(st, "periodics", None) if st is not None else None
    if not per:
        return {}
    wakes = {n: [] for n in per if n in tl.states}
    for t, kind, thread, _, details in tl.trace._events:
        if kind == "ready" and details == "sleep" and thread in wakes:
            wakes[thread].append(t)
    out = {}
    for name in wakes:
        m = per[name]
        period, deadline, offset = m[1], m[2], m[3]
        if not period or period <= 0:
            continue
        ts = st.threads.get(name)
        misses = [] if ts is None else [
            (j.index, j.release_ns, j.deadline_ns, j.finish_ns)
            for j in ts.misses]
        w = wakes[name]
        if misses:
            r0 = misses[0][1] - misses[0][0] * period
        elif w:
            phase = Counter(t % period for t in w).most_common(1)[0][0]
            r0 = next(t for t in w if t % period == phase)
            if (offset == 0 and r0 - period >= 0
                    and _state_at(tl, name, r0 - period)
                    & {"ready", "running"}):
                r0 -= period
        else:
            run = tl.running.get(name)
            if not run:
                continue
            r0 = run[0][0]
        stop = tl.end_ns
        for t, s, _ in tl.states.get(name, ()):
            if s == "ended":
                stop = t
        out[name] = (period, deadline, r0, stop, misses)
    return out


def _power_spans(tl):
    """``[(start, end, code)]``: the CPU asleep (1), in deep sleep (2)
    or paying its wake-up cost (3); None without a ``PowerModel``. A
    sleep lasts from its "power" event to the next event (the kernel
    sleeps until then)."""
    st = tl.stats
    pm = getattr(st, "power", None) if st is not None else None
    if pm is None:
        return None
    wk = ticks_to_ns(pm.wakeup, tl.tick_hz) if pm.wakeup else 0
    end = tl.end_ns
    spans = []
    pending = None
    for ev in tl.trace._events:
        t = ev[0]
        if pending is not None:
            if t > pending[0]:
                spans.append((pending[0], t, pending[1]))
            pending = None
        if ev[1] == "power":
            if ev[4] in ("sleep", "deep_sleep"):
                pending = (t, 1 if ev[4] == "sleep" else 2)
            elif ev[4] == "wakeup" and wk:
                spans.append((t, min(t + wk, end), 3))
    if pending is not None and end > pending[0]:
        spans.append((pending[0], end, pending[1]))
    out = []
    last = 0
    for a, b, c in spans:          # in order, never overlapping
        a = max(a, last)
        if b > a:
            out.append((a, b, c))
            last = b
    return out


def _quantum(tl, extra):
    """The greatest common divisor of every time the page holds (1 if
    one is not an integer): times are sent as multiples of it."""
    g = 0
    try:
        for ev in tl.trace._events:
            g = gcd(g, ev[0])
        for v in extra:
            g = gcd(g, v)
    except TypeError:
        return 1
    return g or 1


class _Enc:
    """Times as integer quanta, lists delta-encoded."""

    def __init__(self, q):
        self.q = q

    def t(self, v):
        q = self.q
        return v // q if type(v) is int else int(round(v / q))

    def slices(self, pairs):
        """``[(s, e)]`` in order -> ``[s0, e0-s0, s1-e0, e1-s1, ...]``."""
        out = []
        last = 0
        t = self.t
        for s, e in pairs:
            s, e = t(s), t(e)
            out.append(s - last)
            out.append(e - s)
            last = e
        return out

    def slices3(self, triples):
        """``[(s, e, x)]`` -> ``[gap, length, x, ...]``."""
        out = []
        last = 0
        t = self.t
        for s, e, x in triples:
            s, e = t(s), t(e)
            out.extend((s - last, e - s, x))
            last = e
        return out

    def points(self, items):
        """``[(t, x, ...)]`` in order -> ``[dt, x, ..., dt, x, ...]``."""
        out = []
        last = 0
        t = self.t
        for it in items:
            v = t(it[0])
            out.append(v - last)
            out.extend(it[1:])
            last = v
        return out


def _data(tl, rows):
    """The page's data (see the module's docstring), a dict for JSON."""
    hz = tl.tick_hz
    per = _periodics(tl)
    power = _power_spans(tl)
    extra = [tl.end_ns]
    for period, deadline, r0, stop, misses in per.values():
        extra.extend((period, deadline, r0, stop))
        for m in misses:
            extra.extend(m[1:])
    for a, b, _, _, _ in tl.inversions:
        extra.extend((a, b))
    for a, b, _ in power or ():
        extra.extend((a, b))
    q = _quantum(tl, extra)
    enc = _Enc(q)
    t = enc.t
    objs = []
    obj_i = {}

    def obj(name):
        name = str(name)
        i = obj_i.get(name)
        if i is None:
            i = obj_i[name] = len(objs)
            objs.append(name)
        return i

    th_i = {n: i for i, n in enumerate(tl.threads)}
    irq_i = {n: i for i, n in enumerate(tl.irqs)}
    idle = set(tl.idle_threads)
    pre = {}
    marks = {}
    wd = {}
    for tt, thread, kind, o, details in tl.instants:
        if kind == "preempt" and thread not in idle:
            pre.setdefault(thread, []).append(
                (tt, th_i.get(details, -1)))
        elif kind == "watchdog":
            wd.setdefault(thread, []).append((t(tt), (
                "%s: missed its watchdog %s deadline %s (fed at %s)"
                % (thread, o, details[1], details[0]))))
        elif kind in _MARK_CODE and o is not None:
            marks.setdefault(thread, []).append(
                (tt, _MARK_CODE[kind], obj(o)))
    out_rows = []
    for kind, name, _ in rows:
        if kind == "core":
            tri = []
            for a, b, k, n in tl.on_core[name]:
                if k == "irq":
                    tri.append((a, b, -1 - irq_i.get(n, 0)))
                elif n not in idle:
                    tri.append((a, b, th_i.get(n, 0)))
            out_rows.append({"k": "c", "n": name, "c": enc.slices3(tri)})
            continue
        if kind == "irq":
            out_rows.append({"k": "i", "n": name,
                             "h": enc.slices(tl.handling[name]),
                             "a": enc.slices(sorted(tl.active[name]))})
            continue
        r = {"k": "t", "n": name, "i": th_i[name],
             "r": enc.slices(tl.running[name])}
        if name in idle:
            r["idle"] = 1
        ch = []
        for tt, st, o in tl.states[name]:
            ch.append((tt, 5 + obj(o) if st == "blocked"
                       else _STATE_CODE[st]))
        r["s"] = enc.points(ch)
        if name in pre:
            r["p"] = enc.points(pre[name])
        if name in marks:
            r["m"] = enc.points(marks[name])
        if name in wd:
            r["w"] = wd[name]
        b = tl.boosts(name)
        if b:
            r["b"] = enc.slices3(b)
        pr = tl.priority[name]
        if pr:
            r["pr"] = enc.points(pr)
        if name in per:
            period, deadline, r0, stop, misses = per[name]
            r["per"] = [t(period), t(deadline), t(r0), t(stop)]
            if misses:
                r["x"] = [[i, t(a), t(d), t(f)] for i, a, d, f in misses]
        out_rows.append(r)
    data = {"q": q, "u": tick_units(hz), "end": t(tl.end_ns), "row": ROW,
            "rows": out_rows, "thr": list(tl.threads),
            "irq": list(tl.irqs), "objs": objs,
            "hue": [_hue(tl, n) for n in tl.threads],
            "idle": [th_i[n] for n in tl.idle_threads if n in th_i],
            "inv": [[t(a), t(b), th_i.get(w, -1), obj(m), th_i.get(o, -1)]
                    for a, b, w, m, o in tl.inversions],
            "lanes": []}
    if data["idle"]:
        data["lanes"].append("load")
    if power is not None:
        data["lanes"].append("power")
        data["pw"] = enc.slices3(power)
    return data


def _json(data):
    """JSON safe inside a <script> element."""
    return json.dumps(data, separators=(",", ":")).replace(
        "<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_CSS = """
body{font:14px system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px}h3{font-size:15px}
#chart{display:flex;border:1px solid #ccc;user-select:none}
#labels{flex:none}#right{flex:1;min-width:0;overflow:hidden}
#plot{position:relative;cursor:grab}
#cv{position:absolute;left:0;top:0}
#tl{display:block;width:100%;position:absolute;left:0}
#tl .band{fill:transparent}
#tl .row>:not(.band),#tl .marks>*,#tl .inversions>*{opacity:0}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;
padding:3px 6px;border-radius:3px;font-size:12px;display:none;z-index:2;
white-space:pre-line}
table{border-collapse:collapse;margin:4px 0 12px}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
table.late tr[data-t]{cursor:pointer}table.late tr[data-t]:hover{
background:#fde}
.legend span{margin-right:12px;white-space:nowrap}
.legend i{display:inline-block;width:14px;
height:10px;margin-right:4px;vertical-align:middle}
.label.late{fill:#e4002b;font-weight:bold}
.hist{display:flex;align-items:flex-end;gap:3px;margin:4px 0}
.hist b{width:120px}.bin{display:flex;flex-direction:column;
align-items:center}.bin i{width:18px;background:#2f6fd0}
.range{margin-left:8px;color:#666}
"""

# the colours the script paints with (and the legend shows)
COLOURS = {
    "run": "#2f6fd0", "idle": "#a8d5ba", "ready": "#c8c8c8",
    "blocked": "#f0a020", "sleep": "#999999", "preempt": "#8a5a00",
    "boost": "#8a3fd1", "handler": "#2a9d4a", "active": "#9ed7ae",
    "release": "#0b7a75", "deadline": "#333333", "late": "#e4002b",
    "mark": "#555555", "watchdog": "#e08000", "load": "#5a6b7d",
    "p_run": "#e8743b", "p_sleep": "#8fb8e0", "p_deep": "#23395d",
    "p_wake": "#f2c12e", "inversion": "rgba(220,20,20,.28)",
    "owner": "rgba(220,20,120,.13)", "band0": "#fafafa",
    "band1": "#f0f0f0", "bandc": "#eef3fa", "bandl": "#eef1f5",
}

_JS = r"""
(function(){
var D=JSON.parse(document.getElementById('muos-data').textContent);
var K=JSON.parse(document.getElementById('muos-colours').textContent);
var svg=document.getElementById('tl'),ax=document.getElementById('axis'),
 plot=document.getElementById('plot'),cv=document.getElementById('cv'),
 ctx=cv.getContext('2d'),tip=document.getElementById('tip');
var END=+svg.dataset.end,H=+svg.dataset.height,x0=0,w=END;
var ROW=D.row,LH=D.lanes.length*ROW,painted=0;
function tk(v){return String(+(v*D.q/D.u).toFixed(9));}
function span(a,b){return tk(a)+'..'+tk(b)+' ('+tk(b-a)+' ticks)';}
function pct(v){return (100*v).toFixed(v>0&&v<0.01?2:0)+'%';}
// -- decoding: delta lists to absolute times (data units) --
function sl(a,k){a=a||[];k=k||2;var n=a.length/k|0,S=new Float64Array(n),
 E=new Float64Array(n),X=new Float64Array(n),t=0;
 for(var i=0;i<n;i++){t+=a[k*i];S[i]=t;t+=a[k*i+1];E[i]=t;
  if(k>2)X[i]=a[k*i+2];}return {S:S,E:E,X:X,n:n};}
function pts(a,k){a=a||[];var n=a.length/k|0,T=new Float64Array(n),
 X=new Float64Array(n),Y=new Float64Array(n),t=0;
 for(var i=0;i<n;i++){t+=a[k*i];T[i]=t;if(k>1)X[i]=a[k*i+1];
  if(k>2)Y[i]=a[k*i+2];}return {T:T,X:X,Y:Y,n:n};}
function segs(ch,code){ // state changes -> the slices of some states
 var S=[],E=[],X=[];for(var i=0;i<ch.n;i++){var c=ch.X[i];if(c===4)break;
  var e=i+1<ch.n?ch.T[i+1]:D.end;if(e>ch.T[i]&&code(c)){S.push(ch.T[i]);
  E.push(e);X.push(c);}}
 return {S:Float64Array.from(S),E:Float64Array.from(E),X:X,n:S.length};}
var rows=D.rows;
rows.forEach(function(r){
 if(r.k==='t'){r.run=sl(r.r);var ch=pts(r.s,2);r.ch=ch;
  r.rd=segs(ch,function(c){return c===0;});
  r.bl=segs(ch,function(c){return c>=5;});
  r.sp=segs(ch,function(c){return c===2||c===3;});
  r.pre=pts(r.p,2);r.mk=pts(r.m,3);r.bst=sl(r.b,3);r.pri=pts(r.pr,2);}
 else if(r.k==='i'){r.hd=sl(r.h);r.ac=sl(r.a);}
 else r.cs=sl(r.c,3);});
var byName={};rows.forEach(function(r,i){if(r.k==='t')byName[r.i]=i;});
var inv=rows.map(function(){return [];}),own=rows.map(function(){
 return [];});
(D.inv||[]).forEach(function(v){if(byName[v[2]]!==undefined)
 inv[byName[v[2]]].push(v);if(byName[v[4]]!==undefined)
 own[byName[v[4]]].push(v);});
var idles=D.idle.map(function(i){return rows[byName[i]].run;});
var pw=D.pw?sl(D.pw,3):null;
// -- aggregation: the share of each pixel column a list of slices covers
function first(A,v){var lo=0,hi=A.length;while(lo<hi){var m=(lo+hi)>>1;
 if(A[m]<v)lo=m+1;else hi=m;}return lo;}
function cover(s,a,b,k,px,cov,zero,sel){
 var S=s.S,E=s.E,n=s.n;
 for(var i=first(E,a);i<n;i++){var s0=S[i];if(s0>b)break;
  if(s0===b&&E[i]>s0)break;
  if(sel&&!sel(s.X[i]))continue;var e0=E[i];
  if(e0<=s0){if(zero){var z=Math.floor((s0-a)*k);if(z>=0&&z<px)zero[z]=1;}
   continue;}
  var fs=(Math.max(s0,a)-a)*k,fe=(Math.min(e0,b)-a)*k;if(fe>px)fe=px;
  var cs=Math.floor(fs);if(cs>=px)continue;var ce=Math.floor(fe);
  if(ce<=cs){cov[cs]+=fe-fs;}else{cov[cs]+=cs+1-fs;
   for(var c=cs+1;c<ce;c++)cov[c]+=1;if(ce<px)cov[ce]+=fe-ce;}}}
function count(s,a,b){return Math.max(0,first(s.S,b)-first(s.E,a));}
function hgt(v,h){return v>=0.999?h:Math.max(1,Math.round(v*h));}
function bars(cov,y,h,col){ctx.fillStyle=col;var c=0,px=cov.length;
 while(c<px){if(!(cov[c]>1e-9)){c++;continue;}var hh=hgt(cov[c],h),c2=c+1;
  while(c2<px&&cov[c2]>1e-9&&hgt(cov[c2],h)===hh)c2++;
  ctx.fillRect(c,y+h-hh,c2-c,hh);c=c2;}}
function strip(cov,y,h,col){ctx.fillStyle=col;var c=0,px=cov.length;
 while(c<px){if(!(cov[c]>1e-9)){c++;continue;}var c2=c+1;
  while(c2<px&&cov[c2]>1e-9)c2++;ctx.fillRect(c,y,c2-c,h);c=c2;}}
function ticks(zero,cov,y,h,col){ // what ran in no time: a line each,
 // or where they are dense (more than one column in 6) a low strip
 var n=0,c,px=zero.length;for(c=0;c<px;c++)if(zero[c]&&!(cov[c]>1e-9))n++;
 if(!n)return;var lo=n>px/6;ctx.fillStyle=col;
 for(c=0;c<px;c++)if(zero[c]&&!(cov[c]>1e-9)){if(lo)ctx.fillRect(c,y+h-3,1,3);
  else ctx.fillRect(c,y,1,h);}}
function xs(v,a,k){return Math.floor((v-a)*k);}
// -- painting --
function thread(r,ri,y,a,b,k,px){
 var cr=new Float64Array(px),cb=new Float64Array(px),cz=new Float64Array(px);
 if(!r.idle){cover(r.rd,a,b,k,px,cr);cover(r.bl,a,b,k,px,cb);
  cover(r.sp,a,b,k,px,cz);}
 var st=new Uint8Array(px),c,m;
 for(c=0;c<px;c++){m=Math.max(cr[c],cb[c],cz[c]);
  st[c]=m<=1e-9?0:cb[c]===m?2:cr[c]===m?1:3;}
 for(c=0;c<px;){var s=st[c],c2=c+1;while(c2<px&&st[c2]===s)c2++;
  if(s===1){ctx.fillStyle=K.ready;ctx.fillRect(c,y+ROW/2-2,c2-c,4);}
  else if(s===2){ctx.fillStyle=K.blocked;ctx.fillRect(c,y+ROW/2-4,c2-c,8);}
  else if(s===3){ctx.fillStyle=K.sleep;for(var d=c;d<c2;d++)
   if(d%5<2)ctx.fillRect(d,y+ROW/2,1,1);}
  c=c2;}
 var cov=new Float64Array(px),zero=new Uint8Array(px);
 cover(r.run,a,b,k,px,cov,zero);
 var col=r.idle?K.idle:K.run;bars(cov,y+3,ROW-6,col);
 ticks(zero,cov,y+3,ROW-6,col);
 if(r.bst.n){var cv2=new Float64Array(px);cover(r.bst,a,b,k,px,cv2);
  strip(cv2,y,3,K.boost);}
 var sparse=px/6,i,x;
 if(r.pre.n){var i0=first(r.pre.T,a),i1=first(r.pre.T,b+1e-9);
  if(i1-i0<=sparse){ctx.fillStyle=K.preempt;for(i=i0;i<i1;i++){
   x=xs(r.pre.T[i],a,k);ctx.fillRect(Math.min(x,px-2),y+1,2,ROW-2);}}}
 if(r.mk.n){i0=first(r.mk.T,a);i1=first(r.mk.T,b+1e-9);
  if(i1-i0<=sparse){ctx.fillStyle=K.mark;for(i=i0;i<i1;i++){
   x=xs(r.mk.T[i],a,k);ctx.fillRect(x,y+1,1,ROW-2);}}}
 if(r.per){var P=r.per[0],DL=r.per[1],r0=r.per[2],stop=r.per[3];
  if(P*k>=6){var j=Math.max(0,Math.ceil((a-DL-r0)/P));
   for(;;j++){var rel=r0+j*P;if(rel>b||rel>=stop)break;
    x=xs(rel,a,k);if(rel>=a){ctx.fillStyle=K.release;
     ctx.fillRect(x,y,1,9);ctx.fillRect(x-1,y,3,3);}
    var dl=rel+DL;x=xs(dl,a,k);if(dl>=a&&dl<=b){ctx.fillStyle=K.deadline;
     ctx.fillRect(x,y+ROW-9,1,9);ctx.fillRect(x-1,y+ROW-3,3,3);}}}}
 (r.w||[]).forEach(function(v){var x=xs(v[0],a,k);if(x>=0&&x<px){
  ctx.fillStyle=K.watchdog;ctx.fillRect(x,y+1,2,ROW-2);}});
 inv[ri].forEach(function(v){band(v[0],v[1],y,a,b,k,px,K.inversion);});
 own[ri].forEach(function(v){band(v[0],v[1],y,a,b,k,px,K.owner);});
 (r.x||[]).forEach(function(v){late(v,y,a,b,k,px);});}
function band(s,e,y,a,b,k,px,col){if(e<a||s>b)return;
 var c1=Math.max(0,xs(s,a,k)),c2=Math.min(px,Math.max(c1+1,
  Math.ceil((e-a)*k)));ctx.fillStyle=col;ctx.fillRect(c1,y,c2-c1,ROW);}
function late(v,y,a,b,k,px){var rel=v[1],dl=v[2],fin=v[3];
 if(fin<a&&xs(fin,a,k)<-3||rel>b)return;ctx.fillStyle=K.late;
 var c0=xs(rel,a,k),c1=xs(dl,a,k),c2=Math.max(c1+3,Math.ceil((fin-a)*k));
 ctx.fillRect(c0,y+ROW-2,Math.max(1,c2-c0),2);
 ctx.fillRect(c1,y,c2-c1,5);ctx.fillRect(c1,y,2,ROW);}
function irq(r,y,a,b,k,px){var ca=new Float64Array(px);
 cover(r.ac,a,b,k,px,ca);strip(ca,y+ROW-7,4,K.active);
 var cov=new Float64Array(px),zero=new Uint8Array(px);
 cover(r.hd,a,b,k,px,cov,zero);bars(cov,y+4,ROW-12,K.handler);
 ticks(zero,cov,y+4,ROW-12,K.handler);}
function core(r,y,a,b,k,px){var s=r.cs,cov=new Float64Array(px),
 best=new Float64Array(px),who=new Float64Array(px),zero=new Uint8Array(px);
 for(var i=first(s.E,a);i<s.n;i++){var s0=s.S[i];if(s0>b)break;
  var e0=s.E[i],x=s.X[i];
  if(e0<=s0){var z=xs(s0,a,k);if(z>=0&&z<px){zero[z]=1;
   if(!best[z]){who[z]=x;}}continue;}
  var fs=(Math.max(s0,a)-a)*k,fe=Math.min(px,(Math.min(e0,b)-a)*k);
  var cs=Math.floor(fs);if(cs>=px)continue;var ce=Math.floor(fe);
  for(var c=cs;c<=ce&&c<px;c++){var p=Math.min(c+1,fe)-Math.max(c,fs);
   if(p<=0)continue;cov[c]+=p;if(p>best[c]){best[c]=p;who[c]=x;}}}
 var nz=0;for(c=0;c<px;c++)if(zero[c]&&!(cov[c]>1e-9))nz++;
 var hz=nz>px/6?3:ROW-6;
 for(c=0;c<px;){if(!(cov[c]>1e-9)&&!zero[c]){c++;continue;}
  var hh=cov[c]>1e-9?hgt(cov[c],ROW-6):hz,wh=who[c],c2=c+1;
  while(c2<px&&cov[c2]>1e-9&&who[c2]===wh&&hgt(cov[c2],ROW-6)===hh)c2++;
  ctx.fillStyle=wh<0?K.handler:D.hue[wh];
  ctx.fillRect(c,y+ROW-3-hh,cov[c]>1e-9?c2-c:1,hh);c=c2;}}
function lanes(a,b,k,px){D.lanes.forEach(function(l,li){var y=li*ROW,
 h=ROW-6,c;ctx.fillStyle=K.bandl;ctx.fillRect(0,y,px,ROW);
 if(l==='load'){var cov=new Float64Array(px);
  idles.forEach(function(s){cover(s,a,b,k,px,cov);});
  var n=idles.length,ld=new Float64Array(px),lastc=Math.min(px,
   Math.ceil((D.end-a)*k));
  for(c=0;c<lastc;c++)ld[c]=Math.max(0,1-cov[c]/n);
  ctx.fillStyle='#d8dde3';ctx.fillRect(0,y+3+h/2,px,1);
  bars(ld,y+3,h,K.load);}
 else{var sl1=new Float64Array(px),sl2=new Float64Array(px),
  sl3=new Float64Array(px),e=Math.min(px,Math.ceil((D.end-a)*k));
  cover(pw,a,b,k,px,sl1,null,function(x){return x===1;});
  cover(pw,a,b,k,px,sl2,null,function(x){return x===2;});
  cover(pw,a,b,k,px,sl3,null,function(x){return x===3;});
  for(c=0;c<e;c++){var hd=Math.round(Math.min(1,sl2[c])*h),
   hs=Math.round(Math.min(1,sl2[c]+sl1[c])*h),
   hw=Math.round(Math.min(1,sl2[c]+sl1[c]+sl3[c])*h),yb=y+3+h;
   if(hd){ctx.fillStyle=K.p_deep;ctx.fillRect(c,yb-hd,1,hd);}
   if(hs>hd){ctx.fillStyle=K.p_sleep;ctx.fillRect(c,yb-hs,1,hs-hd);}
   if(hw>hs){ctx.fillStyle=K.p_wake;ctx.fillRect(c,yb-hw,1,hw-hs);}
   if(h>hw){ctx.fillStyle=K.p_run;ctx.fillRect(c,y+3,1,h-hw);}}}});}
function paint(){var t0=performance.now(),
 px=Math.max(1,Math.round(plot.clientWidth)),
 ht=LH+H,dpr=window.devicePixelRatio||1;
 if(cv.width!==Math.round(px*dpr)||cv.height!==Math.round(ht*dpr)){
  cv.width=Math.round(px*dpr);cv.height=Math.round(ht*dpr);
  cv.style.width=px+'px';cv.style.height=ht+'px';}
 ctx.setTransform(dpr,0,0,dpr,0,0);ctx.clearRect(0,0,px,ht);
 var a=x0*D.u/D.q,b=(x0+w)*D.u/D.q,k=px/(b-a);
 lanes(a,b,k,px);
 rows.forEach(function(r,i){var y=LH+i*ROW;ctx.fillStyle=r.k==='c'?K.bandc:
  i%2?K.band1:K.band0;ctx.fillRect(0,y,px,ROW);
  if(r.k==='t')thread(r,i,y,a,b,k,px);else if(r.k==='i')irq(r,y,a,b,k,px);
  else core(r,y,a,b,k,px);});
 painted++;document.body.setAttribute('data-painted',painted);
 document.body.setAttribute('data-paint-ms',
  (performance.now()-t0).toFixed(1));}
// -- hover: the shape's text, else what the data says under the pointer
function at(s,t){var i=first(s.E,t);return i<s.n&&s.S[i]<=t?i:-1;}
function prio(r,t){var i=first(r.pri.T,t+1e-9)-1;return i>=0?r.pri.X[i]:'?';}
function lookup(e){var q=plot.getBoundingClientRect(),px=q.width,
 X=e.clientX-q.left,Y=e.clientY-q.top;if(X<0||X>=px||Y<0)return null;
 var a=x0*D.u/D.q,b=(x0+w)*D.u/D.q,k=px/(b-a),t=a+X/k,
 ca=a+Math.floor(X)/k,cb=ca+1/k,col='ticks '+tk(ca)+'..'+tk(cb);
 function share(s,sel){var c=new Float64Array(1);
  cover(s,ca,cb,1/(cb-ca),1,c,null,sel);return c[0];}
 if(Y<LH){var l=D.lanes[Math.floor(Y/ROW)];if(l==='load'){var v=0;
   idles.forEach(function(s){v+=share(s);});
   return 'CPU load '+pct(Math.max(0,1-v/idles.length))+' over '+col;}
  var s1=share(pw,function(x){return x===1;}),s2=share(pw,function(x){
   return x===2;}),s3=share(pw,function(x){return x===3;});
  return 'power over '+col+': run '+pct(Math.max(0,1-s1-s2-s3))+
   ', sleep '+pct(s1)+', deep sleep '+pct(s2)+', wake-up '+pct(s3);}
 var ri=Math.floor((Y-LH)/ROW),r=rows[ri];if(!r)return null;var i,n;
 if(r.k==='t'){
  i=at(r.run,t);if(i>=0&&(r.run.E[i]-r.run.S[i])*k>=2)return r.idle?
   r.n+': CPU idle '+span(r.run.S[i],r.run.E[i]):r.n+' running '+
   span(r.run.S[i],r.run.E[i])+' at priority '+prio(r,r.run.S[i]);
  n=count(r.run,ca,cb);if(n>0)return r.n+(r.idle?' idle ':' ran ')+
   pct(share(r.run))+' of '+col+' ('+n+' slice'+(n>1?'s':'')+')';
  if(r.idle)return (i=at(r.rd,t))>=0?r.n+': CPU busy '+
   span(r.rd.S[i],r.rd.E[i]):null;
  if((i=at(r.bl,t))>=0)return r.n+' blocked on '+D.objs[r.bl.X[i]-5]+' '+
   span(r.bl.S[i],r.bl.E[i]);
  if((i=at(r.rd,t))>=0)return r.n+' ready '+span(r.rd.S[i],r.rd.E[i]);
  if((i=at(r.sp,t))>=0)return r.n+(r.sp.X[i]===2?' sleeping ':
   ' suspended ')+span(r.sp.S[i],r.sp.E[i]);return null;}
 var s=r.k==='i'?r.hd:r.cs;i=at(s,t);
 var who=function(x){return x<0?'IRQ '+D.irq[-1-x]+' handler':
  D.thr[x]+' running';};
 if(i>=0&&(s.E[i]-s.S[i])*k>=2)return r.k==='i'?'IRQ '+r.n+' handler '+
  span(s.S[i],s.E[i]):r.n+': '+who(s.X[i])+' '+span(s.S[i],s.E[i]);
 n=count(s,ca,cb);if(n>0)return (r.k==='i'?'IRQ '+r.n+' handled ':
  r.n+' busy ')+pct(share(s))+' of '+col+' ('+n+' slice'+(n>1?'s':'')+')';
 return null;}
function lateTip(r,X,a,k){var xx=r.x||[];for(var i=0;i<xx.length;i++){
 var v=xx[i],c1=(v[2]-a)*k,c2=Math.max(c1+3,(v[3]-a)*k);
 if(X>=c1-2&&X<=c2+1)return r.n+': job '+v[0]+' late: released '+
  tk(v[1])+', deadline '+tk(v[2])+', finished '+tk(v[3])+' ('+
  tk(v[3]-v[2])+' ticks late)';}return null;}
function invTip(v){return 'priority inversion '+span(v[0],v[1])+': '+
 D.thr[v[2]]+' waits on '+D.objs[v[3]]+' held by '+D.thr[v[4]]+
 ', which runs below it';}
function more(e){ // the late job and inversion windows under the pointer
 var q=plot.getBoundingClientRect(),Y=e.clientY-q.top,X=e.clientX-q.left;
 if(Y<LH)return [];var ri=Math.floor((Y-LH)/ROW),r=rows[ri];
 if(!r||r.k!=='t')return [];var b=(x0+w)*D.u/D.q,a=x0*D.u/D.q,
 k=q.width/(b-a),t=a+X/k,out=[],lt=lateTip(r,X,a,k);if(lt)out.push(lt);
 if(r.per&&r.per[0]*k>=6){var P=r.per[0],j=Math.round((t-r.per[2])/P),
  rel=r.per[2]+j*P;if(j>=0&&Math.abs((rel-t)*k)<=2&&rel<r.per[3])
  out.push(r.n+': job '+j+' released at '+tk(rel)+', deadline '+
   tk(rel+r.per[1]));}
 inv[ri].concat(own[ri]).forEach(function(v){if(v[0]<=t&&t<=v[1]||
  Math.abs((v[0]-t)*k)<1)out.push(invTip(v));});return out;}
// -- the view: viewBox, ruler, canvas --
function clamp(){if(w>END)w=END;if(w<END/1e6)w=END/1e6;
 if(x0<0)x0=0;if(x0+w>END)x0=END-w;}
function ruler(){var px=svg.clientWidth||800,n=Math.max(2,px/110);
 var raw=w/n,p=Math.pow(10,Math.floor(Math.log10(raw))),s=p;
 [1,2,5,10].forEach(function(m){if(p*m<=raw)s=p*m;});
 var out='',t=Math.ceil(x0/s)*s;
 for(;t<=x0+w;t+=s){var x=(t-x0)/w*px;
  out+='<line x1="'+x+'" x2="'+x+'" y1="0" y2="6" stroke="#888"/>'+
   '<text x="'+(x+2)+'" y="16" font-size="11">'+(+t.toFixed(6))+
   '</text>';}
 ax.innerHTML=out;document.getElementById('range').textContent=
  'ticks '+(+x0.toFixed(6))+' .. '+(+(x0+w).toFixed(6));}
var queued=false;
function later(){if(!queued){queued=true;requestAnimationFrame(function(){
 queued=false;paint();});}}
function draw(now){clamp();svg.setAttribute('viewBox',x0+' 0 '+w+' '+H);
 ruler();if(now)paint();else later();}
function zoom(f,cx){var c=cx===undefined?x0+w/2:cx;x0=c-(c-x0)*f;w*=f;
 draw();}
plot.addEventListener('wheel',function(e){e.preventDefault();
 var r=plot.getBoundingClientRect();
 zoom(e.deltaY>0?1.25:0.8,x0+(e.clientX-r.left)/r.width*w);},
 {passive:false});
var drag=null;plot.addEventListener('mousedown',function(e){
 drag=[e.clientX,x0];});
window.addEventListener('mouseup',function(){drag=null;});
window.addEventListener('mousemove',function(e){if(drag){
 x0=drag[1]-(e.clientX-drag[0])/plot.clientWidth*w;draw();}});
document.getElementById('zin').onclick=function(){zoom(0.5);};
document.getElementById('zout').onclick=function(){zoom(2);};
document.getElementById('fit').onclick=function(){x0=0;w=END;draw();};
plot.addEventListener('mousemove',function(e){var t=(e.target.getAttribute
 &&e.target.getAttribute('data-tip'))||lookup(e),l=t?[t]:[];
 more(e).forEach(function(x){if(l.indexOf(x)<0)l.push(x);});t=l.join('\n');
 if(t){tip.textContent=t;tip.style.display='block';
 tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY+12)+'px';}
 else tip.style.display='none';});
plot.addEventListener('mouseleave',function(){tip.style.display='none';});
window.addEventListener('resize',function(){ruler();later();});
function fragment(){
 var m=/t=([0-9.e+-]+),([0-9.e+-]+)/.exec(location.hash);
 if(m&&+m[2]>+m[1]){x0=+m[1];w=m[2]-m[1];return true;}return false;}
window.addEventListener('hashchange',function(){if(fragment())draw();});
Array.prototype.forEach.call(document.querySelectorAll('table.late tr'),
 function(tr){var v=tr.getAttribute('data-t');if(v)tr.onclick=function(){
  v=v.split(',');x0=+v[0];w=v[1]-v[0];draw();
  plot.scrollIntoView({block:'nearest'});};});
fragment();
draw(true);
var g=plot.getBoundingClientRect();
document.body.setAttribute('data-rendered',
 document.querySelectorAll('#tl g.row').length);
document.body.setAttribute('data-geometry',JSON.stringify({
 left:g.left+window.scrollX,top:g.top+window.scrollY,width:g.width,
 lanes:D.lanes,row:ROW,rows:rows.map(function(r){return r.n;})}));
})();
"""
def _late(tl):
    """The late jobs (deadline misses) as a table; a click on a row
    shows the job (the script reads its ``data-t``)."""
    st = tl.stats
    if st is None:
        return ""
    hz = tl.tick_hz
    rows = []
    total = 0
    for t in st.threads.values():
        misses = t.misses
        total += len(misses)
        per = st.periodics.get(t.name) if hasattr(st, "periodics") else None
        pad = per[1] if per else 0
        for j in misses:
            rows.append((j.release_ns, t.name, j, pad))
    if not rows:
        return ""
    rows.sort(key=lambda r: r[0])
    out = ["<h3>Late jobs (deadline misses)</h3><p>%d late job%s%s; a "
           "click shows one in the timeline.</p>" % (
               total, "" if total == 1 else "s",
               "" if total <= LATE_ROWS else ", the first %d listed"
               % LATE_ROWS)]
    out.append('<table class="late"><thead><tr>' + "".join(
        "<th>%s</th>" % h for h in ("thread", "job", "release",
                                    "deadline", "finish", "late by"))
        + "</tr></thead><tbody>")
    for _, name, j, pad in rows[:LATE_ROWS]:
        a = max(0, j.release_ns - pad)
        b = min(max(j.finish_ns + pad, a + 1), max(tl.end_ns, a + 1))
        out.append('<tr data-t="%s,%s">' % (_tk(a, hz), _tk(b, hz)) + "".join(
            "<td>%s</td>" % escape(str(c)) for c in (
                name, j.index, _tk(j.release_ns, hz),
                _tk(j.deadline_ns, hz), _tk(j.finish_ns, hz),
                _tk(j.finish_ns - j.deadline_ns, hz))) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


_LEGEND = (("run", "running (height: share of the column)"),
           ("idle", "idle thread (CPU idle)"), ("ready", "ready"),
           ("blocked", "blocked"), ("sleep", "sleeping (dotted)"),
           ("preempt", "preempted"), ("boost", "priority raised"),
           ("inversion", "priority inversion"),
           ("release", "release"), ("deadline", "deadline"),
           ("late", "late job (deadline miss)"),
           ("handler", "interrupt handler"),
           ("active", "handler active (nested)"),
           ("load", "CPU load"))
_LEGEND_POWER = (("p_run", "power: run"), ("p_sleep", "sleep"),
                 ("p_deep", "deep sleep"), ("p_wake", "wake-up"))


def render(trace, title=None):
    """The page as a string."""
    tl = Timeline(trace)
    hz = tl.tick_hz
    rows = _rows(tl)
    data = _data(tl, rows)
    shapes = len(trace) <= SHAPES_MAX
    body = _timeline(tl, rows, shapes)
    height = max(1, len(rows)) * ROW
    lh = len(data["lanes"]) * ROW
    end = _tk(max(tl.end_ns, 1), hz)
    labels = []
    st = tl.stats
    for i, lane in enumerate(data["lanes"]):
        text = "power" if lane == "power" else "CPU load"
        if lane == "load" and st is not None:
            text += " (%.1f%%)" % (100.0 * st.cpu_load)
        labels.append('<text x="6" y="%d" font-size="12" class="label lane">'
                      '%s</text>' % (i * ROW + ROW - 8, escape(text)))
    for i, (kind, name, label) in enumerate(rows):
        y = lh + i * ROW + ROW - 8
        late = ""
        if kind == "thread" and st is not None and name in st.threads:
            n = st.threads[name].deadline_misses
            if n:
                late = ' <tspan class="label late">%d late</tspan>' % n
        labels.append('<text x="6" y="%d" font-size="12" class="label %s">'
                      '%s%s</text>' % (y, kind, escape(label), late))
    if tl.cores:             # each thread's colour in the core lanes
        labels.extend(
            '<rect x="0" y="%d" width="4" height="%d" style="fill:%s"/>'
            % (lh + i * ROW + 4, ROW - 8, _hue(tl, name))
            for i, (kind, name, _) in enumerate(rows)
            if kind == "thread" and name not in tl.idle_threads)
    title = title or "muos trace"
    keys = tuple((COLOURS[k], text) for k, text in _LEGEND)
    if "power" in data["lanes"]:
        keys += tuple((COLOURS[k], text) for k, text in _LEGEND_POWER)
    if tl.cores:
        keys = (("hsl(0,60%,48%)", "on a core (a colour per thread)"),
                ) + keys
    legend = "".join('<span><i style="background:%s"></i>%s</span>' % c
                     for c in keys)
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="muos">
<title>%(title)s</title><style>%(css)s</style></head>
<body>
<h1>%(title)s</h1>
<p>%(n)d events; 1 tick = %(tick)s; times in ticks. Wheel to zoom, drag
to pan, hover for details; what is narrower than a pixel is summed up
(a bar's height: the share of the column a thread ran).</p>
<div id="controls"><button id="zin">+</button> <button id="zout">-</button>
<button id="fit">fit</button> <span id="range"></span></div>
<div class="legend">%(legend)s</div>
<div id="chart">
<svg id="labels" width="%(lw)d" height="%(h2)d">%(labels)s</svg>
<div id="right">
<div id="plot" style="height:%(ph)dpx"><canvas id="cv"></canvas>
<svg id="tl" viewBox="0 0 %(end)s %(h)d" preserveAspectRatio="none"
 height="%(h)d" style="top:%(lh)dpx" data-end="%(end)s"
 data-height="%(h)d">%(body)s</svg></div>
<svg id="axis" width="100%%" height="20"></svg>
</div></div>
<div id="tip"></div>
<h2>Statistics</h2>
%(stats)s
<script type="application/json" id="muos-data">%(data)s</script>
<script type="application/json" id="muos-colours">%(colours)s</script>
<script>%(js)s</script>
</body></html>
""" % {"title": escape(title), "css": _CSS, "n": len(trace),
       "tick": "%g ms" % (1000 / hz) if hz <= 1000 else "%g us" % (
           1e6 / hz),
       "legend": legend, "lw": LABEL_W, "h": height, "h2": lh + height + 20,
       "ph": lh + height, "lh": lh,
       "labels": "".join(labels), "end": end, "body": body,
       "stats": _stats(tl.stats, _late(tl)), "data": _json(data),
       "colours": _json(COLOURS), "js": _JS}


def write(trace, path, title=None):
    """Write the report to ``path``; returns ``path``."""
    page = render(trace, title)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return path
