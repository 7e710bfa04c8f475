"""Schedulability analysis of periodic tasks on one CPU.

Owns: ``Task``; the utilization tests (Liu & Layland 1973, the hyperbolic
bound of Bini, Buttazzo & Buttazzo 2003); response-time analysis for
fixed-priority preemptive scheduling (Joseph & Pandya 1986, Audsley et al.
1993) with blocking, release jitter (Tindell, Burns & Wellings 1994) and
arbitrary deadlines (Lehoczky 1990); the rate- and deadline-monotonic
orders; UUniFast task sets (Bini & Buttazzo 2005); ``simulate`` on muos
threads; the ``sweep`` experiment and its plot; the task-set files and the
report of ``muos analyze``.

Imports the public ``muos`` package and the standard library only
(CPython; optional: rich for progress, matplotlib for plots, tomli on
Python < 3.11); never numpy, never the kernel's insides. The analysis
functions are pure: they never touch a running kernel (``simulate`` runs
its own, one at a time). All arithmetic is exact: task parameters (ints,
floats read as the decimal they print as, or Fractions) are scaled to
integers, so that an analytic response time equals the simulated one to
the tick.

Task lists are always ordered most urgent first; ``rate_monotonic`` and
``deadline_monotonic`` produce such orders.
"""

import math
import os
import random
import sys
import threading
from fractions import Fraction

import muos

__all__ = [
    "Task", "utilization", "liu_layland_bound", "liu_layland_test",
    "hyperbolic_test", "response_times", "worst_responses", "busy_period",
    "hyperperiod", "rate_monotonic", "deadline_monotonic", "uunifast",
    "random_taskset", "simulate", "simulated_response_times", "first_miss",
    "default_horizon", "HORIZON_JOBS", "sweep", "SweepResult", "plot_sweep",
    "load_taskset", "TasksetError", "report", "analyze_main",
]

# the default simulation horizon is the hyperperiod, unless it holds more
# jobs than this (about a second of simulation)
HORIZON_JOBS = 100000

_FIELDS = ("C", "T", "D", "B", "J")

_ONE_KERNEL = threading.RLock()


def _number(x, what):
    """An int, float or Fraction that is finite, else TypeError or
    ValueError naming ``what``."""
    if isinstance(x, bool) or not isinstance(x, (int, float, Fraction)):
        raise TypeError("%s must be a number of ticks, not %r" % (what, x))
    if isinstance(x, float) and not math.isfinite(x):
        raise ValueError("%s must be finite, not %r" % (what, x))
    return x


def _exact(x):
    """The exact rational a task parameter stands for: a float is read as
    the shortest decimal that prints as it (0.1 is 1/10)."""
    if isinstance(x, float):
        return Fraction(repr(x))
    return Fraction(x)


def _result(num, den):
    """num/den ticks as an int when whole, else a float (like
    ``Stats``)."""
    q, r = divmod(num, den)
    if r == 0:
        return q
    return float(Fraction(num, den))


class Task:
    """A periodic (or sporadic) task: worst-case execution time ``C``,
    period (minimum inter-arrival time) ``T``, relative deadline ``D``
    (default ``T``; ``D > T`` is allowed), worst-case blocking ``B`` by
    less urgent tasks (from shared resources under priority inheritance
    or ceiling, found by the user) and release jitter ``J``, all in ticks.
    """

    __slots__ = ("C", "T", "D", "name", "B", "J")

    def __init__(self, C, T, D=None, name=None, B=0, J=0):
        label = "Task %r" % name if name is not None else "Task"
        if name is not None and not isinstance(name, str):
            raise TypeError("Task: name must be a str, not %r" % (name,))
        if D is None:
            D = T
        for field, v in zip(_FIELDS, (C, T, D, B, J)):
            _number(v, "%s: %s" % (label, field))
        if not C > 0:
            raise ValueError("%s: execution time C must be positive, not %r"
                             % (label, C))
        if not T > 0:
            raise ValueError("%s: period T must be positive, not %r"
                             % (label, T))
        if not D > 0:
            raise ValueError("%s: deadline D must be positive, not %r"
                             % (label, D))
        if _exact(C) > _exact(D):
            raise ValueError("%s: execution time C = %r exceeds the "
                             "deadline D = %r" % (label, C, D))
        if B < 0:
            raise ValueError("%s: blocking B must not be negative, not %r"
                             % (label, B))
        if J < 0:
            raise ValueError("%s: release jitter J must not be negative, "
                             "not %r" % (label, J))
        self.C = C
        self.T = T
        self.D = D
        self.name = name
        self.B = B
        self.J = J

    @property
    def U(self):
        """Utilization C/T, a float."""
        return float(_exact(self.C) / _exact(self.T))

    def _key(self):
        return (self.C, self.T, self.D, self.name, self.B, self.J)

    def __eq__(self, other):
        return isinstance(other, Task) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        s = "Task(C=%r, T=%r" % (self.C, self.T)
        if self.D != self.T:
            s += ", D=%r" % (self.D,)
        if self.name is not None:
            s += ", name=%r" % (self.name,)
        if self.B:
            s += ", B=%r" % (self.B,)
        if self.J:
            s += ", J=%r" % (self.J,)
        return s + ")"


def _tasks(tasks):
    tasks = list(tasks)
    for i, t in enumerate(tasks):
        if not isinstance(t, Task):
            raise TypeError("task %d must be a muos.analysis.Task, not %r"
                            % (i + 1, t))
    return tasks


def _scaled(tasks):
    """(den, [(C, T, D, B, J) as ints]) with every value = int / den."""
    exact = [[_exact(getattr(t, f)) for f in _FIELDS] for t in tasks]
    den = 1
    for row in exact:
        for v in row:
            den = den * v.denominator // math.gcd(den, v.denominator)
    return den, [tuple(int(v * den) for v in row) for row in exact]


# -- utilization tests ------------------------------------------------------

def utilization(tasks):
    """Total utilization, the sum of C/T (a float)."""
    return float(sum((_exact(t.C) / _exact(t.T) for t in _tasks(tasks)),
                     Fraction(0)))


def liu_layland_bound(n):
    """Liu & Layland's (1973) bound n(2^(1/n) - 1): any n implicit-deadline
    tasks whose utilization is at most this meet every deadline under
    rate-monotonic priorities."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("liu_layland_bound: n must be an int, not %r"
                        % (n,))
    if n < 1:
        raise ValueError("liu_layland_bound: n must be at least 1, not %r"
                         % (n,))
    return n * (2.0 ** (1.0 / n) - 1.0)


def _utilization_test_applies(tasks):
    # both bounds assume deadlines no shorter than periods and no jitter;
    # blocking is folded in per task (Sha, Rajkumar & Lehoczky 1990)
    return all(_exact(t.D) >= _exact(t.T) and t.J == 0 for t in tasks)


def liu_layland_test(tasks):
    """True if the Liu & Layland bound guarantees the set under
    rate-monotonic priorities: for each task i in rate-monotonic order,
    sum(C/T of i and the more urgent) + B_i/T_i <= i(2^(1/i) - 1)
    (Sha, Rajkumar & Lehoczky's form with blocking; without blocking it
    is U <= n(2^(1/n) - 1)). A sufficient test: False means "not
    proven", and it never proves sets with D < T or with jitter."""
    tasks = _tasks(tasks)
    if not tasks or not _utilization_test_applies(tasks):
        return not tasks
    u = Fraction(0)
    for i, t in enumerate(rate_monotonic(tasks)):
        u += _exact(t.C) / _exact(t.T)
        if float(u + _exact(t.B) / _exact(t.T)) > liu_layland_bound(i + 1):
            return False
    return True


def hyperbolic_test(tasks):
    """True if the hyperbolic bound guarantees the set under
    rate-monotonic priorities: prod(U_i + 1) <= 2 (Bini, Buttazzo &
    Buttazzo 2003; with blocking, for each task i in rate-monotonic
    order, prod over the more urgent (U_j + 1) * (U_i + B_i/T_i + 1) <=
    2). Sufficient only, and tighter than Liu & Layland; never proves
    sets with D < T or with jitter."""
    tasks = _tasks(tasks)
    if not tasks or not _utilization_test_applies(tasks):
        return not tasks
    p = Fraction(1)
    for t in rate_monotonic(tasks):
        u = _exact(t.C) / _exact(t.T)
        if p * (u + _exact(t.B) / _exact(t.T) + 1) > 2:
            return False
        p *= u + 1
    return True


def _hyperbolic_product(tasks):
    p = Fraction(1)
    for t in tasks:
        p *= _exact(t.C) / _exact(t.T) + 1
    return float(p)


# -- response-time analysis -------------------------------------------------

def _unbounded(level, b, u):
    """True if the level-i busy period never ends: utilization above 1, or
    exactly 1 with blocking or jitter adding work the CPU never catches
    up with."""
    return u > 1 or (u == 1 and (b > 0 or any(x[4] for x in level)))


def _busy_period(level, b):
    """The longest level-i busy period: the least L with L = B +
    sum(ceil((L + J_j)/T_j) C_j) over ``level`` (scaled ints)."""
    w = b + sum(x[0] for x in level)
    while True:
        nw = b + sum(-(-(w + x[4]) // x[1]) * x[0] for x in level)
        if nw == w:
            return w
        w = nw


def _response(i, ts, limit):
    """Worst response of task ``i`` of the scaled set ``ts`` (most urgent
    first), or None when it is unbounded or exceeds ``limit`` (None: no
    limit). Lehoczky's busy period: jobs q = 0, 1, ... of the level-i busy
    period that starts at the critical instant, each finishing at the
    least w(q) = B + (q+1)C + sum over more urgent j of ceil((w(q) +
    J_j)/T_j) C_j; its response is w(q) - qT + J. The busy period goes on
    while job q ends after job q+1 arrives (w(q) + J > (q+1)T)."""
    c, t, _, b, j = ts[i]
    hp = ts[:i]
    u = sum((Fraction(x[0], x[1]) for x in ts[:i + 1]), Fraction(0))
    if _unbounded(ts[:i + 1], b, u):
        return None
    worst = 0
    q = 0
    w = b + c
    while True:
        base = b + (q + 1) * c
        while True:
            nw = base + sum(-(-(w + x[4]) // x[1]) * x[0] for x in hp)
            if limit is not None and nw - q * t + j > limit:
                return None      # w only grows: this job is late already
            if nw == w:
                break
            w = nw
        r = w - q * t + j
        if r > worst:
            worst = r
        if w + j <= (q + 1) * t:
            return worst
        q += 1
        w += c       # w(q+1) >= w(q) + C: start the iteration there


def response_times(tasks):
    """Worst-case response times under fixed-priority preemptive
    scheduling, tasks listed most urgent first: a list with, for each
    task, its worst response R (ticks, counted from the nominal release,
    so including jitter and blocking), or None if R > D (or unbounded).

    Exact for synchronous release with arbitrary deadlines: when D > T a
    job may still run when the next is released, and the worst job of the
    level-i busy period need not be the first (Lehoczky 1990)."""
    tasks = _tasks(tasks)
    den, ts = _scaled(tasks)
    out = []
    for i in range(len(ts)):
        r = _response(i, ts, ts[i][2])
        out.append(None if r is None else _result(r, den))
    return out


def worst_responses(tasks):
    """Like ``response_times``, but each task's worst response even when
    it exceeds the deadline (None only when unbounded: the level's
    utilization is above 1). Lower tasks are analysed as if the late
    task's jobs all ran in full, as they do on muos (no job is
    skipped)."""
    den, ts = _scaled(_tasks(tasks))
    out = []
    for i in range(len(ts)):
        r = _response(i, ts, None)
        out.append(None if r is None else _result(r, den))
    return out


def busy_period(tasks):
    """Length of the synchronous busy period of the whole set: all tasks
    released at 0 (with their jitter, and after the largest blocking
    term), the CPU is busy from 0 to then. None if it never ends
    (utilization above 1, or 1 with blocking or jitter)."""
    tasks = _tasks(tasks)
    if not tasks:
        return 0
    den, ts = _scaled(tasks)
    b = max(x[3] for x in ts)
    u = sum((Fraction(x[0], x[1]) for x in ts), Fraction(0))
    if _unbounded(ts, b, u):
        return None
    return _result(_busy_period(ts, b), den)


def hyperperiod(tasks):
    """The least common multiple of the periods (exact for fractional
    periods)."""
    tasks = _tasks(tasks)
    if not tasks:
        return 0
    den, ts = _scaled(tasks)
    h = 1
    for x in ts:
        h = h * x[1] // math.gcd(h, x[1])
    return _result(h, den)


# -- priority orders ---------------------------------------------------------

def rate_monotonic(tasks):
    """The tasks most urgent first by rate-monotonic order: shorter period
    first, ties kept in input order (Liu & Layland 1973; optimal among
    fixed priorities when D = T)."""
    return sorted(_tasks(tasks), key=lambda t: _exact(t.T))


def deadline_monotonic(tasks):
    """The tasks most urgent first by deadline-monotonic order: shorter
    relative deadline first, ties kept in input order (Leung & Whitehead
    1982; optimal among fixed priorities when D <= T)."""
    return sorted(_tasks(tasks), key=lambda t: _exact(t.D))


# -- task-set generation -----------------------------------------------------

def uunifast(n, total_u, rng):
    """``n`` task utilizations summing to ``total_u``, uniformly
    distributed over that simplex (Bini & Buttazzo 2005, UUniFast).
    ``rng`` has ``.random()`` (a ``random.Random``)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("uunifast: n must be an int, not %r" % (n,))
    if n < 1:
        raise ValueError("uunifast: n must be at least 1, not %r" % (n,))
    _number(total_u, "uunifast: total_u")
    if not total_u > 0:
        raise ValueError("uunifast: total_u must be positive, not %r"
                         % (total_u,))
    out = []
    rest = total_u
    for i in range(1, n):
        nxt = rest * rng.random() ** (1.0 / (n - i))
        out.append(rest - nxt)
        rest = nxt
    out.append(rest)
    return out


def random_taskset(n, total_u, rng, periods=(10, 1000), digits=3):
    """``n`` implicit-deadline tasks of total utilization about
    ``total_u``, listed rate-monotonic: utilizations by UUniFast, whole
    periods log-uniform in ``periods`` (Emberson, Stafford & Davis 2010),
    C = U*T rounded to ``digits`` decimals of a tick (at least one unit
    of that), so that the simulation (nanoseconds) is exact."""
    lo, hi = periods
    if not 1 <= lo <= hi:
        raise ValueError("random_taskset: periods must be (lo, hi) with "
                         "1 <= lo <= hi, not %r" % (periods,))
    us = uunifast(n, total_u, rng)
    tasks = []
    unit = 10.0 ** -digits
    for i, u in enumerate(us):
        # log-uniform over [lo - 0.5, hi + 0.5), rounded: every whole
        # period in [lo, hi] gets its share
        t = int(round(math.exp(rng.uniform(math.log(lo - 0.5),
                                           math.log(hi + 0.5)))))
        t = min(max(t, lo), hi)
        c = max(round(u * t, digits), unit)
        c = min(c, t)
        tasks.append(Task(c, t, name="t%d" % (i + 1)))
    return rate_monotonic(tasks)


# -- simulation --------------------------------------------------------------

def _names(tasks):
    names = []
    for i, t in enumerate(tasks):
        name = t.name if t.name is not None else "t%d" % (i + 1)
        if name == "idle":
            raise ValueError("simulate: task name 'idle' is taken by the "
                             "idle thread; rename task %d" % (i + 1))
        if name in names:
            raise ValueError("simulate: two tasks are named %r" % (name,))
        names.append(name)
    return names


def _ticks(x):
    # what busy()/periodic() accept: an int or a float of ticks
    return x if isinstance(x, int) else float(x)


def _plain(x):
    """A Fraction as an int when whole, else a float."""
    return _result(x.numerator, x.denominator)


def default_horizon(tasks):
    """The simulation horizon ``simulate`` uses: the hyperperiod, or ten
    of them for an overloaded set (its schedule never repeats: long
    enough to show the backlog grow); if that holds more than
    ``HORIZON_JOBS`` jobs, the synchronous busy period instead (every
    worst response happens in it) if it holds fewer, else that many
    jobs' worth of ticks. Never less than the longest deadline."""
    tasks = _tasks(tasks)
    if not tasks:
        return 0
    h = _exact(hyperperiod(tasks))
    longest = max(_exact(t.D) for t in tasks)
    plain = [Task(t.C, t.T, t.D) for t in tasks]    # as simulated
    lb = busy_period(plain)
    if lb is None:
        h = 10 * max(h, longest)
    rate = sum((1 / _exact(t.T) for t in tasks), Fraction(0))
    if h * rate > HORIZON_JOBS:
        cap = Fraction(math.ceil(HORIZON_JOBS / rate))
        h = cap if lb is None or _exact(lb) > cap else _exact(lb)
    return _plain(max(h, longest))


def simulate(tasks, horizon=None):
    """Run the tasks as muos threads on a new kernel (SimPort, no
    overheads) and return its ``muos.Stats``: each task is a thread
    ``async for _ in muos.periodic(T, deadline=D, start=0): await
    muos.busy(C)``, all released together at tick 0, priorities in list
    order (most urgent first: 254, 253, ...), named by ``Task.name`` or
    "t1", "t2", ... by position.

    The run ends exactly at ``horizon`` (default: ``default_horizon``); a
    job that ends at the horizon is counted. Blocking B and jitter J are
    not modelled: nothing is shared and releases are exact. Thread-safe:
    muos runs one kernel at a time per process, so concurrent calls from
    several threads take turns."""
    tasks = _tasks(tasks)
    names = _names(tasks)
    if len(tasks) > muos.Priority.HIGHEST:
        raise ValueError("simulate: at most %d tasks, not %d" % (
            muos.Priority.HIGHEST, len(tasks)))
    if horizon is None:
        horizon = default_horizon(tasks)
    _number(horizon, "simulate: horizon")
    if horizon < 0:
        raise ValueError("simulate: horizon must not be negative, not %r"
                         % (horizon,))

    async def task(c, t, d):
        async for _ in muos.periodic(t, deadline=d, start=0):
            await muos.busy(c)

    k = muos.Kernel()
    for i, t in enumerate(tasks):
        k.spawn(task, _ticks(t.C), _ticks(t.T), _ticks(t.D), name=names[i],
                priority=muos.Priority.HIGHEST - i)
    # one muos kernel runs at a time in a process: simulations from the
    # threads of a thread pool (or of a Dask worker) take turns
    with _ONE_KERNEL:
        try:
            # the run ends exactly at the horizon, after the work that
            # ends there (API.md, "one instant")
            k.run(until=_ticks(horizon))
        finally:
            k.close()
    return k.stats


_simulate = simulate      # for functions with a `simulate` flag


def simulated_response_times(tasks, horizon=None):
    """The worst response of each task measured by ``simulate`` over the
    horizon (at least the longest deadline), or None for a task with a
    deadline miss in it: a late job, or one still running at the horizon
    past its deadline. With synchronous release, no blocking or jitter and
    D <= T, this equals ``response_times`` (the critical instant)."""
    tasks = _tasks(tasks)
    if horizon is None:
        horizon = default_horizon(tasks)
    longest = max((t.D for t in tasks), key=_exact, default=0)
    if _exact(horizon) < _exact(longest):
        raise ValueError("simulated_response_times: horizon %r is shorter "
                         "than the longest deadline %r" % (horizon, longest))
    stats = simulate(tasks, horizon)
    return _measured(tasks, stats, horizon)


def _measured(tasks, stats, horizon):
    out = []
    h = _exact(horizon)
    for name, t in zip(_names(tasks), tasks):
        st = stats.threads[name]
        d, p = _exact(t.D), _exact(t.T)
        # jobs k with deadline k*T + D <= horizon must have completed
        due = 0 if h < d else int((h - d) // p) + 1
        if st.deadline_misses or st.jobs < due:
            out.append(None)
        else:
            out.append(st.max_response)
    return out


def first_miss(tasks, stats):
    """The first deadline miss of a ``simulate`` run of ``tasks``: (task
    name, job index, release tick, deadline tick, completion tick) of the
    late job with the earliest deadline, or None. (Only completed jobs
    are seen: one still running at the horizon is not.)"""
    best = None
    for name, t in zip(_names(tasks), tasks):
        d, p = _exact(t.D), _exact(t.T)
        for k, r in enumerate(stats.threads[name].response_times):
            rr = _exact(r)
            if rr > d:
                if best is None or k * p + d < best[3]:
                    best = (name, k, k * p, k * p + d, k * p + rr)
                break
    if best is None:
        return None
    return best[:2] + tuple(_plain(x) for x in best[2:])


# -- the schedulability experiment -------------------------------------------

TESTS = ("rta", "liu_layland", "hyperbolic", "simulation")
TEST_TITLES = {"rta": "response-time analysis", "liu_layland":
               "Liu & Layland bound", "hyperbolic": "hyperbolic bound",
               "simulation": "simulation"}


def _set_rng(seed, n, u, k):
    # a str seed is hashed with SHA-512: the same set on every process
    return random.Random("muos.sweep:%r:%d:%r:%d" % (seed, n, u, k))


def _sweep_chunk(n, u, seed, first, count, periods, digits, sim):
    """Accepted counts of sets first..first+count-1 at utilization u (a
    top-level function, so that any executor can ship it)."""
    acc = dict.fromkeys(TESTS, 0)
    acc["disagree"] = 0
    for k in range(first, first + count):
        tasks = random_taskset(n, u, _set_rng(seed, n, u, k), periods,
                               digits)
        ok = None not in response_times(tasks)
        acc["rta"] += ok
        acc["liu_layland"] += liu_layland_test(tasks)
        acc["hyperbolic"] += hyperbolic_test(tasks)
        if sim:
            # the first job of each task is its worst (critical instant):
            # simulating up to the longest deadline decides the set
            horizon = max((t.D for t in tasks), key=_exact)
            s_ok = None not in simulated_response_times(tasks, horizon)
            acc["simulation"] += s_ok
            acc["disagree"] += s_ok != ok
    return acc


class SweepResult:
    """Acceptance counts of a sweep: ``utilizations``, ``n`` (tasks per
    set), ``sets`` (per utilization), ``seed``, ``accepted`` ({test: list
    of counts per utilization}), ``disagreements`` (sets on which
    simulation and response-time analysis differ: always 0) and
    ``ratios()``."""

    def __init__(self, utilizations, n, sets, seed, accepted,
                 disagreements, simulated):
        self.utilizations = list(utilizations)
        self.n = n
        self.sets = sets
        self.seed = seed
        self.accepted = accepted
        self.disagreements = disagreements
        self.simulated = simulated

    @property
    def tests(self):
        return [x for x in TESTS if x != "simulation" or self.simulated]

    def ratios(self, test=None):
        """{test: [accepted / sets per utilization]}, or one test's
        list."""
        out = {x: [a / self.sets for a in self.accepted[x]]
               for x in self.tests}
        return out if test is None else out[test]

    def to_dict(self):
        return {"utilizations": self.utilizations, "n": self.n,
                "sets": self.sets, "seed": self.seed,
                "accepted": {x: self.accepted[x] for x in self.tests},
                "disagreements": self.disagreements}

    def __str__(self):
        tests = self.tests
        lines = ["schedulability of %d random sets of %d tasks per "
                 "utilization (seed %r), acceptance ratio:" % (
                     self.sets, self.n, self.seed),
                 "%6s" % "U" + "".join("%13s" % x for x in tests)]
        r = self.ratios()
        for i, u in enumerate(self.utilizations):
            lines.append("%6.3f" % u + "".join(
                "%13.3f" % r[x][i] for x in tests))
        return "\n".join(lines)

    def __repr__(self):
        return "<SweepResult n=%d sets=%d levels=%d>" % (
            self.n, self.sets, len(self.utilizations))


def sweep(utilizations=None, n=5, sets=100, *, seed=0, periods=(10, 1000),
          executor=None, chunk=25, progress=False, simulate=True,
          digits=3):
    """A schedulability experiment: for each total utilization, ``sets``
    random sets of ``n`` tasks (``random_taskset``: UUniFast,
    log-uniform periods, seeded per set so that the result does not
    depend on the executor or the chunking), and the ratio accepted by
    response-time analysis, the Liu & Layland and hyperbolic bounds and
    (``simulate=True``) the simulation. Returns a ``SweepResult``.

    Chunks of ``chunk`` sets run on ``executor``, any
    ``concurrent.futures.Executor``: by default a new
    ProcessPoolExecutor, else e.g. a ``ThreadPoolExecutor`` or a Dask
    ``distributed.Client(...).get_executor()`` (the ``dask`` extra).
    ``progress=True`` shows a bar (needs the ``progress`` extra, rich)."""
    if utilizations is None:
        utilizations = [round(0.05 * i, 2) for i in range(10, 21)]
    utilizations = [float(u) for u in utilizations]
    for u in utilizations:
        if not u > 0:
            raise ValueError("sweep: utilizations must be positive, not %r"
                             % (u,))
    if isinstance(sets, bool) or not isinstance(sets, int) or sets < 1:
        raise ValueError("sweep: sets must be a positive int, not %r"
                         % (sets,))
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError("sweep: chunk must be a positive int, not %r"
                         % (chunk,))
    bar = None
    if progress:
        try:
            import rich.progress
        except ImportError:
            raise ImportError("sweep(progress=True) needs rich: pip install "
                              "'muos[progress]'") from None
        bar = rich.progress.Progress(transient=False)
    import concurrent.futures as cf
    own = executor is None
    if own:
        executor = cf.ProcessPoolExecutor()
    try:
        futures = {}
        for ui, u in enumerate(utilizations):
            for first in range(0, sets, chunk):
                f = executor.submit(_sweep_chunk, n, u, seed, first,
                                    min(chunk, sets - first),
                                    tuple(periods), digits, simulate)
                futures[f] = ui
        acc = {x: [0] * len(utilizations) for x in TESTS}
        dis = [0] * len(utilizations)
        if bar is not None:
            bar.start()
            job = bar.add_task("sweep", total=len(futures))
        try:
            for f in cf.as_completed(futures):
                ui = futures[f]
                got = f.result()
                for x in TESTS:
                    acc[x][ui] += got[x]
                dis[ui] += got["disagree"]
                if bar is not None:
                    bar.advance(job)
        finally:
            if bar is not None:
                bar.stop()
    finally:
        if own:
            executor.shutdown()
    return SweepResult(utilizations, n, sets, seed, acc, dis, simulate)


def plot_sweep(result, path, title=None):
    """Plot a ``SweepResult`` (acceptance ratio against utilization, one
    line per test) to ``path`` (PNG, SVG, PDF by its extension) with
    matplotlib (the ``plot`` extra). Returns ``path``."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plot_sweep needs matplotlib: pip install "
                          "'muos[plot]'") from None
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.add_subplot()
    styles = {"rta": "o-", "liu_layland": "s--", "hyperbolic": "^--",
              "simulation": "x:"}
    ratios = result.ratios()
    for x in result.tests:
        ax.plot(result.utilizations, ratios[x], styles[x],
                label=TEST_TITLES[x])
    ax.axvline(liu_layland_bound(result.n), color="grey", lw=0.8,
               label="n(2^(1/n) - 1), n = %d" % result.n)
    ax.set_xlabel("total utilization")
    ax.set_ylabel("acceptance ratio")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title or "rate-monotonic, %d tasks, %d sets per point" % (
        result.n, result.sets))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    return path


# -- task-set files -----------------------------------------------------------

class TasksetError(ValueError):
    """A task-set file that cannot be read; the message names the file and
    the line, row or entry."""


_COLUMNS = {"c": "C", "t": "T", "d": "D", "b": "B", "j": "J",
            "name": "name"}
_EXPECTED = "C, T and optionally D, name, B, J"


def _parse_number(text, field, where):
    s = text.strip()
    try:
        return int(s)
    except ValueError:
        pass
    try:
        v = float(s)
    except ValueError:
        raise TasksetError("%s: %s %r is not a number" % (
            where, field, text)) from None
    if not math.isfinite(v):
        raise TasksetError("%s: %s %r is not a finite number" % (
            where, field, text))
    return v


def _make_task(values, where):
    """A Task from {field: value}, or TasksetError naming ``where``."""
    for field in ("C", "T"):
        if field not in values:
            raise TasksetError("%s: missing %s (every task needs %s)" % (
                where, field, _EXPECTED))
    kw = {}
    for field in _FIELDS:
        v = values.get(field)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TasksetError("%s: %s must be a number, not %r" % (
                where, field, v))
        kw[field] = v
    name = values.get("name")
    if name is not None and not isinstance(name, str):
        name = str(name)
    try:
        return Task(name=name, **kw)
    except (TypeError, ValueError) as e:
        raise TasksetError("%s: %s" % (where, e)) from None


def _fields(entry, where):
    out = {}
    for key, v in entry.items():
        field = _COLUMNS.get(str(key).strip().lower())
        if field is None:
            raise TasksetError("%s: unknown key %r; expected %s" % (
                where, key, _EXPECTED))
        if field in out:
            raise TasksetError("%s: %s given twice" % (where, field))
        out[field] = v
    return out


def _entries(doc, path, kind):
    if isinstance(doc, dict):
        keys = [k for k in ("task", "tasks") if k in doc]
        if not keys:
            raise TasksetError("%s: no tasks: expected %s" % (
                path, "[[task]] tables" if kind == "toml" else
                'a list of task objects, or {"tasks": [...]}'))
        if len(keys) > 1:
            raise TasksetError("%s: both 'task' and 'tasks' given" % path)
        doc = doc[keys[0]]
    if not isinstance(doc, list):
        raise TasksetError("%s: the tasks must be a list, not %s" % (
            path, type(doc).__name__))
    return doc


def _load_toml(path, text):
    try:
        import tomllib
    except ImportError:                      # Python < 3.11
        try:
            import tomli as tomllib
        except ImportError:
            raise TasksetError("%s: reading TOML needs Python 3.11 or the "
                               "tomli package" % path) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise TasksetError("%s: invalid TOML: %s" % (path, e)) from None
    entries = _entries(doc, path, "toml")
    # where each [[task]] table starts, to name its line in errors
    lines = [i + 1 for i, ln in enumerate(text.splitlines())
             if ln.strip().replace(" ", "") in ("[[task]]", "[[tasks]]")]
    tasks = []
    for i, entry in enumerate(entries):
        where = "%s, task %d" % (path, i + 1)
        if len(lines) == len(entries):
            where = "%s, line %d (task %d)" % (path, lines[i], i + 1)
        if not isinstance(entry, dict):
            raise TasksetError("%s: a task must be a table, not %r" % (
                where, entry))
        tasks.append(_make_task(_fields(entry, where), where))
    return tasks


def _load_json(path, text):
    import json
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise TasksetError("%s, line %d, column %d: invalid JSON: %s" % (
            path, e.lineno, e.colno, e.msg)) from None
    tasks = []
    for i, entry in enumerate(_entries(doc, path, "json")):
        where = "%s, task %d" % (path, i + 1)
        if not isinstance(entry, dict):
            raise TasksetError("%s: a task must be an object like "
                               '{"C": 1, "T": 4}, not %r' % (where, entry))
        tasks.append(_make_task(_fields(entry, where), where))
    return tasks


def _load_csv(path, text):
    import csv
    reader = csv.reader(text.splitlines())
    header = None
    tasks = []
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row) or \
                row[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = []
            for c in row:
                field = _COLUMNS.get(c.strip().lower())
                if field is None:
                    raise TasksetError(
                        "%s, line %d: unknown column %r; the header names "
                        "the columns %s" % (path, line, c.strip(),
                                            _EXPECTED))
                if field in header:
                    raise TasksetError("%s, line %d: column %s appears "
                                       "twice" % (path, line, field))
                header.append(field)
            missing = [f for f in ("C", "T") if f not in header]
            if missing:
                raise TasksetError(
                    "%s, line %d: missing column%s %s in the header (a "
                    "first line like 'C,T,D,name')" % (
                        path, line, "s" if len(missing) > 1 else "",
                        " and ".join(missing)))
            continue
        where = "%s, line %d" % (path, line)
        if len(row) != len(header):
            raise TasksetError("%s: %d fields, but the header has %d (%s)"
                               % (where, len(row), len(header),
                                  ",".join(header)))
        values = {}
        for field, cell in zip(header, row):
            if field == "name":
                if cell.strip():
                    values["name"] = cell.strip()
            elif cell.strip():
                values[field] = _parse_number(cell, field, where)
            elif field in ("C", "T"):
                raise TasksetError("%s: %s is empty" % (where, field))
        tasks.append(_make_task(values, where))
    if header is None:
        raise TasksetError("%s: empty: expected a header line like "
                           "'C,T,D,name' and one line per task" % path)
    return tasks


_LOADERS = {"toml": _load_toml, "json": _load_json, "csv": _load_csv}


def load_taskset(path, fmt=None):
    """The tasks of a TOML (``[[task]]`` tables), JSON (a list of objects,
    or ``{"tasks": [...]}``) or CSV (a header line naming the columns)
    file, each task with C, T and optionally D, name, B, J; ``fmt``
    ("toml", "json", "csv") defaults to the file's extension. Tasks
    without a name are named t1, t2, ... in file order. Raises
    ``TasksetError`` naming the file and line, row or entry."""
    path = os.fspath(path)
    if fmt is None:
        fmt = os.path.splitext(path)[1].lower().lstrip(".")
        if fmt not in _LOADERS:
            raise TasksetError("%s: unknown file type %r; use a .toml, "
                               ".json or .csv file (or --format)" % (
                                   path, "." + fmt if fmt else ""))
    elif fmt not in _LOADERS:
        raise TasksetError("unknown format %r; use toml, json or csv"
                           % (fmt,))
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as e:
        raise TasksetError("%s: cannot read: %s" % (
            path, e.strerror or e)) from None
    except UnicodeDecodeError:
        raise TasksetError("%s: not a UTF-8 text file" % path) from None
    tasks = _LOADERS[fmt](path, text)
    if not tasks:
        raise TasksetError("%s: no tasks" % path)
    named = []
    for i, t in enumerate(tasks):
        if t.name is None:
            t = Task(t.C, t.T, t.D, "t%d" % (i + 1), t.B, t.J)
        named.append(t)
    seen = set()
    for t in named:
        if t.name in seen:
            raise TasksetError("%s: two tasks are named %r" % (path, t.name))
        seen.add(t.name)
    return named


# -- the report of `muos analyze` ---------------------------------------

ORDERS = {"rm": ("rate-monotonic", rate_monotonic),
          "dm": ("deadline-monotonic", deadline_monotonic),
          "given": ("as given", list)}


def _fmt(x):
    if x is None:
        return "-"
    if isinstance(x, int):
        return str(x)
    return ("%.6f" % x).rstrip("0").rstrip(".")


def report(tasks, order="dm", simulate=False, horizon=None):
    """The text of ``muos analyze`` for ``tasks`` and whether every task
    meets its deadline: (text, schedulable)."""
    if order not in ORDERS:
        raise ValueError("report: order must be one of %s, not %r" % (
            ", ".join(ORDERS), order))
    title, sort = ORDERS[order]
    tasks = sort(_tasks(tasks))
    n = len(tasks)
    rs = worst_responses(tasks)
    ok = [r is not None and _exact(r) <= _exact(t.D)
          for r, t in zip(rs, tasks)]
    sim = None
    if simulate:
        if horizon is None:
            horizon = default_horizon(tasks)
        stats = _simulate(tasks, horizon)
        sim = _measured(tasks, stats, horizon)
        worst = [stats.threads[name].max_response
                 for name in _names(tasks)]
    show_b = any(t.B for t in tasks)
    show_j = any(t.J for t in tasks)
    cols = ["prio", "task", "C", "T", "D"] + (["B"] if show_b else []) + (
        ["J"] if show_j else []) + ["U", "R"] + (
        ["sim R"] if simulate else []) + ["verdict"]
    rows = []
    for i, t in enumerate(tasks):
        row = [str(i + 1), t.name or "t%d" % (i + 1), _fmt(t.C), _fmt(t.T),
               _fmt(t.D)]
        if show_b:
            row.append(_fmt(t.B))
        if show_j:
            row.append(_fmt(t.J))
        row.append("%.3f" % t.U)
        r = rs[i]
        row.append("unbounded" if r is None else _fmt(r))
        if simulate:
            w = worst[i]
            row.append(("-" if w is None else _fmt(w)) + (
                "" if sim[i] is not None else " late"))
        row.append("ok" if ok[i] else "MISS (R > D)")
        rows.append(row)
    widths = [max(len(c), *(len(r[k]) for r in rows))
              for k, c in enumerate(cols)]
    lines = ["%d tasks, priorities %s (1 = most urgent)" % (n, title), ""]
    for row in [cols] + rows:
        cells = []
        for k, cell in enumerate(row):
            if cols[k] in ("task", "verdict"):
                cells.append(cell.ljust(widths[k]))
            else:
                cells.append(cell.rjust(widths[k]))
        lines.append("  ".join(cells).rstrip())
    u = utilization(tasks)
    lines.append("")
    lines.append("utilization U = %.4f; tests for rate-monotonic priorities,"
                 " sufficient only:" % u)
    if not _utilization_test_applies(tasks):
        why = "does not apply (it needs D >= T and no jitter)"
        ll = hb = why
    else:
        bound = liu_layland_bound(n)
        blocking = " with blocking" if show_b else ""
        if liu_layland_test(tasks):
            ll = "U <= %.4f%s: schedulable" % (bound, blocking)
        else:
            ll = "U%s > %.4f: not proven" % (blocking, bound)
        prod = _hyperbolic_product(tasks)
        if hyperbolic_test(tasks):
            hb = "prod(U_i + 1) = %.4f <= 2%s: schedulable" % (prod,
                                                            blocking)
        else:
            hb = "prod(U_i + 1) = %.4f%s > 2: not proven" % (prod, blocking)
    lines.append("  Liu & Layland, n(2^(1/n) - 1) for n = %d: %s" % (n, ll))
    lines.append("  hyperbolic bound: " + hb)
    if all(ok):
        lines.append("response-time analysis: every task meets its "
                     "deadline (R <= D)")
    else:
        late = [t.name for t, k in zip(tasks, ok) if not k]
        lines.append("response-time analysis: %s can miss %s deadline%s" % (
            ", ".join(late), "its" if len(late) == 1 else "their",
            "" if len(late) == 1 else "s"))
    if simulate:
        lines.append("simulation: %s ticks from a synchronous release "
                     "(muos threads on SimPort)" % _fmt(horizon))
        if show_b or show_j:
            lines.append("  (blocking B and jitter J are not simulated: "
                         "measured responses may be shorter)")
        same = [k for k in range(n)
                if (sim[k] is None) == (not ok[k]) and (
                    sim[k] is None or _exact(sim[k]) == _exact(rs[k]))]
        if len(same) == n:
            lines.append("  measured worst responses agree with the analysis")
        for k in range(n):
            if k not in same:
                lines.append("  %s: measured %s, analysis %s%s" % (
                    tasks[k].name, _fmt(worst[k]),
                    "unbounded" if rs[k] is None else _fmt(rs[k]),
                    "" if sim[k] is not None else " (a deadline was "
                    "missed)"))
        miss = first_miss(tasks, stats)
        if miss is not None:
            lines.append("  first deadline miss: %s, job %d (released at "
                         "%s), deadline %s, done at %s" % (
                             miss[0], miss[1], _fmt(miss[2]),
                             _fmt(miss[3]), _fmt(miss[4])))
    lines.append("")
    lines.append("verdict: %s" % ("SCHEDULABLE" if all(ok) else
                                  "NOT SCHEDULABLE"))
    return "\n".join(lines), all(ok)


def analyze_main(path, order="dm", simulate=False, horizon=None, fmt=None,
                 out=None, err=None):
    """``muos analyze``: print the report; returns the exit status: 0
    schedulable, 1 not schedulable, 2 bad input."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        tasks = load_taskset(path, fmt)
        if horizon is not None:
            _number(horizon, "--horizon")
            longest = max((t.D for t in tasks), key=_exact)
            if _exact(horizon) < _exact(longest):
                raise TasksetError("--horizon %s is shorter than the longest"
                                   " deadline %s" % (_fmt(horizon),
                                                     _fmt(longest)))
        text, ok = report(tasks, order, simulate, horizon)
    except (TasksetError, ValueError, TypeError) as e:
        print("muos analyze: %s" % e, file=err)
        return 2
    print("%s:" % path, file=out)
    print(text, file=out)
    return 0 if ok else 1
