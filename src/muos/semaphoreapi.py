"""A semaphore's cold part: what a hand-over never uses (its value, the
try and timed forms of wait).

Owns: ``SemaphoreApi`` (``Semaphore``'s base on CPython, which declares
the fields for Cython; on MicroPython loaded at the first use of one of
its names: ``compat.cold_part``). Imports ``compat``, ``running``.
"""

from .compat import computed, computed_attrs
from .running import wait_trap

__all__ = ("SemaphoreApi",)


class SemaphoreApi:
    """``Semaphore``'s rarer calls (see the module doc)."""

    @computed
    def value(self):
        return self._value

    def try_wait(self):
        """Take one unit if available. ISR-safe."""
        if self._value > 0:
            self._value -= 1
            return True
        return False

    def timed_wait(self, ticks):
        """Like ``wait`` but False after ``ticks``. Thread context; may
        block."""
        return wait_trap(self, "timed_wait", self._q, None, ticks, False)


computed_attrs(SemaphoreApi)
