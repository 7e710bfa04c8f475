"""Task sets run as muos threads on a kernel of their own: the measurement
the analysis is checked against. The one module here that runs a kernel,
so it owns the horizon (how long a run must be to decide a set) and the
lock that keeps muos's one kernel per process when thread pools or Dask
workers call it.
"""

import math
import threading
from fractions import Fraction

import muos

from .model import Task, _exact, _number, _result, _tasks
from .rta import busy_period, hyperperiod


# the default simulation horizon is the hyperperiod, unless it holds more
# jobs than this (about a second of simulation)
HORIZON_JOBS = 100000

_ONE_KERNEL = threading.RLock()


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


_PROTOCOLS = {"inherit": "inherit", "ceiling": "protect", "none": "none"}


def simulate(tasks, horizon=None, *, protocol="inherit", edf=False,
             cores=1, seed=0):
    """Run the tasks as muos threads on a new kernel (SimPort, no
    overheads) and return its ``muos.Stats``: each task is a thread
    ``async for _ in muos.periodic(T, deadline=D, offset=O, start=0):
    await muos.busy(C)``, priorities in list order (most urgent first:
    254, 253, ...), named by ``Task.name`` or "t1", "t2", ... by
    position.

    A task's critical sections (``cs``) run after its other work, one
    after the other, each holding a real muos ``Mutex`` of that resource
    under ``protocol`` ("inherit", "ceiling": a PROTECT mutex at the
    priority of its most urgent user, or "none"). Release jitter: each
    job starts a delay drawn in [0, J] after its release (the port's
    generator, seeded by ``seed``); its response still counts from the
    release. A given ``B`` is not modelled (it comes from ``cs``).
    ``edf=True``: every task at one priority, ordered by its jobs'
    deadlines. ``cores=N``: global scheduling, or partitioned where a task
    has ``core``.

    The run ends exactly at ``horizon`` (default: ``default_horizon``); a
    job that ends at the horizon is counted. Thread-safe: muos runs one
    kernel at a time per process, so concurrent calls from several
    threads take turns."""
    tasks = _tasks(tasks)
    names = _names(tasks)
    if protocol not in _PROTOCOLS:
        raise ValueError("simulate: protocol must be 'inherit', 'ceiling' "
                         "or 'none', not %r" % (protocol,))
    for i, t in enumerate(tasks):
        if t.cs and sum(_exact(d) for d in t.cs.values()) > _exact(t.C):
            raise ValueError("simulate: task %r's critical sections add up "
                             "to more than its C = %r" % (names[i], t.C))
    if len(tasks) > muos.Priority.HIGHEST:
        raise ValueError("simulate: at most %d tasks, not %d" % (
            muos.Priority.HIGHEST, len(tasks)))
    if horizon is None:
        horizon = default_horizon(tasks)
    _number(horizon, "simulate: horizon")
    if horizon < 0:
        raise ValueError("simulate: horizon must not be negative, not %r"
                         % (horizon,))

    port = muos.SimPort(seed=seed)
    rng = port.random
    mutexes = {}
    p = _PROTOCOLS[protocol]
    if p == "protect" and edf:
        p = "inherit"        # (one priority: a ceiling would be it anyway)
    for i, t in enumerate(tasks):
        for r in (t.cs or {}):
            if r not in mutexes:   # the ceiling: its most urgent user's
                mutexes[r] = muos.Mutex(
                    r, protocol=p, ceiling=muos.Priority.HIGHEST - i
                    if p == "protect" else None)

    async def task(t):
        cs = [(mutexes[r], _ticks(t.cs[r])) for r in sorted(t.cs or {})]
        plain = _exact(t.C) - sum((_exact(d) for d in (t.cs or {}).values()),
                                  Fraction(0))
        async for job in muos.periodic(_ticks(t.T), deadline=_ticks(t.D),
                                       offset=_ticks(t.O), start=0):
            if t.J:
                delay = (rng.randint(0, t.J) if isinstance(t.J, int)
                         else rng.uniform(0, float(t.J)))
                await muos.sleep_until(job.release + delay)
            # the critical sections, then the rest: the job's completion
            # is the end of its last work. 'async with' between sections
            # (its exit is a preemption point: a waiter handed the mutex
            # runs before this job locks the next one, as inheritance's
            # bound assumes); the last section, when nothing follows it,
            # unlocks without one (a job released at the very instant
            # the work ends would otherwise run before it completes)
            last = len(cs) - 1
            for i, (m, d) in enumerate(cs):
                if i == last and not plain:
                    await m.lock()
                    await muos.busy(d)
                    m.unlock()
                else:
                    async with m:
                        await muos.busy(d)
            if plain:
                await muos.busy(_ticks(_plain(plain)))

    k = muos.Kernel(port, edf=edf, cores=cores, time_slice=None if edf
                    else 1)
    for i, t in enumerate(tasks):
        th = k.spawn(task, t, name=names[i],
                     priority=muos.Priority.NORMAL if edf
                     else muos.Priority.HIGHEST - i,
                     affinity=t.core if cores > 1 else None)
        if edf:
            th.set_deadline(_ticks(t.O + t.D))
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
