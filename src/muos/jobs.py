"""Periodic jobs: ``async for job in muos.periodic(period, ...)``.

(Named jobs.py, not periodic.py: on MicroPython ``muos.periodic`` loads
on first use, and a submodule of that name would take the function's
place in the package when imported.)

Owns: ``periodic`` (the iterator) and ``Job``. Imports the kernel and
traps. Releases are at ``start + offset + k*period``, never skipped; a
job's response time runs from its release to the start of the next
iteration and is recorded, with deadline misses, in the thread's stats.
"""

from .compat import computed, computed_attrs
from .running import current_kernel
from . import stats
from .stats import record_response
from .units import public_ticks
from .traps import RELEASE, SLEEP, Trap, new_trap

__all__ = ("periodic", "Job")

_new = object.__new__


class Job:
    """One release of a periodic thread: ``index``, ``release`` and
    ``deadline`` (absolute ticks, converted from ns when read); a missed
    job (``stats.threads[name].misses``) also has its ``finish``. The
    iterator yields one Job object, updated at each release (so that a
    job allocates nothing on a board): keep its values, not the object."""

    __slots__ = ("index", "release_ns", "deadline_ns", "_hz", "finish_ns",
                 "_et")

    def __init__(self, index, release_ns, deadline_ns, tick_hz,
                 finish_ns=None, epoch_ticks=0):
        self.index = index
        self.release_ns = release_ns
        self.deadline_ns = deadline_ns
        self._hz = tick_hz
        self.finish_ns = finish_ns
        # its times are kernel times of the origin this many ticks after
        # the run's start (rebase.py)
        self._et = epoch_ticks

    @computed
    def release(self):
        return public_ticks(self.release_ns, self._et, self._hz)

    @computed
    def deadline(self):
        return public_ticks(self.deadline_ns, self._et, self._hz)

    @computed
    def finish(self):
        """When the job completed (ticks), or None: it has not (or it
        is not a recorded miss)."""
        f = self.finish_ns
        return None if f is None else public_ticks(f, self._et, self._hz)

    def __repr__(self):
        if self.finish_ns is not None:
            return "<Job %d release=%s deadline=%s finish=%s>" % (
                self.index, self.release, self.deadline, self.finish)
        return "<Job %d release=%s deadline=%s>" % (
            self.index, self.release, self.deadline)


computed_attrs(Job)


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
        self._et = k._epoch_ticks  # the time origin its times are from
        self._index = -1
        self._release = 0
        self.period = period
        self._cpu0 = 0             # its thread's CPU time when a job began
        self._hi0 = 0              # ... and the spans folded out of it then
        self._model = None         # its entry in stats.periodics
        self._job = None           # the Job it yields, updated per release

    def __aiter__(self):
        return self

    def __anext__(self):
        # a plain method: the sleep until the release is the awaitable,
        # and it returns the Job (no coroutine per job)
        k = self._k
        if k._isr or k._lock or k._irqs.mask or k._current is None:
            # the wait for the release may block: not in a handler or a
            # locked or masked section (issue 14 #7)
            k._check_block("muos.periodic")
        now = k._now
        edf = k._edf
        st = k._current
        if self._et != k._epoch_ticks:
            # the kernel moved its time origin since (rebase.py)
            sh = (k._epoch_ticks - self._et) * k._tick
            self._et = k._epoch_ticks
            self._release -= sh
            if self._start is not None:
                self._start -= sh
        if self._index >= 0:
            # the previous job completes now
            cpu = st.cpu_ns - self._cpu0
            x = st._x
            if x is not None and x.cpu_hi != self._hi0:
                # a rebase folded CPU time out of cpu_ns since (rebase.py)
                cpu += (x.cpu_hi - self._hi0) * k._span
            m = self._model
            if cpu > m[0]:
                m[0] = cpu         # the most CPU time a job took
            record_response(st, now - self._release)
            if now > self._release + self._deadline:
                x = st._extra()
                x.deadline_misses += 1
                ms = x.misses
                if ms is None or len(ms) < stats.MISSES_KEPT:
                    miss = Job(self._index, self._release,
                               self._release + self._deadline, k.tick_hz,
                               now, self._et)
                    if ms is None:
                        x.misses = [miss]
                    else:
                        ms.append(miss)
                else:
                    # the last MISSES_KEPT are kept: the oldest one's Job
                    # becomes this one's (a miss allocates nothing then)
                    miss = ms.pop(0)
                    miss.index = self._index
                    miss.release_ns = self._release
                    miss.deadline_ns = self._release + self._deadline
                    miss.finish_ns = now
                    miss._et = self._et
                    ms.append(miss)
            if edf:
                k.set_deadline_ns(st, None)     # no job: no deadline
        else:
            # its first job: the task model of the run knows it (plain
            # values: statistics cross process boundaries)
            self._model = k.stats.periodics[st.name] = [
                0, self._period, self._deadline, self._offset,
                st.base_priority, st.affinity, k._edf,
                1 if k._cores is None else len(k._cores)]
            if self._start is None:
                self._start = now
        self._cpu0 = st.cpu_ns
        self._hi0 = 0 if st._x is None else st._x.cpu_hi
        self._index += 1
        # (the last release plus the period: _index * _period would grow
        # into a long int on a board)
        rel = (self._release + self._period if self._index
               else self._start + self._offset)
        self._release = rel
        # a preemption point even when the release is already due
        # the iterator's one Job, updated (a job allocates nothing: issue
        # 16 #4); a miss is recorded as a Job of its own
        j = self._job
        if j is None:
            j = self._job = _new(Job)   # Job(...) without the __init__
            j._hz = k.tick_hz
            j.finish_ns = None
        j._et = self._et
        j.index = self._index
        j.release_ns = rel
        j.deadline_ns = rel + self._deadline
        # traps.reuse, inline (a periodic job's release: simtime.py)
        c = k._current
        t = c._spare
        if t is None:
            t = new_trap(Trap)
        else:
            c._spare = None
        if edf:
            # the job's deadline becomes the thread's when the job
            # starts: now if it is due, else when the sleep ends
            if rel <= now:
                k.set_deadline_ns(k._current, j.deadline_ns)
                t.kind = SLEEP
            else:
                t.kind = RELEASE
        else:
            t.kind = SLEEP
        t.obj = j
        t.arg = rel
        t.q = None
        return t
