"""The time queue: every future event of the kernel, by time.

Owns: ``TimeQueue``, a calendar: one bucket (a chain of entries, in the
order of scheduling) per instant that has events, and a heap of those
instants. Many threads wake at the same instants (ticks), so a heap of
distinct times (plain ints) is smaller and cheaper than a heap of every
event (measured: a push and a pop on a heap of 10,000 ``[when, seq,
payload]`` lists cost about 6,600 instructions). Equal times fire in the
order they were scheduled. Cancelling takes an entry out of its
instant's chain when it is among the first ``UNLINK_SCAN`` there and
not the first (the usual case: a wait that ends before its timeout),
and hands it back at once; else (lazily, O(1)) it clears the entry's
payload and the entry is skipped, and handed back, when its instant
comes. Imports only ``heapq``.

An entry is a list ``[when_ns, payload, next, tail]``: ``next`` chains
the entries of one instant, and the first one's ``tail`` is the last
(appending needs no list per instant). An entry that fired or was
cancelled is handed back (``recycle``) and the next ``push`` takes it: a
sleep, a timer, a periodic interrupt or a timed wait allocates nothing
in steady state (issue 16 #4: threads switch under MicroPython's
``heap_lock``). Nothing refers to an entry once it fired or was
cancelled: a thread's ``_tentry`` and a Timer's ``_entry`` are cleared
then, the only references kept.

The kernel's loop looks at ``_heap[0]`` to see whether an instant is due,
and writes a sleep's entry into ``_buckets`` itself (``push`` inline).
"""

from heapq import heappop, heappush

__all__ = ("TimeQueue", "UNLINK_SCAN")

# how far into an instant's chain a cancel looks for the entry before it
# leaves it there, cancelled (bounded: many waits on one instant that
# end early cost O(1) each)
UNLINK_SCAN = 8


class TimeQueue:
    __slots__ = ("_heap", "_buckets", "_free", "_debt", "_nres", "_room")

    def __init__(self):
        self._heap = []          # the distinct instants that have a bucket
        self._buckets = {}       # instant -> its first entry
        self._free = None        # entries to reuse, chained by `next`
        self._debt = 0           # releases not done yet (see release)
        self._nres = 0           # reserve()s not released
        self._room = 0           # instants the heap and buckets hold

    def push(self, when_ns, payload):
        """Schedule ``payload`` at ``when_ns``; returns the entry to cancel."""
        e = self._free
        if e is None:
            e = [when_ns, payload, None, None]
        else:
            self._free = e[2]
            e[0] = when_ns
            e[1] = payload
            e[2] = None
        h = self._buckets.get(when_ns)
        if h is None:
            self._buckets[when_ns] = e
            e[3] = e
            heappush(self._heap, when_ns)
        else:
            h[3][2] = e
            h[3] = e
        return e

    def cancel(self, entry):
        """``entry`` will not fire; the caller drops it. Taken out of its
        chain and handed back when found there soon enough (not the
        first: its instant's bucket keeps a head, so that the heap holds
        each instant once), else left, its payload cleared."""
        entry[1] = None
        h = self._buckets.get(entry[0])
        if h is None or h is entry:
            return                    # fired instant, or the chain's head
        prev = h
        for _ in range(UNLINK_SCAN):
            nxt = prev[2]
            if nxt is entry:
                prev[2] = entry[2]
                if h[3] is entry:
                    h[3] = prev       # it was the tail
                entry[2] = self._free
                self._free = entry
                return
            if nxt is None:
                return
            prev = nxt

    def recycle(self, entry):
        """``entry`` fired (nothing refers to it now): the next push may
        reuse it."""
        entry[2] = self._free
        self._free = entry

    def reserve(self):
        """One more entry ready for a push, and room for one more instant
        in the heap and the buckets (MicroPython: a new thread's first
        sleep allocates nothing); ``release`` when it ends."""
        e = [0, None, self._free, None]
        self._free = e
        self._nres += 1
        if self._nres > self._room:
            # grown for twice as many (amortised O(1) per thread): the
            # heap's list keeps its room when shortened by a slice, the
            # buckets' table when keys are deleted (negative instants:
            # never real ones)
            n = 2 * self._nres
            heap = self._heap
            k = len(heap)
            heap.extend([0] * n)
            del heap[k:]
            b = self._buckets
            for i in range(1, n + 1):
                b[-i] = None
            for i in range(1, n + 1):
                del b[-i]
            self._room = n

    def release(self):
        """Drop a reserved entry, if one is free now (else the next
        ``release`` may drop two: entries do not outgrow the threads)."""
        self._nres -= 1
        self._debt += 1
        while self._debt and self._free is not None:
            self._free = self._free[2]
            self._debt -= 1

    def next_time(self):
        """Time of the earliest live entry, or None."""
        heap = self._heap
        buckets = self._buckets
        while heap:
            t = heap[0]
            e = buckets[t]
            while e is not None:
                if e[1] is not None:
                    return t
                e = e[2]
            heappop(heap)            # every entry there was cancelled
            e = buckets.pop(t)
            while e is not None:     # handed back
                en = e[2]
                self.recycle(e)
                e = en
        return None

    def pop_earliest(self):
        """Remove the earliest instant (there must be one) and return its
        first entry (the others follow through ``entry[2]``), in
        scheduling order; a cancelled one has no payload. What is
        scheduled at that instant afterwards goes to a new bucket."""
        return self._buckets.pop(heappop(self._heap))

    def __len__(self):
        n = 0
        for t in self._buckets:
            e = self._buckets[t]
            while e is not None:
                if e[1] is not None:
                    n += 1
                e = e[2]
        return n
