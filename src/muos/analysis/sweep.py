"""The schedulability experiment: acceptance ratios of the tests over random
task sets, and their plot. Apart because it alone fans out to executors
(process pools, Dask): its chunk function stays a top-level function of
this module so that they can ship it by module path; rich and matplotlib
are imported only when asked for.
"""

import random

from .blocking import blocking_terms
from .edf import edf_test, partition
from .generate import random_taskset
from .model import Task, _exact
from .orders import deadline_monotonic
from .rta import _with_b, response_times
from .simulate import simulated_response_times
from .utilization import hyperbolic_test, liu_layland_bound, liu_layland_test


TESTS = ("rta", "dm", "edf", "liu_layland", "hyperbolic", "simulation",
         "rta_pip", "rta_pcp", "partitioned_rm", "partitioned_edf")
TEST_TITLES = {"rta": "response-time analysis (RM)",
               "dm": "response-time analysis (DM)",
               "edf": "EDF (processor demand)", "liu_layland":
               "Liu & Layland bound", "hyperbolic": "hyperbolic bound",
               "simulation": "simulation",
               "rta_pip": "RM with priority inheritance",
               "rta_pcp": "RM with the priority ceiling",
               "partitioned_rm": "partitioned RM (first fit)",
               "partitioned_edf": "partitioned EDF (first fit)"}


def tests_for(cores=1, resources=0, simulate=True):
    """The tests a sweep runs: on one core RM, DM and EDF, the two
    utilization bounds and the simulation (``simulate``), and with
    ``resources`` RM's response times with the blocking terms of priority
    inheritance and of the priority ceiling; on several cores partitioned
    RM and EDF (first fit by decreasing utilization)."""
    if cores > 1:
        return ("partitioned_rm", "partitioned_edf")
    out = ["rta", "dm", "edf", "liu_layland", "hyperbolic"]
    if simulate:
        out.append("simulation")
    if resources:
        out += ["rta_pip", "rta_pcp"]
    return tuple(out)


def _shape(tasks, rng, deadlines, resources, cs, digits):
    """Constrained deadlines D = C + (T - C) * uniform(a, b), and one
    critical section per task on one of ``resources`` resources, of
    uniform(cs) times its C (both rounded to ``digits``)."""
    out = []
    for t in tasks:
        d = t.D
        if deadlines is not None:
            a, b = deadlines
            d = round(t.C + (t.T - t.C) * rng.uniform(a, b), digits)
            d = min(max(d, t.C), t.T)
        sec = None
        if resources:
            r = "r%d" % rng.randrange(resources)
            sec = {r: max(round(t.C * rng.uniform(*cs), digits),
                          10.0 ** -digits)}
            sec[r] = min(sec[r], t.C)
        out.append(Task(t.C, t.T, d, name=t.name, cs=sec))
    return out


def _set_rng(seed, n, u, k):
    # a str seed is hashed with SHA-512: the same set on every process
    return random.Random("muos.sweep:%r:%d:%r:%d" % (seed, n, u, k))


def _sweep_chunk(n, u, seed, first, count, periods, digits, sim,
                 shape=(None, 1, 0, (0.05, 0.25))):
    """Accepted counts of sets first..first+count-1 at utilization u (a
    top-level function, so that any executor can ship it). ``shape``:
    (deadlines, cores, resources, cs) as ``sweep`` takes them."""
    deadlines, cores, resources, cs = shape
    acc = dict.fromkeys(TESTS, 0)
    acc["disagree"] = 0
    for k in range(first, first + count):
        rng = _set_rng(seed, n, u, k)
        tasks = random_taskset(n, u, rng, periods, digits)
        if deadlines is not None or resources:
            tasks = _shape(tasks, rng, deadlines, resources, cs, digits)
        if cores > 1:
            acc["partitioned_rm"] += partition(tasks, cores) is not None
            acc["partitioned_edf"] += partition(tasks, cores,
                                                test="edf") is not None
            continue
        ok = None not in response_times(tasks)
        acc["rta"] += ok
        acc["dm"] += None not in response_times(deadline_monotonic(tasks))
        acc["edf"] += edf_test(tasks)
        acc["liu_layland"] += liu_layland_test(tasks)
        acc["hyperbolic"] += hyperbolic_test(tasks)
        if resources:
            for x, proto in (("rta_pip", "inherit"), ("rta_pcp", "ceiling")):
                acc[x] += None not in response_times(
                    [_with_b(t, b) for t, b in
                     zip(tasks, blocking_terms(tasks, proto))])
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
                 disagreements, simulated, cores=1, resources=0,
                 deadlines=None):
        self.utilizations = list(utilizations)
        self.n = n
        self.sets = sets
        self.seed = seed
        self.accepted = accepted
        self.disagreements = disagreements
        self.simulated = simulated
        self.cores = cores
        self.resources = resources
        self.deadlines = deadlines

    @property
    def tests(self):
        return list(tests_for(self.cores, self.resources, self.simulated))

    def ratios(self, test=None):
        """{test: [accepted / sets per utilization]}, or one test's
        list."""
        out = {x: [a / self.sets for a in self.accepted[x]]
               for x in self.tests}
        return out if test is None else out[test]

    def to_dict(self):
        return {"utilizations": self.utilizations, "n": self.n,
                "sets": self.sets, "seed": self.seed, "cores": self.cores,
                "resources": self.resources, "deadlines": self.deadlines,
                "accepted": {x: self.accepted[x] for x in self.tests},
                "disagreements": self.disagreements}

    def __str__(self):
        tests = self.tests
        lines = ["schedulability of %d random sets of %d tasks per "
                 "utilization (seed %r), acceptance ratio:" % (
                     self.sets, self.n, self.seed),
                 "%6s" % "U" + "".join("%17s" % x for x in tests)]
        r = self.ratios()
        for i, u in enumerate(self.utilizations):
            lines.append("%6.3f" % u + "".join(
                "%17.3f" % r[x][i] for x in tests))
        return "\n".join(lines)

    def __repr__(self):
        return "<SweepResult n=%d sets=%d levels=%d>" % (
            self.n, self.sets, len(self.utilizations))


def sweep(utilizations=None, n=5, sets=100, *, seed=0, periods=(10, 1000),
          executor=None, chunk=25, progress=False, simulate=True,
          digits=3, deadlines=None, cores=1, resources=0,
          cs=(0.05, 0.25)):
    """A schedulability experiment: for each total utilization, ``sets``
    random sets of ``n`` tasks (``random_taskset``: UUniFast,
    log-uniform periods, seeded per set so that the result does not
    depend on the executor or the chunking), and the ratio accepted by
    response-time analysis (rate-monotonic order), the EDF test, the Liu
    & Layland and hyperbolic bounds and (``simulate=True``) the
    simulation. Returns a ``SweepResult``.

    Chunks of ``chunk`` sets run on ``executor``, any
    ``concurrent.futures.Executor``: by default a new
    ProcessPoolExecutor, else e.g. a ``ThreadPoolExecutor`` or a Dask
    ``distributed.Client(...).get_executor()`` (the ``dask`` extra).
    ``progress=True`` shows a bar (needs the ``progress`` extra, rich).

    The other dimensions: ``deadlines=(a, b)`` draws constrained
    deadlines D = C + (T - C) * uniform(a, b) (RM and DM then differ;
    None: D = T); ``resources=R`` gives each task one critical section
    on one of R shared resources, of ``cs`` (a range) times its C, and
    adds RM with the blocking terms of priority inheritance and of the
    priority ceiling; ``cores=N`` counts the sets that partitioned RM
    and EDF place on N cores (first fit by decreasing utilization; the
    utilizations are then totals over the cores). ``tests_for`` says
    which tests run."""
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
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        raise ValueError("sweep: cores must be a positive int, not %r"
                         % (cores,))
    if isinstance(resources, bool) or not isinstance(resources, int) \
            or resources < 0:
        raise ValueError("sweep: resources must be an int >= 0, not %r"
                         % (resources,))
    if deadlines is not None:
        a, b = deadlines
        if not 0 <= a <= b <= 1:
            raise ValueError("sweep: deadlines must be (a, b) with 0 <= a "
                             "<= b <= 1, not %r" % (deadlines,))
        deadlines = (float(a), float(b))
    lo, hi = cs
    if not 0 < lo <= hi <= 1:
        raise ValueError("sweep: cs must be (lo, hi) with 0 < lo <= hi "
                         "<= 1, not %r" % (cs,))
    if cores > 1:
        simulate = False        # (the simulation checks one core's RTA)
    shape = (deadlines, cores, resources, (float(lo), float(hi)))
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
                                    tuple(periods), digits, simulate, shape)
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
    return SweepResult(utilizations, n, sets, seed, acc, dis, simulate,
                       cores, resources, deadlines)


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
    styles = {"rta": "o-", "dm": "v-", "edf": "D-", "liu_layland": "s--",
              "hyperbolic": "^--", "simulation": "x:", "rta_pip": "<-.",
              "rta_pcp": ">-.", "partitioned_rm": "o-",
              "partitioned_edf": "D-"}
    ratios = result.ratios()
    for x in result.tests:
        ax.plot(result.utilizations, ratios[x], styles[x],
                label=TEST_TITLES[x])
    if result.cores == 1:
        ax.axvline(liu_layland_bound(result.n), color="grey", lw=0.8,
                   label="n(2^(1/n) - 1), n = %d" % result.n)
    ax.set_xlabel("total utilization")
    ax.set_ylabel("acceptance ratio")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title or "%s, %d tasks, %d sets per point" % (
        "RM, DM and EDF" if result.cores == 1 else
        "partitioned on %d cores" % result.cores, result.n, result.sets))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    return path
