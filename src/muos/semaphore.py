"""Counting and binary semaphores (µOS++ ``semaphore``, POSIX ``sem_t``).

Owns: ``Semaphore`` (its rarer calls: semaphoreapi.py; ``BinarySemaphore``:
binarysem.py). Built only on the wait queue and traps: ``post()`` hands
its unit straight to the most urgent waiter, which never retries (no
barging, no lost wake-up).
"""

from .compat import MICROPYTHON, cold_part, computed_attrs
from .running import RUNNING, can_block
from .traps import BLOCK, WAIT, Trap, new_trap
from .waitq import WaitQueue

__all__ = ("Semaphore",)


def _check_count(v, what):
    if type(v) is not int:
        raise TypeError("%s must be an int, not %r" % (what, v))
    if v < 0:
        raise ValueError("%s must not be negative, not %r" % (what, v))
    return v


if MICROPYTHON:    # (its API loads at first use: compat.cold_part)
    globals()["SemaphoreApi"] = object
else:
    from .semaphoreapi import SemaphoreApi


class Semaphore(SemaphoreApi):
    """A counting semaphore with an optional ``max`` (here what a
    hand-over uses; ``value``, ``try_wait`` and ``timed_wait`` are
    ``SemaphoreApi``'s)."""

    def __init__(self, initial=0, *, max=None, name=None):
        label = "Semaphore %r" % name if name else "Semaphore"
        _check_count(initial, label + ": initial")
        if max is not None:
            _check_count(max, label + ": max")
            if max < 1 or initial > max:
                raise ValueError("%s: initial %r must be within 0..max %r "
                                 "(max >= 1)" % (label, initial, max))
        if name is not None:
            from .diag import check_name    # (loaded for a name only)
            check_name(name, "Semaphore")
        self.name = name
        self.max = max
        self._value = initial
        self._q = WaitQueue(self)

    def __repr__(self):
        from .diag import describe
        return "<%s value=%d waiting=%d>" % (describe(self), self._value,
                                             len(self._q))

    def post(self):
        """Release one unit: to the most urgent waiter if any, else to the
        count. False (no change) at ``max``. ISR-safe."""
        # WaitQueue.wake_one(True), inline: the measured hand-over
        # (benchmarks/instructions.py, plain build) costs 13,600
        # instructions so and 14,000 through the call; compiled, the same
        items = self._q.items
        if items:
            # woken, then taken off the queue by a statement, not a call:
            # a wake that cannot start (RecursionError at the limit) has
            # changed nothing, and nothing after it can fail (a post is
            # all or nothing: issue 14 #8)
            trap = items[0]
            trap.thread._kernel.wake(trap, True)
            del items[0]
            return True
        if self.max is not None and self._value >= self.max:
            return False
        self._value += 1
        return True

    def _try(self, trap):
        if self._value > 0:
            self._value -= 1
            return True
        return BLOCK

    def wait(self):
        """Take one unit, waiting for it. Thread context; may block."""
        # running.wait_trap(self, "wait", self._q), inline: the measured
        # hand-over (benchmarks/instructions.py) waits here
        k = RUNNING[0]
        if (k is None or k._isr or k._lock or k._irqs.mask
                or k._current is None):
            k = can_block("Semaphore.wait", "wait", self)
        # traps.reuse, inline (the measured hand-over: instructions.py's
        # ping-pong)
        c = k._current
        t = c._spare
        if t is None:
            t = new_trap(Trap)
        else:
            c._spare = None
        t.kind = WAIT
        t.obj = self
        t.arg = None
        t.q = self._q
        return t


computed_attrs(Semaphore)
cold_part(Semaphore, "semaphoreapi", "SemaphoreApi", (
    "value", "try_wait", "timed_wait"))
