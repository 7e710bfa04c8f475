"""The three clocks of µOS++: ``sysclock``, ``rtclock``, ``hrclock``.

Owns: ``Clock`` and ``RealTimeClock``. Imports ``traps`` only; each clock
is given its kernel. All three read the kernel's one integer time
(units.py: nanoseconds, or a fraction of one at tick rates that do not
divide a second), so they never disagree; each speaks its own unit:
ticks (sysclock), whole seconds (rtclock, settable, kept in deep sleep),
nanoseconds (hrclock).
"""

from .traps import SLEEP, Trap
from .units import units_per_ns

__all__ = ("Clock", "RealTimeClock")

_INF = float("inf")


class Clock:
    """A clock counting ``unit_ns`` kernel time units per unit."""

    def __init__(self, kernel, name, unit_ns):
        self._k = kernel
        self.name = name
        self.unit_ns = unit_ns

    def __repr__(self):
        return "<Clock %s now=%r>" % (self.name, self.now())

    def now(self):
        """The current time in this clock's unit. ISR-safe."""
        k = self._k
        if self.name == "sysclock":
            return k.now
        return (k._now + k._epoch) // self.unit_ns

    def _ns(self, d, what):
        if self.name == "sysclock":
            # exactly as muos.sleep_for
            return self._k._signed_ns(d, "%s.%s" % (self.name, what))
        tp = type(d)
        if tp is not int and tp is not float:
            raise TypeError("%s.%s: expects an int or float, not %r"
                            % (self.name, what, d))
        if tp is float and not -_INF < d < _INF:
            raise ValueError("%s.%s: expects a finite number, not %r"
                             % (self.name, what, d))
        return int(round(d * self.unit_ns)) if tp is float \
            else d * self.unit_ns

    def _origin(self):
        return 0

    def sleep_for(self, d):
        """Sleep ``d`` units. Thread context; may block."""
        k = self._k
        k._check_block("%s.sleep_for" % self.name)
        if d < 0:
            raise ValueError("%s.sleep_for: %r is negative" % (self.name, d))
        return Trap(SLEEP, None, k._now + self._ns(d, "sleep_for"))

    def sleep_until(self, t):
        """Sleep until this clock reads ``t``. Thread context; may block."""
        k = self._k
        k._check_block("%s.sleep_until" % self.name)
        return Trap(SLEEP, None, self._ns(t, "sleep_until")
                    - self._origin() - k._epoch)


class RealTimeClock(Clock):
    """Whole seconds since an epoch the application may ``set``; it keeps
    counting through deep sleep (it is the low-power clock)."""

    def __init__(self, kernel):
        Clock.__init__(self, kernel, "rtclock",
                       1000000000 * units_per_ns(kernel.tick_hz))
        self._offset = 0          # seconds at kernel time 0

    def now(self):
        k = self._k
        return self._offset + (k._now + k._epoch) // self.unit_ns

    def set(self, seconds):
        """Set the current time, in whole seconds. ISR-safe."""
        if type(seconds) is not int:
            raise TypeError("rtclock.set: seconds must be an int, not %r"
                            % (seconds,))
        k = self._k
        self._offset = seconds - (k._now + k._epoch) // self.unit_ns

    def _origin(self):
        return self._offset * self.unit_ns
