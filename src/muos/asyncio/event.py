"""muos.asyncio's Event and ThreadSafeFlag.

Owns: ``Event`` (set/clear/wait, every waiter woken by ``set``) and
``ThreadSafeFlag`` (MicroPython: set from a handler, another OS thread or
MicroPython's scheduler; one waiter; clears itself when a wait returns).
A ThreadSafeFlag's waiter is a suspended muos thread (``muos.suspend``),
resumed by the handler of one interrupt line per kernel, which every flag
shares (MachinePort has a few hard-IRQ slots only).
"""

import muos
from ..morecalls import suspend
from ..compat import MICROPYTHON
from ..running import RUNNING, current_kernel, is_running, wait_trap
from ..thread import SUSPENDED
from ..traps import _STOP_TRUE, BLOCK, WAIT, Trap, new_trap
from ..waitq import WaitQueue

__all__ = ("Event", "ThreadSafeFlag", "TRUE_NOW")


class _TrueNow:
    """An awaitable that returns True without leaving the CPU (a wait
    that need not wait: muos.asyncio's Event when set). Stateless, so
    one object serves every await; on MicroPython it allocates nothing
    (the StopIteration made once, as Trap.send's)."""

    if MICROPYTHON:
        def __iter__(self):
            return self

        __await__ = __iter__

        def __next__(self):
            s = _STOP_TRUE
            s.__traceback__ = None
            raise s
    else:
        def __await__(self):
            return True
            yield           # (a generator: it returns at once)


TRUE_NOW = _TrueNow()


class Event:
    """A flag tasks wait for: ``set()`` wakes every waiter (most urgent
    first). Built as muos's own objects are (a wait queue and traps), so
    a hand-over takes the kernel's inline switch path; waiters are woken
    with nothing handed over, so a task cancelled after ``set`` woke it
    raises ``CancelledError`` at its wait, as in asyncio."""

    name = None
    hands_over = False    # a wait ends with True, nothing handed over

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
            q.wake_all(True)

    def clear(self):
        self._set = False

    def _try(self, trap):
        return True if self._set else BLOCK

    def wait(self):
        """Wait until it is set; returns True (at once when it is). Not
        a coroutine: a trap, so that a wait allocates nothing and a
        hand-over takes the kernel's inline path (a task cancelled after
        ``set`` woke it raises CancelledError here: ``hands_over``)."""
        if self._set:
            return TRUE_NOW
        # running.wait_trap(self, "wait", self._q) and traps.reuse,
        # inline (as Semaphore.wait's): the measured hand-over of issue
        # 17 (benchmarks/asyncio_layer.py) waits here
        k = RUNNING[0]
        if (k is None or k._isr or k._lock or k._irqs.mask
                or k._current is None):
            # the general path: the context's error, or the kernel of
            # this OS thread when several run kernels
            return wait_trap(self, "wait", self._q)
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


class ThreadSafeFlag:
    """Set from anywhere (a handler, another OS thread on ``HostPort``, a
    hard IRQ or ``micropython.schedule`` on a board); one task waits; a
    returning wait clears it. ``set()`` triggers the kernel's
    "ThreadSafeFlag" interrupt line, whose handler wakes the waiters of
    the flags that are set: the port makes that safe from outside the
    kernel (HostPort queues a trigger from another OS thread;
    MachinePort's ``irq_handler`` allocates nothing)."""

    def __init__(self):
        self._state = 0
        self._waiter = None
        self._line = None             # [kernel, trigger, flags waited on]

    def set(self):
        self._state = 1
        line = self._line
        if line is not None and self._waiter is not None:
            line[1]()

    def clear(self):
        self._state = 0

    async def wait(self):
        if not self._state:
            t = muos.this_thread()
            k = current_kernel()
            line = self._line
            if line is None or line[0] is not k:
                line = self._line = _line(k)
            self._waiter = t
            line[2].append(self)
            try:
                # (set() from another OS thread between the test above
                # and the registration found no waiter: look again)
                if not self._state:
                    await suspend()
            finally:
                self._waiter = None
                if self in line[2]:
                    line[2].remove(self)
        self._state = 0


_lines = []  # type: list  # [kernel, trigger, flags waited on] per kernel


def _line(k):
    """The kernel's ThreadSafeFlag line, made once while it runs."""
    for line in _lines:
        if line[0] is k:
            return line
    flags = []

    def fire():
        for f in list(flags):
            t = f._waiter
            if f._state and t is not None and t.state == SUSPENDED:
                f._waiter = None
                flags.remove(f)
                t.resume()

    irq = k.interrupt("ThreadSafeFlag", fire)
    hard = getattr(k.port, "irq_handler", None)
    line = [k, irq.trigger if hard is None else hard(irq), flags]
    # (the lines of kernels that stopped running are forgotten)
    _lines[:] = [x for x in _lines if is_running(x[0])] + [line]
    return line
