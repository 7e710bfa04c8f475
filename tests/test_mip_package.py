"""package.json (mip format) at the repository root lists every portable
module of muos, and nothing else: ``mpremote mip install github:...``
(or ``mpremote mip install package.json`` from a clone) copies exactly
what runs on a board. The portable set is the one tests/test_layering.py
checks: every module but the CPython-only ones (NOT_PORTABLE)."""

import json
import os
import shutil
import subprocess

import muos
from test_layering import NOT_PORTABLE, modules
from test_micropython import RUNNER, TIMEOUT, _require_mpy

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SRC = os.path.join(ROOT, "src")


def _package():
    with open(os.path.join(ROOT, "package.json")) as f:
        return json.load(f)


def _portable_files():
    out = []
    for mod, path in modules():
        if any(mod == p or mod.startswith(p + ".") for p in NOT_PORTABLE):
            continue
        out.append(os.path.relpath(path, SRC).replace(os.sep, "/"))
    return sorted(out)


def test_package_json_lists_every_portable_module():
    pkg = _package()
    urls = pkg["urls"]
    targets = [t for t, _ in urls]
    assert targets == sorted(set(targets)), "sorted, no duplicates"
    assert targets == _portable_files()
    for target, url in urls:
        # relative to package.json (mpremote >= 1.25, mip in 1.25+)
        assert url == "src/" + target
        assert os.path.isfile(os.path.join(ROOT, url)), url
    assert "muos/ports/host.py" not in targets
    assert "muos/ports/micropython.py" in targets


def test_package_json_version_and_deps():
    pkg = _package()
    assert pkg["version"] == muos.__version__
    assert pkg["deps"] == []
    assert set(pkg) == {"urls", "deps", "version"}


def test_listed_files_alone_run_on_micropython(tmp_path):
    """Install what package.json lists, and nothing else, then import and
    run muos (and import MachinePort) under MicroPython."""
    node = _require_mpy()
    for target, url in _package()["urls"]:
        dest = tmp_path / "lib" / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(ROOT, url), dest)
    script = tmp_path / "smoke.py"
    script.write_text(
        "import muos\n"
        "from muos.ports.micropython import MachinePort\n"
        "print(hasattr(muos, 'HostPort'), MachinePort.__name__)\n"
        "async def main():\n"
        "    await muos.sleep_for(5)\n"
        "    return muos.now()\n"
        "print(muos.run(main).value)\n")
    proc = subprocess.run(
        [node, str(RUNNER), str(tmp_path / "lib" / "muos"), str(script)],
        cwd=ROOT, capture_output=True, timeout=TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode() == "False MachinePort\n5\n"
