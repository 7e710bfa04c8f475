"""Critical sections: ``scheduler_locked``, ``interrupts_disabled`` and
``interrupts_masked`` (µOS++ ``scheduler::critical_section`` and
``interrupts::critical_section``, ARM BASEPRI).

Owns: those three. Imports ``running`` and ``irq``. On MicroPython loaded
at first use (``muos.scheduler_locked`` ...): a program without critical
sections keeps its classes out of a board's heap.
"""

from .irqcontrol import MASK_ALL, check_irq_priority
from .running import current_kernel

__all__ = ("scheduler_locked", "interrupts_disabled", "interrupts_masked")


class scheduler_locked:
    """``with muos.scheduler_locked():`` no context switch inside; nested
    sections restore the state they found (µOS++
    ``scheduler::critical_section``). Blocking inside raises
    ContextError. Thread context."""

    def __init__(self):
        self._k = None

    def __enter__(self):
        k = current_kernel("muos.scheduler_locked")
        k._thread_context("muos.scheduler_locked")
        self._k = k
        k._lock += 1
        return self

    def __exit__(self, *exc):
        self._k._lock -= 1
        return False


class _MaskSection:
    __slots__ = ("_level", "_old", "_irqs")

    def __init__(self, level):
        self._level = level
        self._old = None
        self._irqs = None

    def __enter__(self):
        irqs = current_kernel("muos.interrupts_disabled")._irqs
        self._irqs = irqs
        lv = self._level
        if irqs.mask > lv:
            lv = irqs.mask           # never unmask what an outer section hid
        self._old = irqs.set_mask(lv)
        return self

    def __exit__(self, *exc):
        self._irqs.set_mask(self._old)
        return False


def interrupts_disabled():
    """``with muos.interrupts_disabled():`` no interrupt starts inside (they
    stay pending and start at the first await after the exit) and no
    thread switch happens. Nests, restoring the state it found (µOS++
    ``interrupts::critical_section``)."""
    return _MaskSection(MASK_ALL)


def interrupts_masked(priority):
    """``with muos.interrupts_masked(p):`` interrupts of priority ``p`` and
    below stay pending; more urgent ones still run (ARM BASEPRI). Nests,
    restoring the state it found."""
    check_irq_priority(priority, "muos.interrupts_masked")
    return _MaskSection(priority)

