"""Memory pools of fixed-size blocks (µOS++ ``memory_pool``).

Owns: ``MemoryPool``. One buffer is allocated up front; blocks are
memoryviews over it, so allocating and freeing never touch the heap
(what a firmware engineer expects of a pool). Built only on the wait
queue and traps: ``free()`` hands the block straight to the most urgent
waiter.
"""

from .compat import computed, computed_attrs
from .diag import check_name, describe
from .running import wait_trap
from .traps import BLOCK
from .waitq import WaitQueue

__all__ = ("MemoryPool",)


class MemoryPool:
    """``blocks`` blocks of ``block_size`` bytes each."""

    def __init__(self, blocks, block_size, *, name=None):
        label = "MemoryPool %r" % name if name is not None else "MemoryPool"
        for what, v in (("blocks", blocks), ("block_size", block_size)):
            if type(v) is not int:
                raise TypeError("%s: %s must be an int, not %r"
                                % (label, what, v))
            if v < 1:
                raise ValueError("%s: %s must be at least 1, not %r"
                                 % (label, what, v))
        self.name = check_name(name, "MemoryPool")
        self._block_size = block_size
        self._buffer = bytearray(blocks * block_size)
        mv = memoryview(self._buffer)
        self._views = [mv[i * block_size:(i + 1) * block_size]
                       for i in range(blocks)]
        self._index = {}
        for i in range(blocks):
            self._index[id(self._views[i])] = i
        self._free = list(range(blocks - 1, -1, -1))   # pop() gives 0 first
        self._used = [False] * blocks
        self._q = WaitQueue(self)

    def __repr__(self):
        return "<%s %d/%d used>" % (describe(self), self.count,
                                    self.capacity)

    @computed
    def capacity(self):
        return len(self._views)

    @computed
    def count(self):
        """Blocks allocated now."""
        return len(self._views) - len(self._free)

    @computed
    def block_size(self):
        return self._block_size

    def _take(self):
        i = self._free.pop()
        self._used[i] = True
        return self._views[i]

    def _try(self, trap):
        if self._free:
            return self._take()
        return BLOCK

    def alloc(self):
        """A free block, waiting for one. Thread context; may block."""
        return wait_trap(self, "alloc", self._q)

    def try_alloc(self):
        """A free block now, or None. ISR-safe."""
        return self._take() if self._free else None

    def timed_alloc(self, ticks):
        """Like ``alloc``; None after ``ticks``. Thread context; may
        block."""
        return wait_trap(self, "timed_alloc", self._q, None, ticks, None)

    def free(self, block):
        """Return a block (to the most urgent waiter if any). A block not
        from this pool, or already free, raises ValueError. ISR-safe."""
        i = self._index.get(id(block))
        if i is None or self._views[i] is not block:
            raise ValueError("%s.free: %r is not a block of this pool"
                             % (describe(self), block))
        if not self._used[i]:
            raise ValueError("%s.free: block %d is already free"
                             % (describe(self), i))
        q = self._q
        if q.wake_one(block) is not None:              # stays allocated
            return
        self._used[i] = False
        self._free.append(i)


computed_attrs(MemoryPool)
