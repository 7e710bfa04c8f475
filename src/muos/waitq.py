"""The one wait queue every synchronisation object is built on.

Owns: ``WaitQueue``, a list of pending traps ordered by the waiting
thread's effective priority (most urgent first), then by arrival (FIFO
among equals). Imports nothing. The kernel enqueues and withdraws traps;
the owning object serves waiters through ``wake_one``, ``fail_one``,
``wake_all`` and ``wake``, which complete a wait through the waiter's
kernel (the waker decides the outcome: the value the wait returns, or
the exception it raises). No object writes the wake step out itself.
"""

__all__ = ("WaitQueue",)


class WaitQueue:
    """Traps waiting on one object, most urgent first, FIFO among equals.

    ``owner`` is the object the queue belongs to (named in traces and in
    ``Stalled``); ``on_change`` is called by the kernel after a waiter
    arrives, leaves or moves, so that a mutex can recompute its owner's
    inherited priority. ``fast``: set by the kernel once it knows that
    waits here need neither hook nor statistics' mutex tracking.
    """

    __slots__ = ("owner", "items", "on_change", "fast")

    def __init__(self, owner=None, on_change=None):
        self.owner = owner
        self.items = []
        self.on_change = on_change
        self.fast = False

    def __len__(self):
        return len(self.items)

    def __bool__(self):
        return len(self.items) > 0

    def push(self, trap):
        """Insert ``trap`` behind every waiter at least as urgent that
        arrived before it (``trap.seq`` keeps the arrival order)."""
        items = self.items
        p = trap.thread.priority
        s = trap.seq
        i = len(items)
        while i > 0:
            o = items[i - 1]
            op = o.thread.priority
            if op > p or (op == p and o.seq < s):
                break
            i -= 1
        if i == len(items):
            items.append(trap)
        else:
            items.insert(i, trap)

    def remove(self, trap):
        items = self.items
        for i in range(len(items)):
            if items[i] is trap:
                del items[i]
                return True
        return False

    def reposition(self, trap):
        """Move ``trap`` after its thread's priority changed."""
        if self.remove(trap):
            self.push(trap)

    def head(self):
        items = self.items
        return items[0] if items else None

    def pop(self):
        return self.items.pop(0)

    def wake_one(self, value):
        """Complete the most urgent waiter's wait with ``value``; returns
        its thread, or None when nobody waits. ISR-safe."""
        items = self.items
        if not items:
            return None
        # woken, then taken off by a statement (all or nothing, as
        # Semaphore.post: a RecursionError can only come before)
        trap = items[0]
        t = trap.thread
        t._kernel.wake(trap, value)
        del items[0]
        return t

    def fail_one(self, exc):
        """End the most urgent waiter's wait by raising ``exc`` in it;
        returns its thread, or None when nobody waits. ISR-safe."""
        items = self.items
        if not items:
            return None
        trap = items[0]
        t = trap.thread
        t._kernel.wake(trap, None, exc)
        del items[0]
        return t

    def wake_all(self, value):
        """Complete every wait with ``value``, most urgent first; returns
        how many. ISR-safe."""
        items = self.items
        n = 0
        while items:
            # wake_one's body (a call less per waiter: the measured
            # Event hand-over of muos.asyncio wakes here)
            trap = items[0]
            trap.thread._kernel.wake(trap, value)
            del items[0]
            n += 1
        return n

    def wake(self, trap, value):
        """Complete the wait of ``trap`` (one of this queue's) with
        ``value``. ISR-safe."""
        self.remove(trap)
        trap.thread._kernel.wake(trap, value)

    def threads(self):
        return [t.thread for t in self.items]
