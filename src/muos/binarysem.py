"""Binary semaphores (µOS++ ``semaphore`` of max 1).

Owns: ``BinarySemaphore``. Imports ``semaphore``. On MicroPython loaded
at first use (``muos.BinarySemaphore``).
"""

from .semaphore import Semaphore

__all__ = ("BinarySemaphore",)


class BinarySemaphore(Semaphore):
    """A semaphore whose count is 0 or 1."""

    def __init__(self, initial=0, *, name=None):
        Semaphore.__init__(self, initial, max=1, name=name)

