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

Several cores. A ``switch`` names the core it happens on (its ``obj``:
"core0", "core1", ...; None on one core): each core has its own running
thread and its own stack of handlers, a switch stops only what ran on
its core (and the switched thread wherever it still ran), and each core
has its own idle thread ("idle0", ... instead of "idle"). ``on_core``
gives each core's slices, thread or handler, so that exporters can draw
a track per core. A handler runs on the core of its ``isr_enter``, read
from the event when it says (``_isr_core``); the trace does not say it
yet, so a handler is then placed on core 0 (``Kernel.interrupt``'s
default), and ``isr_core_guessed`` is set. On one core nothing changes:
the core is None throughout and ``cores`` is empty.
"""

from ..units import tick_units

__all__ = ["Timeline", "STATES"]

# a thread's state over time; "blocked" carries what it waits on
STATES = ("ready", "running", "blocked", "sleeping", "suspended", "ended")

_THREAD_KINDS = ("spawn", "ready", "switch", "preempt", "suspend", "wake",
                 "timeout", "interrupt", "priority", "exit", "deadline")
_INSTANT_KINDS = ("suspend", "wake", "timeout", "interrupt", "preempt",
                  "exit", "timer", "watchdog")


def _core_index(core):
    """3 for "core3"."""
    return int(str(core)[4:])


def _isr_core(thread, details):
    """``(priority, core)`` of an ``isr_enter`` event. One core: ``thread``
    None, ``details`` the priority, and the core None. Several cores: the
    core is read from the ``thread`` field (a core's name in place of
    None) or from ``details`` as ``(priority, core)``, whichever the
    trace carries (a core's index is taken as well); None when it
    carries neither (the trace of this version)."""
    if isinstance(details, tuple) and len(details) == 2:
        details, thread = details
    if isinstance(thread, int):
        thread = "core%d" % thread
    return details, thread


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

    Several cores: ``cores`` (their names in index order, "core0", ...;
    empty on one core), ``idle_threads`` (``["idle"]`` on one core,
    ``["idle0", "idle1", ...]`` on several), ``on_core[core]``:
    ``[(start, end, kind, name)]`` what ran on the core, ``kind``
    "thread" (a thread's slice, idle threads included) or "irq" (a
    handler's), in time order and never overlapping; ``irq_core[irq]``:
    the core its handler last ran on (None on one core);
    ``isr_core_guessed``: some handler's core was not in the trace and
    was taken to be core 0.
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
        self.cores = []
        self.on_core = {}
        self.irq_core = {}
        self.isr_core_guessed = False
        st = self.stats
        if st is not None:
            for name in st.isr_latency:
                self._irq(name)
        self._find_cores(trace._events,
                         1 if st is None else getattr(st, "ncores", 1))
        self.idle_threads = (["idle"] if not self.cores
                             else ["idle%d" % i
                                   for i in range(len(self.cores))])
        self._build(trace._events)          # in kernel time units
        self.inversions = [] if st is None else [
            w for w in st._inversion_windows() if w[0] < self.end_ns]

    # -- building --
    def _irq(self, name):
        if name not in self.handling:
            self.irqs.append(name)
            self.handling[name] = []
            self.active[name] = []

    def _find_cores(self, events, ncores):
        # the cores named by switches, and those the statistics count
        # (a ring-buffer trace may have lost a core's first switch)
        n = ncores if ncores > 1 else 0
        for ev in events:
            if ev[1] == "switch":
                core = ev[3]
            elif ev[1] == "isr_enter":
                core = _isr_core(ev[2], ev[4])[1]
            else:
                continue
            if core is not None:
                n = max(n, _core_index(core) + 1)
        self.cores = ["core%d" % i for i in range(n)]
        for c in self.cores:
            self.on_core[c] = []

    def _build(self, events):
        running = self.running
        handling = self.handling
        on_core = self.on_core
        opened = {}       # (dict id, name) -> (start, firm, track, name, core)
        cur = {}          # core -> the thread the scheduler switched in
        where = {}        # thread -> the core of its last switch
        stacks = {}       # core -> active handlers, innermost last
        enter = {}        # irq -> entry time
        irq_core = self.irq_core
        default = self.cores[0] if self.cores else None

        def start(track, name, t, firm, core):
            opened[(id(track), name)] = (t, firm, track, name, core)

        def stop(track, name, t):
            o = opened.pop((id(track), name), None)
            if o is None:
                return
            s, firm, core = o[0], o[1], o[4]
            lst = track[name]
            if lst and lst[-1][1] == s:
                lst[-1] = (lst[-1][0], t)
            elif t > s or firm:
                lst.append((s, t))
            else:
                return
            if core is not None:
                kind = "irq" if track is handling else "thread"
                lst = on_core[core]
                if lst and lst[-1][1] == s and lst[-1][2:] == (kind, name):
                    lst[-1] = (lst[-1][0], t, kind, name)
                elif t > s or firm:
                    lst.append((s, t, kind, name))

        last = 0
        for t, kind, thread, obj, details in events:
            last = t
            if (thread is not None and kind in _THREAD_KINDS
                    and thread not in self.states):
                # first seen here: spawned, or spawned before the window
                # of a ring-buffer trace (trace=N)
                self.threads.append(thread)
                self.states[thread] = []
                self.priority[thread] = []
                running[thread] = []
            if kind == "spawn":
                self.states[thread].append((t, "ready", None))
                self.priority[thread].append((t, details))
            elif kind == "switch":
                core = obj
                c = cur.get(core)
                if c is not None and c != thread:
                    stop(running, c, t)
                w = where.get(thread)
                if w != core and cur.get(w) == thread:
                    # still running elsewhere: it leaves that core
                    stop(running, thread, t)
                    cur[w] = None
                cur[core] = thread
                where[thread] = core
                self.states[thread].append((t, "running", None))
                if not stacks.get(core):
                    start(running, thread, t, True, core)
            elif kind in ("preempt", "suspend", "exit", "ready"):
                core = where.get(thread)
                if cur.get(core) == thread:
                    stop(running, thread, t)
                    cur[core] = None
                if kind == "suspend":
                    st = ("sleeping" if obj == "sleep" else "suspended"
                          if obj == "suspend" else "blocked")
                    self.states[thread].append((t, st, obj))
                elif kind == "exit":
                    self.states[thread].append((t, "ended", details))
                else:
                    self.states[thread].append((t, "ready", None))
            elif kind == "isr_enter":
                prio, core = _isr_core(thread, details)
                if core is None and default is not None:
                    core = default
                    self.isr_core_guessed = True
                self._irq(obj)
                self.irq_priority.setdefault(obj, prio)
                irq_core[obj] = core
                stack = stacks.setdefault(core, [])
                if stack:
                    stop(handling, stack[-1], t)
                elif cur.get(core) is not None:
                    stop(running, cur[core], t)
                stack.append(obj)
                enter[obj] = t
                start(handling, obj, t, True, core)
            elif kind == "isr_exit":
                core = irq_core.get(obj, default)
                stack = stacks.setdefault(core, [])
                stop(handling, obj, t)
                if stack and stack[-1] == obj:
                    stack.pop()
                elif obj in stack:
                    stack.remove(obj)
                self._irq(obj)
                self.active[obj].append((enter.pop(obj, t), t))
                if stack:
                    start(handling, stack[-1], t, False, core)
                elif cur.get(core) is not None:
                    start(running, cur[core], t, False, core)
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
        for stack in stacks.values():
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

    def cpu_load(self, window=None, core=None):
        """``[(start, end, load)]`` per window (the last may be shorter):
        the share of the window the idle thread did not have the CPU,
        so that the time-weighted mean equals ``Stats.cpu_load``. On
        several cores: the mean over the cores' idle threads (as
        ``Stats.cpu_load``), or with ``core`` (a name, "core1", or an
        index) that core's alone (as ``Stats.cores[i].cpu_load``)."""
        w = self.window_ns() if window is None else window
        if core is None:
            idles = [self.running.get(n, []) for n in self.idle_threads]
        else:
            i = core if isinstance(core, int) else _core_index(core)
            idles = [self.running.get("idle%d" % i, [])]
        out = []
        pos = [0] * len(idles)
        a = 0
        end = self.end_ns
        while a < end:
            b = min(a + w, end)
            busy_idle = 0
            for k, idle in enumerate(idles):
                i = pos[k]
                while i < len(idle) and idle[i][1] <= a:
                    i += 1
                pos[k] = i
                j = i
                while j < len(idle) and idle[j][0] < b:
                    s, e = idle[j]
                    busy_idle += min(e, b) - max(s, a)
                    j += 1
            out.append((a, b, 1.0 - busy_idle / (len(idles) * (b - a))))
            a = b
        return out
