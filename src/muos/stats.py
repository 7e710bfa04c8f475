"""Statistics: cheap counters the kernel updates at its choke points.

Owns: ``Stats`` (the whole system) and the counters of each thread
(``ThreadCounters``). Imports ``compat``, ``units``; ``statsapi`` (the
readers: ``Stats``'s base on CPython, a cold part on MicroPython) and
``inversion`` (the priority-inversion tracking: ``StatsApi``'s base on
CPython, a cold part loaded by the first wait on a mutex on
MicroPython); at the first view (MicroPython) ``threadstats``
(``ThreadStats`` and the tables a program reads) and at the first
``str(stats)`` ``statreport`` (the text report). Times are kept as
integer nanoseconds and shown in ticks.
``Stats`` is one of the kernel's observers (observe.py's events): it
defines the events it records, which are all the kernel calls on it, so
it does not load observe.py's defaults (about 850 bytes of a board's
heap). The kernel calls ``on_block`` / ``on_unblock`` when a thread
starts and ends a wait and ``on_priority`` when an effective priority
changes; everything here (blocked time per object, priority inversion)
is computed from those calls, so it is the same with tracing on or off.
"""

from .compat import (MICROPYTHON, cold_part, computed_attrs, init_fields,
                     lazy_fields)
from .ready import Link
if not MICROPYTHON:
    # (their home before units.py, kept for the programs that import them
    # from here; a board does without the two names)
    from .units import ns_to_ticks, ticks_to_ns  # noqa: F401

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
        # [count, min, max, sum, sum's high part] of those dropped (the
        # sum is sum + high * SUM_UNIT: see _fold)
        self.rt_old = None
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

    if not MICROPYTHON:
        # (MicroPython ignores __slots__: there it would be one more entry
        # in the class's table, which that makes a step larger)
        __slots__ = ("name", "cpu_ns", "switches", "waits", "slept",
                     "blk_at", "blk_on", "_system", "_x")

    def __init__(self, name, tick_hz, stats=None):
        if stats is None and tick_hz is not None:
            stats = Stats(tick_hz)  # counters of their own: a system too
        self._init_stats(name, stats)

    if not MICROPYTHON:     # (pickle: CPython's process pools only)
        def __reduce__(self):
            # a Thread pickles as the plain ThreadCounters it also is
            # (its coroutine and its kernel stay behind), so that Stats
            # cross process boundaries (analysis.simulate in a pool)
            state = {}
            for k in ThreadCounters.__slots__:
                try:
                    state[k] = getattr(self, k)
                except AttributeError:
                    pass
            from .threadstats import _sleeping
            if state.get("blk_on") is None and _sleeping(self):
                # a sleep in progress sets no blk_on (its trap tells it,
                # which stays behind): the record names it, so that its
                # views count it to the run's end as the thread's do
                state["blk_on"] = "sleep"
            return (_restore_counters, (state,))

    def _init_stats(self, name, stats):
        self.name = name
        self._system = stats    # the Stats it belongs to (its tick_hz)
        init_fields(self, _THREAD_STATS_FIELDS)
        # ns of ended sleeps ("sleep" in waits_total): a field, not a key
        # of waits, so that a sleep's end costs the switch path no dict
        # look-up. Set here, not a class default (see thread.py's)
        self.slept = 0

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


# the dropped response times' sum is kept as sum + high * SUM_UNIT, each
# part below 2**30: on a 32-bit MicroPython port a larger int is a long,
# a new object at each addition (after about a second of summed response
# times a periodic thread would allocate at every fold)
SUM_UNIT = 1 << 29


def _fold(x, rt):
    """Drop all but the last RESPONSES_KEPT response times, keeping the
    count, shortest, longest and sum of the dropped ones (amortized O(1)
    per job: it runs once every RESPONSES_KEPT jobs)."""
    # in place, without a slice: the list keeps its room, so that a
    # periodic thread allocates nothing in steady state (issue 16 #4)
    n = len(rt) - RESPONSES_KEPT
    o = x.rt_old
    if o is None:
        o = x.rt_old = [0, rt[0], rt[0], 0, 0]
    lo = o[1]
    hi = o[2]
    total = o[3]
    high = o[4]
    for i in range(n):
        v = rt[i]
        if v < lo:
            lo = v
        if v > hi:
            hi = v
        if v >= SUM_UNIT:      # (a response of half a second or more)
            high += v // SUM_UNIT
            v = v % SUM_UNIT
        total += v             # (below 2 * SUM_UNIT = 2**30)
        if total >= SUM_UNIT:
            total -= SUM_UNIT
            high += 1
    for i in range(RESPONSES_KEPT):
        rt[i] = rt[i + n]
    for _ in range(n):
        rt.pop()           # (never shrinks it: half of it stays used)
    o[0] += n
    o[1] = lo
    o[2] = hi
    o[3] = total
    o[4] = high


def cpu_total(c):
    """The CPU time (ns) of thread or counters ``c``, with the spans a
    rebase folded out of ``cpu_ns`` (rebase.py) added back."""
    x = c._x
    if x is None or not x.cpu_hi:
        return c.cpu_ns
    return c.cpu_ns + x.cpu_hi * c._system._span


def waits_total(c):
    """``c.waits`` ({thing: ns}) with its ended sleeps ("sleep":
    ``c.slept``) and the spans a rebase folded out added back (a new
    dict then)."""
    w = c.waits
    s = c.slept
    x = c._x
    h = None if x is None else x.waits_hi
    if not h and not s:
        return w
    out = dict(w) if w else {}
    if s:
        out["sleep"] = s
    if h:
        span = c._system._span
        for o in h:         # (with a wait in progress since long: rebase.py)
            out[o] = out.get(o, 0) + h[o] * span
    return out


if not MICROPYTHON:
    def _restore_counters(state):
        c = ThreadCounters(None, None)
        for k in state:
            setattr(c, k, state[k])
        return c


# what a new thread has done (see compat.py)
_THREAD_STATS_FIELDS = lazy_fields(ThreadCounters, {
    "cpu_ns": 0, "switches": 0,
    # ns of ended waits per thing waited on: the object itself, or
    # "suspend", "wait_any" (objects are named when read)
    "waits": None,            # made at the first ended wait
    "blk_at": 0,              # when its current wait began
    "blk_on": None,           # what it waits on now, or None
    "_x": None,               # its ThreadExtra, made at the first write
})


if MICROPYTHON:
    # (the readers, and the inversion tracking of the first wait on a
    # mutex, load at first use: compat.cold_part)
    globals()["StatsApi"] = object
else:
    from .statsapi import StatsApi


class Stats(StatsApi):
    """System statistics: ``cpu_load``, ``context_switches``, ``threads``
    (the readers: ``StatsApi``); priority inversion (``inversion_time``
    ...) from ``InversionTracker``. Here: what the switch path records."""

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
        self._ended = None      # EndedThreads, made when first needed
        # the priority inversion tracking's state (inversion.py)
        self._mwaits = []       # the waits on mutexes in progress
        self._inversions = []   # ended windows, see inversion_windows
        self._inv_by = {}       # mutex name -> ns of inversion on it
        self._plain = set()     # types waited on that are not mutexes
        self._mw_free = None    # records of ended waits, chained by [1]
        # the kernel's time origin, ticks after the start (rebase.py): the
        # waits in progress are in kernel time, the ended windows and
        # elapsed_ns public
        self._et = 0

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
        # name_of's answer for a mutex, written out (every unlock comes
        # here: a call and its general tests cost a board 5 us)
        mn = m.name
        if mn is None:
            mn = m._stat_name      # (an unnamed Mutex or Spinlock has one)
            if mn is None:
                mn = self.name_of(m)
        d = self._holds.get(mn)
        if d is None:
            d = self._holds[mn] = {}
        h = d.get(t.name)
        if h is None:
            d[t.name] = [ns, m.protocol]
        elif ns > h[0]:
            h[0] = ns

    # -- the kernel's hooks: a wait starts, ends; a priority changes --
    # -- the kernel's events it records (observe.py) --
    def on_block(self, k, t, what):
        now = k._now
        t.blk_at = now
        tp = type(what)
        if tp is str and what == "sleep":
            return          # (told by its trap, not blk_on: blocking.py)
        t.blk_on = what
        if tp is not str and tp not in self._plain:
            # a Mutex (it has _boost)? asked once per type: a failed
            # getattr costs more than the rest of this hook
            if hasattr(what, "_boost"):
                self._inv_block(t, what, now)   # (inversion.py)
            else:
                self._plain.add(tp)

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
        if self._mwaits:
            self._inv_priority(t, k._now)

    def on_idle(self, k, dt, deep):
        self._idle += dt
        if deep:
            self._deep += dt

    def on_masked(self, k, t, ns):
        if t is not None and ns > (0 if t._x is None else t._x.masked_ns):
            t._extra().masked_ns = ns
        if ns > self.masked_ns:
            self.masked_ns = ns
            self.masked_by = None if t is None else t.name

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
        st._init_stats(key, self)
        self._counters[key] = st
        return st

    def __str__(self):
        """The tables: threads, response-time histograms, blocked time per
        object, priority inversion, interrupts, masking, power."""
        # loaded by the first report (MicroPython: about 4 KB of RAM
        # less for a program that never prints one)
        from .statreport import text
        return text(self)


computed_attrs(Stats)
cold_part(Stats, "statsapi", "StatsApi", (
    "ended", "context_switches", "threads", "holds", "idle_ns",
    "deep_sleep_ns", "blocked", "blocked_by", "longest_masked",
    "_fold_waits", "retire", "_get_kept", "_set_kept", "ended_kept",
    "_keep_ended", "_forget", "set_cores", "on_core_idle", "cores",
    "cpu_load", "power_states", "energy", "elapsed", "_end",
    "_inv_open_ns", "inversion_windows", "_inversion_windows",
    "inversion_time", "inversion_by_object"))
cold_part(Stats, "inversion", "InversionTracker", (
    "_shift_open", "_epoch", "_inv_block", "_inv_unblock", "_inv_priority",
    "_inv_check", "_inv_end"))


if not MICROPYTHON:
    # muos.stats.ThreadStats as before the split (CPython loads the views
    # with muos anyway)
    from .threadstats import CoreStats, ThreadStats, ThreadTable  # noqa
