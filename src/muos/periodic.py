"""Periodic jobs: ``async for job in muos.periodic(period, ...)``.

Owns: ``periodic`` (the iterator) and ``Job``. Imports the kernel and
traps. Releases are at ``start + offset + k*period``, never skipped; a
job's response time runs from its release to the start of the next
iteration and is recorded, with deadline misses, in the thread's stats.
"""

from .kernel import current_kernel
from .stats import ns_to_ticks
from .traps import SLEEP, Trap

__all__ = ["periodic", "Job"]


class Job:
    """One release of a periodic thread: ``index``, ``release`` and
    ``deadline`` (absolute ticks)."""

    __slots__ = ("index", "release", "deadline")

    def __init__(self, index, release, deadline):
        self.index = index
        self.release = release
        self.deadline = deadline

    def __repr__(self):
        return "<Job %d release=%s deadline=%s>" % (
            self.index, self.release, self.deadline)


class periodic:
    """An async iterator of periodic jobs (see API.md, "Threads")."""

    def __init__(self, period, *, deadline=None, offset=0, start=None):
        k = current_kernel("muos.periodic")
        self._k = k
        self._period = k.to_ns(period, "periodic: period")
        if self._period <= 0:
            raise ValueError("periodic: period must be positive, not %r"
                             % (period,))
        self._deadline = self._period if deadline is None else k.to_ns(
            deadline, "periodic: deadline")
        if self._deadline <= 0:
            raise ValueError("periodic: deadline must be positive, not %r"
                             % (deadline,))
        self._offset = k.to_ns(offset, "periodic: offset")
        self._start = None if start is None else k.abs_ns(
            start, "periodic: start")
        self._index = -1
        self._release = 0
        self.period = period

    def __aiter__(self):
        return self

    async def __anext__(self):
        k = self._k
        now = k._now
        if self._index >= 0:
            # the previous job completes now
            st = k._current._stats
            st.add_response(
                ns_to_ticks(now - self._release, k.tick_hz))
            if now > self._release + self._deadline:
                st.deadline_misses += 1
        elif self._start is None:
            self._start = now
        self._index += 1
        rel = self._start + self._offset + self._index * self._period
        self._release = rel
        # a preemption point even when the release is already due
        await Trap(SLEEP, None, rel)
        hz = k.tick_hz
        return Job(self._index, ns_to_ticks(rel, hz),
                   ns_to_ticks(rel + self._deadline, hz))
