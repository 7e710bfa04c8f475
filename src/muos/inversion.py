"""Priority inversion: the windows in which a thread waits on a mutex
whose owner runs below it.

Owns: ``InversionTracker``, the inversion state machine over the waits
on mutexes in progress (``_mwaits``, which the kernel reads to skip its
hooks when there are none); the base of ``statsapi.StatsApi`` on
CPython, a cold part of ``Stats`` on MicroPython (loaded by the first
wait on a mutex: a program whose mutexes never make a thread wait never
loads it). ``Stats.__init__`` makes its state (``_mwaits``, ``_plain``:
the types waited on that are not mutexes, ...). Its views
(``inversion_windows``, ``inversion_time``, ``inversion_by_object``) are
``statsapi.StatsApi``'s, with the definition at ``inversion_time``.
Imports ``compat`` and ``units``. ``Stats``'s hooks ``on_block`` /
``on_unblock`` / ``on_priority`` call the ``_inv_*`` methods here; the
``Stats`` gives ``name_of``, ``elapsed_ns`` and ``tick_hz``.
"""

from .compat import MICROPYTHON
from .units import shifted, tick_units

__all__ = ("InversionTracker",)

# ended inversion windows listed (the last ones; inversion_time and
# inversion_by_object count every one)
WINDOWS_KEPT = 16 if MICROPYTHON else 10000


class InversionTracker:
    """Priority inversion on mutexes, computed from the kernel's hooks
    (a part of ``Stats``)."""

    def _shift_open(self, d):
        """The kernel moved its time origin ``d`` later (rebase.py)."""
        mw = self._mwaits
        for i in range(len(mw)):
            if mw[i][2] is not None:
                mw[i][2] = shifted(mw[i][2], d)

    def _epoch(self):
        return self._et * tick_units(self.tick_hz)

    # -- called by Stats's hooks --
    def _inv_block(self, t, what, now):
        """``t`` starts waiting on the mutex ``what``."""
        # [waiter, mutex, inversion since, mutex name, owner]: an ended
        # wait's record again when there is one (a lock that waits
        # allocates nothing: issue 16 #4)
        o = what.owner
        inv = o is not None and o.priority < t.priority
        e = self._mw_free
        if e is None:
            e = [None, None, None, None, None]
        else:
            self._mw_free = e[1]
        e[0] = t
        e[1] = what
        e[2] = now if inv else None
        e[3] = self.name_of(what)
        e[4] = o.name if inv else None
        self._mwaits.append(e)

    def _inv_unblock(self, t, now):
        """``t``'s wait ends (called while ``_mwaits`` is not empty)."""
        mw = self._mwaits
        for i in range(len(mw)):
            if mw[i][0] is t:
                e = mw.pop(i)
                self._inv_end(e, now)
                e[0] = None
                e[1] = self._mw_free
                self._mw_free = e
                # t may own the mutex now: the others' owner changed
                for e in mw:
                    self._inv_check(e, now)
                break

    def _inv_priority(self, t, now):
        """An effective priority or a mutex's owner changed (see
        ``Stats.on_priority``): check every wait on a mutex."""
        for e in self._mwaits:
            self._inv_check(e, now)

    def _inv_check(self, e, now):
        w = e[0]
        o = e[1].owner
        inv = o is not None and o.priority < w.priority
        if e[2] is not None and (not inv or o.name != e[4]):
            self._inv_end(e, now)
        if inv and e[2] is None:
            e[2] = now
            e[4] = o.name

    def _inv_end(self, e, now):
        since = e[2]
        if since is None:
            return
        e[2] = None
        dt = now - since
        if dt <= 0:
            return
        e[0]._extra().inversion_ns += dt
        self._inv_by[e[3]] = self._inv_by.get(e[3], 0) + dt
        w = self._inversions
        ep = self._epoch()
        w.append((since + ep, now + ep, e[0].name, e[3], e[4]))
        if len(w) >= 2 * WINDOWS_KEPT:
            # the last WINDOWS_KEPT (amortised O(1); the totals above
            # count every window): bounded on a run of months
            del w[:len(w) - WINDOWS_KEPT]
