"""Every Python sample in docs/*.md and the README runs and its asserts
hold: the documentation cannot drift from the code."""

import glob
import os
import re

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..")
FILES = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [
    os.path.join(ROOT, "README.md")]


def samples():
    out = []
    for path in FILES:
        text = open(path, encoding="utf-8").read()
        for i, m in enumerate(re.finditer(r"```python\n(.*?)```", text,
                                          re.S)):
            out.append(pytest.param(m.group(1), id="%s-%d" % (
                os.path.basename(path), i + 1)))
    return out


SAMPLES = samples()


def test_there_are_samples():
    # the concepts guide alone has one per concept of the seed document
    assert len(SAMPLES) >= 14


@pytest.mark.parametrize("code", SAMPLES)
def test_sample_runs(code, capsys):
    if re.search(r"^\s*(import|from) machine\b", code, re.M):
        pytest.skip("runs on a MicroPython board (tested with a fake "
                    "machine module in tests/mpy/machine_port.py)")
    exec(compile(code, "<doc sample>", "exec"), {"__name__": "__main__"})


def test_names_table_mentions_every_object():
    text = open(os.path.join(ROOT, "docs", "names.md")).read()
    for name in ("Mutex", "Semaphore", "EventFlags", "MessageQueue",
                 "ConditionVariable", "MemoryPool", "Timer", "wait_any",
                 "scheduler_locked", "interrupts_disabled", "periodic"):
        assert name in text, name


def test_docs_use_no_private_attribute_of_a_thread_or_kernel():
    # issue 15 #6: the docs reached the kernel through a private
    # attribute (muos.this_thread()._kernel): muos.current_kernel() is
    # the public way (API.md, "Running")
    for path in FILES:
        text = open(path, encoding="utf-8").read()
        for m in re.finditer(r"```python\n(.*?)```", text, re.S):
            assert "._kernel" not in m.group(1), path
            assert "._current" not in m.group(1), path
