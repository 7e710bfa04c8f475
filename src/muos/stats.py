"""Statistics: cheap counters the kernel updates at its choke points.

Owns: ``Stats`` (the whole system) and the counters of each thread
(``ThreadCounters``). Imports ``compat``, ``units``, ``inversion``
(``Stats``'s base class, the priority-inversion tracking), at the first
view (MicroPython) ``threadstats`` (``ThreadStats`` and the tables a
program reads) and at the first ``str(stats)`` ``statreport`` (the text
report). Times are kept as integer nanoseconds and shown in ticks.
``Stats`` is one of the kernel's observers (observe.py's events): it
defines the events it records, which are all the kernel calls on it, so
it does not load observe.py's defaults (about 850 bytes of a board's
heap). The kernel calls ``on_block`` / ``on_unblock`` when a thread
starts and ends a wait and ``on_priority`` when an effective priority
changes; everything here (blocked time per object, priority inversion)
is computed from those calls, so it is the same with tracing on or off.
"""

from .compat import (MICROPYTHON, computed, computed_attrs, init_fields,
                     lazy_fields)
from .inversion import InversionTracker
from .ready import Link
from .units import ns_to_ticks, ticks_to_ns, units_to_ns

__all__ = ("Stats", "ThreadCounters", "ns_to_ticks", "ticks_to_ns",
           "cpu_total", "waits_total")


# response times kept per thread (the last ones; the count, shortest,
# longest and mean cover every job): statistics stay bounded on long runs
# (MicroPython: 64, a list of at most 128 on a board's heap)
RESPONSES_KEPT = 64 if MICROPYTHON else 10000
# different objects a thread's waits are kept for one by one, before they
# are grouped (Stats._fold_waits)
WAITS_KEPT = 64
# deadline misses kept per thread as Jobs (the last ones; deadline_misses
# counts every one): a thread overrunning for months keeps a bounded list
MISSES_KEPT = 16 if MICROPYTHON else 10000
# records of ended threads kept (the last ones; the others are summed in
# ``Stats.ended``): a program that spawns threads for months runs in
# constant memory (issue 14 #9); a board keeps few (Stats.ended_kept)
ENDED_KEPT = 16 if MICROPYTHON else 10000


class ThreadExtra:
    """What few threads ever set, kept out of the thread until first
    written (``ThreadStats._extra``): one slot per thread instead of nine,
    64 bytes less per thread on CPython. The statistics' response times
    (ns), deadline misses, longest masked section and inversion time, and
    a thread's end (result, exception), joiners' queue, event flags and
    pending resume."""

    __slots__ = ("rt", "rt_old", "deadline_misses", "misses", "masked_ns",
                 "inversion_ns", "result", "exception", "joinq", "flags",
                 "resume_pending", "deadline_ns", "affinity", "migrations",
                 "cpu_hi", "waits_hi")

    def __init__(self):
        self.rt = None           # the last response times (ns, in order)
        self.rt_old = None       # [count, min, max, sum] of those dropped
        self.deadline_misses = 0
        self.misses = None       # the missed Jobs, in order
        self.deadline_ns = None  # its own deadline (Thread.deadline)
        self.affinity = None     # None, or a tuple of core indices
        self.migrations = 0      # resumed on another core
        self.masked_ns = 0
        self.inversion_ns = 0
        self.result = None
        self.exception = None
        self.joinq = None
        self.flags = None
        self.resume_pending = False
        # spans of CPU time and of waits (per thing) folded away from
        # cpu_ns and waits by rebases (rebase.py): see cpu_total
        self.cpu_hi = 0
        self.waits_hi = None


class ThreadCounters(Link):
    """One thread's counters, as the kernel writes them at its choke
    points: CPU time, switches, waits, and its ``ThreadExtra``. A
    ``Thread`` holds them as fields of its own (thread.py: one object per
    thread, no statistics object beside it); a ThreadCounters made on its
    own is a record of them: a pickled thread, or ``ThreadStats`` made by
    hand. Read them through a ``ThreadStats``."""

    __slots__ = ("name", "tick_hz", "cpu_ns", "switches", "waits",
                 "blk_at", "blk_on", "_system", "_x")

    def __init__(self, name, tick_hz, stats=None):
        self._init_stats(name, tick_hz, stats)

    def __reduce__(self):
        # a Thread pickles as the plain ThreadCounters it also is (its
        # coroutine and its kernel stay behind), so that Stats cross
        # process boundaries (analysis.simulate in a process pool)
        state = {}
        for k in ThreadCounters.__slots__:
            try:
                state[k] = getattr(self, k)
            except AttributeError:
                pass
        return (_restore_counters, (state,))

    def _init_stats(self, name, tick_hz, stats):
        self.name = name
        self.tick_hz = tick_hz
        self._system = stats    # the Stats it belongs to
        init_fields(self, _THREAD_STATS_FIELDS)

    def _extra(self):
        """Its ThreadExtra, made at the first write."""
        x = self._x
        if x is None:
            x = self._x = ThreadExtra()
        return x

    def add_response(self, ns):
        """A periodic job completed ``ns`` after its release: counted in
        the summary, kept among the last ``RESPONSES_KEPT``."""
        record_response(self, ns)


def record_response(c, ns):
    """``c.add_response(ns)`` (a function: a method typed for Cython
    would give every thread a vtable pointer, 8 bytes)."""
    x = c._x
    if x is None:
        x = c._x = ThreadExtra()
    rt = x.rt
    if rt is None:
        x.rt = [ns]
    else:
        rt.append(ns)
        if len(rt) >= 2 * RESPONSES_KEPT:
            _fold(x, rt)


def _fold(x, rt):
    """Drop all but the last RESPONSES_KEPT response times, keeping the
    count, shortest, longest and sum of the dropped ones (amortized O(1)
    per job: it runs once every RESPONSES_KEPT jobs)."""
    # in place, without a slice: the list keeps its room, so that a
    # periodic thread allocates nothing in steady state (issue 16 #4)
    n = len(rt) - RESPONSES_KEPT
    lo = hi = rt[0]
    total = 0
    for i in range(n):
        v = rt[i]
        if v < lo:
            lo = v
        if v > hi:
            hi = v
        total += v
    for i in range(RESPONSES_KEPT):
        rt[i] = rt[i + n]
    for _ in range(n):
        rt.pop()           # (never shrinks it: half of it stays used)
    o = x.rt_old
    if o is None:
        x.rt_old = [n, lo, hi, total]
    else:
        o[0] += n
        if lo < o[1]:
            o[1] = lo
        if hi > o[2]:
            o[2] = hi
        o[3] += total


def cpu_total(c):
    """The CPU time (ns) of thread or counters ``c``, with the spans a
    rebase folded out of ``cpu_ns`` (rebase.py) added back."""
    x = c._x
    if x is None or not x.cpu_hi:
        return c.cpu_ns
    return c.cpu_ns + x.cpu_hi * c._system._span


def waits_total(c):
    """``c.waits`` ({thing: ns}), with the spans a rebase folded out
    added back (a new dict then)."""
    w = c.waits
    x = c._x
    if x is None or not x.waits_hi:
        return w
    h = x.waits_hi
    span = c._system._span
    out = {o: w[o] + h.get(o, 0) * span for o in w} if w else {}
    for o in h:
        if o not in out:    # (a wait in progress since long: rebase.py)
            out[o] = h[o] * span
    return out


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


def _restore_counters(state):
    c = ThreadCounters(None, None)
    for k in state:
        setattr(c, k, state[k])
    return c


# what a new thread has done (see compat.py)
_THREAD_STATS_FIELDS = {
    "cpu_ns": 0, "switches": 0,
    # ns of ended waits per thing waited on: the object itself, or
    # "sleep", "suspend", "wait_any" (objects are named when read)
    "waits": None,            # made at the first ended wait
    "blk_at": 0,              # when its current wait began
    "blk_on": None,           # what it waits on now, or None
    "_x": None,               # its ThreadExtra, made at the first write
}
lazy_fields(ThreadCounters, _THREAD_STATS_FIELDS)


class Stats(InversionTracker):
    """System statistics: ``cpu_load``, ``context_switches``, ``threads``;
    priority inversion (``inversion_time`` ...) from ``InversionTracker``."""

    def __init__(self, tick_hz=1000, power=None):
        self.tick_hz = tick_hz
        self.power = power      # a PowerModel, or None
        # idle_ns and deep_sleep_ns (part of it spent in deep sleep): what
        # a rebase folded out (rebase.py), in spans, and the rest
        self._idle = self._deep = self._idle_hi = self._deep_hi = 0
        self._span = None       # the kernel's rebase span (rebase.py)
        self._counters = {}     # name -> its thread (or ThreadCounters),
        # in creation order; ``threads`` shows them as ThreadStats
        self._dups = {}         # name -> last #n given to a duplicate
        self.elapsed_ns = 0     # kept current by the kernel
        self.ncores = 1
        self.core_idle_ns = None   # several cores: idle time of each
        self.isr_latency = {}   # interrupt name -> IsrStats
        self.masked_ns = 0
        self.masked_by = None   # thread name of the longest masked section
        self._names = {}        # id(unnamed object) -> its name
        self._ntype = {}        # type name -> unnamed objects named so far
        # the task model a run shows (muos analyze APP.py): each periodic
        # thread's iterator (period, deadline, longest job), and the
        # longest CPU time each thread computed holding each mutex
        # thread name -> [longest job's CPU ns, period ns, deadline ns,
        # offset ns, base priority, affinity, edf kernel, cores]
        self.periodics = {}
        # mutex name -> {thread name -> [ns, protocol]} (``holds``: by
        # name, no key made per release)
        self._holds = {}
        # the ended threads' records kept: their names, oldest first (a
        # ring of at most ended_kept); the ones forgotten, summed
        self.ended_kept = ENDED_KEPT   # (CPython: stored in _kept)
        self._ring = []
        self._ring_at = 0
        self.ended = EndedThreads()
        InversionTracker.__init__(self)     # _mwaits, _plain ...

    @computed
    def context_switches(self):
        """Switches of the CPU from one thread to another (the idle thread
        included): the sum of every thread's ``switches``, so the kernel
        counts each switch once."""
        n = self.ended.switches      # (threads whose record was dropped)
        for c in self._counters.values():
            n += c.switches
        return n

    @computed
    def threads(self):
        """{name: ThreadStats} of every thread, in creation order (ended
        ones included): views of their counters, always current."""
        from .threadstats import ThreadTable
        return ThreadTable(self._counters)

    def name_of(self, obj):
        """The name an object has in statistics and trace events: its
        ``name``, else its type and a number counted per type in order of
        first appearance (deterministic): ``Semaphore#1``."""
        if obj is None or isinstance(obj, str):
            return obj
        name = getattr(obj, "name", None)
        if name is not None:
            return name
        # kept on the object itself where it can be (so that no later
        # object at the same address takes it, and nothing grows here),
        # by its id otherwise
        n = getattr(obj, "_stat_name", None)
        if n is not None:
            return n
        key = id(obj)
        n = self._names.get(key)
        if n is None:
            tp = type(obj).__name__
            c = self._ntype.get(tp, 0) + 1
            self._ntype[tp] = c
            n = "%s#%d" % (tp, c)
            try:
                obj._stat_name = n
            except AttributeError:
                self._names[key] = n
        return n

    def on_hold(self, t, m, ns):
        """``t`` released ``m`` after computing ``ns`` holding it."""
        mn = self.name_of(m)
        d = self._holds.get(mn)
        if d is None:
            d = self._holds[mn] = {}
        h = d.get(t.name)
        if h is None:
            d[t.name] = [ns, m.protocol]
        elif ns > h[0]:
            h[0] = ns

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

    # -- the kernel's hooks: a wait starts, ends; a priority changes --
    # -- the kernel's events it records (observe.py) --
    def on_block(self, k, t, what):
        now = k._now
        t.blk_at = now
        t.blk_on = what
        tp = type(what)
        if tp is not str and tp not in self._plain:
            self._inv_block(t, what, tp, now)   # a mutex? (inversion.py)

    def on_unblock(self, k, t):
        now = k._now
        on = t.blk_on
        if on is None:
            return
        t.blk_on = None
        w = t.waits
        if w is None:
            w = t.waits = {}    # most threads never wait: made on demand
        was = w.get(on)         # (not a KeyError: no exception object)
        if was is not None:
            w[on] = was + (now - t.blk_at)
        else:
            if len(w) >= WAITS_KEPT:
                self._fold_waits(t)
            self.name_of(on)    # numbered in a deterministic order
            w[on] = now - t.blk_at
        if self._mwaits:
            self._inv_unblock(t, now)

    def on_priority(self, k, t, old, new):
        """Something that decides an inversion may have changed (a
        priority, a mutex's owner): check every wait on a mutex."""
        self._inv_priority(t, k._now)

    def on_idle(self, k, dt, deep):
        self._idle += dt
        if deep:
            self._deep += dt

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

    def on_masked(self, k, t, ns):
        if t is not None and ns > (0 if t._x is None else t._x.masked_ns):
            t._extra().masked_ns = ns
        if ns > self.masked_ns:
            self.masked_ns = ns
            self.masked_by = None if t is None else t.name

    @computed
    def longest_masked(self):
        """The longest interrupts-masked section of the run, ticks."""
        return ns_to_ticks(self.masked_ns, self.tick_hz)

    def add_thread(self, name, st=None):
        """Record the thread ``st`` (or, without one, new counters) under
        ``name``, numbered ``name#2``, ``name#3``... when taken; returns
        the thread (or a ThreadStats of the new counters)."""
        key = name
        if key in self._counters:
            # name#2, name#3, ...: O(1) per thread however many share it
            # (a name whose record is gone may be given again: see
            # ended_kept)
            dup = self._dups
            n = dup.get(name, 1)
            while key in self._counters:
                n += 1
                key = "%s#%d" % (name, n)
            dup[name] = n
        if st is None:
            c = ThreadCounters(key, self.tick_hz, self)
            self._counters[key] = c
            from .threadstats import ThreadStats
            return ThreadStats(of=c)
        st._init_stats(key, self.tick_hz, self)
        self._counters[key] = st
        return st

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

    def __str__(self):
        """The tables: threads, response-time histograms, blocked time per
        object, priority inversion, interrupts, masking, power."""
        # loaded by the first report (MicroPython: about 4 KB of RAM
        # less for a program that never prints one)
        from .statreport import text
        return text(self)


computed_attrs(Stats)


if not MICROPYTHON:
    # muos.stats.ThreadStats as before the split (CPython loads the views
    # with muos anyway)
    from .threadstats import CoreStats, ThreadStats, ThreadTable  # noqa
