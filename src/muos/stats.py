"""Statistics: cheap counters the kernel updates at its choke points.

Owns: ``Stats`` (the whole system) and ``ThreadStats`` (one thread).
Imports nothing. Times are kept as integer nanoseconds and shown in ticks.
"""

__all__ = ["Stats", "ThreadStats", "ns_to_ticks", "ticks_to_ns"]


def ns_to_ticks(ns, tick_hz):
    """Ticks as an int when exact, else a float."""
    q, r = divmod(ns * tick_hz, 1000000000)
    if r == 0:
        return q
    return ns * tick_hz / 1000000000


def ticks_to_ns(ticks, tick_hz, what="duration"):
    """Ticks (int or float, >= 0) to integer nanoseconds, or a clear
    error naming ``what``."""
    tp = type(ticks)
    if tp is int:
        if ticks < 0:
            raise ValueError("%s must not be negative, not %r"
                             % (what, ticks))
        return ticks * 1000000000 // tick_hz
    if tp is float:
        if not ticks >= 0.0:
            raise ValueError("%s must be a non-negative number of ticks, "
                             "not %r" % (what, ticks))
        return int(round(ticks * 1000000000 / tick_hz))
    raise TypeError("%s must be an int or float of ticks, not %r"
                    % (what, ticks))


class ThreadStats:
    """What one thread did: CPU time, switches, periodic jobs."""

    __slots__ = ("name", "tick_hz", "cpu_ns", "switches", "response_times",
                 "deadline_misses", "seq", "masked_ns")

    def __init__(self, name, tick_hz, seq=0):
        self.name = name
        self.tick_hz = tick_hz
        self.cpu_ns = 0
        self.switches = 0
        self.response_times = []
        self.deadline_misses = 0
        self.seq = seq
        self.masked_ns = 0      # its longest interrupts-masked section

    @property
    def longest_masked(self):
        """Its longest critical section with interrupts masked, ticks."""
        return ns_to_ticks(self.masked_ns, self.tick_hz)

    @property
    def cpu_time(self):
        return ns_to_ticks(self.cpu_ns, self.tick_hz)

    @property
    def jobs(self):
        return len(self.response_times)

    @property
    def max_response(self):
        r = self.response_times
        return max(r) if r else None

    @property
    def min_response(self):
        r = self.response_times
        return min(r) if r else None

    @property
    def mean_response(self):
        r = self.response_times
        return sum(r) / len(r) if r else None

    def __repr__(self):
        return "<ThreadStats %s cpu=%s switches=%d jobs=%d>" % (
            self.name, self.cpu_time, self.switches, self.jobs)


class Stats:
    """System statistics: ``cpu_load``, ``context_switches``, ``threads``."""

    def __init__(self, tick_hz=1000, power=None):
        self.tick_hz = tick_hz
        self.power = power      # a PowerModel, or None
        self.deep_sleep_ns = 0  # part of idle_ns spent in deep sleep
        self.context_switches = 0
        self.threads = {}
        self._order = []        # ThreadStats in creation order
        self.idle_ns = 0        # time the idle thread had the CPU
        self.elapsed_ns = 0     # kept current by the kernel
        self.isr_latency = {}   # interrupt name -> IsrStats
        self.masked_ns = 0
        self.masked_by = None   # thread name of the longest masked section

    def _masked(self, t, ns):
        if t is not None and ns > t._stats.masked_ns:
            t._stats.masked_ns = ns
        if ns > self.masked_ns:
            self.masked_ns = ns
            self.masked_by = None if t is None else t.name

    @property
    def longest_masked(self):
        """The longest interrupts-masked section of the run, ticks."""
        return ns_to_ticks(self.masked_ns, self.tick_hz)

    def add_thread(self, name):
        key = name
        n = 1
        while key in self.threads:
            n += 1
            key = "%s#%d" % (name, n)
        st = ThreadStats(key, self.tick_hz, len(self._order))
        self.threads[key] = st
        self._order.append(st)
        return st

    @property
    def cpu_load(self):
        if self.elapsed_ns <= 0:
            return 0.0
        return (self.elapsed_ns - self.idle_ns) / self.elapsed_ns

    @property
    def power_states(self):
        """Ticks spent running (threads, handlers, kernel work), sleeping
        and in deep sleep."""
        hz = self.tick_hz
        return {"run": ns_to_ticks(self.elapsed_ns - self.idle_ns, hz),
                "sleep": ns_to_ticks(self.idle_ns - self.deep_sleep_ns, hz),
                "deep_sleep": ns_to_ticks(self.deep_sleep_ns, hz)}

    @property
    def energy(self):
        """Millijoules drawn under the power model (None without one):
        the sum of milliwatts x seconds over the power states."""
        pm = self.power
        if pm is None:
            return None
        run = self.elapsed_ns - self.idle_ns
        sleep = self.idle_ns - self.deep_sleep_ns
        deep = self.deep_sleep_ns
        return (pm.run * run + pm.sleep * sleep
                + (pm.deep_sleep or 0) * deep) / 1e9

    @property
    def elapsed(self):
        return ns_to_ticks(self.elapsed_ns, self.tick_hz)

    def __str__(self):
        lines = [
            "elapsed %s ticks, cpu load %.1f%%, %d context switches" % (
                self.elapsed, 100.0 * self.cpu_load, self.context_switches),
            "%-16s %10s %8s %6s %10s %10s %7s" % (
                "thread", "cpu", "switches", "jobs", "max resp", "mean resp",
                "misses"),
        ]
        for st in self._order:
            mx = st.max_response
            mean = st.mean_response
            lines.append("%-16s %10s %8d %6d %10s %10s %7d" % (
                st.name, _fmt(st.cpu_time), st.switches, st.jobs,
                "-" if mx is None else _fmt(mx),
                "-" if mean is None else _fmt(mean), st.deadline_misses))
        return "\n".join(lines)


def _fmt(x):
    if isinstance(x, int):
        return str(x)
    return "%.3f" % x
