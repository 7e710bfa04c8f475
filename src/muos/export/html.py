"""A trace as one self-contained HTML page: timeline and statistics.

Owns: ``write(trace, path, title=None)`` and ``render(trace, title)``.
CPython only; imported lazily by ``Trace.to_html``. The page needs no
network: styles, the SVG and a small script are inline.

The timeline is an SVG, one row per interrupt (most urgent first) and per
thread (spawn order). In a thread's row: running (the CPU, minus handler
time) is a tall bar, ready a thin grey bar, blocked an amber bar naming
the object, sleeping a dotted line; a preemption is a red tick, a
priority above the thread's spawn priority (inherited, a ceiling, or set
by hand) a purple strip along the top, a priority-inversion window (see
``Stats.inversion_time``) a red band over the waiter's row and a pink
one over the owner's. In an interrupt's row: handler time, and the
span in which a more urgent handler nested in it. On several cores,
one lane per core on top ("core0", ...) shows what runs there: each
thread's slices in a colour of its own (the same on every core, so a
migration shows; a strip of it beside the thread's label), handlers in
the handler colour, nothing while the core's idle thread runs. Every
shape has a hover text (its ``data-tip``, shown by the script). Zoom:
the mouse wheel (around the pointer) or the + / - / fit buttons; drag
to pan; open the page with ``#t=A,B`` to start on ticks A..B. Under it,
the statistics tables of ``Stats`` (and each core's load).

The SVG's x axis is in ticks; the script only changes its ``viewBox``
and redraws the ruler, so shapes keep their exact coordinates.
"""

from html import escape

from ..statreport import _opt as _fmt  # numbers as the text report has them
from ..units import tick_units
from . import Timeline

__all__ = ["write", "render"]

ROW = 28            # px per row
LABEL_W = 170       # px of the label column


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


def _timeline(tl):
    hz = tl.tick_hz
    svg = _Svg(hz)
    rows = []                               # (kind, name, label)
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
    y_of = {}
    for i, (kind, name, _) in enumerate(rows):
        y_of[(kind, name)] = i * ROW
    for kind, name, _ in rows:
        y = y_of[(kind, name)]
        svg.parts.append('<g class="row %s" data-name="%s">' % (
            kind, escape(name)))
        svg.parts.append('<rect class="band" x="0" y="%d" width="%s" '
                         'height="%d"/>' % (y, svg.x(tl.end_ns), ROW))
        if kind == "core":
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
            for a, b in tl.running[name]:
                p = tl.priority_at(name, a)
                if b > a:
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
    return rows, "".join(svg.parts)


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


def _stats(st):
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
    out.append("<details><summary>as text</summary><pre>%s</pre>"
               "</details>" % escape(str(st)))
    return "".join(out)


_CSS = """
body{font:14px system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px}h3{font-size:15px}
#chart{display:flex;border:1px solid #ccc;user-select:none}
#labels{flex:none}#right{flex:1;min-width:0;overflow:hidden}
#tl{display:block;width:100%;cursor:grab}
.band{fill:#fafafa}.row:nth-child(even) .band{fill:#f0f0f0}
.run{fill:#2f6fd0}.run0{stroke:#2f6fd0;stroke-width:2}
.ready{fill:#c8c8c8}.blocked{fill:#f0a020}
.sleeping,.suspended{stroke:#999;stroke-dasharray:2 3}
.handler{fill:#2a9d4a}.handler0{stroke:#2a9d4a;stroke-width:2}
.active{fill:#9ed7ae}.boost{fill:#8a3fd1}
.preempt{stroke:#d02020;stroke-width:2}
.wake,.timeout,.interrupt{stroke:#555;stroke-width:1}
.watchdog{stroke:#e08000;stroke-width:2}
.inversion{fill:rgba(220,20,20,.28)}
.inversion-owner{fill:rgba(220,20,120,.13)}
line,rect.run,rect.ready,rect.blocked{vector-effect:non-scaling-stroke}
line{vector-effect:non-scaling-stroke}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;
padding:3px 6px;border-radius:3px;font-size:12px;display:none}
table{border-collapse:collapse;margin:4px 0 12px}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
.legend span{margin-right:12px}.legend i{display:inline-block;width:14px;
height:10px;margin-right:4px;vertical-align:middle}
.hist{display:flex;align-items:flex-end;gap:3px;margin:4px 0}
.hist b{width:120px}.bin{display:flex;flex-direction:column;
align-items:center}.bin i{width:18px;background:#2f6fd0}
.range{margin-left:8px;color:#666}
"""

# several cores only (a one-core page stays as it was)
_CSS_CORES = """.oncore0{stroke-width:2}.row.core .band{fill:#eef3fa}
"""

_JS = """
(function(){
var svg=document.getElementById('tl'),ax=document.getElementById('axis');
var END=+svg.dataset.end,H=+svg.dataset.height,x0=0,w=END;
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
function draw(){clamp();svg.setAttribute('viewBox',x0+' 0 '+w+' '+H);
 ruler();}
function zoom(f,cx){var c=cx===undefined?x0+w/2:cx;x0=c-(c-x0)*f;w*=f;
 draw();}
svg.addEventListener('wheel',function(e){e.preventDefault();
 var r=svg.getBoundingClientRect();
 zoom(e.deltaY>0?1.25:0.8,x0+(e.clientX-r.left)/r.width*w);},
 {passive:false});
var drag=null;svg.addEventListener('mousedown',function(e){
 drag=[e.clientX,x0];});
window.addEventListener('mouseup',function(){drag=null;});
window.addEventListener('mousemove',function(e){if(drag){
 x0=drag[1]-(e.clientX-drag[0])/svg.clientWidth*w;draw();}});
document.getElementById('zin').onclick=function(){zoom(0.5);};
document.getElementById('zout').onclick=function(){zoom(2);};
document.getElementById('fit').onclick=function(){x0=0;w=END;draw();};
var tip=document.getElementById('tip');
svg.addEventListener('mousemove',function(e){var t=e.target.getAttribute(
 'data-tip');if(t){tip.textContent=t;tip.style.display='block';
 tip.style.left=(e.clientX+12)+'px';tip.style.top=(e.clientY+12)+'px';}
 else tip.style.display='none';});
svg.addEventListener('mouseleave',function(){tip.style.display='none';});
window.addEventListener('resize',ruler);
var m=/t=([0-9.e+-]+),([0-9.e+-]+)/.exec(location.hash);
if(m&&+m[2]>+m[1]){x0=+m[1];w=m[2]-m[1];}
draw();
document.body.setAttribute('data-rendered',
 document.querySelectorAll('#tl g.row').length);
})();
"""


def render(trace, title=None):
    """The page as a string."""
    tl = Timeline(trace)
    hz = tl.tick_hz
    rows, body = _timeline(tl)
    height = max(1, len(rows)) * ROW
    end = _tk(max(tl.end_ns, 1), hz)
    labels = "".join(
        '<text x="6" y="%d" font-size="12" class="label %s">%s</text>' % (
            i * ROW + ROW - 8, kind, escape(label))
        for i, (kind, _, label) in enumerate(rows))
    if tl.cores:             # each thread's colour in the core lanes
        labels += "".join(
            '<rect x="0" y="%d" width="4" height="%d" style="fill:%s"/>'
            % (i * ROW + 4, ROW - 8, _hue(tl, name))
            for i, (kind, name, _) in enumerate(rows)
            if kind == "thread" and name not in tl.idle_threads)
    title = title or "muos trace"
    css = _CSS + (_CSS_CORES if tl.cores else "")
    keys = ((("#2f6fd0", "running"), ("#c8c8c8", "ready"),
             ("#f0a020", "blocked"), ("#999", "sleeping (dotted)"),
             ("#d02020", "preempted"), ("#8a3fd1", "priority raised"),
             ("rgba(220,20,20,.5)", "priority inversion"),
             ("#2a9d4a", "interrupt handler"),
             ("#9ed7ae", "handler active (nested)")))
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
to pan, hover for details.</p>
<div id="controls"><button id="zin">+</button> <button id="zout">-</button>
<button id="fit">fit</button> <span id="range"></span></div>
<div class="legend">%(legend)s</div>
<div id="chart">
<svg id="labels" width="%(lw)d" height="%(h2)d">%(labels)s</svg>
<div id="right">
<svg id="tl" viewBox="0 0 %(end)s %(h)d" preserveAspectRatio="none"
 height="%(h)d" data-end="%(end)s" data-height="%(h)d">%(body)s</svg>
<svg id="axis" width="100%%" height="20"></svg>
</div></div>
<div id="tip"></div>
<h2>Statistics</h2>
%(stats)s
<script>%(js)s</script>
</body></html>
""" % {"title": escape(title), "css": css, "n": len(trace),
       "tick": "%g ms" % (1000 / hz) if hz <= 1000 else "%g us" % (
           1e6 / hz),
       "legend": legend, "lw": LABEL_W, "h": height, "h2": height + 20,
       "labels": labels, "end": end, "body": body,
       "stats": _stats(tl.stats), "js": _JS}


def write(trace, path, title=None):
    """Write the report to ``path``; returns ``path``."""
    page = render(trace, title)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return path
