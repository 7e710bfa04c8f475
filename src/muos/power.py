"""Power: what the CPU draws running, sleeping and in deep sleep.

Owns: ``idle_sleep`` (what the idle thread does when
nothing is ready: sleep the CPU until the next event, in deep sleep when
that is at least ``deep_sleep_after`` ticks away, paying ``wakeup`` ticks
of CPU to come back, as a µOS++ idle thread with a low-power RTC does).
Imports ``units``. The kernel calls ``idle_sleep``; the energy figures
are computed by ``Stats`` from the time spent in each state, drawn as
a ``PowerModel`` (powermodel.py) says.
"""

from .units import ticks_to_ns

__all__ = ("idle_sleep",)


def idle_sleep(k, nt, until_ns):
    """Sleep the CPU from now until the next event ``nt`` (ns) or
    ``until_ns``; False when nothing lies ahead (nothing can run). A
    port that can receive external interrupts (``port.external``: an OS
    thread, a file, a signal, a pin) sleeps until woken instead, as does
    a real port (``port.waits``) in ``run(forever=True)``."""
    if nt is None:
        port = k.port
        if not (getattr(port, "external", False)
                or (k._forever and getattr(port, "waits", False))):
            return False
        nt = until_ns            # None: advance(None) returns when woken
    now = k._now
    target = nt if until_ns is None or nt <= until_ns else until_ns
    pm = k.stats.power
    deep = (pm is not None and pm.deep_sleep is not None
            and (nt is None or nt - now
                 >= ticks_to_ns(pm.deep_sleep_after, k.tick_hz)))
    tr = k._trace
    if pm is not None and tr is not None:
        tr.on_power(k, "deep_sleep" if deep else "sleep")
    new = k.port.advance(target, False)
    dt = new - now
    k._now = new
    k.idle.cpu_ns += dt
    k.stats.on_idle(k, dt, deep)
    if deep and nt is not None and new >= nt:
        k._overhead += ticks_to_ns(pm.wakeup, k.tick_hz)
        if tr is not None:
            tr.on_power(k, "wakeup")
    return True
