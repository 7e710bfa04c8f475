"""Exporters: a trace as Perfetto JSON, a VCD waveform or an HTML report.

Owns: ``Timeline``, what a trace's events mean over time (each thread's
running slices and states, each interrupt's handler time, effective
priorities, the instants worth marking, CPU load per window), which the
three writers share: ``perfetto``, ``vcd`` and ``html`` (each a
``write(trace, path)``). CPython only: ``Trace.to_perfetto`` and friends
import these modules on first use, and they never load on MicroPython.
Reads a ``Trace`` (and the ``Stats`` it carries); imports nothing from
the kernel.

What a slice means. A thread runs from the ``switch`` that gives it the
CPU to the event that takes it away (``preempt``, ``suspend``, ``exit``,
a ``ready`` of its own: a yield or an expired time slice), minus the time
interrupt handlers run meanwhile; a handler runs from ``isr_enter`` to
``isr_exit``, minus the time more urgent handlers nested in it run. So
each track's slices never overlap, and their durations add up to
``ThreadStats.cpu_ns`` and ``IsrStats.cpu_ns`` (with zero switch cost).
Pieces that touch are merged; a zero-length piece is kept only when a
switch or a handler entry opened it (code that ran in no simulated time).
Thread names are the tracks' keys: a name reused after its thread ended
continues on the same track.
"""

from ..units import tick_units

__all__ = ["Timeline", "STATES"]

# a thread's state over time; "blocked" carries what it waits on
STATES = ("ready", "running", "blocked", "sleeping", "suspended", "ended")

_INSTANT_KINDS = ("suspend", "wake", "timeout", "interrupt", "preempt",
                  "exit", "timer")


class Timeline:
    """What a ``Trace`` says happened, as intervals (times in ns).

    ``threads`` (names, spawn order), ``irqs`` (interrupt names),
    ``running[thread]`` and ``handling[irq]``: ``[(start, end)]`` CPU
    slices; ``active[irq]``: ``[(enter, exit)]`` including nested time;
    ``states[thread]``: ``[(t, state, obj)]`` changes (``STATES``);
    ``priority[thread]``: ``[(t, effective priority)]`` changes, the
    first at spawn; ``instants``: ``(t, thread, kind, obj, details)`` of
    the events worth marking (timer callbacks: thread None, on the
    "timers" line); ``inversions``: ``Stats.inversion_windows``;
    ``end_ns``: the end of the run.
    """

    def __init__(self, trace):
        self.trace = trace
        self.tick_hz = trace.tick_hz
        self.stats = getattr(trace, "stats", None)
        self.threads = []
        self.irqs = []
        self.irq_priority = {}
        self.running = {}
        self.handling = {}
        self.active = {}
        self.states = {}
        self.priority = {}
        self.instants = []
        self.power = []          # (t, "sleep" | "deep_sleep" | "wakeup")
        st = self.stats
        if st is not None:
            for name in st.isr_latency:
                self._irq(name)
        self._build(trace._events)          # in kernel time units
        self.inversions = [] if st is None else [
            w for w in st._inversion_windows() if w[0] < self.end_ns]

    # -- building --
    def _irq(self, name):
        if name not in self.handling:
            self.irqs.append(name)
            self.handling[name] = []
            self.active[name] = []

    def _build(self, events):
        running = self.running
        handling = self.handling
        opened = {}       # (dict id, name) -> (start, opened by switch)
        cur = None        # the thread the scheduler switched in
        stack = []        # active handlers, innermost last
        enter = {}        # irq -> entry time

        def start(track, name, t, firm):
            opened[(id(track), name)] = (t, firm, track, name)

        def stop(track, name, t):
            o = opened.pop((id(track), name), None)
            if o is None:
                return
            s, firm = o[0], o[1]
            lst = track[name]
            if lst and lst[-1][1] == s:
                lst[-1] = (lst[-1][0], t)
            elif t > s or firm:
                lst.append((s, t))

        last = 0
        for t, kind, thread, obj, details in events:
            last = t
            if kind == "spawn":
                if thread not in self.states:
                    self.threads.append(thread)
                    self.states[thread] = []
                    self.priority[thread] = []
                    running[thread] = []
                self.states[thread].append((t, "ready", None))
                self.priority[thread].append((t, details))
            elif kind == "switch":
                if cur is not None and cur != thread:
                    stop(running, cur, t)
                cur = thread
                self.states[thread].append((t, "running", None))
                if not stack:
                    start(running, thread, t, True)
            elif kind in ("preempt", "suspend", "exit", "ready"):
                if thread == cur:
                    stop(running, thread, t)
                    cur = None
                if kind == "suspend":
                    st = ("sleeping" if obj == "sleep" else "suspended"
                          if obj == "suspend" else "blocked")
                    self.states[thread].append((t, st, obj))
                elif kind == "exit":
                    self.states[thread].append((t, "ended", details))
                else:
                    self.states[thread].append((t, "ready", None))
            elif kind == "isr_enter":
                self._irq(obj)
                self.irq_priority.setdefault(obj, details)
                if stack:
                    stop(handling, stack[-1], t)
                elif cur is not None:
                    stop(running, cur, t)
                stack.append(obj)
                enter[obj] = t
                start(handling, obj, t, True)
            elif kind == "isr_exit":
                stop(handling, obj, t)
                if stack and stack[-1] == obj:
                    stack.pop()
                elif obj in stack:
                    stack.remove(obj)
                self.active[obj].append((enter.pop(obj, t), t))
                if stack:
                    start(handling, stack[-1], t, False)
                elif cur is not None:
                    start(running, cur, t, False)
            elif kind == "priority":
                self.priority[thread].append((t, details[1]))
            elif kind == "power":
                self.power.append((t, details))
            if kind in _INSTANT_KINDS:
                self.instants.append((t, thread, kind, obj, details))
        end = last
        st = self.stats
        if st is not None and st.elapsed_ns > end:
            end = st.elapsed_ns
        self.end_ns = end
        for o in list(opened.values()):
            stop(o[2], o[3], end)
        for name in stack:
            self.active[name].append((enter.pop(name, end), end))

    # -- questions --
    def base_priority(self, thread):
        """The priority the thread was spawned with."""
        p = self.priority.get(thread)
        return p[0][1] if p else None

    def priority_at(self, thread, t):
        """The thread's effective priority at ``t`` (ns)."""
        out = None
        for tt, p in self.priority.get(thread, ()):
            if tt > t:
                break
            out = p
        return out

    def segments(self, thread):
        """``[(start, end, state, obj)]``: the thread's states as
        intervals (zero-length ones dropped), up to ``end_ns``."""
        ch = self.states.get(thread, [])
        out = []
        for i in range(len(ch)):
            t0, st, obj = ch[i]
            t1 = ch[i + 1][0] if i + 1 < len(ch) else self.end_ns
            if st == "ended":
                break
            if t1 > t0:
                out.append((t0, t1, st, obj))
        return out

    def boosts(self, thread):
        """``[(start, end, priority)]``: intervals in which the thread's
        effective priority was above the one it was spawned with
        (inherited, a ceiling, or raised by hand)."""
        base = self.base_priority(thread)
        ch = self.priority.get(thread, [])
        out = []
        for i in range(len(ch)):
            t0, p = ch[i]
            t1 = ch[i + 1][0] if i + 1 < len(ch) else self.end_ns
            if p > base and t1 > t0:
                out.append((t0, t1, p))
        return out

    def window_ns(self):
        """The CPU-load window: a whole number of ticks giving at most
        about 100 windows over the run."""
        tick = tick_units(self.tick_hz)
        n = -(-self.end_ns // tick)           # ticks, rounded up
        return max(1, -(-n // 100)) * tick

    def cpu_load(self, window=None):
        """``[(start, end, load)]`` per window (the last may be shorter):
        the share of the window the idle thread did not have the CPU,
        so that the time-weighted mean equals ``Stats.cpu_load``."""
        w = self.window_ns() if window is None else window
        idle = self.running.get("idle", [])
        out = []
        i = 0
        a = 0
        end = self.end_ns
        while a < end:
            b = min(a + w, end)
            busy_idle = 0
            while i < len(idle) and idle[i][1] <= a:
                i += 1
            j = i
            while j < len(idle) and idle[j][0] < b:
                s, e = idle[j]
                busy_idle += min(e, b) - max(s, a)
                j += 1
            out.append((a, b, 1.0 - busy_idle / (b - a)))
            a = b
        return out
