"""The HTML report on a real model (issue 15 #4): a 20,000-tick run of
seven periodic threads on SimPort (a PowerModel set, 75% CPU load, more
than 100,000 events, 40 deadline misses of its least urgent thread).

Without a browser: the page stays small (under 3 MB for all those
events: the data is JSON, delta-encoded integers, not a shape per
slice), and what it embeds decodes back to the Timeline exactly; the
releases of periodic threads are inferred right (muos.periodic's
start, offset and deadline, a first job due at once, a thread that
leaves its loop); the power spans add up to the statistics.

In headless Chromium (skipped without it unless MUOS_REQUIRE_BROWSER=1,
as tests/test_report_browser.py): screenshots of the whole run and of
ticks 1000..1040, read with Pillow, must show (a) not a solid block:
each thread's bar height in a pixel column is the share of the column
it ran, so the mean height is its CPU share and the heights vary, as
does the CPU-load lane's; (b) the idle thread drawn as idle, never in
the running colour; (c) each of the 40 late jobs in the late colour at
its deadline, and nowhere else; (d) zoomed in, each running slice as a
bar of its own width, each release marked. Hovering finds the text of
what is under the pointer in the data. On two cores with an interrupt
every 3 ticks, the core lanes show the threads' colours and the
handler entries (no CPU time, in nearly every column) a low strip, not
a block. The screenshots go to tests/artifacts/ (ignored by git)."""

import json
import os
import re

import pytest

import muos
from muos.export import Timeline
from muos.export.html import SHAPES_MAX, _periodics, _power_spans
from test_report_browser import ARTIFACTS, browse, chromium

MS = 1000000
TICKS = 20000
# (name, period, work, priority): rate-monotonic, U = 0.74; every 25th
# job of "ui" has 7 ticks more work and misses its deadline
TASKS = [("ctl", 2, 0.3, 200), ("imu", 3, 0.3, 190), ("filt", 4, 0.4, 180),
         ("nav", 5, 0.5, 170), ("comm", 7, 0.6, 160), ("log", 10, 1, 150),
         ("ui", 20, 2, 140)]
POWER = muos.PowerModel(run=16.5, sleep=4.95, deep_sleep=0.0165,
                        deep_sleep_after=1, wakeup=0)

RUN = (47, 111, 208)         # html.COLOURS, as the screenshot has them
IDLE = (168, 213, 186)
LATE = (228, 0, 43)
LOAD = (90, 107, 125)
RELEASE = (11, 122, 117)
BAR = 22                     # the height of a full bar, px (ROW - 6)


def model(ticks=TICKS):
    async def task(period, work, extra):
        async for job in muos.periodic(period):
            await muos.busy(work + (extra if job.index % 25 == 7 else 0))

    async def main():
        for name, p, c, prio in TASKS:
            muos.spawn(task, p, c, 7 if name == "ui" else 0, name=name,
                       priority=prio)
        await muos.sleep_for(ticks)

    return muos.run(main, trace=True, until=ticks,
                    port=muos.SimPort(power=POWER))


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    r = model()
    path = str(tmp_path_factory.mktemp("scale") / "model.html")
    r.trace.to_html(path, title="20,000 ticks")
    return r, path


def page_data(path):
    page = open(path, encoding="utf-8").read()
    m = re.search(r'<script type="application/json" id="muos-data">(.*?)'
                  r'</script>', page, re.S)
    return page, json.loads(m.group(1))


# -- without a browser -----------------------------------------------------

def test_a_big_run_makes_a_small_page(big):
    r, path = big
    st = r.stats
    assert len(r.trace) > 100000           # 144,294 events
    assert st.threads["ui"].deadline_misses == 40
    assert sum(t.deadline_misses for t in st.threads.values()) == 40
    size = os.path.getsize(path)
    # the report before issue 15 #4 wrote 13.9 MB for this run
    assert size < 3000000, size
    assert size / len(r.trace) < 12        # bytes per event (about 7)
    page = open(path, encoding="utf-8").read()
    assert len(r.trace) > SHAPES_MAX
    assert page.count("<rect") == 9        # a band per row, no shapes
    assert page.count('<g class="row thread"') == 9
    assert not re.search(r"(src|href)\s*=|https?://|@import|<link", page)


def decode(a, k=2):
    """A delta-encoded list back to absolute ``[(start, end, x...)]``."""
    out = []
    t = 0
    for i in range(0, len(a), k):
        s = t + a[i]
        e = s + a[i + 1]
        out.append((s, e) + tuple(a[i + 2:i + k]))
        t = e
    return out


def test_the_data_is_the_timeline(big):
    r, path = big
    _, data = page_data(path)
    tl = Timeline(r.trace)
    q = data["q"]
    assert q == 100000 and data["u"] == MS     # times are 0.1 tick apart
    assert data["end"] * q == tl.end_ns == TICKS * MS
    assert data["lanes"] == ["load", "power"]
    rows = {row["n"]: row for row in data["rows"]}
    assert list(rows) == tl.threads
    for name, row in rows.items():
        assert [(s * q, e * q) for s, e in decode(row["r"])] == \
            tl.running[name]
        ch = []
        t = 0
        for i in range(0, len(row["s"]), 2):
            t += row["s"][i]
            ch.append((t * q, row["s"][i + 1]))
        assert [c[0] for c in ch] == [c[0] for c in tl.states[name]]
    assert rows["idle"].get("idle") == 1 and "idle" not in rows["ctl"]
    # the periodic threads: period, deadline, first release, stop
    ui = rows["ui"]
    assert ui["per"] == [200, 200, 37, TICKS * 10]
    misses = r.stats.threads["ui"].misses
    assert [tuple(x) for x in ui["x"]] == [
        (j.index, j.release_ns // q, j.deadline_ns // q, j.finish_ns // q)
        for j in misses]
    assert [x[0] for x in ui["x"]] == list(range(7, 1000, 25))
    for name, p, _, _ in TASKS:
        per = rows[name]["per"]
        assert per[0] == per[1] == p * 10
    # the power spans: asleep exactly as long as the statistics say
    ps = r.stats.power_states
    spans = decode(data["pw"], 3)
    asleep = {1: 0, 2: 0}
    for s, e, c in spans:
        asleep[c] += e - s
    assert asleep[1] * q / MS == pytest.approx(ps["sleep"])
    assert asleep[2] * q / MS == pytest.approx(ps["deep_sleep"])
    assert asleep[2] > 0


def periodics_of(bodies, until=60):
    async def main():
        for name, prio, body in bodies:
            muos.spawn(body, name=name, priority=prio)
        await muos.sleep_for(until)

    r = muos.run(main, trace=True, until=until)
    return {n: (p / MS, d / MS, r0 / MS, stop / MS, len(m))
            for n, (p, d, r0, stop, m)
            in _periodics(Timeline(r.trace)).items()}


def job_loop(period, work, *, offset=0, start=None, deadline=None,
             sleep=0, busy=0, jobs=None):
    async def body():
        if sleep:
            await muos.sleep_for(sleep)
        if busy:
            await muos.busy(busy)
        n = 0
        async for _ in muos.periodic(period, offset=offset, start=start,
                                     deadline=deadline):
            await muos.busy(work)
            n += 1
            if n == jobs:
                break
    return body


def test_releases_are_inferred():
    # (period, deadline, first release, stop, misses), ticks
    # lo first runs at 2, when hi is done: its releases are 2 + 7k
    assert periodics_of([("hi", 200, job_loop(10, 2)),
                         ("lo", 100, job_loop(7, 1))]) == {
        "hi": (10, 10, 0, 60, 0), "lo": (7, 7, 2, 60, 0)}
    assert periodics_of([("a", 200, job_loop(10, 2, offset=3))]) == {
        "a": (10, 10, 3, 60, 0)}
    assert periodics_of([("a", 200, job_loop(10, 2, offset=1,
                                             deadline=4))]) == {
        "a": (10, 4, 1, 60, 0)}
    # before the loop: a sleep until 5, or 3 ticks of work
    assert periodics_of([("a", 200, job_loop(10, 2, sleep=5))]) == {
        "a": (10, 10, 5, 60, 0)}
    assert periodics_of([("a", 200, job_loop(10, 2, busy=3))]) == {
        "a": (10, 10, 3, 60, 0)}
    # start=0 but first run at 4: job 0 was due at once (no sleep)
    assert periodics_of([("hi", 200, job_loop(10, 4)),
                         ("lo", 100, job_loop(10, 1, start=0))]) == {
        "hi": (10, 10, 0, 60, 0), "lo": (10, 10, 0, 60, 0)}
    # three jobs, then the thread ends at 22: no release after
    assert periodics_of([("a", 200, job_loop(10, 2, jobs=3))]) == {
        "a": (10, 10, 0, 22, 0)}
    # late jobs give the releases exactly
    assert periodics_of([("hi", 200, job_loop(5, 3)),
                         ("lo", 100, job_loop(10, 5))]) == {
        "hi": (5, 5, 0, 60, 0), "lo": (10, 10, 3, 60, 4)}


def test_power_spans_of_the_low_power_demo():
    from muos.demos import low_power
    r = muos.run(low_power.event_driven, trace=True,
                 port=muos.SimPort(power=low_power.POWER))
    tl = Timeline(r.trace)
    spans = _power_spans(tl)
    ps = r.stats.power_states
    total = {1: 0, 2: 0, 3: 0}
    for a, b, c in spans:
        total[c] += b - a
    assert total[1] / MS == ps["sleep"] and total[2] / MS == ps["deep_sleep"]
    # a wake-up cost of 2 ticks after each deep sleep that ran its course
    assert total[3] == 2 * MS * sum(
        1 for ev in r.trace.events if ev[1] == "power"
        and ev[4] == "wakeup")
    assert _power_spans(Timeline(model(50).trace)) is not None
    assert _power_spans(Timeline(muos.run(
        job_loop(10, 1, jobs=2), trace=True).trace)) is None


# -- in Chromium -----------------------------------------------------------

def pixels(shot):
    try:
        from PIL import Image
    except ImportError:
        if os.environ.get("MUOS_REQUIRE_BROWSER") == "1":
            pytest.fail("MUOS_REQUIRE_BROWSER=1 but no Pillow (pip install "
                        "-e '.[plot]')")
        pytest.skip("no Pillow (pip install -e '.[plot]')")
    im = Image.open(shot).convert("RGB")
    return im.load(), im.size


def shoot(exe, url, name):
    """The page's geometry (from its DOM) and its screenshot's pixels."""
    dom = browse(exe, url, "--dump-dom")
    m = re.search(r'data-geometry="([^"]+)"', dom)
    assert m, dom[:2000]
    geo = json.loads(m.group(1).replace("&quot;", '"'))
    os.makedirs(ARTIFACTS, exist_ok=True)
    ignore = os.path.join(ARTIFACTS, ".gitignore")
    if not os.path.exists(ignore):
        with open(ignore, "w") as f:
            f.write("*\n")
    shot = os.path.join(ARTIFACTS, name)
    if os.path.exists(shot):
        os.remove(shot)
    browse(exe, url, "--screenshot=" + shot)
    px, size = pixels(shot)
    assert size == (1400, 900)
    return geo, px


class Plot:
    """Pixel statistics of the timeline in a screenshot."""

    def __init__(self, geo, px):
        self.px = px
        self.left = round(geo["left"])
        self.width = round(geo["width"])
        self.top = round(geo["top"])
        self.row = geo["row"]
        self.lanes = geo["lanes"]
        self.rows = geo["rows"]

    def y(self, name):
        if name in self.lanes:
            return self.top + self.lanes.index(name) * self.row
        return self.top + (len(self.lanes) + self.rows.index(name)) * \
            self.row

    def column(self, name, c, y0=0, y1=None):
        """Colours of column ``c`` of a row (rows y0..y1 of it)."""
        y = self.y(name)
        y1 = self.row if y1 is None else y1
        return [self.px[self.left + c, y + i] for i in range(y0, y1)]

    def heights(self, name, colour):
        """Per column: pixels of ``colour`` in the bar area of a row."""
        return [self.column(name, c, 3, 3 + BAR).count(colour)
                for c in range(self.width)]

    def columns_with(self, name, colour):
        return [c for c in range(self.width)
                if colour in self.column(name, c)]


def runs(cols):
    """Maximal runs of consecutive column indices: [(first, last)]."""
    out = []
    for c in cols:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return [tuple(x) for x in out]


def test_overview_in_chromium(big):
    exe = chromium()
    r, path = big
    st = r.stats
    geo, px = shoot(exe, "file://" + path, "scale_fit.png")
    p = Plot(geo, px)
    assert p.lanes == ["load", "power"] and p.rows[:3] == [
        "idle", "main", "ctl"]
    assert p.width > 1000
    # (a) not a solid block: a column's bar is the share of its time the
    # thread ran, so the mean height is its CPU share; the heights vary
    for name, _, _, _ in TASKS:
        h = p.heights(name, RUN)
        share = st.threads[name].cpu_time / TICKS
        assert sum(h) / len(h) / BAR == pytest.approx(share, abs=0.025), \
            name
        assert sum(1 for v in h if v == BAR) < len(h) / 50, name
    # ui's long jobs (every 25th) make some columns higher
    assert len(set(p.heights("ui", RUN))) >= 3
    rows = [p.column(n, c) for n in p.rows for c in range(p.width)]
    painted = sum(1 for col in rows for v in col if v == RUN)
    assert painted < 0.2 * sum(len(col) for col in rows)
    load = p.heights("load", LOAD)
    assert sum(load) / len(load) / BAR == pytest.approx(st.cpu_load,
                                                        abs=0.03)
    assert len(set(load)) >= 4
    # (b) the idle thread drawn as idle: its share, never running
    assert p.heights("idle", RUN) == [0] * p.width
    idle = p.heights("idle", IDLE)
    assert sum(idle) / len(idle) / BAR == pytest.approx(
        1 - st.cpu_load, abs=0.03)
    # (c) every late job, in the late colour, at its deadline
    k = p.width / TICKS
    late = runs(p.columns_with("ui", LATE))
    misses = st.threads["ui"].misses
    assert len(late) == len(misses) == 40
    for (c0, c1), j in zip(late, misses):
        assert c0 - 1 <= int(j.deadline * k) <= c1, (c0, c1, j)
        assert c1 - c0 <= 4
    for name in p.lanes + p.rows:
        if name != "ui":
            assert not p.columns_with(name, LATE), name
    # no release markers at this zoom (closer than 6 px): no solid marks
    assert not p.columns_with("ctl", RELEASE)


def test_zoomed_in_chromium(big):
    exe = chromium()
    r, path = big
    tl = Timeline(r.trace)
    geo, px = shoot(exe, "file://" + path + "#t=1000,1040",
                    "scale_zoom.png")
    p = Plot(geo, px)
    k = p.width / 40                       # px per tick
    # (d) each slice of ctl (0.3 ticks every 2) is a full bar of its own
    slices = [(a / MS, b / MS) for a, b in tl.running["ctl"]
              if a < 1040 * MS and b > 1000 * MS]
    assert len(slices) == 20
    full = [c for c, v in enumerate(p.heights("ctl", RUN)) if v == BAR]
    bars = runs(full)
    assert len(bars) == len(slices)
    for (c0, c1), (a, b) in zip(bars, slices):
        assert abs(c0 - (a - 1000) * k) <= 1.5, (c0, a)
        assert abs(c1 + 1 - c0 - (b - a) * k) <= 2, (c0, c1, a, b)
    # nav's slices, preempted by more urgent ones, are separate bars too
    nav = [(a, b) for a, b in tl.running["nav"]
           if a < 1040 * MS and b > 1000 * MS and (b - a) * k / MS >= 3]
    assert len(runs([c for c, v in enumerate(p.heights("nav", RUN))
                     if v == BAR])) == len(nav)
    # a release every 2 ticks, marked at the top of ctl's row
    marks = runs([c for c in range(p.width)
                  if p.column("ctl", c, 0, 1)[0] == RELEASE])
    assert len(marks) in (20, 21)          # 1040: at the right edge
    for (c0, _), t in zip(marks, range(1000, 1041, 2)):
        assert abs(c0 - (t - 1000) * k) <= 2
    # the idle thread: idle, never running; the power lane sleeps there
    assert p.heights("idle", RUN) == [0] * p.width
    idle = [c for c, v in enumerate(p.heights("idle", IDLE)) if v == BAR]
    assert idle
    for c in idle:
        col = p.column("power", c, 3, 3 + BAR)
        assert (143, 184, 224) in col or (35, 57, 93) in col
    # the CPU-load lane: full where no idle, empty where idle
    load = p.heights("load", LOAD)
    assert all(load[c] == 0 for c in idle)
    assert sum(1 for v in load if v == BAR) > p.width / 2


HOVER = """<script>
(function(){
var plot=document.getElementById('plot'),g=plot.getBoundingClientRect(),
 b=document.body,tip=document.getElementById('tip'),i=0;
function at(x,y){var e=document.elementFromPoint(x,y)||plot;
 e.dispatchEvent(new MouseEvent('mousemove',{bubbles:true,clientX:x,
  clientY:y}));b.setAttribute('data-hover-'+(i++),tip.textContent);}
%s
})();
</script></body>"""


def test_hover_finds_the_data_in_chromium(big, tmp_path):
    exe = chromium()
    r, path = big
    page = open(path, encoding="utf-8").read()
    row = 28
    y_ui = 2 * row + 8 * row            # lanes, then idle..ui
    y_ctl = 2 * row + 2 * row
    y_load = 0
    # fit: the first late job of ui (deadline 163.7), the aggregated
    # columns of ctl, the CPU-load lane; then ticks 1000..1040: the
    # slice of ctl at 1000..1000.3, its sleep, its release at 1002
    calls = """
    var k=g.width/20000;
    at(g.left+163.7*k+1,g.top+%d+2);
    at(g.left+g.width/2,g.top+%d+20);
    at(g.left+g.width/2,g.top+%d+14);
    location.hash='#t=1000,1040';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    k=g.width/40;
    at(g.left+0.15*k,g.top+%d+20);
    at(g.left+1*k,g.top+%d+27);
    at(g.left+2*k-1,g.top+%d+5);
    plot.dispatchEvent(new MouseEvent('mousedown',{bubbles:true,
     clientX:g.left+500,clientY:g.top+5}));
    window.dispatchEvent(new MouseEvent('mousemove',{clientX:g.left+400,
     clientY:g.top+5}));
    window.dispatchEvent(new MouseEvent('mouseup',{}));
    b.setAttribute('data-dragged',document.getElementById('tl')
     .getAttribute('viewBox')+' '+plot.clientWidth);
    """ % (y_ui, y_ctl, y_load, y_ctl, y_ctl, y_ctl)
    probed = tmp_path / "hover.html"
    probed.write_text(page.replace("</body>", HOVER % calls),
                      encoding="utf-8")
    dom = browse(exe, "file://" + str(probed), "--dump-dom")
    tips = dict(re.findall(r'data-hover-(\d)="([^"]*)"', dom))
    # what the column aggregates, then the late job
    lines = tips["0"].split("\n")
    assert re.fullmatch(r"ui ran \d+% of ticks [0-9.]+\.\.[0-9.]+ "
                        r"\(\d+ slices?\)", lines[0]), tips
    assert lines[1:] == ["ui: job 7 late: released 143.7, deadline 163.7, "
                         "finished 167.4 (3.7 ticks late)"], tips
    assert re.fullmatch(r"ctl ran 1[4-6]% of ticks [0-9.]+\.\.[0-9.]+ "
                        r"\(\d+ slices\)", tips["1"]), tips
    assert re.fullmatch(r"CPU load \d+% over ticks [0-9.]+\.\.[0-9.]+",
                        tips["2"]), tips
    assert tips["3"] == "ctl running 1000..1000.3 (0.3 ticks) at priority " \
        "200", tips
    assert tips["4"] == "ctl sleeping 1000.3..1002 (1.7 ticks)", tips
    # a release (ctl's job 501 at 1002, after 1000.3..1002's sleep)
    assert tips["5"] == "ctl sleeping 1000.3..1002 (1.7 ticks)\n" \
        "ctl: job 501 released at 1002, deadline 1004", tips
    # a drag 100 px to the left moves the view 100 px later
    x0, _, w, h, width = map(float, re.search(
        r'data-dragged="([^"]+)"', dom).group(1).split())
    assert w == 40 and h == 9 * 28
    assert x0 == pytest.approx(1000 + 100 / width * 40)


HANDLER = (42, 157, 74)


def test_two_cores_and_an_interrupt_in_chromium(tmp_path):
    # the same tasks on two cores, with a UART interrupt every 3 ticks
    # (its handler takes no CPU time) waking a thread: the lanes per
    # core are painted in the threads' colours, and the handler entries,
    # one in nearly every column at fit, are a low strip, not a block
    exe = chromium()

    async def task(period, work):
        async for _ in muos.periodic(period):
            await muos.busy(work)

    async def main():
        sem = muos.Semaphore(0, name="rx")
        irq = muos.this_thread()._kernel.interrupt("uart", sem.post,
                                                   priority=3)
        irq.trigger_every(3)

        async def rx():
            while True:
                await sem.wait()
                await muos.busy(0.2)

        muos.spawn(rx, name="rx", priority=250)
        for name, p, c, prio in TASKS:
            muos.spawn(task, p, 2 * c, name=name, priority=prio)
        await muos.sleep_for(5000)

    r = muos.run(main, trace=True, until=5000, cores=2)
    assert len(r.trace) > SHAPES_MAX
    path = str(tmp_path / "smp.html")
    r.trace.to_html(path)
    geo, px = shoot(exe, "file://" + path, "scale_smp.png")
    p = Plot(geo, px)
    assert p.lanes == ["load"] and p.rows[:3] == ["core0", "core1", "uart"]
    n = p.width * p.row
    handler = sum(p.column("uart", c).count(HANDLER) for c in range(p.width))
    assert 0 < handler <= 3 * p.width < n / 5
    for core in ("core0", "core1"):
        seen = {v for c in range(p.width) for v in p.column(core, c, 3, 25)}
        seen.discard((238, 243, 250))      # the lane's background
        assert len(seen) >= 4, core        # the hues of what ran most
    load = p.heights("load", LOAD)
    assert sum(load) / len(load) / BAR == pytest.approx(r.stats.cpu_load,
                                                        abs=0.03)
