"""The read-only views of the statistics: ``ThreadStats`` (one thread),
``ThreadTable`` (``Stats.threads``) and ``CoreStats`` (``Stats.cores``).

Owns what a program reads, not what the kernel updates (stats.py): made
when read, over the counters stats.py keeps. Loaded by the first view on
MicroPython (about 2 KB of a board's heap less for a program that never
reads its statistics), at ``import muos`` on CPython.
"""

from . import stats
from .stats import SUM_UNIT, ThreadCounters
from .traps import RELEASE, SLEEP
from .units import ns_to_ticks, ticks_to_ns


def _sleeping(c):
    """Whether thread (or counters) ``c`` is in a sleep: a sleep sets no
    ``blk_on``, its trap tells it (blocking.py). blocking._withdraw and
    rebase._shift_thread test the same inline: as a function of traps.py
    it would fill that module's table on a board (28 names in 29 slots),
    and this module loads on a board's first statistics read only."""
    tr = getattr(c, "_trap", None)
    return tr is not None and (tr.kind == SLEEP or tr.kind == RELEASE)

__all__ = ("ThreadStats", "ThreadTable", "CoreStats")


def _summary(x):
    """(count, min, max, sum) of every response time, in ns."""
    rt = x.rt
    o = x.rt_old
    if o is None:
        return len(rt), min(rt), max(rt), sum(rt)
    return (o[0] + len(rt), min(o[1], min(rt)), max(o[2], max(rt)),
            o[3] + o[4] * SUM_UNIT + sum(rt))


class ThreadStats:
    """What one thread did: CPU time, switches, waits, periodic jobs
    (``stats.threads[name]``, ``t.stats``). A view of the thread's
    counters, made when read and always current; ``ThreadStats(name,
    tick_hz)`` makes one over counters of its own."""

    __slots__ = ("_c",)

    def __init__(self, name=None, tick_hz=1000, stats=None, of=None):
        self._c = ThreadCounters(name, tick_hz, stats) if of is None \
            else of

    def __reduce__(self):
        return (_view, (self._c,))

    # -- the counters --
    @property
    def name(self):
        return self._c.name

    @property
    def tick_hz(self):
        return self._c._system.tick_hz

    @property
    def cpu_ns(self):
        """CPU time in kernel time units (``muos.units``: ns)."""
        return stats.cpu_total(self._c)

    @property
    def switches(self):
        """Times switched in."""
        return self._c.switches

    @property
    def waits(self):
        """{object: time units waited on it} of the ended waits (where
        the kernel moves its time origin, a 32-bit board, whole spans of
        a wait in progress since long may count already: rebase.py)."""
        return stats.waits_total(self._c)

    def add_response(self, ns):
        """A periodic job completed ``ns`` after its release."""
        self._c.add_response(ns)

    @property
    def deadline_misses(self):
        """Periodic jobs that completed after their deadline."""
        x = self._c._x
        return 0 if x is None else x.deadline_misses

    @deadline_misses.setter
    def deadline_misses(self, v):
        self._c._extra().deadline_misses = v

    @property
    def migrations(self):
        """Times it resumed on another core than the one it last ran on
        (several cores)."""
        x = self._c._x
        return 0 if x is None else x.migrations

    @property
    def misses(self):
        """Each deadline miss as a ``Job`` (index, release, deadline,
        finish), in order: the last ``MISSES_KEPT`` (10,000; 16 on
        MicroPython); ``deadline_misses`` counts every one."""
        x = self._c._x
        return [] if x is None or x.misses is None else list(x.misses)

    @property
    def masked_ns(self):
        """Its longest section with interrupts masked, ns."""
        x = self._c._x
        return 0 if x is None else x.masked_ns

    @masked_ns.setter
    def masked_ns(self, v):
        self._c._extra().masked_ns = v

    @property
    def inversion_ns(self):
        """Ns of ended priority inversion it suffered as a waiter."""
        x = self._c._x
        return 0 if x is None else x.inversion_ns

    @inversion_ns.setter
    def inversion_ns(self, v):
        self._c._extra().inversion_ns = v

    @property
    def response_times(self):
        """Response time of each completed periodic job, in job order
        (ticks; kept in ns, converted when read); on a long run the last
        ``RESPONSES_KEPT`` (``jobs``, ``min_response``, ``max_response``
        and ``mean_response`` count every job)."""
        x = self._c._x
        if x is None or x.rt is None:
            return []
        hz = self._c._system.tick_hz
        rt = x.rt
        kept = stats.RESPONSES_KEPT      # (read here: a test sets it)
        if len(rt) > kept:
            rt = rt[len(rt) - kept:]
        return [ns_to_ticks(ns, hz) for ns in rt]

    @response_times.setter
    def response_times(self, v):
        hz = self._c._system.tick_hz
        x = self._c._extra()
        x.rt = None
        x.rt_old = None
        for t in v:
            self._c.add_response(ticks_to_ns(t, hz, "response time"))

    def _waits_ns(self):
        """{name: ns} of every wait, the one in progress counted up to
        the end of the run."""
        c = self._c
        st = c._system
        name_of = st.name_of if st is not None else _name
        out = {}
        w = stats.waits_total(c) or {}
        for k in w:
            n = name_of(k)
            out[n] = out.get(n, 0) + w[k]
        on = c.blk_on
        if on is None and _sleeping(c):
            on = "sleep"
        if on is not None and st is not None:
            n = name_of(on)
            out[n] = out.get(n, 0) + max(0, st._end() - c.blk_at)
        return out

    @property
    def blocked(self):
        """{object name: ticks waited on it}, waits still in progress
        counted up to the end of the run; "suspend" is muos.suspend(),
        "wait_any" a muos.wait_any(); sleeping is ``sleep_time``."""
        ns = self._waits_ns()
        ns.pop("sleep", None)
        hz = self.tick_hz
        return {k: ns_to_ticks(ns[k], hz) for k in sorted(ns)}

    @property
    def blocked_time(self):
        """Ticks spent waiting on objects (all of ``blocked``)."""
        ns = self._waits_ns()
        ns.pop("sleep", None)
        return ns_to_ticks(sum(ns.values()), self.tick_hz)

    @property
    def sleep_time(self):
        """Ticks spent sleeping (``sleep_for``, ``sleep_until``, between
        periodic jobs)."""
        return ns_to_ticks(self._waits_ns().get("sleep", 0), self.tick_hz)

    @property
    def inversion_time(self):
        """Ticks of priority inversion this thread suffered as a waiter
        (see ``Stats.inversion_time``)."""
        ns = self.inversion_ns
        st = self._c._system
        if st is not None:
            ns += st._inv_open_ns(self._c)
        return ns_to_ticks(ns, self.tick_hz)

    def histogram(self, bins=8):
        """Response times in ``bins`` equal bins from the shortest to the
        longest: a list of ``(low, high, count)`` in ticks, each bin
        holding ``low <= r < high`` (the last one also ``r == high``);
        a single bin when every response is equal, ``[]`` without jobs."""
        r = self.response_times
        if not r:
            return []
        lo = min(r)
        hi = max(r)
        if lo == hi:
            return [(lo, hi, len(r))]
        if type(bins) is not int or bins < 1:
            raise ValueError("histogram: bins must be a positive int, not "
                             "%r" % (bins,))
        width = (hi - lo) / bins
        counts = [0] * bins
        for x in r:
            i = int((x - lo) / width)
            counts[i if i < bins else bins - 1] += 1
        out = []
        for i in range(bins):
            a = lo + i * width
            b = hi if i == bins - 1 else lo + (i + 1) * width
            out.append((_exact(a), _exact(b), counts[i]))
        return out

    @property
    def longest_masked(self):
        """Its longest critical section with interrupts masked, ticks."""
        return ns_to_ticks(self.masked_ns, self.tick_hz)

    @property
    def cpu_time(self):
        return ns_to_ticks(self.cpu_ns, self.tick_hz)

    @property
    def jobs(self):
        """Periodic jobs completed (every one, however long the run)."""
        x = self._c._x
        return 0 if x is None or x.rt is None else _summary(x)[0]

    @property
    def max_response(self):
        x = self._c._x
        if x is None or x.rt is None:
            return None
        return ns_to_ticks(_summary(x)[2], self._c._system.tick_hz)

    @property
    def min_response(self):
        x = self._c._x
        if x is None or x.rt is None:
            return None
        return ns_to_ticks(_summary(x)[1], self._c._system.tick_hz)

    @property
    def mean_response(self):
        x = self._c._x
        if x is None or x.rt is None:
            return None
        n, _, _, s = _summary(x)
        return ns_to_ticks(s, self._c._system.tick_hz) / n

    def __repr__(self):
        return "<ThreadStats %s cpu=%s switches=%d jobs=%d>" % (
            self.name, self.cpu_time, self.switches, self.jobs)


def _view(c):
    return ThreadStats(of=c)


class ThreadTable:
    """``Stats.threads``: {name: ThreadStats}, read-only, in creation
    order; each ThreadStats is made when read, over the thread's own
    counters."""

    __slots__ = ("_c",)

    def __init__(self, counters):
        self._c = counters

    def __getitem__(self, name):
        return ThreadStats(of=self._c[name])

    def get(self, name, default=None):
        c = self._c.get(name)
        return default if c is None else ThreadStats(of=c)

    def __contains__(self, name):
        return name in self._c

    def __iter__(self):
        return iter(self._c)

    def __len__(self):
        return len(self._c)

    def keys(self):
        return self._c.keys()

    def values(self):
        return [ThreadStats(of=c) for c in self._c.values()]

    def items(self):
        return [(n, ThreadStats(of=c)) for n, c in self._c.items()]

    def __repr__(self):
        return "{%s}" % ", ".join("%r: %r" % kv for kv in self.items())


class CoreStats:
    """One core's statistics (``stats.cores[i]``)."""

    __slots__ = ("index", "idle_ns", "elapsed_ns", "tick_hz")

    def __init__(self, index, idle_ns, elapsed_ns, tick_hz):
        self.index = index
        self.idle_ns = idle_ns
        self.elapsed_ns = elapsed_ns
        self.tick_hz = tick_hz

    @property
    def cpu_load(self):
        if self.elapsed_ns <= 0:
            return 0.0
        return (self.elapsed_ns - self.idle_ns) / self.elapsed_ns

    @property
    def idle_time(self):
        return ns_to_ticks(self.idle_ns, self.tick_hz)

    def __repr__(self):
        return "<CoreStats %d load=%.3f>" % (self.index, self.cpu_load)


def _name(obj):
    if obj is None or isinstance(obj, str):
        return obj
    n = getattr(obj, "name", None)
    return n if n is not None else type(obj).__name__


def _exact(x):
    """An int when a float is whole (histogram edges stay exact)."""
    if isinstance(x, float) and x == int(x):
        return int(x)
    return x
