"""MachinePort: muos on a MicroPython board.

Owns: ``MachinePort``. Portable: imports ``time`` and, guarded,
``machine`` and ``micropython``; nothing from muos (the kernel reaches it
through the port contract, DESIGN.md). No threads, no allocation in a
hard interrupt.

Time: ``time.ticks_us()`` wraps around (every 2**30 us, about 17.9 min,
on most boards); the kernel's 64-bit nanosecond clock is kept by adding
``ticks_diff`` deltas, so ``now()`` must run at least once per half
period: every sleep is cut into pieces of at most a quarter period.

``advance(until, busy)``: busy spins; idle sleeps with
``machine.lightsleep(ms)`` (``time.sleep_ms`` where there is none, or
with ``lightsleep=False``) until ``until``, or until a hardware interrupt
arrives; ``advance(None, False)`` sleeps until one does.

Hardware interrupts: ``port.irq_handler(interrupt)`` returns a function to
give to ``Pin.irq(handler=...)`` or ``Timer(callback=...)``. In the hard
IRQ it only stores a time stamp and a flag in lists made beforehand, and
asks ``micropython.schedule`` for a soft callback (one outstanding at a
time), which queues the trigger for the kernel (``Interrupts.post_foreign``)
with the stamp, so that the latency counts from the pin edge. If the
schedule queue is full, the kernel polls the flags instead.

Python code between awaits takes real time: the kernel calls ``resume``
before every step, so that its clock catches up (the thread resumes at
the real time), and ``charge`` after it (charged to the thread).
"""

import time

from ..compat import computed, computed_attrs
from ..units import shifted, units_per_ns
from . import Port

try:
    import machine
except ImportError:          # CPython, or a port without it
    machine = None
try:
    import micropython
except ImportError:
    micropython = None

__all__ = ("MachinePort",)


class MachinePort(Port):
    """``time.ticks_us`` and ``machine.lightsleep`` (see the module doc).

    ``lightsleep``: idle in ``machine.lightsleep`` when the board has it
    (its ticks must keep counting in light sleep, and the pins you use
    must wake it); otherwise in ``time.sleep_ms`` slices of ``slice_ms``
    (an interrupt is seen at the end of the slice). ``max_irqs``: how many
    lines ``irq_handler`` can serve (their slots are allocated now).
    """

    power = None
    waits = True          # run(forever=True) sleeps until woken

    def __init__(self, *, lightsleep=True, slice_ms=1, max_irqs=8):
        self._ticks_us = time.ticks_us
        self._diff = time.ticks_diff
        self._period = time.ticks_add(0, -1) + 1
        self._cap_ms = self._period // 4000       # a quarter period
        self._last = self._ticks_us()
        self._ns = 0
        self._unit_us = 1000             # set by attach (units.py)
        sleep = None
        if lightsleep and machine is not None:
            sleep = getattr(machine, "lightsleep", None)
        self._light = sleep is not None
        self._sleep_ms = sleep if sleep is not None else time.sleep_ms
        self._sleep_us = getattr(time, "sleep_us", None)
        self._slice_ms = slice_ms
        self._schedule = None if micropython is None else getattr(
            micropython, "schedule", None)
        self.kernel = None
        self._woken = False
        # hard-IRQ slots, allocated now: flag, stamp (ticks), misses
        self._max = max_irqs
        self._lines = []
        self._flags = [0] * max_irqs
        self._stamps = [0] * max_irqs
        self._state = [0, 0]        # [soft callback scheduled, poll flags]
        self._soft_cb = self._soft  # one bound method, made once
        self._poll = None           # select.poll of the watched files
        self._watched = []          # [file, on readable, on writable]
        self._ready = []            # (file, 0|1) found ready: take_ready

    # -- the port contract --
    def attach(self, kernel):
        if self.kernel is not None and self.kernel is not kernel:
            raise ValueError("MachinePort: already attached to another "
                             "kernel")
        if self.kernel is kernel:
            return
        self.kernel = kernel
        # kernel time units per us (units.py: 1000 unless tick_hz does
        # not divide a second)
        self._unit_us = 1000 * units_per_ns(kernel.tick_hz)
        self.now()
        self._ns = 0                     # kernel time starts at attach

    def cost_ns(self, what, tick_hz):
        """Real ports model no costs: the real ones are paid."""
        return 0

    def now(self):
        """Nanoseconds since attach. Straight-line code: no scheduled
        callback runs inside it on MicroPython."""
        t = self._ticks_us()
        self._ns += self._diff(t, self._last) * self._unit_us
        self._last = t
        return self._ns

    def advance(self, until_ns, busy):
        """Spin (``busy``) or sleep until ``until_ns`` (None: until an
        interrupt) or an interrupt; returns the time it is now."""
        irqs = self.kernel._irqs
        state = self._state
        now = self.now()
        if busy:
            while now < until_ns and not irqs.foreign:
                if state[1]:
                    self._collect()
                now = self.now()
            return now
        ready = self.kernel._ready
        idle = self.kernel.idle       # (always in the ready list)
        # (a micropython.schedule callback may make a thread ready while
        # the CPU sleeps, setting an Event: then stop sleeping)
        while not irqs.foreign and not self._woken and ready.top() is idle:
            if state[1]:
                self._collect()
                continue
            if until_ns is None:
                ms = self._cap_ms
            else:
                left = (until_ns - now) // self._unit_us  # microseconds
                if left <= 0:
                    break
                if left < 1000:
                    if self._sleep_us is not None:
                        self._sleep_us(left)
                    now = self.now()
                    continue
                ms = left // 1000
                if ms > self._cap_ms:
                    ms = self._cap_ms
            if self._watched:
                if self._poll_files(ms):      # idles in poll() instead
                    break
                now = self.now()
                continue
            if not self._light and ms > self._slice_ms:
                ms = self._slice_ms
            self._sleep_ms(ms)
            now = self.now()
        self._woken = False
        return self.now()

    def wake(self):
        """Cut an ``advance`` short (from a scheduled callback)."""
        self._woken = True

    @computed
    def external(self):
        """True when a line other than the software-timer one exists: an
        idle kernel with nothing timed then sleeps until an interrupt."""
        k = self.kernel
        return k is not None and k._irqs.has_lines()

    # -- files (sockets, streams): select.poll --
    def irq_on_readable(self, f, interrupt):
        """Trigger ``interrupt`` while ``f`` (a socket, a stream) is
        readable; the idle kernel waits in ``select.poll``."""
        self._watch(f, interrupt, 0)

    def irq_on_writable(self, f, interrupt):
        """Trigger ``interrupt`` while ``f`` is writable (a connect done,
        room to send): stop watching it once written."""
        self._watch(f, interrupt, 1)

    def remove_readable(self, f):
        self._unwatch(f, 0)

    def remove_writable(self, f):
        self._unwatch(f, 1)

    def take_ready(self):
        """The (file, 0 readable | 1 writable) found ready since the last
        call (as HostPort's)."""
        r = self._ready
        if not r:
            return ()
        self._ready = []
        return r

    def _entry(self, f):
        for e in self._watched:
            if e[0] is f:
                return e
        return None

    def _watch(self, f, interrupt, i):
        import select
        if self._poll is None:
            self._poll = select.poll()
        e = self._entry(f)
        if e is None:
            e = [f, None, None]
            self._watched.append(e)
        e[1 + i] = interrupt
        self._poll.register(f, (select.POLLIN if e[1] else 0)
                            | (select.POLLOUT if e[2] else 0))

    def _unwatch(self, f, i):
        import select
        e = self._entry(f)
        if e is None:
            raise KeyError(f)
        e[1 + i] = None
        if e[1] is None and e[2] is None:
            self._watched.remove(e)
            self._poll.unregister(f)
        else:
            self._poll.modify(f, select.POLLIN if e[1] else select.POLLOUT)

    def _poll_files(self, ms):
        """Wait up to ``ms`` in poll(); trigger the lines of what is
        ready. True if any was."""
        import select
        got = False
        irqs = self.kernel._irqs
        for r in self._poll.poll(ms):
            obj, ev = r[0], r[1]
            for e in self._watched:
                f = e[0]
                if f is obj or (type(obj) is int and f.fileno() == obj):
                    for i, bits in ((0, ~select.POLLOUT), (1, ~select.POLLIN)):
                        irq = e[1 + i]
                        if irq is not None and ev & bits:
                            self._ready.append((f, i))
                            if not irq._pending:
                                irqs.trigger(irq, self.now())
                            got = True
        return got

    # -- hardware interrupts --
    def irq_handler(self, interrupt):
        """A function for ``Pin.irq(handler=...)`` (``hard=True`` is fine)
        or ``Timer(callback=...)`` that triggers ``interrupt``. It does
        not allocate: call this at set-up, not in an interrupt."""
        k = self.kernel
        if k is None or getattr(interrupt, "_kernel", None) is not k:
            raise ValueError("MachinePort.irq_handler: %r is not an "
                             "interrupt of this port's kernel" % (interrupt,))
        i = len(self._lines)
        if i >= self._max:
            raise ValueError("MachinePort.irq_handler: more than max_irqs=%d"
                             " lines" % self._max)
        self._lines.append(interrupt)
        flags = self._flags
        stamps = self._stamps
        state = self._state
        ticks = self._ticks_us
        schedule = self._schedule
        soft = self._soft_cb

        def handler(source=None):
            # hard IRQ: list stores of small ints only
            if flags[i]:
                return                   # still pending: one trigger
            stamps[i] = ticks()
            flags[i] = 1
            if state[0]:
                return                   # a soft callback is on its way
            if schedule is None:
                state[1] = 1
                return
            state[0] = 1
            try:
                schedule(soft, 0)
            except Exception:            # queue full: the kernel polls
                state[0] = 0
                state[1] = 1
        return handler

    # -- inside --
    def _soft(self, _):
        self._state[0] = 0
        if self.kernel._irqs.moving:
            self._state[1] = 1     # the kernel polls after the rebase
            return
        self._collect()

    def _collect(self):
        """Queue the flagged lines for the kernel, stamped in kernel ns."""
        self._state[1] = 0
        flags = self._flags
        stamps = self._stamps
        irqs = self.kernel._irqs
        for i in range(len(self._lines)):
            if flags[i]:
                t = stamps[i]
                flags[i] = 0
                irqs.post_foreign(self._lines[i], self._ns
                                  + self._diff(t, self._last)
                                  * self._unit_us)

    timed_steps = True      # the kernel times each step (resume, charge)

    def rebase(self, d):
        """The kernel moved its time origin ``d`` later (rebase.py)."""
        self._ns = shifted(self._ns, d)

    # resume and charge run around every step of a thread: now() is
    # written out in both (a call less each: the measured hand-over on
    # the Cortex-M3 board, benchmarks/mpy_switch.py)
    def resume(self, k):
        """Catch the kernel clock up before a step (Port.resume)."""
        t = self._ticks_us()
        now = self._ns + self._diff(t, self._last) * self._unit_us
        self._ns = now
        self._last = t
        if now > k._now:
            k._now = now
        return now

    def charge(self, k, t, t0):
        """Charge the step to ``t`` (Port.charge); then the flags of a
        full schedule queue are polled."""
        tk = self._ticks_us()
        now = self._ns + self._diff(tk, self._last) * self._unit_us
        self._ns = now
        self._last = tk
        if now > k._now:
            t.cpu_ns += now - k._now
            k._now = now
        if self._state[1]:
            self._collect()


computed_attrs(MachinePort)
