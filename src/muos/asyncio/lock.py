"""muos.asyncio's Lock: asyncio's semantics on muos threads.

Owns: ``Lock``. Not a Mutex (no owner, no inheritance): ``release()``
hands it to the most urgent waiter (FIFO among equals), and ``locked()``
is False from then until that waiter resumes, as in MicroPython's
asyncio; a waiter cancelled after the hand-over passes it on.
"""

import muos

__all__ = ["Lock"]

_FREE = 0
_LOCKED = 1


def _most_urgent(waiting):
    best = waiting[0]
    for t in waiting:
        if t.priority > best.priority:
            best = t
    waiting.remove(best)
    return best


class Lock:
    """``async with lock:``; ``acquire()``, ``release()``, ``locked()``."""

    def __init__(self):
        self._state = _FREE          # or the thread it was handed to
        self._waiting = []

    def locked(self):
        return self._state == _LOCKED

    def release(self):
        if self._state != _LOCKED:
            raise RuntimeError("Lock not acquired")
        if self._waiting:
            t = self._state = _most_urgent(self._waiting)
            t.resume()
        else:
            self._state = _FREE

    async def acquire(self):
        if self._state != _FREE:
            t = muos.this_thread()
            self._waiting.append(t)
            try:
                await muos.suspend()
            except BaseException:
                if self._state is t:
                    # cancelled after the hand-over: pass it on
                    self._state = _LOCKED
                    self.release()
                elif t in self._waiting:
                    self._waiting.remove(t)
                raise
        self._state = _LOCKED
        return True

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, *exc):
        self.release()
