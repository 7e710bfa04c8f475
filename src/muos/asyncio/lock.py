"""muos.asyncio's Lock: asyncio's semantics on muos threads.

Owns: ``Lock``. Not a Mutex (no owner, no inheritance): ``release()``
hands it to the most urgent waiter (FIFO among equals), and ``locked()``
is False from then until that waiter resumes, as in MicroPython's
asyncio; a waiter cancelled after the hand-over passes it on. Built as
muos's objects are (a wait queue and traps): a cancel withdraws a waiter
from the queue at once.
"""

import muos
from ..running import wait_trap
from ..traps import BLOCK
from ..waitq import WaitQueue

__all__ = ("Lock",)

_FREE = 0
_LOCKED = 1


class Lock:
    """``async with lock:``; ``acquire()``, ``release()``, ``locked()``."""

    name = None

    def __init__(self):
        self._state = _FREE          # or the thread it was handed to
        self._q = WaitQueue(self)

    def locked(self):
        return self._state == _LOCKED

    def release(self):
        if self._state != _LOCKED:
            raise RuntimeError("Lock not acquired")
        q = self._q
        if q.items:
            self._state = q.items[0].thread
            # woken with nothing handed over: a cancel before it resumes
            # raises at its acquire, which passes the lock on
            q.wake_one(None)
        else:
            self._state = _FREE

    def _try(self, trap):
        return True if self._state == _FREE else BLOCK

    async def acquire(self):
        if self._state != _FREE:
            t = muos.this_thread()
            try:
                await wait_trap(self, "acquire", self._q)
            except BaseException:
                if self._state is t:
                    # cancelled after the hand-over: pass it on
                    self._state = _LOCKED
                    self.release()
                raise
        self._state = _LOCKED
        return True

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, *exc):
        self.release()
