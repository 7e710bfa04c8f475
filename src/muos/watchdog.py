"""A task watchdog (ESP-IDF's task watchdog, as MicroPython users build by
hand): threads register and feed it; one that misses its deadline is
reported.

Owns: ``Watchdog`` and ``Watch`` (one registered thread's record).
Imports ``timer`` (a muos ``Timer`` does the timing), ``thread``,
``units``, ``diag`` and ``running``; portable.

Model: each registered thread must feed (``wd.feed()``) before its
deadline, ``last feed + timeout`` (registering counts as a feed). A
thread that has not fed before that tick is *late*: at that tick, in
interrupt context (the software timers' line), the miss is counted and
logged, a ``"watchdog"`` trace event is recorded and ``on_timeout(thread)``
is called. A feed at the very tick of the deadline is late too (the miss
is reported at that tick whichever runs first, the feed or the timer's
interrupt), so the rule does not depend on the order of events inside
one instant. A late thread is reported once; its next feed makes it on
time again, and a later miss is reported again. A thread that ends while
registered stays registered: it can no longer feed, so it is reported at
its deadline as a hung thread is, and stays late until unregistered.

``hardware``: anything with ``feed()`` (``machine.WDT``); it is fed at
every ``register``, ``feed`` and ``unregister`` after which no registered
thread is late, so a late thread lets the hardware watchdog expire.

One ``Timer`` per watchdog, armed at the earliest deadline of the threads
that are not late, and not moved when a thread feeds (a feed only makes a
deadline later): when it expires it reports what is due and re-arms at
the next deadline. A feed costs no time-queue entry (cancelled entries
stay in the queue until their instant), at the price of an expiry that
finds nothing late when every thread fed.
"""

from .compat import computed, computed_attrs
from .diag import check_name, describe, report
from .running import RUNNING, current_kernel
from .thread import TERMINATED, Thread
from .timer import Timer
from .units import public_ticks, shifted

__all__ = ("Watchdog", "Watch")

_INF = float("inf")


class Watch:
    """One registered thread's record (``wd.register()``, ``wd.status()``):
    ``thread``, ``last_feed`` and ``deadline`` (ticks: it must feed before
    ``deadline``), ``late``, ``misses`` (how many times it was reported)
    and ``last_miss`` (the deadline it missed last, or None)."""

    def __init__(self, wd, thread, now):
        self._k = wd._k                # its kernel (a watchdog may move)
        self.thread = thread
        self._fed = now            # kernel time units (units.py)
        self._due = now + wd._tns  # its deadline
        self._late = False         # reported, and not fed since
        self.misses = 0
        self._missed = None        # the deadline it missed last

    def __repr__(self):
        return "<Watch %s deadline=%s%s misses=%d>" % (
            self.thread.name, self.deadline, " late" if self.late else "",
            self.misses)

    def _ticks(self, t):
        k = self._k
        return public_ticks(t, k._epoch_ticks, k.tick_hz)

    @computed
    def last_feed(self):
        """The tick of its last feed (or of its registration)."""
        return self._ticks(self._fed)

    @computed
    def deadline(self):
        """The tick before which it must feed: last feed + timeout."""
        return self._ticks(self._due)

    @computed
    def late(self):
        """True from its deadline until it feeds again."""
        return self._late or self._due <= self._k._now

    @computed
    def last_miss(self):
        """The deadline (tick) it missed last, or None."""
        return None if self._missed is None else self._ticks(self._missed)


computed_attrs(Watch)


class Watchdog:
    """A task watchdog: registered threads must feed it more often than
    every ``timeout`` ticks (see the module doc). ``on_timeout(thread)``
    runs in interrupt context when a thread misses; ``hardware.feed()``
    is called while every registered thread is on time."""

    LOG = 100     # misses kept in ``log`` (the oldest are dropped)

    def __init__(self, timeout, *, name=None, on_timeout=None,
                 hardware=None):
        self.name = check_name(name, "Watchdog")
        what = describe(self)
        if type(timeout) not in (int, float):
            raise TypeError("%s: timeout must be an int or float of ticks, "
                            "not %r" % (what, timeout))
        if not 0 < timeout < _INF:            # NaN refused too
            raise ValueError("%s: timeout must be a positive number of "
                             "ticks, not %r" % (what, timeout))
        if on_timeout is not None and not callable(on_timeout):
            raise TypeError("%s: on_timeout must be callable or None, not "
                            "%r" % (what, on_timeout))
        if hardware is not None and not callable(
                getattr(hardware, "feed", None)):
            raise TypeError("%s: hardware must have a feed() method "
                            "(machine.WDT), not %r" % (what, hardware))
        self.timeout = timeout
        self.on_timeout = on_timeout
        self.hardware = hardware
        self.misses = 0              # every miss reported
        self._log = []               # the last LOG misses: (tick, name)
        self._watches = []           # registration order
        self._pending = []           # (watch, fed, deadline): fed too late
                                     # for a miss not reported yet
        self._k = None
        self._tns = 0                # timeout in kernel time units
        self._timer = Timer(self._expired, name=name or "watchdog")
        self._armed = False          # an expiry of _timer is to come

    def __repr__(self):
        return "<%s timeout=%r threads=%d late=%d>" % (
            describe(self), self.timeout, len(self._watches),
            len(self.expired))

    # -- what it knows --
    @computed
    def threads(self):
        """The registered threads, in registration order."""
        return [w.thread for w in self._watches]

    @computed
    def expired(self):
        """The registered threads that are late now (past their deadline
        without a feed), in registration order."""
        return [w.thread for w in self._watches if w.late]

    @computed
    def log(self):
        """The last ``Watchdog.LOG`` misses, oldest first: ``(tick, thread
        name)``, the tick being the deadline missed."""
        return list(self._log)

    def status(self, thread=None):
        """The ``Watch`` record of ``thread`` (default: the calling
        thread); ValueError if it is not registered."""
        k, t = self._resolve(thread, "status")
        return self._find(t, "status")

    # -- registering and feeding --
    def register(self, thread=None):
        """Watch ``thread`` (default: the calling thread; another thread
        may be given from anywhere, interrupt handlers included): its
        first deadline is now + timeout. Returns its ``Watch``."""
        k, t = self._resolve(thread, "register")
        if t.state == TERMINATED:
            raise ValueError("%s.register: thread %r has ended"
                             % (describe(self), t.name))
        self._bind(k)
        for w in self._watches:
            if w.thread is t:
                raise ValueError("%s.register: thread %r is registered "
                                 "already" % (describe(self), t.name))
        w = Watch(self, t, k._now)
        self._watches.append(w)
        self._arm(k)
        self._feed_hardware(k)
        return w

    def unregister(self, thread=None):
        """Stop watching ``thread`` (default: the calling thread)."""
        k, t = self._resolve(thread, "unregister")
        w = self._find(t, "unregister")
        self._watches.remove(w)
        if self._armed and not self._pending and not [
                x for x in self._watches if not x._late]:
            self._timer.stop()       # nothing to time: the kernel may idle
            self._armed = False
        self._feed_hardware(k)

    def feed(self):
        """The calling thread is alive: its deadline becomes now +
        timeout. Thread context; the thread must be registered."""
        k = RUNNING[0]
        if k is None or k._isr or k._current is None:
            what = describe(self) + ".feed"     # (made only to raise)
            k = current_kernel(what)
            k._thread_context(what)
        t = k._current
        w = self._find(t, "feed")
        now = k._now
        if not w._late and w._due <= now:
            # its deadline is this very tick (or, on a real port, the
            # timer's interrupt has not run yet): late all the same
            self._pending.append((w, w._fed, w._due))
        w._late = False
        w._fed = now
        w._due = now + self._tns
        self._arm(k)
        self._feed_hardware(k)

    # -- inside --
    def _resolve(self, thread, op):
        what = "%s.%s" % (describe(self), op)
        k = current_kernel(what)
        if thread is None:
            return k, k._thread_context(what)
        if not isinstance(thread, Thread):
            raise TypeError("%s: thread must be a muos Thread or None, not "
                            "%r" % (what, thread))
        if thread._kernel is not k:
            raise ValueError("%s: thread %r belongs to another kernel"
                             % (what, thread.name))
        return k, thread

    def _find(self, t, op):
        for w in self._watches:
            if w.thread is t:
                return w
        raise ValueError("%s.%s: thread %r is not registered"
                         % (describe(self), op, t.name))

    def _bind(self, k):
        """Use the watchdog in kernel ``k`` (a new run may reuse it once
        the threads it watched have ended)."""
        if self._k is k:
            return
        for w in self._watches:
            if w.thread.state != TERMINATED:
                raise ValueError(
                    "%s: registered threads of another kernel are still "
                    "running (%s)" % (describe(self), w.thread.name))
        tns = k.to_ns(self.timeout, describe(self) + ": timeout")
        if tns <= 0:
            raise ValueError("%s: timeout %r is shorter than the kernel's "
                             "time unit" % (describe(self), self.timeout))
        if self._armed:
            self._timer.stop()
        self._k = k
        if k._span is not None:
            k._rebasers.append(self)    # its times move with the kernel's
        self._tns = tns
        self._watches = []
        self._pending = []
        self._log = []
        self.misses = 0
        self._armed = False

    def _rebase(self, d):
        # its kernel moved its time origin d later (rebase.py)
        for w in self._watches:
            w._fed = shifted(w._fed, d)
            w._due = shifted(w._due, d)
            if w._missed is not None:
                w._missed = shifted(w._missed, d)
        p = self._pending
        for i in range(len(p)):
            w, fed, due = p[i]
            p[i] = (w, shifted(fed, d), shifted(due, d))

    def _arm(self, k):
        """Arm the timer at the earliest deadline of the threads not late
        (at once when a miss waits to be reported), unless armed."""
        if self._armed:
            return      # at or before every deadline: they only get later
        now = k._now
        due = now if self._pending else None
        for w in self._watches:
            if not w._late and (due is None or w._due < due):
                due = w._due
        if due is None:
            return
        if due < now:
            due = now
        self._armed = True
        # (in kernel units: on a real port the due time is no whole tick,
        # and a float of ticks would allocate)
        self._timer._start_ns(k, due - now)

    def _expired(self):
        # the timer's callback, in interrupt context
        k = self._k
        self._armed = False
        now = k._now
        pend = self._pending
        while pend:
            w, fed, due = pend.pop(0)
            self._miss(k, w, fed, due)
        # (no copy of the list: an expiry allocates nothing; on_timeout
        # may unregister, the one reported or another)
        ws = self._watches
        i = 0
        while i < len(ws):
            w = ws[i]
            if not w._late and w._due <= now:
                w._late = True
                self._miss(k, w, w._fed, w._due)
                i = 0            # look again: the list may have changed
            else:
                i += 1
        self._arm(k)

    def _miss(self, k, w, fed, due):
        w.misses += 1
        w._missed = due
        self.misses += 1
        t = w.thread
        tick = public_ticks(due, k._epoch_ticks, k.tick_hz)
        log = self._log
        log.append((tick, t.name))
        if len(log) > self.LOG:
            log.pop(0)
        if k._trace is not None:
            k._trace.emit(k._now + k._epoch, "watchdog", t.name, self,
                          (public_ticks(fed, k._epoch_ticks, k.tick_hz),
                           tick))
        if self.on_timeout is not None:
            try:
                self.on_timeout(t)
            except Exception as e:
                report("%s on_timeout" % describe(self), e)

    def _feed_hardware(self, k):
        hw = self.hardware
        if hw is None:
            return
        now = k._now
        for w in self._watches:
            if w._late or w._due <= now:
                return
        hw.feed()


computed_attrs(Watchdog)
