"""HostPort: muos threads on the wall clock of a CPython process.

Owns: ``HostPort`` and ``Overrun``. CPython only (``threading``,
``selectors``, ``socket``, ``signal``): it never loads on MicroPython.
Imports ``kernel`` (to know whether its kernel is running) and ``stats``,
nothing above. The four operations of the port contract (DESIGN.md):

* ``now()``: ``time.monotonic_ns()`` since ``attach``;
* ``advance(until, busy)``: busy (``muos.busy``, a handler's ``cost``)
  spins until ``until``; idle sleeps in a selector until ``until``, an
  external event or ``wake()``; ``advance(None, False)`` sleeps until
  woken (the idle thread does that when nothing is timed but an interrupt
  may still come: ``external``); both return the actual time;
* ``wake()``: writes one byte to a socket the idle selector watches.

External interrupts: ``Interrupt.trigger()`` called from another OS thread
(``foreign()``) is queued by ``irq.py`` with its own time stamp and
drained by the kernel loop; ``irq_on_readable(f, irq)`` triggers ``irq``
when ``f`` is readable (the idle selector watches it; the handler must
read, or the line triggers again); ``irq_on_signal(signum, irq)``
triggers it from a signal handler.

Real time also passes while a thread's Python code runs between two
awaits: the kernel calls ``resume`` before every step, so that its clock
catches up (the thread resumes at the real time), and ``charge`` after
it (that time is charged to the thread), and a
step longer than ``overrun_warn`` seconds is counted in
``stats.overruns`` and reported once per thread on stderr with the
preemption latency it caused.
"""

import os
import selectors
import signal
import socket
import sys
import threading
import time
import weakref

from ..running import is_running
from ..units import ns_to_ticks, units_per_ns
from . import Port

__all__ = ("HostPort", "Overrun")

_EVENTS = (selectors.EVENT_READ, selectors.EVENT_WRITE)


def _release(sel, rsock, wsock):
    sel.close()
    rsock.close()
    wsock.close()


class Overrun:
    """Steps of one thread longer than ``overrun_warn``: ``count``,
    ``max`` (the longest, ticks) and ``max_latency`` (ticks: how long an
    event that fell due during such a step had to wait for it to end)."""

    __slots__ = ("name", "tick_hz", "count", "max_ns", "max_latency_ns",
                 "_n")

    def __init__(self, name, tick_hz, n=1):
        self.name = name
        self.tick_hz = tick_hz
        self._n = n              # kernel time units per ns
        self.count = 0
        self.max_ns = 0
        self.max_latency_ns = 0

    @property
    def max(self):
        return ns_to_ticks(self.max_ns, self.tick_hz)

    @property
    def max_latency(self):
        return ns_to_ticks(self.max_latency_ns, self.tick_hz)

    def __repr__(self):
        return "<Overrun %s n=%d max=%.3f ms latency=%.3f ms>" % (
            self.name, self.count, self.max_ns / 1e6 / self._n,
            self.max_latency_ns / 1e6 / self._n)


class HostPort(Port):
    """The wall clock of this process (``time.monotonic_ns``).

    ``overrun_warn``: seconds a thread may run between two awaits before
    it is reported (``None``: never). ``spin``: seconds at the end of each
    idle sleep spent spinning instead, for wake-ups more exact than the
    OS timer (costs that much CPU per wake-up; default 0).
    """

    power = None
    waits = True          # run(forever=True) sleeps until woken
    _wakeup_fd = None     # installed by a wait that has not put it back

    def __init__(self, *, overrun_warn=0.010, spin=0.0):
        if overrun_warn is not None and not overrun_warn > 0:
            raise ValueError("HostPort: overrun_warn must be a positive "
                             "number of seconds or None, not %r"
                             % (overrun_warn,))
        if not spin >= 0:
            raise ValueError("HostPort: spin must be >= 0 seconds, not %r"
                             % (spin,))
        self.overrun_warn = overrun_warn
        self._spin_s = spin
        self._set_unit(1)
        self.kernel = None
        self.epoch_ns = self._mono()
        self._tid = threading.get_ident()
        # selectors.SelectSelector: select() takes microsecond timeouts
        # (epoll and poll round them up to whole milliseconds)
        self._sel = selectors.SelectSelector()
        self._rsock, self._wsock = socket.socketpair()
        self._rsock.setblocking(False)
        self._wsock.setblocking(False)
        self._sel.register(self._rsock, selectors.EVENT_READ, None)
        # released by close(), or when the port is collected
        self._release = weakref.finalize(self, _release, self._sel,
                                         self._rsock, self._wsock)
        self._woken = False
        self._main = False
        self._readers = 0
        self._ready = {}          # (fd, 0|1) -> (file, 0|1): take_ready
        self._signals = {}        # signum -> (interrupt, previous handler)
        self._warned = set()
        self._stopped = None        # a Ctrl-C to raise at the next call

    # -- the port contract --
    def attach(self, kernel):
        if self.kernel is not None and self.kernel is not kernel:
            raise ValueError("HostPort: already attached to another kernel")
        if not self._release.alive:
            raise ValueError("HostPort: closed")
        if self.kernel is kernel:
            return
        self.kernel = kernel
        self._set_unit(units_per_ns(kernel.tick_hz))
        self.epoch_ns = self._mono()
        self._tid = threading.get_ident()
        self._main = self._tid == threading.main_thread().ident
        kernel.stats.overruns = {}

    def _set_unit(self, n):
        # the port speaks the kernel's time unit (units.py): n per ns, 1
        # unless tick_hz does not divide a second; _mono is the wall
        # clock in that unit
        self._n = n
        self._mono = time.monotonic_ns if n == 1 else (
            lambda: time.monotonic_ns() * n)
        ow = self.overrun_warn
        self._overrun_ns = None if ow is None else int(ow * 1e9) * n
        self._spin_ns = int(self._spin_s * 1e9) * n

    def cost_ns(self, what, tick_hz):
        """Real ports model no costs: the real ones are paid."""
        return 0

    def now(self):
        """Kernel time units (nanoseconds) since attach. Thread-safe."""
        return self._mono() - self.epoch_ns

    def advance(self, until_ns, busy):
        """Spin (``busy``) or sleep until ``until_ns`` (None: until
        woken) or an external event; returns the time it is now.

        Ctrl-C there returns the time as usual, so that the kernel
        accounts the time that passed, and the KeyboardInterrupt is
        raised at the port's next call (``_reraise``)."""
        self._reraise()
        try:
            if busy:
                return self._spin(until_ns)
            return self._sleep(until_ns)
        except KeyboardInterrupt as e:
            self._stopped = e
            return self.now()

    def _reraise(self):
        e = self._stopped
        if e is not None:
            self._stopped = None
            raise e

    def wake(self):
        """Cut an ``advance`` short. Thread-safe; safe in a signal
        handler."""
        if not self._woken:
            self._woken = True
            try:
                self._wsock.send(b"\0")
            except OSError:
                pass            # full (a wake is pending anyway) or closed

    def foreign(self):
        """True when called from another OS thread than the kernel's."""
        return threading.get_ident() != self._tid

    @property
    def external(self):
        """True when an interrupt may come from outside (any interrupt
        line but the kernel's own software-timer line): then an idle
        kernel with nothing timed sleeps until woken instead of stopping
        (``muos.Stalled`` still reports a program that has none)."""
        k = self.kernel
        return k is not None and k._irqs.has_lines()

    # -- external interrupt sources --
    def irq_on_readable(self, f, interrupt):
        """Trigger ``interrupt`` whenever ``f`` (a file object with
        ``fileno()`` or a file descriptor) is readable; the handler reads
        it (the line triggers again while data is left)."""
        self._watch(f, interrupt, 0, "irq_on_readable")

    def irq_on_writable(self, f, interrupt):
        """Trigger ``interrupt`` whenever ``f`` is writable (a socket's
        send buffer has room, a connect completed): stop watching it with
        ``remove_writable`` once written, or the line keeps triggering."""
        self._watch(f, interrupt, 1, "irq_on_writable")

    def take_ready(self):
        """The (file, 0 readable | 1 writable) found ready since the last
        call, among the watched files: whom a line's handler should serve
        (muos.asyncio's streams)."""
        r = self._ready
        if not r:
            return ()
        self._ready = {}
        return list(r.values())

    def remove_readable(self, f):
        """Stop watching ``f`` for reading."""
        self._unwatch(f, 0)

    def remove_writable(self, f):
        """Stop watching ``f`` for writing."""
        self._unwatch(f, 1)

    def _watch(self, f, interrupt, i, what):
        self._check_irq(interrupt, what)
        sel = self._sel
        try:
            key = sel.get_key(f)
        except KeyError:
            lines = [None, None]          # [on readable, on writable]
            lines[i] = interrupt
            sel.register(f, _EVENTS[i], lines)
            self._readers += 1
            return
        lines = key.data
        lines[i] = interrupt
        sel.modify(f, (_EVENTS[0] if lines[0] is not None else 0)
                   | (_EVENTS[1] if lines[1] is not None else 0), lines)

    def _unwatch(self, f, i):
        sel = self._sel
        key = sel.get_key(f)              # KeyError: not watched
        lines = key.data
        lines[i] = None
        self._ready.pop((key.fd, i), None)
        if lines[1 - i] is None:
            sel.unregister(f)
            self._readers -= 1
        else:
            sel.modify(f, _EVENTS[1 - i], lines)

    def irq_on_signal(self, signum, interrupt):
        """Trigger ``interrupt`` when the process receives ``signum``
        (``signal.signal``: call it from the main thread). While the
        kernel is not running, the signal goes to the handler that was
        there before (which ``close()`` puts back)."""
        self._check_irq(interrupt, "irq_on_signal")
        prev = signal.signal(signum, self._on_signal)
        if signum in self._signals:
            prev = self._signals[signum][1]
        self._signals[signum] = (interrupt, prev)

    def close(self):
        """Put the signal handlers back and release the sockets."""
        for signum, (_, prev) in list(self._signals.items()):
            signal.signal(signum, prev)
        self._signals.clear()
        self._release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- inside --
    def _check_irq(self, interrupt, what):
        k = self.kernel
        if k is None or getattr(interrupt, "_kernel", None) is not k:
            raise ValueError("HostPort.%s: %r is not an interrupt of this "
                             "port's kernel (make the kernel first)"
                             % (what, interrupt))

    def _on_signal(self, signum, frame):
        irq, prev = self._signals.get(signum, (None, signal.SIG_DFL))
        k = self.kernel
        # (signal handlers run in the main OS thread, whichever OS thread
        # runs the kernel)
        if irq is not None and k is not None and is_running(k):
            k._irqs.post_foreign(irq)
            return
        # the kernel is not running: the signal is the old handler's
        self._signals.pop(signum, None)
        signal.signal(signum, prev)
        if callable(prev):
            prev(signum, frame)
        elif prev == signal.SIG_DFL:
            signal.raise_signal(signum)

    def _select(self, sel, timeout):
        """``sel.select(timeout)``; a file closed while registered with
        ``irq_on_readable`` is unregistered and reported once (its line
        no longer triggers), and the run goes on (issue 14 #8)."""
        while True:
            try:
                return sel.select(timeout)
            except (OSError, ValueError):
                if not self._drop_closed(sel):
                    raise

    def _drop_closed(self, sel):
        """Unregister the closed files; True if there was one."""
        dropped = False
        for key in list(sel.get_map().values()):
            if key.data is None:
                continue                      # the wake-up socket
            try:
                os.fstat(key.fd)
                if getattr(key.fileobj, "closed", False):
                    raise OSError("closed")
            except (OSError, ValueError):
                sel.unregister(key.fileobj)
                self._readers -= 1
                # its waiters are served once more (their next read or
                # write then fails with the closed file's error)
                now = self.now()
                for i in (0, 1):
                    irq = key.data[i]
                    if irq is not None:
                        self._ready[(key.fd, i)] = (key.fileobj, i)
                        if not irq._pending:
                            self.kernel._irqs.trigger(irq, now)
                dropped = True
                sys.stderr.write(
                    "muos: HostPort: the file of interrupt %r was closed "
                    "while registered (irq_on_readable/writable); it no "
                    "longer triggers it\n"
                    % ((key.data[0] or key.data[1]).name,))
        return dropped

    def _events(self, events):
        """Handle what the selector found; True if anything came."""
        got = False
        k = self.kernel
        for key, mask in events:
            lines = key.data
            if lines is None:                   # wake(): drain the bytes
                try:
                    while self._rsock.recv(4096):
                        pass
                except OSError:
                    pass
                self._woken = False
                got = True
                continue
            for i in (0, 1):
                irq = lines[i]
                if irq is not None and mask & _EVENTS[i]:
                    # (take_ready: which files; keyed, so it stays small)
                    self._ready[(key.fd, i)] = (key.fileobj, i)
                    if not irq._pending:
                        # on the kernel's thread, between two kernel
                        # operations
                        k._irqs.trigger(irq, self.now())
                    got = True
        return got

    def _spin(self, until_ns):
        foreign = self.kernel._irqs.foreign
        mono = self._mono
        end = self.epoch_ns + until_ns
        sel = self._sel
        while True:
            t = mono()
            if t >= end or foreign:
                break
            # a zero-timeout select: sees readable files and wake(), and
            # lets other OS threads take the GIL
            if self._events(self._select(sel, 0)):
                t = mono()
                break
        return t - self.epoch_ns

    def _sleep(self, until_ns):
        irqs = self.kernel._irqs
        sel = self._sel
        spin = self._spin_ns
        while not irqs.foreign:
            now = self.now()
            if until_ns is None:
                timeout = None
            else:
                left = until_ns - now
                if left <= spin:
                    if left <= 0:
                        return now
                    return self._spin(until_ns)
                timeout = (left - spin) / (1e9 * self._n)
            if self._wait(sel, timeout):
                break
        return self.now()

    def _wait(self, sel, timeout):
        if not self._main:
            return self._events(self._select(sel, timeout))
        # a signal may be delivered to another OS thread (raise_signal
        # there, or the OS's choice): its C handler writes to the wake-up
        # fd, so that this select returns and the Python handler runs
        fd = self._wsock.fileno()
        left = HostPort._wakeup_fd
        HostPort._wakeup_fd = fd
        old = signal.set_wakeup_fd(fd, warn_on_full_buffer=False)
        # a KeyboardInterrupt may come as soon as that call returns, before
        # the try: then the fd stays installed; the next wait recognises it
        try:
            if old == left:
                old = -1
            return self._events(self._select(sel, timeout))
        finally:
            signal.set_wakeup_fd(old)
            HostPort._wakeup_fd = None

    timed_steps = True      # the kernel times each step (resume, charge)

    def resume(self, k):
        """Before a step (Port.resume): a Ctrl-C caught meanwhile is
        raised, and the thread resumes now: what it computes
        (sleep_for's deadline, muos.now()) counts from here."""
        if self._stopped is not None:
            self._reraise()
        t0 = self._mono() - self.epoch_ns
        if t0 > k._now:
            k._now = t0
        return t0

    def charge(self, k, t, t0):
        """After a step (Port.charge): its time is the thread's; a step
        longer than ``overrun_warn`` is recorded (see the module doc)."""
        now = self._mono() - self.epoch_ns
        if now > k._now:
            t.cpu_ns += now - k._now
            k._now = now
        limit = self._overrun_ns
        if limit is not None and now - t0 > limit:
            self._overrun(k, t, t0, now)

    def _overrun(self, k, t, start, end):
        """Record a step from ``start`` to ``end`` (port ns) that ran too
        long, with the latency it caused: from the earliest event that
        fell due during it (a timeout, a release, a foreign trigger) to
        its end."""
        due = k._tq.next_time()
        for _, ts in list(k._irqs.foreign):
            if due is None or ts < due:
                due = ts
        latency = 0
        if due is not None and due < end:
            latency = end - (due if due > start else start)
        ov = k.stats.overruns.get(t.name)
        if ov is None:
            ov = k.stats.overruns[t.name] = Overrun(t.name, k.tick_hz,
                                                    self._n)
        ov.count += 1
        if end - start > ov.max_ns:
            ov.max_ns = end - start
        if latency > ov.max_latency_ns:
            ov.max_latency_ns = latency
        if t.name not in self._warned:
            self._warned.add(t.name)
            sys.stderr.write(
                "muos: thread %r ran %.1f ms between two awaits (HostPort "
                "overrun_warn=%g s); an event due meanwhile waited %.1f ms. "
                "Await more often (muos.yield_now()) or lower its "
                "priority.\n" % (t.name, (end - start) / 1e6 / self._n,
                                 self.overrun_warn, latency / 1e6 / self._n))
