"""muos.asyncio's Queue (CPython's asyncio.Queue API).

Owns: ``Queue``, ``QueueFull``, ``QueueEmpty``. A getter waits while it is
empty, a putter while it is full (``maxsize`` > 0); each change wakes the
most urgent waiter of the other side, which looks again. Built as muos's
objects are (wait queues and traps): a cancel withdraws a waiter at once,
and a waiter cancelled after being woken passes the wake-up on.
"""

from ..running import wait_trap
from ..traps import BLOCK
from ..waitq import WaitQueue
from .event import Event

__all__ = ("Queue", "QueueFull", "QueueEmpty")


class QueueFull(Exception):
    """``put_nowait`` on a full queue."""


class QueueEmpty(Exception):
    """``get_nowait`` on an empty queue."""


class Queue:
    """FIFO of items; ``maxsize`` <= 0: unbounded."""

    name = None

    def __init__(self, maxsize=0):
        self.maxsize = maxsize
        self._items = []
        self._getters = WaitQueue(self)
        self._putters = WaitQueue(self)
        self._unfinished = 0
        self._finished = Event()
        self._finished.set()

    def qsize(self):
        return len(self._items)

    def empty(self):
        return not self._items

    def full(self):
        return 0 < self.maxsize <= len(self._items)

    def _try(self, trap):
        if trap.q is self._getters:
            return True if self._items else BLOCK
        return BLOCK if self.full() else True

    async def put(self, item):
        while self.full():
            try:
                await wait_trap(self, "put", self._putters)
            except BaseException:
                if not self.full() and self._putters.items:
                    self._putters.wake_one(None)   # (woken, then cancelled)
                raise
        self.put_nowait(item)

    def put_nowait(self, item):
        if self.full():
            raise QueueFull()
        self._items.append(item)
        self._unfinished += 1
        self._finished.clear()
        if self._getters.items:
            self._getters.wake_one(None)

    async def get(self):
        while not self._items:
            try:
                await wait_trap(self, "get", self._getters)
            except BaseException:
                if self._items and self._getters.items:
                    self._getters.wake_one(None)   # (woken, then cancelled)
                raise
        return self.get_nowait()

    def get_nowait(self):
        if not self._items:
            raise QueueEmpty()
        item = self._items.pop(0)
        if self._putters.items:
            self._putters.wake_one(None)
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
