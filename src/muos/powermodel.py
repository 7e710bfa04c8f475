"""A CPU's power model: what it draws running, sleeping and in deep
sleep (``muos.PowerModel``).

Owns: ``PowerModel``. Imports nothing. Read by power.py's
``idle_sleep`` (when to deep-sleep, the wake-up's cost) and by
``Stats.energy``. On MicroPython loaded at first use.
"""

__all__ = ("PowerModel",)


class PowerModel:
    """Milliwatts drawn per state; ``deep_sleep=None`` never deep-sleeps."""

    def __init__(self, run, sleep, deep_sleep=None, *, deep_sleep_after=100,
                 wakeup=0):
        for what, v in (("run", run), ("sleep", sleep),
                        ("deep_sleep", deep_sleep),
                        ("deep_sleep_after", deep_sleep_after),
                        ("wakeup", wakeup)):
            if v is None and what == "deep_sleep":
                continue
            if type(v) is not int and type(v) is not float:
                raise TypeError("PowerModel: %s must be a number, not %r"
                                % (what, v))
            if v < 0:
                raise ValueError("PowerModel: %s must not be negative, "
                                 "not %r" % (what, v))
        self.run = run
        self.sleep = sleep
        self.deep_sleep = deep_sleep
        self.deep_sleep_after = deep_sleep_after
        self.wakeup = wakeup

    def __repr__(self):
        return "PowerModel(run=%r, sleep=%r, deep_sleep=%r)" % (
            self.run, self.sleep, self.deep_sleep)
