"""muos.asyncio's Event and ThreadSafeFlag.

Owns: ``Event`` (set/clear/wait, every waiter woken by ``set``) and
``ThreadSafeFlag`` (MicroPython: set from a handler, another OS thread or
MicroPython's scheduler; one waiter; clears itself when a wait returns).
Lock and Queue waiters are muos threads suspended (``muos.suspend``) and
resumed, as MicroPython's asyncio queues its tasks: a task cancelled after
being woken raises ``CancelledError`` at its wait, as there.
"""

import muos
from ..running import wait_trap
from ..traps import BLOCK
from ..waitq import WaitQueue

__all__ = ["Event", "ThreadSafeFlag"]


async def _suspend_in(waiting, t):
    """Suspend ``t`` listed in ``waiting`` until resumed; a throw
    (cancel) takes it off the list."""
    waiting.append(t)
    try:
        await muos.suspend()
    except BaseException:
        if t in waiting:
            waiting.remove(t)
        raise


class Event:
    """A flag tasks wait for: ``set()`` wakes every waiter (most urgent
    first). Built as muos's own objects are (a wait queue and traps), so
    a hand-over takes the kernel's inline switch path; waiters are woken
    with nothing handed over, so a task cancelled after ``set`` woke it
    raises ``CancelledError`` at its wait, as in asyncio."""

    name = None

    def __init__(self):
        self._set = False
        self._q = WaitQueue(self)

    def is_set(self):
        return self._set

    def set(self):
        """Set it and wake every waiter (from a task, a muos thread or an
        interrupt handler of the kernel)."""
        self._set = True
        q = self._q
        if q.items:
            q.wake_all(None)

    def clear(self):
        self._set = False

    def _try(self, trap):
        return True if self._set else BLOCK

    async def wait(self):
        if not self._set:
            await wait_trap(self, "wait", self._q)
        return True


class ThreadSafeFlag:
    """Set from anywhere (a handler, another OS thread on ``HostPort``, a
    hard IRQ or ``micropython.schedule`` on a board); one task waits; a
    returning wait clears it. ``set()`` triggers an interrupt line of the
    waiter's kernel, whose handler wakes it: the port makes that safe
    from outside the kernel (HostPort queues a trigger from another OS
    thread; MachinePort's ``irq_handler`` allocates nothing)."""

    def __init__(self):
        self._state = 0
        self._waiter = None
        self._k = None
        self._trigger = None

    def set(self):
        self._state = 1
        if self._waiter is not None:
            self._trigger()

    def _fire(self):
        t = self._waiter
        if t is not None and self._state:
            self._waiter = None
            t.resume()

    def clear(self):
        self._state = 0

    async def wait(self):
        if not self._state:
            t = muos.this_thread()
            k = muos.current_kernel()
            if self._k is not k:
                irq = k.interrupt("ThreadSafeFlag", self._fire)
                hard = getattr(k.port, "irq_handler", None)
                self._trigger = irq.trigger if hard is None else hard(irq)
                self._k = k
            self._waiter = t
            try:
                # (set() from another OS thread between the test above
                # and the line before it found no waiter: look again)
                if not self._state:
                    await muos.suspend()
            finally:
                if self._waiter is t:
                    self._waiter = None
        self._state = 0
