"""Software timers (µOS++ ``timer``; FreeRTOS software timers).

Owns: ``Timer``. Imports the kernel and timeq. A timer is an entry in
the kernel's time queue; when it expires the kernel's timer interrupt
runs its callback in interrupt context. Periodic timers are rescheduled
from their own deadline, never from when the callback ran, so they do not
drift.
"""

from .compat import computed, computed_attrs
from .diag import check_name
from .running import current_kernel
from .units import shifted

__all__ = ("Timer",)


class Timer:
    """Calls ``callback(*args)`` in interrupt context after ``ticks``
    (once, or every ``ticks`` when ``periodic``)."""

    def __init__(self, callback, *args, periodic=False, name=None):
        if not callable(callback):
            raise TypeError("Timer %r: callback must be callable, not %r"
                            % (name, callback))
        self.name = check_name(name, "Timer")
        self.callback = callback
        self.args = args
        self.periodic = bool(periodic)
        self._k = None
        self._entry = None
        self._deadline = 0
        self._period = 0

    def __repr__(self):
        return "<Timer %s %s>" % (self.name,
                                  "active" if self.active else "stopped")

    @computed
    def active(self):
        return self._entry is not None

    def start(self, ticks):
        """(Re)start: expire ``ticks`` from now. ISR-safe."""
        k = current_kernel("Timer.start")
        if type(ticks) is int and ticks > 0:
            ns = ticks * k._tick     # (no message made: nothing allocated)
        else:
            what = "Timer %r.start" % (self.name,)
            ns = k.to_ns(ticks, what + ": ticks")
            if self.periodic and ns <= 0:
                raise ValueError("%s: a periodic timer needs ticks > 0, "
                                 "not %r" % (what, ticks))
        self._start_ns(k, ns)

    def _start_ns(self, k, ns):
        """(Re)start it ``ns`` kernel time units from now in kernel ``k``
        (checked by the caller: a watchdog arms its timer this way, at a
        time that need not be a whole tick)."""
        self.stop()
        self._k = k
        self._period = ns
        self._deadline = k._now + ns
        self._entry = k._tq.push(self._deadline, self)

    def stop(self):
        """Stop it; a stopped timer's callback will not run. ISR-safe."""
        e = self._entry
        if e is not None:
            self._k._tq.cancel(e)
            self._entry = None
        if self._k is not None:       # an expiry may wait for its line
            self._k._irqs.cancel_timer(self)

    def fire(self, kernel):
        # called by the kernel loop when the time-queue entry is due
        self._entry = None
        if self.periodic:
            self._deadline += self._period
            self._entry = kernel._tq.push(self._deadline, self)
        kernel._irqs.timer_expired(self)

    def _rebase(self, d):
        # its kernel's time origin moved d later (rebase.py)
        self._deadline = shifted(self._deadline, d)

    def _run(self):
        args = self.args
        if args:
            self.callback(*args)
        else:
            # (not f(*()): MicroPython makes, and frees, an argument array
            # for a star call, which fails under heap_lock)
            self.callback()


computed_attrs(Timer)
