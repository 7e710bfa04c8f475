"""The ready list: threads that may run, by priority, then deadline,
then arrival.

Owns: ``ReadyList``. Per priority level, the threads without a deadline
are an intrusive circular doubly-linked list (threads carry the
``_rnext``/``_rprev`` links, so insertion at either end and removal are
O(1) and allocate nothing: the common case, costing nothing more for
deadlines) and the threads with one (``t._dl``, its effective absolute
deadline) a heap of ``[deadline, seq, thread]`` entries, earliest first,
``seq`` keeping FIFO among equal deadlines (the head of a level gets a
decreasing seq, the tail an increasing one). A level's heap comes before
its list: a thread without a deadline comes after those with one
(API.md, "Deadlines"). A heap of non-empty levels finds the most urgent
level. Such a thread's ``_rnext`` is its heap entry (a list), so
``_rnext is None`` still means "not in the ready list"; when it leaves
the heap its entry stays in its ``_rprev`` (unused outside the circular
list), the thread dropped from it, for its next insertion: EDF threads
become ready without allocating (issue 16 #4). Imports only
``heapq``. It knows nothing of the scheduler's policy: the kernel
decides head or tail.
"""

from heapq import heapify, heappop, heappush

__all__ = ("ReadyList", "Link", "earlier")

LEVELS = 256


def earlier(a, b):
    """True when deadline ``a`` comes strictly before ``b`` (None: no
    deadline, after every deadline)."""
    return a is not None and (b is None or a < b)


class Link:
    """What can be in a ready list's circular list: a thread (through
    its base, stats.ThreadCounters) or a level's head. One base, so that
    the compiled build reaches the links of either as plain fields."""

    __slots__ = ("_rnext", "_rprev")


class _Head(Link):
    __slots__ = ()

    def __init__(self):
        self._rnext = self
        self._rprev = self


class ReadyList:
    __slots__ = ("_heads", "_listed", "_levels", "_dheaps", "_ndl",
                 "_tail_seq", "_head_seq")

    def __init__(self):
        # a level's head is made when a thread first joins it (256 heads
        # up front were 9.5 KB of a board's heap per kernel): a listed
        # level has one; the others may be None (a dict of the levels
        # used would spare a board 1 KB more, but costs CPython 9 % per
        # hand-over: instructions.py)
        self._heads = [None] * LEVELS
        self._listed = bytearray(LEVELS)  # 1: level is in the _levels heap
        self._levels = []                 # heap of -priority
        self._dheaps = {}                 # level -> heap of deadlines
        self._ndl = 0                     # threads in all the heaps
        self._tail_seq = 0
        self._head_seq = 0

    def _insert(self, t, before):
        p = t.priority
        d = t._dl
        if not self._listed[p]:
            self.top_level(p)       # (makes the level's head; a listed
            #                         level left empty is skipped)
        if d is not None:
            if before:
                self._tail_seq += 1
                seq = self._tail_seq
            else:
                self._head_seq -= 1
                seq = self._head_seq
            e = t._rprev                # its entry of last time, if any
            if type(e) is list:
                e[0] = d
                e[1] = seq
                e[2] = t
            else:
                e = [d, seq, t]
            dh = self._dheaps.get(p)
            if dh is None:
                dh = self._dheaps[p] = []
            heappush(dh, e)
            t._rnext = e
            self._ndl += 1
        else:
            tl = t                  # (a Link: plain fields when compiled)
            h = self._heads[p]
            nxt = h if before else h._rnext
            prv = nxt._rprev
            tl._rnext = nxt
            tl._rprev = prv
            prv._rnext = tl
            nxt._rprev = tl

    def push_tail(self, t):
        self._insert(t, True)

    def push_head(self, t):
        self._insert(t, False)

    def remove(self, t):
        tl = t                      # (a Link: plain fields when compiled)
        n = tl._rnext
        if n is None:
            return False
        if type(n) is list:         # its entry in a deadline heap
            dh = self._dheaps[t.priority]
            for i in range(len(dh)):    # rare (kill, a key change): O(n)
                if dh[i] is n:
                    dh[i] = dh[-1]
                    dh.pop()
                    heapify(dh)
                    break
            self._ndl -= 1
            t._rnext = None
            n[2] = None                 # kept for its next insertion
            tl._rprev = n
            return True
        nxt = n
        prv = tl._rprev
        prv._rnext = nxt
        nxt._rprev = prv
        tl._rnext = None
        tl._rprev = None
        return True

    def top(self):
        """The most urgent ready thread (not removed), or None."""
        levels = self._levels
        heads = self._heads
        while levels:
            p = -levels[0]
            dh = self._dheaps.get(p) if self._ndl else None
            if dh:
                return dh[0][2]
            h = heads[p]
            t = h._rnext
            if t is not h:
                return t
            heappop(levels)
            self._listed[p] = 0
        return None

    def pop_top(self):
        """Remove and return the most urgent ready thread (None when no
        thread is ready)."""
        t = self.top()
        if t is not None:
            e = t._rnext
            if type(e) is list:           # the top of its level's heap
                heappop(self._dheaps[t.priority])
                self._ndl -= 1
                t._rnext = None
                e[2] = None               # kept for its next insertion
                t._rprev = e
            else:
                self.remove(t)
        return t

    def top_level(self, p):
        """Level ``p`` is about to have a ready thread (one is linked
        next): it gets its head, the only place one is made."""
        if self._heads[p] is None:
            self._heads[p] = _Head()
        heappush(self._levels, -p)     # (a call, before the flag: a
        self._listed[p] = 1            # RecursionError leaves neither)

    def level(self, p):
        """The threads ready at priority ``p``, most urgent first."""
        dh = self._dheaps.get(p)
        out = [e[2] for e in sorted(dh)] if dh else []
        h = self._heads[p]
        if h is None:
            return out
        t = h._rnext
        while t is not h:
            out.append(t)
            t = t._rnext
        return out

    def ordered(self):
        """The ready threads, most urgent first (a generator: the list
        must not change while it runs)."""
        for lv in sorted(self._levels):
            p = -lv
            dh = self._dheaps.get(p)
            if dh:
                for e in sorted(dh):
                    yield e[2]
            h = self._heads[p]
            t = h._rnext
            while t is not h:
                yield t
                t = t._rnext

    def has_more(self, t, tp):
        """True when a thread other than ``t`` (the most urgent, of
        priority ``tp``) is ready."""
        for lv in self._levels:
            p = -lv
            dh = self._dheaps.get(p)
            n = len(dh) if dh else 0
            h = self._heads[p]
            f = h._rnext
            if f is not h:
                n += 1 if f._rnext is h else 2
            if p == tp:
                n -= 1            # (t itself)
            if n > 0:
                return True
        return False

    def has_equal(self, p, d):
        """True when a thread with the key (priority ``p``, deadline
        ``d``) is ready: one that round-robin rotates with."""
        if d is None:
            h = self._heads[p]
            return h is not None and h._rnext is not h
        dh = self._dheaps.get(p)
        return bool(dh) and dh[0][0] == d
