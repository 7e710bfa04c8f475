"""The one wait queue every synchronisation object is built on.

Owns: ``WaitQueue``, a list of pending traps ordered by the waiting
thread's effective priority (most urgent first), then by arrival (FIFO
among equals). Imports nothing. It never touches the scheduler: the kernel
enqueues and withdraws traps, the owning object pops the head to serve it.
"""

__all__ = ["WaitQueue"]


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

    def threads(self):
        return [t.thread for t in self.items]
