"""How time passes on one CPU: computing, the kernel's own work, idling.

Owns: ``advance`` (a thread's ``busy()`` work runs until it ends, the
next event, the end of its round-robin slice or the next tick),
``spend_overhead`` (the kernel's switch and tick costs), ``slice_end``,
and ``idle_sleep`` (what the idle thread does when nothing is ready:
sleep the CPU until the next event, in deep sleep when that is at least
``deep_sleep_after`` ticks away, paying ``wakeup`` ticks of CPU to come
back, as a µOS++ idle thread with a low-power RTC does). Imports
``units``. The kernel's loop (one core; smp.py has its own) calls them;
the energy figures are computed by ``Stats`` from the time spent in
each state, drawn as a ``PowerModel`` (powermodel.py) says.
"""

from .units import ticks_to_ns

__all__ = ("idle_sleep", "advance", "spend_overhead", "slice_end")


def advance(k, cur, until_ns):
    """Let time pass while ``cur`` computes; False when its work ended
    (it steps at this same instant), else True."""
    now = k._now
    nt = k._tq.next_time()
    target = now + cur._work
    if nt is not None and nt < target:
        target = nt
    # another thread of its key is ready (round-robin): written out
    # for a thread without a deadline (has_equal is a call)
    h = k._ready._heads[cur.priority]   # (None: never joined)
    same = (h is not None and h._rnext is not h if cur._dl is None
            else k._ready.has_equal(cur.priority, cur._dl))
    if (same and k.preemptive
            and k.time_slice is not None
            and k._lock == 0 and not k._irqs.mask):
        se = slice_end(k)
        if se <= now:
            se = now   # slice already over: rotate at this instant
        if target is None or se < target:
            target = se
    tc = k._tick_cost
    if tc:
        # the tick interrupt steals tc at every boundary while computing
        tick = k._tick
        nb = (now // tick + 1) * tick
        if nb < target:
            target = nb
    if until_ns is not None and target > until_ns:
        target = until_ns
    new = k.port.advance(target, True)
    dt = new - now
    k._now = new
    cur.cpu_ns += dt
    if tc and new % tick == 0 and dt > 0:
        k._overhead += tc
    cur._work -= dt
    if cur._work <= 0:
        cur._work = 0
        return False
    return True


def spend_overhead(k, now, until_ns):
    """Time passes on the kernel's own work (switch and tick costs),
    which only interrupts preempt."""
    target = now + k._overhead
    nt = k._tq.next_time()
    if nt is not None and nt < target:
        target = nt
    if until_ns is not None and target > until_ns:
        target = until_ns
    k._now = k.port.advance(target, True)
    k._overhead -= k._now - now
    if k._overhead < 0:
        k._overhead = 0


def slice_end(k):
    """When the current thread's round-robin slice ends: ``time_slice``
    tick boundaries after it was switched in (a thread switched in again
    starts a fresh slice)."""
    tick = k._tick
    return (k._slice_from // tick + k.time_slice) * tick


def idle_sleep(k, until_ns):
    """Sleep the CPU from now until the next event or ``until_ns``; False
    when nothing lies ahead (nothing can run). A port that can receive
    external interrupts (``port.external``: an OS thread, a file, a
    signal, a pin) sleeps until woken instead, as does a real port
    (``port.waits``) in ``run(forever=True)``. The kernel's loop calls
    it when it picks its idle thread asleep (few locals: a MicroPython
    frame of more than 11 words is allocated on the heap at each call)."""
    tq = k._tq
    nt = tq._heap[0] if tq._heap else None
    if nt is None or tq._buckets[nt][1] is None:
        nt = tq.next_time()       # (its common case is the line above)
        if nt is None:
            if not (getattr(k.port, "external", False)
                    or (k._forever and getattr(k.port, "waits", False))):
                return False
            nt = until_ns         # None: advance(None) returns when woken
    if k.stats.power is not None:
        return _modelled_sleep(k, nt, until_ns, k.stats.power)
    now = k._now
    new = k.port.advance(nt if until_ns is None or nt <= until_ns
                         else until_ns, False)
    k._now = new
    k.idle.cpu_ns += new - now
    k.stats._idle += new - now     # (Stats.on_idle, not deep: a call
    return True                    # costs a board more than the line)


def _modelled_sleep(k, nt, until_ns, pm):
    # idle_sleep with a PowerModel: deep sleep when the next event is
    # far enough, and the wake-up's cost
    now = k._now
    target = nt if until_ns is None or nt <= until_ns else until_ns
    deep = (pm.deep_sleep is not None
            and (nt is None or nt - now
                 >= ticks_to_ns(pm.deep_sleep_after, k.tick_hz)))
    tr = k._trace
    if tr is not None:
        tr.on_power(k, "deep_sleep" if deep else "sleep")
    new = k.port.advance(target, False)
    dt = new - now
    k._now = new
    k.idle.cpu_ns += dt
    k.stats.on_idle(k, dt, deep)
    if deep and nt is not None and new >= nt:
        k._overhead += ticks_to_ns(pm.wakeup, k.tick_hz)
        if tr is not None:
            tr.on_power(k, "wakeup")
    return True
