"""Moving a kernel's time origin, so that its times stay small integers.

Owns: ``rebase``. Imports thread, traps and units. On a 32-bit
MicroPython port an int past 2**30 is a long, and every sum or
difference of longs makes a new one on the heap: after 1.07 s of kernel
time (in nanoseconds) every switch would allocate. So when the kernel's
clock passes 2S (S, ``Kernel._span``, a whole number of ticks:
``units.rebase_span``) the kernel subtracts a multiple of S from every
absolute time it holds and counts it in ``_epoch_ticks``; public times
add it back (``now``, ``abs_ns``, the clocks, a Job's or a thread's
deadline, trace events, ``stats.elapsed_ns``), and whole spans of the
CPU and wait times it sums move into counts (``_fold``). Called by the
loop, at its top (nothing half done; the loop's own ``until_ns`` is
returned moved). Objects the kernel cannot reach move themselves when
next used: a ``periodic`` iterator compares the epoch it last saw. It
allocates nothing (docs/architecture.md, "Time stays small on a 32-bit
board").
"""

from .thread import Thread
from .traps import ANY, RELEASE, SLEEP, WAIT
from .units import _LONG, shifted, small_int

# arrival numbers (the kernel's ``_seq`` for wait queues, the ready
# list's for deadline heaps) are dealt again from 1, order kept, past
# this: they grow by one per wait, not with time, and would become long
# ints after about 10**9 waits
SEQ_LIMIT = 1 << 28

__all__ = ("rebase",)


def _spans(v, span):
    """Whole spans in ``v`` >= 0, a small int (no tuple returned with
    the rest: a tuple is heap)."""
    n = v // span
    return small_int(n) if v >= _LONG else n     # (v long: so is n)


def _rest(v, n, span):
    """``v`` less ``n`` spans, a small int."""
    r = v - n * span
    return small_int(r) if v >= _LONG else r


def rebase(k, until_ns):
    """Shift kernel ``k``'s times so that its clock lands in [S, 2S);
    returns ``until_ns`` shifted (None stays None)."""
    span = k._span
    d = (k._now // span - 1) * span
    if d <= 0:
        return until_ns
    k._epoch_ticks += d // k._tick
    k.stats._et = k._epoch_ticks
    irqs = k._irqs
    # (a real port's scheduled callback may stamp a trigger between any
    # two bytecodes: not while the port's clock and the queued stamps
    # move, when it leaves the trigger for the kernel's poll instead)
    irqs.moving = True
    k._now = shifted(k._now, d)
    # (a slice begun before the new origin is over: kept no further back,
    # so that it stays a small int)
    sf = shifted(k._slice_from, d)
    k._slice_from = sf if sf > -span else -span
    k.port.rebase(d)
    _shift_time_queue(k._tq, d)
    _shift_deadline_heaps(k._ready, d)
    th = k._threads
    for i in range(len(th)):
        _shift_thread(k, th[i], d, span)
    irqs.rebase(d)
    irqs.moving = False
    if k.stats._mwaits:
        # (waits on mutexes in progress: the inversion tracking's, which
        # MicroPython loads at the first one; not loaded by a move)
        k.stats._shift_open(d)
    r = k._rebasers
    for i in range(len(r)):
        r[i]._rebase(d)
    _fold(k, span)
    if k._seq > SEQ_LIMIT:
        _renumber_waits(k)
    ready = k._ready
    if ready._tail_seq > SEQ_LIMIT or ready._head_seq < -SEQ_LIMIT:
        _renumber_deadlines(ready)
    return None if until_ns is None else shifted(until_ns, d)


def _renumber_waits(k):
    # every trap in a wait queue belongs to a waiting thread (a wait_any
    # has one per object): the same order, numbers from 1 (a sort and a
    # list once per SEQ_LIMIT waits)
    traps = []
    th = k._threads
    for i in range(len(th)):
        tr = th[i]._trap
        if tr is not None:
            if tr.kind == WAIT:
                traps.append(tr)
            elif tr.kind == ANY:
                traps.extend(tr.arg)
    traps.sort(key=_seq_of)
    for i in range(len(traps)):
        traps[i].seq = i + 1
    k._seq = len(traps)


def _seq_of(trap):
    return trap.seq


def _renumber_deadlines(ready):
    # [deadline, seq, thread] entries: one order of their seq for all
    # heaps, dealt again from 1 (a heap stays one: its keys keep their
    # order); heads take 0, -1, ... from here, tails n + 1, ...
    entries = []
    for p in ready._dheaps:
        entries.extend(ready._dheaps[p])
    entries.sort(key=_seq_of_entry)
    for i in range(len(entries)):
        entries[i][1] = i + 1
    ready._head_seq = 1
    ready._tail_seq = len(entries)


def _seq_of_entry(e):
    return e[1]


def _fold(k, span):
    # what grows with time in every program: each thread's CPU time and
    # waits, the idle time; whole spans move to counts (small ints), the
    # readers add them back (stats.cpu_total, waits_total, idle_ns)
    # (a thread's first fold makes its ThreadExtra, its first fold of a
    # wait an entry: with the heap locked (micropython.heap_lock) that
    # fold waits for a later move, the value a small int for three more)
    th = k._threads
    for i in range(len(th)):
        t = th[i]
        c = t.cpu_ns
        if c >= span:
            try:
                x = t._extra()
            except MemoryError:
                x = None
            if x is not None:
                n = _spans(c, span)
                t.cpu_ns = _rest(c, n, span)
                x.cpu_hi += n
                held = t._held
                if held:
                    for j in range(len(held)):
                        held[j]._since -= n * span   # (its snapshot)
        w = t.waits
        if w:
            for o in w:
                v = w[o]
                if v >= span:
                    n = _spans(v, span)
                    if _fold_wait(t, o, n):
                        w[o] = _rest(v, n, span)
        v = t.slept
        if v >= span:
            n = _spans(v, span)
            if _fold_wait(t, "sleep", n):
                t.slept = _rest(v, n, span)
    lines = k.interrupts
    for i in range(len(lines)):
        s = lines[i].stats
        s._span = span
        _fold_sum(s, "_sum", "_sum_hi", span)
        _fold_sum(s, "_cpu", "_cpu_hi", span)
    st = k.stats
    _fold_sum(st, "_idle", "_idle_hi", span)
    _fold_sum(st, "_deep", "_deep_hi", span)


def _fold_wait(t, on, n):
    """Count ``n`` spans of ``t``'s waits on ``on`` in its folded waits;
    False when that needs memory and the heap is locked."""
    try:
        x = t._extra()
        h = x.waits_hi
        if h is None:
            h = x.waits_hi = {}
        h[on] = h.get(on, 0) + n
    except MemoryError:
        return False
    return True


def _fold_sum(o, lo, hi, span):
    # o.lo's whole spans into the count o.hi (the names are constants:
    # getattr and setattr allocate nothing)
    v = getattr(o, lo)
    if v >= span:
        n = _spans(v, span)
        setattr(o, lo, _rest(v, n, span))
        setattr(o, hi, getattr(o, hi) + n)


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
        t2 = shifted(t, d)
        heap[i] = t2
        buckets[t2] = e
        while e is not None:
            e[0] = t2
            p = e[1]
            if p is not None and type(p) is not Thread:
                p._rebase(d)       # a Timer's deadline, a line's trigger
            e = e[2]


def _shift_deadline_heaps(ready, d):
    # the same shift for every entry keeps each heap ordered
    for p in ready._dheaps:
        h = ready._dheaps[p]
        for i in range(len(h)):
            h[i][0] = shifted(h[i][0], d)


def _shift_thread(k, t, d, span):
    on = t.blk_on
    w = t._trap
    if on is None and w is not None and (w.kind == SLEEP
                                         or w.kind == RELEASE):
        on = "sleep"               # (a sleep sets no blk_on: blocking.py)
    if on is not None:             # (blk_at means nothing otherwise)
        b = shifted(t.blk_at, d)
        if b < -span:
            # waiting since long before the origin: whole spans of the
            # wait go to its folded waits now (stats.waits_total), so
            # that blk_at stays a small int however long it waits
            n = _spans(-b, span)
            if _fold_wait(t, on, n):
                b = -_rest(-b, n, span)
        t.blk_at = b
    if t._dl is not None:
        t._dl = shifted(t._dl, d)
    x = t._x
    if x is not None and x.deadline_ns is not None:
        x.deadline_ns = shifted(x.deadline_ns, d)
    # (a sleep's own time, trap.arg, is read only when it starts: its
    # entry in the time queue holds it since)
    tr = t._trap
    if tr is not None and (tr.kind == SLEEP or tr.kind == RELEASE):
        j = tr.obj
        if j is not None:
            # a periodic job's release (the only sleep with an object):
            # its Job keeps its times as (ns, epoch) pairs; the kernel
            # reads its deadline when the release comes (EDF)
            j.release_ns = shifted(j.release_ns, d)
            j.deadline_ns = shifted(j.deadline_ns, d)
            j._et += d // k._tick
