"""The HTML report in a real browser: headless Chromium loads the
Pathfinder demo's report (run 1, without priority inheritance), runs its
script, and the DOM must hold one row per thread and the four inversion
windows; a screenshot goes to tests/artifacts/ (ignored by git).

Skipped when no Chromium is installed, unless MUOS_REQUIRE_BROWSER=1
(CI sets it: ``apt-get install -y chromium``)."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

from muos.cli import main as cli

HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(HERE, "artifacts")
THREADS = ["idle", "main", "bc_sched", "bc_dist", "comms", "asi_met"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome",
                 "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("MUOS_REQUIRE_BROWSER") == "1":
        pytest.fail("MUOS_REQUIRE_BROWSER=1 but no Chromium found "
                    "(apt-get install -y chromium)")
    pytest.skip("no Chromium (apt-get install -y chromium)")


def browse(exe, url, *extra):
    """Run headless Chromium on ``url``; returns its stdout."""
    with tempfile.TemporaryDirectory() as profile:
        p = subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking",
             "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + profile, "--window-size=1400,900",
             *extra, url],
            capture_output=True, text=True, timeout=60, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    base = str(d / "pathfinder.html")
    assert cli(["demo", "pathfinder", "--report", base]) == 0
    return str(d / "pathfinder-1.html")


def test_report_renders_in_chromium(report):
    exe = chromium()
    url = "file://" + report + "#t=85,170"
    dom = browse(exe, url, "--dump-dom")
    # the script ran: it counts the rows and sets the zoomed view
    assert 'data-rendered="6"' in dom
    assert re.search(r'<svg id="tl" viewBox="85 0 85 168"', dom), \
        dom[:3000]
    assert re.search(r'id="range">ticks 85 \.\. 170<', dom)
    rows = re.findall(r'<g class="row thread" data-name="([^"]+)"', dom)
    assert rows == THREADS
    assert len(re.findall(r'<rect class="inversion"', dom)) == 4
    assert ('data-tip="priority inversion 102..158 (56 ticks): bc_dist '
            'waits on info_bus held by asi_met') in dom
    assert "<text" in dom.split('id="axis"')[1][:400]   # the ruler
    os.makedirs(ARTIFACTS, exist_ok=True)
    ignore = os.path.join(ARTIFACTS, ".gitignore")
    if not os.path.exists(ignore):
        with open(ignore, "w") as f:
            f.write("*\n")
    shot = os.path.join(ARTIFACTS, "pathfinder_report.png")
    if os.path.exists(shot):
        os.remove(shot)
    browse(exe, url, "--screenshot=" + shot)
    with open(shot, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(head[16:20], "big")
    assert width == 1400 and os.path.getsize(shot) > 20000


PROBE = """<script>
(function(){
var svg = document.getElementById('tl'), b = document.body;
var r = svg.getBoundingClientRect();
svg.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, bubbles: true,
  cancelable: true, clientX: r.left + r.width / 2, clientY: r.top + 5}));
b.setAttribute('data-after-wheel', svg.getAttribute('viewBox'));
document.getElementById('zin').click();
b.setAttribute('data-after-zin', svg.getAttribute('viewBox'));
document.getElementById('fit').click();
b.setAttribute('data-after-fit', svg.getAttribute('viewBox'));
var inv = document.querySelector('rect.inversion');
var q = inv.getBoundingClientRect();
inv.dispatchEvent(new MouseEvent('mousemove', {bubbles: true,
  clientX: q.left + q.width / 2, clientY: q.top + 2}));
var tip = document.getElementById('tip');
b.setAttribute('data-tip-shown', tip.style.display + '|' + tip.textContent);
})();
</script></body>"""


def view(dom, attr):
    m = re.search(r'%s="([^"]+)"' % attr, dom)
    assert m, attr
    return [float(x) for x in m.group(1).split()]


def test_report_zoom_and_hover_in_chromium(report, tmp_path):
    exe = chromium()
    page = open(report, encoding="utf-8").read()
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", PROBE), encoding="utf-8")
    dom = browse(exe, "file://" + str(probed), "--dump-dom")
    # the whole run is 0..1001 ticks; the wheel zooms in by 0.8 around
    # the pointer (the middle, 500.5, give or take the pixel the event's
    # integer clientX rounds to), "+" by 0.5 around the view's middle
    x0, _, w, h = view(dom, "data-after-wheel")
    assert abs(x0 - 100.1) < 0.5 and abs(w - 800.8) < 1e-6 and h == 168
    x1, _, w, _ = view(dom, "data-after-zin")
    assert abs(x1 - (x0 + 200.2)) < 1e-6 and abs(w - 400.4) < 1e-6
    assert view(dom, "data-after-fit") == [0, 0, 1001, 168]
    m = re.search(r'data-tip-shown="([^"]*)"', dom)
    assert m.group(1).startswith("block|priority inversion 102..158"), \
        m.group(1)


LATE_PROBE = """<script>
(function(){
var rows = document.querySelectorAll('table.late tbody tr');
document.body.setAttribute('data-late-rows', rows.length);
rows[1].click();
document.body.setAttribute('data-after-click',
  document.getElementById('tl').getAttribute('viewBox'));
})();
</script></body>"""


def test_report_late_jobs_in_chromium(report, tmp_path):
    # issue 15 #4: bc_dist misses 4 deadlines in run 1; its label counts
    # them, a table lists them, and a click on one shows it (its
    # release minus a period .. its finish plus a period)
    exe = chromium()
    page = open(report, encoding="utf-8").read()
    assert '<tspan class="label late">4 late</tspan>' in page
    probed = tmp_path / "late.html"
    probed.write_text(page.replace("</body>", LATE_PROBE), encoding="utf-8")
    dom = browse(exe, "file://" + str(probed), "--dump-dom")
    assert 'data-late-rows="4"' in dom
    # job 2: released 350, deadline 375, finished 411; the period is 125
    assert view(dom, "data-after-click") == [225, 0, 311, 168]
