"""muos.asyncio's Queue (CPython's asyncio.Queue API).

Owns: ``Queue``, ``QueueFull``, ``QueueEmpty``. A getter waits while it is
empty, a putter while it is full (``maxsize`` > 0); each change wakes the
most urgent waiter of the other side, which looks again.
"""

import muos

from .event import Event, _suspend_in
from .lock import _most_urgent

__all__ = ["Queue", "QueueFull", "QueueEmpty"]


class QueueFull(Exception):
    """``put_nowait`` on a full queue."""


class QueueEmpty(Exception):
    """``get_nowait`` on an empty queue."""


def _wake_one(waiting):
    if waiting:
        _most_urgent(waiting).resume()


class Queue:
    """FIFO of items; ``maxsize`` <= 0: unbounded."""

    def __init__(self, maxsize=0):
        self.maxsize = maxsize
        self._items = []
        self._getters = []
        self._putters = []
        self._unfinished = 0
        self._finished = Event()
        self._finished.set()

    def qsize(self):
        return len(self._items)

    def empty(self):
        return not self._items

    def full(self):
        return 0 < self.maxsize <= len(self._items)

    async def put(self, item):
        while self.full():
            try:
                await _suspend_in(self._putters, muos.this_thread())
            except BaseException:
                if not self.full():         # (woken, then cancelled)
                    _wake_one(self._putters)
                raise
        self.put_nowait(item)

    def put_nowait(self, item):
        if self.full():
            raise QueueFull()
        self._items.append(item)
        self._unfinished += 1
        self._finished.clear()
        _wake_one(self._getters)

    async def get(self):
        while not self._items:
            try:
                await _suspend_in(self._getters, muos.this_thread())
            except BaseException:
                if self._items:             # (woken, then cancelled)
                    _wake_one(self._getters)
                raise
        return self.get_nowait()

    def get_nowait(self):
        if not self._items:
            raise QueueEmpty()
        item = self._items.pop(0)
        _wake_one(self._putters)
        return item

    def task_done(self):
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if self._unfinished == 0:
            self._finished.set()

    async def join(self):
        if self._unfinished:
            await self._finished.wait()
