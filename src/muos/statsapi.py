"""The statistics' cold part: what a program reads from ``Stats``
(loads, switches, energy, blocked time, the threads' views), and what
the ends of threads and several cores record.

Owns: ``StatsApi`` (``Stats``'s base on CPython; on MicroPython loaded at
the first use of one of its names: ``compat.cold_part``), ``Retired`` (an
ended thread's record) and ``EndedThreads``. Imports ``compat``,
``inversion`` (``StatsApi``'s base on CPython), ``units`` and, for the
helpers it shares with the switch path, ``stats`` (already loaded
whenever this is).
"""

from .compat import MICROPYTHON, computed, computed_attrs
from .stats import (ThreadExtra, cpu_total, record_response,
                    waits_total)
from .units import ns_to_ticks, units_per_ns, units_to_ns

__all__ = ("StatsApi", "Retired", "EndedThreads")

if MICROPYTHON:   # (a cold part of Stats of its own there: stats.py)
    globals()["InversionTracker"] = object
else:
    from .inversion import InversionTracker


def _valid_kept(n):
    if type(n) is not int or n < 0:
        raise ValueError("Stats.ended_kept must be an int >= 0, not %r"
                         % (n,))
    return n


class Retired:
    """The counters an ended thread leaves in the statistics (what a
    ThreadStats view reads): no links, no thread, no objects (its waits
    by name), about 100 bytes (issue 14 #9)."""

    __slots__ = ("name", "cpu_ns", "switches", "waits", "_system", "_x")

    blk_at = 0               # an ended thread waits on nothing
    blk_on = None
    slept = 0                # (its sleeps are in waits, by "sleep")

    def __init__(self, t, system):
        self.name = t.name
        self.cpu_ns = cpu_total(t)
        self.switches = t.switches
        self.waits = None
        self._system = system
        self._x = None

    @computed
    def tick_hz(self):
        return self._system.tick_hz

    def _extra(self):
        x = self._x
        if x is None:
            x = self._x = ThreadExtra()
        return x

    def add_response(self, ns):
        record_response(self, ns)


computed_attrs(Retired)


class EndedThreads:
    """What the ended threads whose records were dropped (beyond
    ``Stats.ended_kept``, the oldest first) leave in the statistics:
    how many, and the sums of their CPU time and switches."""

    __slots__ = ("count", "cpu_ns", "switches")

    def __init__(self):
        self.count = 0
        self.cpu_ns = 0
        self.switches = 0

    def __repr__(self):
        return "<EndedThreads count=%d cpu_ns=%d switches=%d>" % (
            self.count, self.cpu_ns, self.switches)


class StatsApi(InversionTracker):
    """``Stats``'s readers and rare records (see the module doc)."""

    @computed
    def ended(self):
        """The ended threads beyond ``ended_kept``: how many, their CPU
        time and switches (``EndedThreads``)."""
        e = self._ended
        if e is None:
            e = self._ended = EndedThreads()
        return e

    @computed
    def context_switches(self):
        """Switches of the CPU from one thread to another (the idle thread
        included): the sum of every thread's ``switches``, so the kernel
        counts each switch once."""
        e = self._ended              # (threads whose record was dropped)
        n = 0 if e is None else e.switches
        for c in self._counters.values():
            n += c.switches
        return n

    @computed
    def threads(self):
        """{name: ThreadStats} of every thread, in creation order (ended
        ones included): views of their counters, always current."""
        from .threadstats import ThreadTable
        return ThreadTable(self._counters)

    @computed
    def holds(self):
        """{(thread name, mutex name): [longest CPU ns computed holding
        it, the mutex's protocol]} (muos analyze APP.py's critical
        sections)."""
        r = {}
        for mn in self._holds:
            d = self._holds[mn]
            for tn in d:
                r[(tn, mn)] = d[tn]
        return r

    @computed
    def idle_ns(self):
        """Time the idle thread(s) had a CPU (kernel time units)."""
        if self._idle_hi:
            return self._idle + self._idle_hi * self._span
        return self._idle

    @computed
    def deep_sleep_ns(self):
        """The part of ``idle_ns`` spent in deep sleep."""
        if self._deep_hi:
            return self._deep + self._deep_hi * self._span
        return self._deep

    @computed
    def blocked(self):
        """{object name: ticks threads waited on it}, summed over threads
        (sleeping excluded; see ``ThreadStats.blocked``)."""
        out = {}
        for st in self.threads.values():
            b = st.blocked
            for k in b:
                out[k] = out.get(k, 0) + b[k]
        return {k: out[k] for k in sorted(out)}

    def blocked_by(self, name):
        """{thread name: ticks it waited on object ``name``}."""
        out = {}
        for st in self.threads.values():
            v = st.blocked.get(name)
            if v is not None:
                out[st.name] = v
        return out

    @computed
    def longest_masked(self):
        """The longest interrupts-masked section of the run, ticks."""
        return ns_to_ticks(self.masked_ns, self.tick_hz)

    def _fold_waits(self, t):
        """A thread waited on WAITS_KEPT different objects: its waits are
        kept by group from now on (a named object by its name, an
        unnamed one by its type, a thread joined as "join"), so that no
        object stays alive for having been waited on and the record stays
        small however many requests a server thread serves."""
        w = t.waits
        items = list(waits_total(t).items())
        if t._x is not None:
            t._x.waits_hi = None     # (totals again: folded at a rebase)
        w.clear()
        names = self._names
        for o, ns in items:
            if o == "sleep":
                t.slept = ns        # (the folded spans too, now)
                continue
            if isinstance(o, str):
                g = o
            elif hasattr(o, "base_priority"):
                g = "join"
            else:
                g = getattr(o, "name", None)
                if g is None:
                    g = type(o).__name__
                    names.pop(id(o), None)
            w[g] = w.get(g, 0) + ns

    def retire(self, t):
        """Thread ``t`` ended: its statistics keep a record of its
        counters, not the thread (its coroutine, links, result and
        flags; issue 14 #9), and its waits by the names of the objects
        (an object's name is its own: ``name_of``), so that no object
        is kept alive by having been waited on."""
        c = Retired(t, self)
        w = waits_total(t)
        if w:
            named = {}
            for obj, ns in w.items():
                key = obj if isinstance(obj, str) else self.name_of(obj)
                named[key] = named.get(key, 0) + ns
            w = named
        c.waits = w
        x = t._x
        if x is not None and (x.rt is not None or x.deadline_misses
                              or x.masked_ns or x.inversion_ns
                              or x.migrations):
            y = c._x = ThreadExtra()
            y.rt = x.rt
            y.rt_old = x.rt_old
            y.deadline_misses = x.deadline_misses
            y.misses = x.misses
            y.masked_ns = x.masked_ns
            y.inversion_ns = x.inversion_ns
            y.migrations = x.migrations
        if self._counters.get(t.name) is t:
            self._counters[t.name] = c
            self._keep_ended(t.name)

    def _get_kept(self):
        """How many ended threads keep their record in ``threads`` (the
        last ones to end; 10,000, 16 on MicroPython): the others are
        summed in ``ended``, so that statistics stay bounded however
        many threads a program spawns. (On MicroPython a plain
        attribute: compat.py.)"""
        return self._kept

    def _set_kept(self, n):
        self._kept = _valid_kept(n)

    ended_kept = computed(_get_kept, _set_kept)

    def _keep_ended(self, name):
        """Record ``name`` among the ended threads kept; the oldest beyond
        ``ended_kept`` leave ``threads`` for the sums of ``ended``."""
        ring = self._ring
        kept = self.ended_kept     # (a plain attribute on MicroPython)
        while len(ring) > kept:           # (lowered since)
            i = self._ring_at % len(ring)
            self._forget(ring.pop(i))
            self._ring_at = i
        if kept == 0:
            self._forget(name)
        elif len(ring) < kept:
            ring.append(name)
        else:
            i = self._ring_at % kept
            self._forget(ring[i])
            ring[i] = name
            self._ring_at = i + 1

    def _forget(self, name):
        c = self._counters.get(name)
        if c is None or type(c) is not Retired:
            return
        del self._counters[name]
        e = self.ended
        e.count += 1
        e.cpu_ns += c.cpu_ns
        e.switches += c.switches
        # its part of the run's task model goes with its record (a server
        # spawning a worker per request would grow it otherwise)
        self.periodics.pop(name, None)
        for mn in self._holds:
            self._holds[mn].pop(name, None)

    # -- several cores --
    def set_cores(self, n):
        self.ncores = n
        self.core_idle_ns = [0] * n

    def on_core_idle(self, i, dt):
        """Core ``i`` idled for ``dt``."""
        self._idle += dt
        self.core_idle_ns[i] += dt

    @computed
    def cores(self):
        """Per core (``stats.cores[i]``): its ``cpu_load`` and
        ``idle_time``."""
        idle = self.core_idle_ns or [self.idle_ns]
        from .threadstats import CoreStats
        return [CoreStats(i, idle[i], self.elapsed_ns, self.tick_hz)
                for i in range(len(idle))]

    @computed
    def cpu_load(self):
        """The share of CPU time used, 0..1 (averaged over the cores)."""
        total = self.elapsed_ns * self.ncores
        if total <= 0:
            return 0.0
        return (total - self.idle_ns) / total

    @computed
    def power_states(self):
        """Ticks spent running (threads, handlers, kernel work), sleeping
        and in deep sleep."""
        hz = self.tick_hz
        return {"run": ns_to_ticks(self.elapsed_ns * self.ncores
                                   - self.idle_ns, hz),
                "sleep": ns_to_ticks(self.idle_ns - self.deep_sleep_ns, hz),
                "deep_sleep": ns_to_ticks(self.deep_sleep_ns, hz)}

    @computed
    def energy(self):
        """Millijoules drawn under the power model (None without one):
        the sum of milliwatts x seconds over the power states."""
        pm = self.power
        if pm is None:
            return None
        run = self.elapsed_ns * self.ncores - self.idle_ns
        sleep = self.idle_ns - self.deep_sleep_ns
        deep = self.deep_sleep_ns
        return units_to_ns(pm.run * run + pm.sleep * sleep
                           + (pm.deep_sleep or 0) * deep,
                           self.tick_hz) / 1e9

    @computed
    def elapsed(self):
        return ns_to_ticks(self.elapsed_ns, self.tick_hz)

    # -- priority inversion: the views (inversion.py records) --
    def _end(self):
        # the end of the run (elapsed_ns) in kernel time
        return self.elapsed_ns - self._epoch()

    def _inv_open_ns(self, t):
        """Ns of the inversion ``t`` suffers in its wait in progress,
        counted up to the end of the run (``ThreadStats.inversion_time``)."""
        ns = 0
        for e in self._mwaits:
            if e[0] is t and e[2] is not None:
                ns += max(0, self._end() - e[2])
        return ns

    # -- the views --
    @computed
    def inversion_windows(self):
        """Every priority-inversion window, in the order they ended (those
        still open at the end of the run last, cut there): tuples
        ``(start_ns, end_ns, waiter, mutex, owner)`` in nanoseconds. On a
        long run the ended ones are the last ``WINDOWS_KEPT`` at least
        (10,000; 16 on MicroPython); ``inversion_time`` counts all."""
        out = self._inversion_windows()
        if units_per_ns(self.tick_hz) == 1:
            return out
        hz = self.tick_hz
        return [(units_to_ns(w[0], hz), units_to_ns(w[1], hz)) + w[2:]
                for w in out]

    def _inversion_windows(self):
        # the same, in kernel time units (units.py)
        from .inversion import WINDOWS_KEPT   # (MicroPython: loaded now)
        out = self._inversions[-WINDOWS_KEPT:]
        end = self.elapsed_ns
        ep = self._epoch()
        for e in self._mwaits:
            if e[2] is not None and end > e[2] + ep:
                out.append((e[2] + ep, end, e[0].name, e[3], e[4]))
        return out

    @computed
    def inversion_time(self):
        """Total priority-inversion time, ticks.

        Definition: a thread W suffers priority inversion on a mutex M at
        every instant at which W is blocked in ``M.lock()`` or
        ``M.timed_lock()`` and M's owner's effective priority is strictly
        lower than W's effective priority (a dead owner of a non-robust
        mutex keeps the priority it ended with). During that time any
        thread of a priority between the two can run in front of W: the
        unbounded inversion that priority inheritance (INHERIT) and the
        ceiling protocol (PROTECT) remove, so with them it is zero unless
        a base priority is changed while waiting. The time W waits while
        the owner holds M at W's priority or above (bounded blocking)
        is blocked time, not inversion. Waits through ``wait_any`` are
        not counted. Summed over waiters (two waiters inverted at once
        count twice); exact, since the condition can only change at the
        instants where a wait starts or ends, an effective priority
        changes or M changes hands, and each of those calls a hook.
        """
        ns = sum(self._inv_by.values())
        for e in self._mwaits:
            if e[2] is not None:
                ns += max(0, self._end() - e[2])
        return ns_to_ticks(ns, self.tick_hz)

    @computed
    def inversion_by_object(self):
        """{mutex name: ticks of inversion suffered by its waiters}."""
        ns = dict(self._inv_by)
        for e in self._mwaits:
            if e[2] is not None and self._end() > e[2]:
                ns[e[3]] = ns.get(e[3], 0) + self._end() - e[2]
        hz = self.tick_hz
        return {k: ns_to_ticks(ns[k], hz) for k in sorted(ns)}


computed_attrs(StatsApi)
