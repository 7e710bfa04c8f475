"""The rarer functions a running thread calls: deadlines, its core,
absolute sleeps, suspension, the handler test.

Owns: ``set_deadline``, ``this_core``, ``sleep_until``, ``suspend`` and
``in_isr`` (the common calls are calls.py's). Imports ``running`` and
``traps``. On MicroPython loaded at the first use of one of them
(``muos``'s lazy names): a program that uses none never loads it (about
130 bytes of a board's heap, issue 16 #2).
"""

from .running import can_block, current_kernel, running_kernel
from .traps import SLEEP, SUSPEND, Trap

__all__ = ("set_deadline", "this_core", "sleep_until", "suspend", "in_isr")


def set_deadline(ticks):
    """Set the running thread's deadline ``ticks`` from now (None clears
    it): threads of equal priority run earliest deadline first. Thread
    context."""
    k = current_kernel("muos.set_deadline")
    k._thread_context("muos.set_deadline").set_deadline(ticks)


def this_core():
    """The index of the core the caller runs on (0 on one core)."""
    return current_kernel("muos.this_core")._cpu


def sleep_until(tick):
    """Sleep until the absolute ``tick``; returns at once if it is past.
    Thread context; may block."""
    k = can_block("muos.sleep_until")
    return Trap(SLEEP, None, k.abs_ns(tick, "sleep_until: tick"))


def suspend():
    """Block until ``Thread.resume()`` (one kept if it came first).
    Thread context; may block."""
    can_block("muos.suspend")
    return Trap(SUSPEND)


def in_isr():
    """True inside an interrupt handler or timer callback."""
    k = running_kernel()
    return k is not None and k._isr > 0
