"""The schedulability experiment: acceptance ratios of the tests over random
task sets, and their plot. Apart because it alone fans out to executors
(process pools, Dask): its chunk function stays a top-level function of
this module so that they can ship it by module path; rich and matplotlib
are imported only when asked for.
"""

import random

from .edf import edf_test
from .generate import random_taskset
from .model import _exact
from .rta import response_times
from .simulate import simulated_response_times
from .utilization import hyperbolic_test, liu_layland_bound, liu_layland_test


TESTS = ("rta", "edf", "liu_layland", "hyperbolic", "simulation")
TEST_TITLES = {"rta": "response-time analysis (RM)",
               "edf": "EDF (processor demand)", "liu_layland":
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
        acc["edf"] += edf_test(tasks)
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
    response-time analysis (rate-monotonic order), the EDF test, the Liu
    & Layland and hyperbolic bounds and (``simulate=True``) the
    simulation. Returns a ``SweepResult``.

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
    styles = {"rta": "o-", "edf": "D-", "liu_layland": "s--",
              "hyperbolic": "^--", "simulation": "x:"}
    ratios = result.ratios()
    for x in result.tests:
        ax.plot(result.utilizations, ratios[x], styles[x],
                label=TEST_TITLES[x])
    ax.axvline(liu_layland_bound(result.n), color="grey", lw=0.8,
               label="n(2^(1/n) - 1), n = %d" % result.n)
    ax.set_xlabel("total utilization")
    ax.set_ylabel("acceptance ratio")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title or "RM and EDF, %d tasks, %d sets per point" % (
        result.n, result.sets))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    return path
