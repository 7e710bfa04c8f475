"""The ready list: threads that may run, by priority, FIFO within one.

Owns: ``ReadyList``, one intrusive circular doubly-linked list per priority
level (threads carry the ``_rnext``/``_rprev`` links, so insertion at either
end and removal are O(1) and allocate nothing) and a heap of non-empty
levels for the most urgent one. Imports only ``heapq``. It knows nothing
of the scheduler's policy: the kernel decides head or tail.
"""

from heapq import heappop, heappush

__all__ = ["ReadyList"]

LEVELS = 256


class _Head:
    __slots__ = ("_rnext", "_rprev")

    def __init__(self):
        self._rnext = self
        self._rprev = self


class ReadyList:
    __slots__ = ("_heads", "_listed", "_levels")

    def __init__(self):
        self._heads = [_Head() for _ in range(LEVELS)]
        self._listed = [False] * LEVELS   # level is in the _levels heap
        self._levels = []                 # heap of -priority

    def _insert(self, t, before):
        p = t.priority
        h = self._heads[p]
        nxt = h if before else h._rnext
        prv = nxt._rprev
        t._rnext = nxt
        t._rprev = prv
        prv._rnext = t
        nxt._rprev = t
        if not self._listed[p]:
            self.top_level(p)

    def push_tail(self, t):
        self._insert(t, True)

    def push_head(self, t):
        self._insert(t, False)

    def remove(self, t):
        nxt = t._rnext
        if nxt is None:
            return False
        prv = t._rprev
        prv._rnext = nxt
        nxt._rprev = prv
        t._rnext = None
        t._rprev = None
        return True

    def top(self):
        """The most urgent ready thread (not removed), or None."""
        levels = self._levels
        heads = self._heads
        while levels:
            p = -levels[0]
            h = heads[p]
            t = h._rnext
            if t is not h:
                return t
            heappop(levels)
            self._listed[p] = False
        return None

    def top_level(self, p):
        """Level ``p`` has a ready thread now (a new one was linked)."""
        self._listed[p] = True
        heappush(self._levels, -p)

    def level(self, p):
        """The threads ready at priority ``p``, head first."""
        h = self._heads[p]
        out = []
        t = h._rnext
        while t is not h:
            out.append(t)
            t = t._rnext
        return out

    def has_other(self, p):
        """True when a thread is ready at priority ``p``."""
        h = self._heads[p]
        return h._rnext is not h
