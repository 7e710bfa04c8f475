"""The text report of the statistics: ``str(stats)``.

Owns: ``text(stats)`` (the tables: threads, response-time histograms,
blocked time per object, priority inversion, interrupts, masking, power)
and its number formats. Imports ``units``. ``Stats.__str__`` calls it;
the HTML page (``muos.export.html``) shows it as text too, and formats
its own tables' numbers with ``_opt``. Loaded by the first
``str(stats)``.
"""

from .units import ns_to_ticks

__all__ = ("text",)


def text(stats):
    """The tables: threads, cores and migrations (several cores),
    response-time histograms, blocked time per object, priority
    inversion, interrupts, masking, power."""
    lines = [
        "elapsed %s ticks, cpu load %.1f%%, %d context switches" % (
            stats.elapsed, 100.0 * stats.cpu_load, stats.context_switches),
        "%-16s %9s %8s %5s %8s %8s %8s %6s %9s %9s" % (
            "thread", "cpu", "switches", "jobs", "min resp",
            "mean resp", "max resp", "misses", "blocked", "inversion"),
    ]
    for st in stats.threads.values():
        mn = st.min_response
        mx = st.max_response
        mean = st.mean_response
        inv = st.inversion_time
        lines.append("%-16s %9s %8d %5d %8s %8s %8s %6d %9s %9s" % (
            st.name, _fmt(st.cpu_time), st.switches, st.jobs,
            _opt(mn), _opt(mean), _opt(mx), st.deadline_misses,
            _fmt(st.blocked_time), _fmt(inv) if inv else "-"))
    if stats.ncores > 1:
        lines.append("cores: %s" % ", ".join(
            "core%d load %.1f%%" % (c.index, 100.0 * c.cpu_load)
            for c in stats.cores))
        moved = [(st.name, st.migrations) for st in stats.threads.values()
                 if st.migrations]
        lines.append("migrations: %s" % (", ".join(
            "%s %d" % m for m in moved) if moved else "none"))
    hist = [st for st in stats.threads.values() if st.jobs > 1]
    if hist:
        lines.append("response-time histograms (ticks: low..high "
                     "count):")
        for st in hist:
            lines.append("  %-14s %s" % (st.name, "  ".join(
                "%s..%s:%d" % (_fmt(a), _fmt(b), c)
                for a, b, c in st.histogram(5))))
    blocked = stats.blocked
    if blocked:
        lines.append("blocked time per object (ticks, total and per "
                     "thread):")
        for name in blocked:
            per = stats.blocked_by(name)
            lines.append("  %-14s %9s  %s" % (
                name, _fmt(blocked[name]), ", ".join(
                    "%s %s" % (t, _fmt(per[t])) for t in per)))
    inv = stats.inversion_by_object
    if inv:
        win = stats._inversion_windows()     # kernel time units
        lines.append("priority inversion: %s ticks in %d windows "
                     "(waiter blocked on a mutex whose owner ran "
                     "below it)" % (_fmt(stats.inversion_time),
                                    len(win)))
        hz = stats.tick_hz
        for a, b, w, m, o in win:
            lines.append("  %s..%s  %s waits on %s held by %s" % (
                _fmt(ns_to_ticks(a, hz)), _fmt(ns_to_ticks(b, hz)),
                w, m, o))
    if stats.isr_latency:
        lines.append("%-16s %6s %6s %8s %8s %8s %9s" % (
            "interrupt", "count", "missed", "min lat", "mean lat",
            "max lat", "cpu"))
        for name in stats.isr_latency:
            s = stats.isr_latency[name]
            lines.append("%-16s %6d %6d %8s %8s %8s %9s" % (
                name, s.count, s.missed, _opt(s.min), _opt(s.mean),
                _opt(s.max), _fmt(s.cpu_time)))
    if stats.masked_ns:
        lines.append("longest interrupts-masked section: %s ticks%s" % (
            _fmt(stats.longest_masked), "" if stats.masked_by is None
            else " (thread %s)" % stats.masked_by))
    if stats.power is not None:
        ps = stats.power_states
        lines.append("power: run %s, sleep %s, deep sleep %s ticks; "
                     "energy %.6g mJ" % (
                         _fmt(ps["run"]), _fmt(ps["sleep"]),
                         _fmt(ps["deep_sleep"]), stats.energy))
    return "\n".join(lines)


def _opt(x):
    return "-" if x is None else _fmt(x)


def _fmt(x):
    if isinstance(x, int):
        return str(x)
    s = "%.3f" % x
    return s.rstrip("0").rstrip(".") if "." in s else s
