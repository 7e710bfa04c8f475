"""Shared helpers for the kernel tests: a tick log and the switch schedule.

``log("A start")`` appends ``(muos.now(), "A start")``, so that a test
asserts a whole run as ``[(0, "A start"), (3, "B wait"), ...]`` in ticks
of simulated time. ``switches(trace)`` lists ``(tick, thread)`` for every
context switch recorded in a ``muos.Trace``.
"""

import sys

import pytest

import muos


class Log(list):
    """A list of ``(tick, what)``; call it to append at ``muos.now()``."""

    def __call__(self, what):
        self.append((muos.now(), what))


def ns_ticks(ns, tick_hz=1000):
    """Trace time (ns) to ticks: an int when exact, else a float."""
    q, r = divmod(ns * tick_hz, 1000000000)
    return q if r == 0 else ns * tick_hz / 1000000000


def switch_list(trace):
    """``(tick, thread name)`` of every context switch, in order (a
    "switch" event back to the thread that last ran is not one)."""
    return [(ns_ticks(ev[0], trace.tick_hz), ev[2])
            for ev in trace.events if ev[1] == "switch" and ev[4] != ev[2]]


@pytest.fixture
def log():
    return Log()


@pytest.fixture
def switches():
    return switch_list


def pytest_terminal_summary(terminalreporter):
    """Print how many of MicroPython's upstream asyncio tests passed."""
    mod = sys.modules.get("test_asyncio_upstream") or sys.modules.get(
        "tests.test_asyncio_upstream")
    line = mod.summary() if mod is not None else None
    if line:
        terminalreporter.write_line(line)
