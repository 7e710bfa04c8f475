"""Moving a kernel's time origin, so that its times stay small integers.

Owns: ``rebase``. Imports traps and thread. On a 32-bit MicroPython port
an int past 2**30 is a long, and every sum or difference of longs makes
a new one on the heap: after 1.07 s of kernel time (in nanoseconds)
every switch would allocate. So when the kernel's clock passes 2S (S,
``Kernel._span``, a whole number of ticks) the kernel subtracts a
multiple of S from every absolute time it holds and adds it to
``_epoch``; public times add ``_epoch`` back (``_epoch_ticks`` in
ticks: ``now``, ``abs_ns``, the clocks, a Job's or a thread's deadline,
trace events, ``stats.elapsed_ns``). Called by the loop, at its top
(nothing half done; the loop's own ``until_ns`` is returned shifted).
Objects the kernel cannot reach shift themselves when next used: a
``periodic`` iterator compares the epoch it last saw. Off unless
``units.REBASE_TICKS`` is set (docs/architecture.md, "Not yet
bounded": what is still to convert before it is on for boards).
"""

from .thread import Thread
from .traps import RELEASE, SLEEP

__all__ = ("rebase",)


def rebase(k, until_ns):
    """Shift kernel ``k``'s times so that its clock lands in [S, 2S);
    returns ``until_ns`` shifted (None stays None)."""
    span = k._span
    d = (k._now // span - 1) * span
    if d <= 0:
        return until_ns
    k._epoch += d
    k._epoch_ticks += d // k._tick
    k.stats._epoch = k._epoch
    k._now -= d
    k._slice_from -= d
    k.port.rebase(d)
    _shift_time_queue(k._tq, d)
    _shift_deadline_heaps(k._ready, d)
    th = k._threads
    for i in range(len(th)):
        _shift_thread(k, th[i], d)
    k._irqs.rebase(d)
    k.stats._shift_open(d)
    r = k._rebasers
    for i in range(len(r)):
        r[i]._rebase(d)
    _fold(k, span)
    return None if until_ns is None else until_ns - d


def _fold(k, span):
    # what grows with time in every program: each thread's CPU time and
    # waits, the idle time; whole spans move to counts (small ints), the
    # readers add them back (stats.cpu_total, waits_total, idle_ns)
    th = k._threads
    for i in range(len(th)):
        t = th[i]
        c = t.cpu_ns
        if c >= span:
            n = c // span
            t.cpu_ns = c - n * span
            t._extra().cpu_hi += n
            held = t._held
            for j in range(len(held)):
                held[j]._since -= n * span   # (its snapshot of cpu_ns)
        w = t.waits
        if w:
            for o in w:
                v = w[o]
                if v >= span:
                    n = v // span
                    w[o] = v - n * span
                    x = t._extra()
                    h = x.waits_hi
                    if h is None:
                        h = x.waits_hi = {}
                    h[o] = h.get(o, 0) + n
    st = k.stats
    if st._idle >= span:
        n = st._idle // span
        st._idle -= n * span
        st._idle_hi += n
    if st._deep >= span:
        n = st._deep // span
        st._deep -= n * span
        st._deep_hi += n


def _shift_time_queue(tq, d):
    # a sorted list is a heap; moving the instants smallest first, a
    # moved key (smaller) never meets one not moved yet (all larger), and
    # a dict reuses the slots its deletions free: no collision, no growth
    heap = tq._heap
    heap.sort()
    buckets = tq._buckets
    for i in range(len(heap)):
        t = heap[i]
        e = buckets.pop(t)
        heap[i] = t - d
        buckets[t - d] = e
        while e is not None:
            e[0] = t - d
            p = e[1]
            if p is not None and type(p) is not Thread:
                p._rebase(d)       # a Timer's deadline, a line's trigger
            e = e[2]


def _shift_deadline_heaps(ready, d):
    # the same shift for every entry keeps each heap ordered
    for p in ready._dheaps:
        h = ready._dheaps[p]
        for i in range(len(h)):
            h[i][0] -= d


def _shift_thread(k, t, d):
    t.blk_at -= d
    if t._dl is not None:
        t._dl -= d
    x = t._x
    if x is not None and x.deadline_ns is not None:
        x.deadline_ns -= d
    # (a sleep's own time, trap.arg, is read only when it starts: its
    # entry in the time queue holds it since)
    tr = t._trap
    if tr is not None and (tr.kind == SLEEP or tr.kind == RELEASE):
        j = tr.obj
        if j is not None:
            # a periodic job's release (the only sleep with an object):
            # its Job keeps its times as (ns, epoch) pairs; the kernel
            # reads its deadline when the release comes (EDF)
            j.release_ns -= d
            j.deadline_ns -= d
            j._et += d // k._tick
