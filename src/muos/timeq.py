"""The time queue: every future event of the kernel, by time.

Owns: ``TimeQueue``, a calendar: one bucket (a list, in the order of
scheduling) per instant that has events, and a heap of those instants.
Many threads wake at the same instants (ticks), so a heap of distinct
times (plain ints) is smaller and cheaper than a heap of every event
(measured: a push and a pop on a heap of 10,000 ``[when, seq, payload]``
lists cost about 6,600 instructions). Equal times fire in the order they
were scheduled. Cancellation is lazy and O(1): an entry is
``[when_ns, payload]`` and cancelling clears the payload; the entry is
skipped when its instant comes. Imports only ``heapq``.

The kernel's loop looks at ``_heap[0]`` to see whether an instant is due,
and writes a sleep's entry into ``_buckets`` itself (``push`` inline).
"""

from heapq import heappop, heappush

__all__ = ["TimeQueue"]


class TimeQueue:
    __slots__ = ("_heap", "_buckets")

    def __init__(self):
        self._heap = []          # the distinct instants that have a bucket
        self._buckets = {}       # instant -> [entry, ...] in push order

    def push(self, when_ns, payload):
        """Schedule ``payload`` at ``when_ns``; returns the entry to cancel."""
        entry = [when_ns, payload]
        b = self._buckets.get(when_ns)
        if b is None:
            self._buckets[when_ns] = [entry]
            heappush(self._heap, when_ns)
        else:
            b.append(entry)
        return entry

    @staticmethod
    def cancel(entry):
        entry[1] = None

    def next_time(self):
        """Time of the earliest live entry, or None."""
        heap = self._heap
        buckets = self._buckets
        while heap:
            t = heap[0]
            for e in buckets[t]:
                if e[1] is not None:
                    return t
            heappop(heap)            # every entry there was cancelled
            del buckets[t]
        return None

    def pop_earliest(self):
        """Remove the earliest instant (there must be one) and return its
        entries in scheduling order; a cancelled one has no payload. What
        is scheduled at that instant afterwards goes to a new bucket."""
        return self._buckets.pop(heappop(self._heap))

    def __len__(self):
        n = 0
        for t in self._buckets:
            for e in self._buckets[t]:
                if e[1] is not None:
                    n += 1
        return n
