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

One module per job; this package re-exports their names (the private
helpers too, as ``muos.analysis._exact`` and so on):

- ``model``: ``Task`` and the exact arithmetic on its parameters;
- ``orders``: ``rate_monotonic``, ``deadline_monotonic``;
- ``utilization``: ``utilization``, ``liu_layland_bound``,
  ``liu_layland_test``, ``hyperbolic_test``;
- ``rta``: ``response_times``, ``worst_responses``, ``busy_period``,
  ``hyperperiod``;
- ``blocking``: ``blocking_terms`` (priority inheritance and ceiling,
  from each task's critical sections ``cs``);
- ``edf``: ``edf_test`` (processor demand, QPA), ``partition``;
- ``generate``: ``uunifast``, ``random_taskset``;
- ``simulate``: ``simulate``, ``simulated_response_times``,
  ``default_horizon``, ``first_miss``, ``HORIZON_JOBS``;
- ``sweep``: ``sweep``, ``SweepResult``, ``plot_sweep``;
- ``files``: ``load_taskset``, ``TasksetError``;
- ``report``: ``report``, ``analyze_main``.

The functions ``utilization``, ``simulate``, ``sweep`` and ``report`` hide
the modules of the same name as attributes of this package: reach such a
module with ``from muos.analysis.simulate import ...`` or
``sys.modules``.
"""

from .model import Task
from .orders import deadline_monotonic, rate_monotonic
from .utilization import (hyperbolic_test, liu_layland_bound,
                          liu_layland_test, utilization)
from .rta import busy_period, hyperperiod, response_times, worst_responses
from .blocking import blocking_terms
from .edf import edf_test, partition
from .generate import random_taskset, uunifast
from .simulate import (HORIZON_JOBS, default_horizon, first_miss, simulate,
                       simulated_response_times)
from .sweep import SweepResult, plot_sweep, sweep, tests_for
from .files import TasksetError, load_taskset
from .report import analyze_main, report

# the rest of the single module this package was, reachable as before
from .model import (_FIELDS, _exact, _number, _result,  # noqa: F401
                    _scaled, _tasks)
from .utilization import (_hyperbolic_product,  # noqa: F401
                          _utilization_test_applies)
from .rta import _busy_period, _response, _unbounded  # noqa: F401
from .simulate import (_ONE_KERNEL, _measured, _names,  # noqa: F401
                       _plain, _simulate, _ticks)
from .sweep import TEST_TITLES, TESTS, _set_rng, _sweep_chunk  # noqa: F401
from .files import (_COLUMNS, _EXPECTED, _LOADERS, _entries,  # noqa: F401
                    _fields, _load_csv, _load_json, _load_toml, _make_task,
                    _parse_number)
from .report import ORDERS, _fmt  # noqa: F401

__all__ = [
    "Task", "utilization", "liu_layland_bound", "liu_layland_test",
    "hyperbolic_test", "response_times", "worst_responses", "busy_period",
    "blocking_terms", "edf_test", "partition",
    "hyperperiod", "rate_monotonic", "deadline_monotonic", "uunifast",
    "random_taskset", "simulate", "simulated_response_times", "first_miss",
    "default_horizon", "HORIZON_JOBS", "sweep", "SweepResult", "plot_sweep",
    "tests_for",
    "load_taskset", "TasksetError", "report", "analyze_main",
]
