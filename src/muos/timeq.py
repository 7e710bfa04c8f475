"""The time queue: every future event of the kernel, by time.

Owns: ``TimeQueue``, a heap of ``[when_ns, seq, payload]`` entries with lazy
cancellation (most timeouts are cancelled before they fire, so removal is
O(1): the payload is cleared and the entry skipped when it surfaces). The
sequence number breaks ties deterministically: equal times fire in the
order they were scheduled. Imports only ``heapq``.
"""

from heapq import heappop, heappush

__all__ = ["TimeQueue"]


class TimeQueue:
    __slots__ = ("_heap", "_seq")

    def __init__(self):
        self._heap = []
        self._seq = 0

    def push(self, when_ns, payload):
        """Schedule ``payload`` at ``when_ns``; returns the entry to cancel."""
        self._seq += 1
        entry = [when_ns, self._seq, payload]
        heappush(self._heap, entry)
        return entry

    @staticmethod
    def cancel(entry):
        entry[2] = None

    def next_time(self):
        """Time of the earliest live entry, or None."""
        heap = self._heap
        while heap:
            e = heap[0]
            if e[2] is not None:
                return e[0]
            heappop(heap)
        return None

    def pop_due(self, now_ns):
        """The payload of the earliest live entry due at or before
        ``now_ns`` (removing it), or None."""
        heap = self._heap
        while heap:
            e = heap[0]
            if e[2] is None:
                heappop(heap)
                continue
            if e[0] > now_ns:
                return None
            heappop(heap)
            p = e[2]
            e[2] = None
            return p
        return None

    def __len__(self):
        n = 0
        for e in self._heap:
            if e[2] is not None:
                n += 1
        return n
