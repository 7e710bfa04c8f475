"""The task model a program shows when it runs, and its analysis beside
what the run observed: ``muos analyze APP.py`` (issue 19).

A run's statistics know each periodic thread (``stats.periodics``: the
most CPU time one job took, its period, deadline, offset, base priority
and affinity, and the kernel's EDF mode and cores) and the most CPU
time each thread computed while holding each mutex or spinlock
(``stats.holds``, with the protocol: a spinlock's section is
non-preemptive). ``task_model`` turns them
into Tasks, most urgent first, with their critical sections and the
blocking terms the protocol gives; ``observed_report`` prints the model,
the response-time analysis (``report``) and, per task, the analysed worst
case next to the observed one, flagging a task observed close to or above
its bound.
"""

import textwrap
from fractions import Fraction

from .blocking import blocking_terms
from .model import Task, _exact
from .report import _fmt, report
from .rta import _with_b, worst_responses

__all__ = ["task_model", "observed_report", "to_toml", "CLOSE"]

CLOSE = Fraction(9, 10)   # observed >= 90 % of the bound: flagged


def _ticks(ns, tick_hz):
    t = Fraction(ns * tick_hz, 10 ** 9)
    return int(t) if t.denominator == 1 else float(t)


def task_model(stats):
    """(tasks, protocol, notes): the run's periodic threads as Tasks, most
    urgent first (base priority, then name), each with C its longest job,
    T, D, O and ``cs`` the longest CPU time it computed holding each mutex;
    B from the critical sections under the mutexes' protocol ("inherit",
    "ceiling", or "none": a section prolonged by every task of a priority
    between); ``notes`` say what the model leaves out."""
    hz = stats.tick_hz
    per = stats.periodics
    notes = []
    rows = []
    for name, (job_ns, period, deadline, offset, prio, aff, _, _) in \
            per.items():
        cs = {}
        for (tn, mn), (ns, p) in stats.holds.items():
            if tn == name and ns > 0 and p != "spin":
                cs[mn] = _ticks(ns, hz)
        c = _ticks(job_ns, hz)
        if not c:
            notes.append("%s: its jobs used no CPU time (not analysed)"
                         % name)
            continue
        rows.append((-prio, name, Task(
            c, _ticks(period, hz), _ticks(deadline, hz), name=name,
            O=_ticks(offset, hz), cs=cs or None,
            core=aff[0] if aff is not None and len(aff) == 1 else None),
            prio))
    rows.sort(key=lambda r: (r[0], r[1]))
    tasks = [r[2] for r in rows]
    prios = [r[3] for r in rows]
    for (tn, mn), (ns, _) in sorted(stats.holds.items()):
        if tn not in per and ns > 0:
            notes.append("%s holds %s (%s ticks) but is not periodic: its "
                         "blocking is not in the model" % (
                             tn, mn, _fmt(_ticks(ns, hz))))
    mutexes = set(mn for (_, mn) in stats.holds)
    spins = {}          # thread -> its longest non-preemptive section
    for (tn, _), (ns, p) in stats.holds.items():
        if p == "spin" and ns > spins.get(tn, 0):
            spins[tn] = ns
    for name in per:
        other = sorted(stats.name_of(w) for w in (
            stats.threads[name].waits or {}) if w not in ("sleep",)
            and stats.name_of(w) not in mutexes)
        if other:
            notes.append("%s waits for %s inside its jobs: a self-"
                         "suspension the model leaves out" % (
                             name, ", ".join(other)))
    # interrupt lines: every handler preempts every thread of its core,
    # so a line is a task more urgent than all of them, C its longest
    # handler run and T the shortest time seen between two of its starts
    # (a line that ran once: its interference is one run, T = the run)
    isrs = []
    for name in sorted(stats.isr_latency):
        s = stats.isr_latency[name]
        if not s.count or not s.run_ns:
            continue
        gap = s.gap_ns
        isrs.append(Task(_ticks(s.run_ns, hz), _ticks(
            gap if gap is not None else stats.elapsed_ns or s.run_ns, hz),
            name="irq " + name, core=s.core))
    if isrs:
        notes.append("interrupt lines are modelled as the most urgent "
                     "tasks of their core, each with the shortest time seen "
                     "between two handler starts as its period: %s" % (
                         ", ".join("%s (C %s, T %s)" % (
                             t.name, _fmt(t.C), _fmt(t.T)) for t in isrs)))
    protos = set(p for (_, (_, p)) in stats.holds.items() if p != "spin")
    if "none" in protos:
        protocol = "none"
        bs = _prolonged_blocking(tasks)
    elif protos == set(["protect"]):
        protocol = "ceiling"
        bs = blocking_terms(tasks, "ceiling")
    else:
        protocol = "inherit"
        bs = blocking_terms(tasks, "inherit")
    if spins:
        # a spinlock section (spinning, then holding) runs with its core
        # masked: no preemption, so a less urgent task's longest one on
        # the same core blocks a task once more (its own spinning is in
        # its C as observed, not as the worst case: noted)
        notes.append("spinlock sections (%s) count as non-preemptive "
                     "blocking; the time spent spinning is in C as "
                     "observed, not its worst case" % ", ".join(sorted(
                         set(mn for (_, mn), (_, p) in stats.holds.items()
                             if p == "spin"))))
        bs = [b + max([_ticks(spins.get(u.name, 0), hz)
                       for u in tasks[i + 1:]
                       if u.core == tasks[i].core] or [0])
              for i, b in enumerate(bs)]
    tasks = [_with_b(t, b) for t, b in zip(tasks, bs)]
    if isrs:
        # (cores: a line on core c interferes only with the threads pinned
        # to c; on one core, with all)
        tasks = isrs + tasks
        prios = ["irq"] * len(isrs) + prios
    return tasks, protocol, notes, prios


def _prolonged_blocking(tasks):
    """Blocking without a protocol: a less urgent task's section on a
    resource task i uses runs at that task's priority, so every task of a
    priority between them can preempt it: its length is the fixed point
    w = cs + sum(ceil(w / T_k) * C_k) over those tasks (the sum over the
    blocking sections, as PIP's per-task bound)."""
    users = {}
    for i, t in enumerate(tasks):
        for r in (t.cs or {}):
            users.setdefault(r, []).append(i)
    out = []
    for i in range(len(tasks)):
        total = Fraction(0)
        for j in range(i + 1, len(tasks)):
            longest = Fraction(0)
            for r, d in (tasks[j].cs or {}).items():
                if i not in users[r]:
                    continue    # (no inheritance: no push-through blocking)
                w = Fraction(_exact(d))
                mids = tasks[i + 1:j]
                while True:
                    nw = Fraction(_exact(d)) + sum(
                        (-(-w // Fraction(_exact(k.T)))) * Fraction(
                            _exact(k.C)) for k in mids)
                    if nw == w:
                        break
                    w = nw
                longest = max(longest, w)
            total += longest
        out.append(int(total) if total.denominator == 1 else float(total))
    return out


def _kernel_mode(stats):
    """(edf, cores) of the kernel the periodic threads ran on."""
    for m in stats.periodics.values():
        return bool(m[6]), m[7]
    return False, 1


def observed_report(stats, label="the run"):
    """(text, ok): the model of ``stats``, its analysis and the observed
    worst responses; ok when the analysis finds every deadline met and no
    observation above its bound. Fixed priorities on one core, or on
    each core of a partitioned system; EDF on one core by the processor
    demand test; global scheduling on several cores has no exact test
    here (the model is shown, not analysed)."""
    tasks, protocol, notes, prios = task_model(stats)
    if not tasks:
        return ("%s: no periodic thread ran a job (muos.periodic): "
                "nothing to analyse" % label), True
    edf, ncores = _kernel_mode(stats)
    hz = stats.tick_hz
    lines = ["task model observed in %s (%s ticks simulated):" % (
        label, _fmt(_ticks(stats.elapsed_ns, hz))), ""]
    cols = ["thread", "prio", "C", "T", "D", "O", "critical sections"]
    rows = []
    for t, p in zip(tasks, prios):
        rows.append([t.name, str(p), _fmt(t.C), _fmt(t.T), _fmt(t.D),
                     _fmt(t.O), ", ".join(
                         "%s %s" % (r, _fmt(d))
                         for r, d in sorted((t.cs or {}).items())) or "-"])
    lines += _table(cols, rows, ("thread", "critical sections"))
    lines.append("")
    lines.append("(C: the most CPU time one job took; critical sections: "
                 "the most CPU time")
    lines.append("computed holding each mutex; O is left out of the "
                 "analysis, which assumes")
    lines.append("every task released together: its worst case)")
    for n in notes:
        lines += textwrap.wrap("note: " + n, 76, subsequent_indent="  ")
    lines.append("")
    lines += {
        "inherit": ["blocking terms B from the critical sections under "
                    "priority inheritance", "(every mutex: Mutex.INHERIT)"],
        "ceiling": ["blocking terms B from the critical sections under "
                    "the priority ceiling", "(every mutex: Mutex.PROTECT)"],
        "none": ["blocking terms B from the critical sections with NO "
                 "protocol (a mutex is", "Mutex.NONE): a less urgent "
                 "task's section runs at its own priority, so",
                 "every task of a priority between them prolongs it"],
    }[protocol]
    if edf:
        return _edf_part(stats, tasks, lines, ncores)
    if ncores > 1:
        if any(t.core is None for t in tasks):
            lines.append("")
            lines.append("global scheduling on %d cores (threads free to "
                         "migrate): the uniprocessor" % ncores)
            lines.append("analysis does not bound it and no exact test is "
                         "applied here; pin each")
            lines.append("thread to one core (affinity) for a "
                         "partitioned analysis")
            return "\n".join(lines), True
        ok = True
        for c in sorted(set(t.core for t in tasks)):
            part = [t for t in tasks if t.core == c]
            lines.append("")
            lines.append("core %d (partitioned):" % c)
            ok = _fp_part(stats, part, lines, notes) and ok
        return "\n".join(lines), ok
    ok = _fp_part(stats, tasks, lines, notes)
    return "\n".join(lines), ok


def _edf_part(stats, tasks, lines, ncores):
    from .edf import edf_test
    lines.append("")
    if ncores > 1 or len(set(t.core for t in tasks)) > 1:
        lines.append("EDF on %d cores: no exact test applied here" % ncores)
        return "\n".join(lines), True
    ok = edf_test(tasks)
    lines.append("earliest deadline first (Kernel(edf=True)): the processor "
                 "demand test (QPA)")
    lines.append("says %s (blocking not included)" % (
        "every deadline is met" if ok else "a deadline can be missed"))
    lines.append("")
    lines.append("observed (ticks):")
    rows = []
    for t in tasks:
        if t.name not in stats.periodics:         # an interrupt line
            continue
        st = stats.threads[t.name]
        flag = ""
        if st.deadline_misses and ok:
            flag = "MISSED, though the test says none can"
            ok = False
        rows.append([t.name, _fmt(st.max_response), _fmt(t.D),
                     str(st.jobs), str(st.deadline_misses), flag])
    lines += _table(["thread", "worst observed", "D", "jobs", "misses",
                     ""], rows, ("thread", ""))
    return "\n".join(lines), ok


def _fp_part(stats, tasks, lines, notes=()):
    """The fixed-priority analysis of ``tasks`` (one core) and the
    observed worst responses beside it; True when every deadline is met
    and no observation is above its bound."""
    text, ok = report(tasks, order="given")
    lines += text.splitlines()
    lines.append("")
    rs = worst_responses(tasks)
    lines.append("analysis against observation (ticks):")
    cols = ["thread", "B", "R analysed", "worst observed", "jobs",
            "misses", ""]
    rows = []
    for t, r in zip(tasks, rs):
        if t.name not in stats.periodics:         # an interrupt line
            rows.append([t.name, _fmt(t.B), "unbounded" if r is None else
                         _fmt(r), "-", "-", "-", ""])
            continue
        st = stats.threads[t.name]
        seen = st.max_response
        flag = ""
        if seen is not None:
            if r is None or _exact(seen) > _exact(r):
                flag = "ABOVE THE BOUND" + (" (see the notes)" if notes
                                            else "")
                ok = False
            elif _exact(seen) == _exact(r):
                flag = "at the bound (the analysis is tight)"
            elif _exact(seen) >= CLOSE * _exact(r):
                flag = "close to the bound"
        rows.append([t.name, _fmt(t.B), "unbounded" if r is None else
                     _fmt(r), _fmt(seen), str(st.jobs),
                     str(st.deadline_misses), flag])
    lines += _table(cols, rows, ("thread", ""))
    return ok


def _table(cols, rows, left):
    widths = [max(len(c), *(len(r[k]) for r in rows))
              for k, c in enumerate(cols)]
    out = []
    for row in [cols] + rows:
        cells = []
        for k, cell in enumerate(row):
            if cols[k] in left:
                cells.append(cell.ljust(widths[k]))
            else:
                cells.append(cell.rjust(widths[k]))
        out.append("  " + "  ".join(cells).rstrip())
    return out


def to_toml(tasks, source):
    """The model as a TOML task set for ``muos analyze FILE --order
    given`` (most urgent first; B computed)."""
    out = ["# the task model muos analyze observed in %s" % source,
           "# (most urgent first: analyze it with --order given)", ""]
    for t in tasks:
        out.append("[[task]]")
        out.append("name = %s" % _toml_str(t.name))
        for f in ("C", "T", "D", "B"):
            v = getattr(t, f)
            out.append("%s = %s" % (f, _fmt(v)))
        if t.cs:
            out.append("# critical sections: %s" % ", ".join(
                "%s %s" % (r, _fmt(d)) for r, d in sorted(t.cs.items())))
        out.append("")
    return "\n".join(out)


def _toml_str(s):
    return '"%s"' % str(s).replace("\\", "\\\\").replace('"', '\\"')
