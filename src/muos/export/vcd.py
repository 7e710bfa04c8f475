"""A trace as a VCD waveform (GTKWave, Surfer, sigrok, ...).

Owns: ``write(trace, path)``. Needs ``pyvcd`` (the ``vcd`` extra:
``pip install muos[vcd]``). CPython only; imported lazily by
``Trace.to_vcd``.

Signals, timescale 1 ns (the kernel's own unit at tick rates that
divide a second, so every time is exact; 1 fs at others, units.py):

* ``muos.threads.<thread>``: ``state`` (a string: ``none`` before the
  thread exists, then ``ready``, ``running``, ``blocked:<object>``,
  ``sleeping``, ``suspended``, ``ended``), ``cpu`` (1 while it really
  executes: running, minus the time handlers take) and ``priority`` (its
  effective priority, an unsigned 8-bit reg).
* ``muos.irqs.<interrupt>``: ``active`` (1 from handler entry to return,
  nested time included), ``cpu`` (1 while the handler itself executes)
  and ``fired`` (an event at each entry, so that zero-cost handlers show).

* ``muos.cores.<core>`` (several cores only): ``thread`` (a string:
  what runs on the core, the thread's name, its idle thread's when idle,
  ``irq:<interrupt>`` while a handler runs there, ``none`` when nothing
  does) and ``busy`` (1 while anything but its idle thread runs there,
  so that its mean is ``Stats.cores[i].cpu_load``).

A VCD holds one value per signal per instant: a state that begins and
ends at the same instant (code that took no simulated time) keeps only
the last value. Names are reduced to letters, digits and ``_``; string
values have their blanks replaced by ``_``.

Threads are declared most urgent first (their first priority; the idle
threads last), and beside ``X.vcd`` a GTKWave save file ``X.gtkw`` shows
every signal in that order, each named after its thread or line
("bc_dist state", "bc_dist cpu", ...), in a group per thread, zoomed to
the whole run: ``gtkwave X.gtkw`` opens both.
"""

import re

from ..units import units_per_ns
from . import Timeline

__all__ = ["write", "signal_name", "gtkw_path"]


def gtkw_path(path):
    """Where the GTKWave save file of the VCD ``path`` goes."""
    base = str(path)
    if base.endswith(".vcd"):
        base = base[:-4]
    return base + ".gtkw"


def _by_urgency(tl):
    """The timeline's threads, most urgent first (the priority each had
    first), the idle threads last, ties in order of appearance."""
    idle = set(tl.idle_threads)

    def key(item):
        i, name = item
        pr = tl.priority.get(name) or [(0, 0)]
        return (name in idle, -pr[0][1], i)
    return [n for _, n in sorted(enumerate(tl.threads), key=key)]


def signal_name(name, taken):
    """``name`` as a VCD scope name, unique within ``taken``."""
    s = re.sub(r"[^A-Za-z0-9_]", "_", str(name)) or "_"
    base = s
    n = 1
    while s in taken:
        n += 1
        s = "%s_%d" % (base, n)
    taken.add(s)
    return s


def _value(name):
    """``name`` as a VCD string value: no blanks."""
    return re.sub(r"\s", "_", str(name))


def write(trace, path):
    """Write the trace's waveform to ``path``; returns ``path``."""
    try:
        from vcd import VCDWriter
    except ImportError as e:
        raise ImportError("Trace.to_vcd needs pyvcd: pip install "
                          "'muos[vcd]' (or pip install pyvcd)") from e
    from .. import __version__
    tl = Timeline(trace)
    changes = []             # (t, var, value) in the order they happen
    n = units_per_ns(tl.tick_hz)
    if n == 1:               # kernel time units are nanoseconds
        scale, to_vcd = "1 ns", None
    else:                    # fractions of a ns (1024 Hz: 1/2 ns)
        scale = "1 fs"

        def to_vcd(t):
            return t * 1000000 // n
    with open(path, "w", encoding="utf-8") as f:
        w = VCDWriter(f, timescale=scale, date="",
                      version="muos %s" % __version__)
        taken = set()
        shown = []         # (group, [(signal path, alias, datafmt)])
        for name in _by_urgency(tl):
            sname = signal_name(name, taken)
            scope = ("muos", "threads", sname)
            base = "muos.threads.%s." % sname
            shown.append(("%s (%s)" % (name, (tl.priority.get(name) or
                                              [(0, 0)])[0][1]),
                          [(base + "state", "%s state" % name, "ascii"),
                           (base + "cpu", "%s cpu" % name, "bin"),
                           (base + "priority[7:0]", "%s priority" % name,
                            "dec")]))
            state = w.register_var(scope, "state", "string", init="none")
            cpu = w.register_var(scope, "cpu", "wire", size=1, init=0)
            # an 8-bit reg (unsigned): GTKWave shows an 8-bit
            # "integer" as signed, 160 as -96 (issue 15 #3)
            prio = w.register_var(scope, "priority", "reg", size=8,
                                  init=0)
            for t, st, obj in tl.states[name]:
                if st == "blocked":
                    st = "blocked:%s" % _value(obj)
                changes.append((t, state, st))
            for t0, t1 in tl.running[name]:
                changes.append((t0, cpu, 1))
                changes.append((t1, cpu, 0))
            for t, p in tl.priority[name]:
                changes.append((t, prio, p))
        taken = set()
        for name in tl.irqs:
            sname = signal_name(name, taken)
            scope = ("muos", "irqs", sname)
            base = "muos.irqs.%s." % sname
            shown.append(("irq %s" % name,
                          [(base + "active", "irq %s active" % name, "bin"),
                           (base + "cpu", "irq %s cpu" % name, "bin")]))
            active = w.register_var(scope, "active", "wire", size=1,
                                    init=0)
            cpu = w.register_var(scope, "cpu", "wire", size=1, init=0)
            fired = w.register_var(scope, "fired", "event")
            for t0, t1 in tl.active[name]:
                changes.append((t0, active, 1))
                changes.append((t0, fired, True))
                changes.append((t1, active, 0))
            for t0, t1 in tl.handling[name]:
                changes.append((t0, cpu, 1))
                changes.append((t1, cpu, 0))
        idle = set(tl.idle_threads)
        for core in tl.cores:
            sname = signal_name(core, set())
            scope = ("muos", "cores", sname)
            base = "muos.cores.%s." % sname
            shown.append(("core %s" % core,
                          [(base + "thread", "core %s thread" % core,
                            "ascii"),
                           (base + "busy", "core %s busy" % core, "bin")]))
            what = w.register_var(scope, "thread", "string", init="none")
            busy = w.register_var(scope, "busy", "wire", size=1, init=0)
            for t0, t1, kind, name in tl.on_core[core]:
                changes.append((t0, what, _value(
                    "irq:%s" % name if kind == "irq" else name)))
                changes.append((t1, what, "none"))
                if kind == "irq" or name not in idle:
                    changes.append((t0, busy, 1))
                    changes.append((t1, busy, 0))
        # one value per signal per instant: the last one; sorted is
        # stable, so changes at one instant keep the order they happened
        changes.sort(key=lambda c: c[0])
        final = {}
        for i, (t, var, _) in enumerate(changes):
            final[(t, id(var))] = i
        current = {}
        for i, (t, var, v) in enumerate(changes):
            if final[(t, id(var))] != i:
                continue
            if var.type.value != "event" and current.get(id(var)) == v:
                continue
            current[id(var)] = v
            w.change(var, t if to_vcd is None else to_vcd(t), v)
        end = tl.end_ns if to_vcd is None else to_vcd(tl.end_ns)
        w.close(end)
    _write_gtkw(path, shown, end)
    return path


def _write_gtkw(path, shown, end):
    """The GTKWave save file beside the VCD: the signals in ``shown``
    (groups of (path, alias, format)), zoomed to show 0..``end``."""
    import math

    from vcd.gtkw import GTKWSave
    with open(gtkw_path(path), "w", encoding="utf-8") as f:
        g = GTKWSave(f)
        g.comment("muos: open with gtkwave %s" % gtkw_path(path))
        g.dumpfile(str(path))             # (absolute: opens from anywhere)
        g.size(1600, 900)
        g.signals_width(260)
        # GTKWave 3.3 at this window size shows about 5.2 * 2**-z time
        # units at zoom z (measured: its "zoom best fit" of a 1001 ms
        # run is -27.53): the whole run, with a margin
        g.zoom_markers(-math.log2(max(end, 1) / 5.0))
        g.treeopen("muos")
        for group, sigs in shown:
            with g.group(group):
                for sig, alias, fmt in sigs:
                    g.trace(sig, alias=alias, datafmt=fmt)
