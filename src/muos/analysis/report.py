"""The report of ``muos analyze``: the table of a task set, the verdicts of
the tests and, on request, of the simulation, as text and an exit status.
The one module that uses all the others, for the command line.
"""

import sys

from .files import TasksetError, load_taskset
from .model import _exact, _number, _tasks
from .orders import deadline_monotonic, rate_monotonic
from .rta import worst_responses
from .simulate import (_measured, _names, _simulate, default_horizon,
                       first_miss)
from .utilization import (_hyperbolic_product, _utilization_test_applies,
                          hyperbolic_test, liu_layland_bound,
                          liu_layland_test, utilization)


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
