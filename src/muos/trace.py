"""The portable trace core: events recorded at the kernel's choke points.

Owns: ``Trace`` (the event list and the text timeline). Imports only
``stats.ns_to_ticks``. Events are tuples ``(t_ns, kind, thread, obj,
details)`` of plain values (names, not objects), so two runs of the same
program compare equal. Exporters (Perfetto, VCD, HTML) live in
``muos.export`` and are loaded lazily; they never load on MicroPython.
"""

from .stats import ns_to_ticks

__all__ = ["Trace", "EVENT_KINDS"]

# spawn: thread created; ready: thread made ready (details: why);
# switch: thread gets the CPU (details: previous thread); preempt: a
# running thread lost the CPU to a more urgent one; suspend: thread blocks
# (obj: what on); wake: obj completed the thread's wait; timeout: a wait
# gave up; interrupt: Thread.interrupt() ended a wait; priority: effective
# priority changed (details: (old, new)); exit: thread ended (details:
# "return", "kill" or the exception's type name).
EVENT_KINDS = ("spawn", "ready", "switch", "preempt", "suspend", "wake",
               "timeout", "interrupt", "priority", "exit")


class Trace:
    """Events of one kernel run, in order; ``timeline()`` renders them."""

    def __init__(self, tick_hz=1000):
        self.tick_hz = tick_hz
        self.events = []

    def emit(self, t_ns, kind, thread, obj=None, details=None):
        self.events.append((t_ns, kind, thread, obj, details))

    def __len__(self):
        return len(self.events)

    def select(self, kinds=None, start=None, end=None, threads=None):
        """Events filtered by kind, time window (ticks) and thread names."""
        hz = self.tick_hz
        out = []
        for ev in self.events:
            if kinds is not None and ev[1] not in kinds:
                continue
            if threads is not None and ev[2] not in threads:
                continue
            if start is not None or end is not None:
                t = ev[0] * hz / 1000000000
                if start is not None and t < start:
                    continue
                if end is not None and t > end:
                    continue
            out.append(ev)
        return out

    def timeline(self, start=None, end=None, kinds=None, threads=None):
        """A readable text table of events, one line each, times in ticks."""
        lines = ["%10s  %-9s %-14s %-14s %s" % (
            "tick", "event", "thread", "object", "details")]
        for ev in self.select(kinds, start, end, threads):
            t, kind, thread, obj, details = ev
            tk = ns_to_ticks(t, self.tick_hz)
            if isinstance(tk, int):
                ts = str(tk)
            else:
                ts = "%.3f" % tk
            lines.append("%10s  %-9s %-14s %-14s %s" % (
                ts, kind, thread or "-", obj or "-",
                "" if details is None else _fmt_details(details)))
        return "\n".join(lines)


def _fmt_details(d):
    if isinstance(d, tuple) and len(d) == 2:
        return "%s -> %s" % (d[0], d[1])
    return str(d)
