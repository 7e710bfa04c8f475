"""The VCD and its GTKWave save file, opened in GTKWave itself (issue 15
#3): under Xvfb, a Tcl script lists the traces GTKWave shows and grabs a
screenshot. Skipped without gtkwave and xvfb-run (Debian packages),
unless MUOS_REQUIRE_GTKWAVE=1 (CI installs them), which turns the skip
into a failure."""

import os
import shutil
import subprocess

import pytest

import muos
from muos.demos import pathfinder

TCL = """set n [gtkwave::getTotalNumTraces]
set fp [open {%(names)s} w]
for {set i 0} {$i < $n} {incr i} {
    puts $fp [gtkwave::getTraceNameFromIndex $i]
}
puts $fp "window [gtkwave::getWindowStartTime] [gtkwave::getWindowEndTime]"
close $fp
gtkwave::/File/Grab_To_File {%(png)s}
gtkwave::/File/Quit
"""


def _tools():
    gtk = shutil.which("gtkwave")
    xvfb = shutil.which("xvfb-run")
    if gtk and xvfb:
        return gtk, xvfb
    why = "gtkwave and xvfb-run are needed (apt-get install gtkwave xvfb)"
    if os.environ.get("MUOS_REQUIRE_GTKWAVE") == "1":
        pytest.fail("MUOS_REQUIRE_GTKWAVE=1 but " + why, pytrace=False)
    pytest.skip(why)


def test_pathfinder_waveform_in_gtkwave(tmp_path):
    pytest.importorskip("vcd")
    gtk, xvfb = _tools()
    resets, r = pathfinder.run(muos.Mutex.INHERIT)
    vcd = r.trace.to_vcd(str(tmp_path / "pf.vcd"))
    save = tmp_path / "pf.gtkw"
    assert save.exists()
    names = tmp_path / "names.txt"
    png = tmp_path / "shot.png"
    script = tmp_path / "look.tcl"
    script.write_text(TCL % {"names": names, "png": png})
    p = subprocess.run([xvfb, "-a", "-s", "-screen 0 1600x1000x24", gtk,
                        "-S", str(script), str(save)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    shown = names.read_text().splitlines()
    # a group per thread, most urgent first (bc_sched 192, bc_dist 160,
    # main 96, comms 96 (spawned later), asi_met 32, idle 0), each with
    # its three signals named after it
    groups = [s for s in shown[::5]]
    assert groups == ["bc_sched (192)", "bc_dist (160)", "main (96)",
                      "comms (96)", "asi_met (32)", "idle (0)", shown[-1]]
    assert shown[1:4] == ["bc_sched state", "bc_sched cpu",
                          "bc_sched priority"]
    # zoomed to the whole run: 0 .. at least its 1001 ms (in ns)
    start, end = shown[-1].split()[1:]
    assert int(start) == 0 and int(end) >= 1001000000
    # the screenshot shows the waves: many green pixels in the wave area
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000
    try:
        from PIL import Image
    except ImportError:
        return
    img = Image.open(png).convert("RGB")
    w, h = img.size
    px = img.load()
    # every pixel of the right half (a sample of every third row missed
    # GTKWave's one-pixel lines whole where they fell on other rows: 225
    # against 19,710 in all with Debian 12's gtkwave 3.3.118)
    green = sum(1 for x in range(w // 2, w) for y in range(h)
                if px[x, y][1] > 150 > px[x, y][0])
    assert green > 4500, green
    assert os.path.basename(vcd) == "pf.vcd"
