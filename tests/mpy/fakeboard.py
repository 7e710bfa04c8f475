"""A fake MicroPython board for MachinePort tests (a helper: prints nothing).

``board = Board()`` simulates a clock in microseconds; ``board.load()``
puts a fake ``time`` (ticks_us & co.), ``machine`` (Pin, Timer,
lightsleep) and ``micropython`` (schedule) into sys.modules, imports
``muos.ports.micropython`` afresh so that it binds them, puts the real
modules back and returns the ``MachinePort`` class. ``board.install()`` /
``board.restore(saved)`` do the sys.modules part alone (to import an
example that uses ``machine``).

The clock wraps around every ``period`` us (2**20, about 1 s, against
17.9 min on a board) and each ticks_us() call costs ``call_us`` of CPU,
so that busy loops end and a run of a few seconds crosses several wraps.
Pin edges and timer expiries fire as hard interrupts from inside the
clock; the callbacks they schedule run right after the hard handler
returns, as they would on a board at the next bytecode.
"""

import sys


class FakeMicropython:
    def __init__(self):
        self.queue = []
        self.full = False        # True: schedule() refuses, as when full
        self.refused = 0

    def schedule(self, fn, arg):
        if self.full or len(self.queue) >= 4:
            self.refused += 1
            raise RuntimeError("schedule queue full")
        self.queue.append((fn, arg))

    def run_scheduled(self):
        while self.queue:
            fn, arg = self.queue.pop(0)
            fn(arg)


class FakeTime:
    def __init__(self, board):
        self.b = board

    def ticks_us(self):
        b = self.b
        b.move(b.call_us)
        return b.total & b.mask

    def ticks_ms(self):
        b = self.b
        return (b.total // 1000) & b.mask

    def ticks_diff(self, a, b):
        half = self.b.period >> 1
        return ((a - b + half) & self.b.mask) - half

    def ticks_add(self, t, d):
        return (t + d) & self.b.mask

    def sleep_ms(self, ms):
        self.b.move(ms * 1000)

    def sleep_us(self, us):
        self.b.move(us)

    def sleep(self, s):
        self.b.move(int(s * 1000000))


class FakePin:
    """machine.Pin; subclassed per board (``b``, the Board)."""

    b = None
    IN = 1
    OUT = 2
    PULL_UP = 1
    IRQ_FALLING = 2
    IRQ_RISING = 4

    def __init__(self, n, mode=None, pull=None):
        self.n = n
        self.handler = None
        self._value = 1 if pull else 0
        self.changes = 0
        self.b.pins.append(self)

    def irq(self, handler=None, trigger=None, hard=False):
        self.handler = handler

    def value(self, v=None):
        if v is None:
            return self._value
        v = 1 if v else 0
        if v != self._value:
            self.changes += 1
        self._value = v

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def toggle(self):
        self.value(1 - self._value)

    def edge_at(self, when):
        """A falling edge at absolute board time ``when`` (us)."""
        self.b.at(when, self._edge)

    def _edge(self):
        self._value = 0
        if self.handler is not None:
            self.handler(self)


class FakeTimer:
    """machine.Timer; subclassed per board (``b``, the Board)."""

    b = None
    PERIODIC = 1
    ONE_SHOT = 0

    def __init__(self, n=-1, **kw):
        self.callback = None
        self.period = 0
        self.mode = 1
        if kw:
            self.init(**kw)

    def init(self, mode=1, period=1000, callback=None, freq=None):
        if freq is not None:
            period = 1000 // freq
        self.mode = mode
        self.callback = callback
        self.period = period * 1000
        self.b.at(self.b.total + self.period, self._fire)

    def deinit(self):
        self.callback = None

    def _fire(self):
        if self.callback is not None:
            self.callback(self)
            if self.mode == self.PERIODIC:
                self.b.at(self.b.total + self.period, self._fire)


class FakeMachine:
    def __init__(self, board):
        self.b = board
        self.sleeps = 0

        class Pin(FakePin):
            b = board

        class Timer(FakeTimer):
            b = board

        self.Pin = Pin
        self.Timer = Timer

    def lightsleep(self, ms):
        self.sleeps += 1
        self.b.move(ms * 1000, True)


class Board:
    def __init__(self, period=1 << 20, start=None, call_us=7):
        self.period = period
        self.mask = period - 1
        self.call_us = call_us
        self.total = period - 300000 if start is None else start
        self.events = []      # [when_us, seq, fn], kept sorted
        self.seq = 0
        self.wraps = 0
        self.irqs = 0
        self.pins = []
        self.mp = FakeMicropython()
        self.time = FakeTime(self)
        self.machine = FakeMachine(self)

    def at(self, when, fn):
        self.seq += 1
        ev = [when, self.seq, fn]
        evs = self.events
        i = len(evs)
        while i > 0 and (evs[i - 1][0], evs[i - 1][1]) > (when, self.seq):
            i -= 1
        evs.insert(i, ev)

    def move(self, dus, wake_early=False):
        """Let ``dus`` pass, firing what falls due; with ``wake_early``
        (lightsleep) return after the first interrupt."""
        target = self.total + dus
        while self.events and self.events[0][0] <= target:
            when, _, fn = self.events.pop(0)
            if when > self.total:
                self._set(when)
            self.irqs += 1
            fn()                           # the hard IRQ
            self.mp.run_scheduled()        # then its soft callback
            if wake_early:
                return
        self._set(target)

    def _set(self, t):
        p = self.period
        self.wraps += t // p - self.total // p
        self.total = t

    def install(self):
        saved = []
        for name in ("time", "machine", "micropython"):
            saved.append((name, sys.modules.get(name)))
        sys.modules["time"] = self.time
        sys.modules["machine"] = self.machine
        sys.modules["micropython"] = self.mp
        return saved

    def restore(self, saved):
        for name, mod in saved:
            if mod is None:
                del sys.modules[name]
            else:
                sys.modules[name] = mod

    def load(self):
        """The MachinePort class, bound to this board's fakes."""
        saved = self.install()
        try:
            if "muos.ports.micropython" in sys.modules:
                del sys.modules["muos.ports.micropython"]
            from muos.ports.micropython import MachinePort
        finally:
            self.restore(saved)
        return MachinePort
