"""Blocking and waking: the wait/wake protocol of every thread, and the
handling of every trap a thread awaits.

Owns: ``Blocking``, the layer of the kernel between its plain parts
(kernelbase.py) and its run loop (kernel.py). A thread waits by awaiting
a trap: ``_wait`` tries the object's operation (``obj._try(trap)``), and
if it must wait ``_suspend`` queues the trap on the object's WaitQueue,
with its timeout in the time queue; ``_wait_any`` does the same for
several operations at once. A waiter whose priority changes moves in
its queues (``recompute_priority``: inheritance and ceilings). Those
two, deadlines and a timed wait's failure are the cold part
(blockingapi.py: ``Blocking``'s base on CPython, loaded at first use
on MicroPython). A wait ends one way only, through ``wake`` (a waker
completes it: waitq.py's ``wake_one`` and friends), a timeout
(``_timeout``), an interrupt or a kill (``_withdraw``): the waker
decides what the wait returns or raises; a thread made ready takes the
CPU from a less urgent one at the loop's next pick (``preempt``).
Imports ``compat``, ``kernelbase``, ``power``, ``ready``, ``thread``,
``traps`` (and where they are needed
``diag`` for a message, ``moreerrors`` to raise).
"""

from .compat import MICROPYTHON, cold_part
from .kernelbase import KernelBase
from .power import slice_end
from .ready import earlier
from .thread import READY, SUSPENDED
from .traps import (ANY, BLOCK, BUSY, IDLE_SLEEP, IDLE_WAIT, PASS, RELEASE,
                    SLEEP, SPIN, SPINNING, SUSPEND, WAIT, YIELD, TimedTrap,
                    Trap)

__all__ = ("Blocking", "throw_in", "preempt")


def throw_in(t, exc):
    """Resume ``t`` by raising ``exc`` at its await; a Deferred one
    (Thread.throw) first delivers that await's result, and raises at the
    await the thread reaches next (which has not acted yet). Returns
    what the thread awaits then."""
    if not isinstance(exc, BaseException):   # a Deferred (threadapi.py)
        v = t._wake_value
        t._wake_value = None
        t._coro.send(v)
        exc = exc.exc
    return t._coro.throw(exc)


def preempt(k, cur, now):
    """The current thread, or None when a ready one takes its place
    (it goes to the head of its level, or to the tail when its
    round-robin slice ended at this instant; the idle thread stays
    in the list, at level 0, while it runs too)."""
    ready = k._ready
    top = ready.top()
    if top is None or top is cur or k._lock or k._irqs.mask:
        return cur
    if cur is k.idle or (k.preemptive and (
            top.priority > cur.priority or (
                top.priority == cur.priority
                and earlier(top._dl, cur._dl)))):
        cur.state = READY
        if cur is not k.idle:           # (which stays listed)
            if (k.time_slice is not None
                    and ready.has_equal(cur.priority, cur._dl)
                    and now >= slice_end(k)):
                # its slice expired at this same instant: that sends it
                # to the tail (API.md) before the preemption would keep
                # it at the head
                ready.push_tail(cur)
            else:
                ready.push_head(cur)
        if k._trace is not None:
            k._trace.on_preempt(k, cur, top)
        return None
    if (top.priority == cur.priority and top._dl == cur._dl
            and k.preemptive and k.time_slice is not None
            and now >= slice_end(k)):
        cur.state = READY
        ready.push_tail(cur)
        if k._trace is not None:
            k._trace.on_ready(k, cur, "slice")
        return None
    return cur


if MICROPYTHON:    # (its rarer paths load at first use: compat.cold_part)
    globals()["BlockingApi"] = KernelBase
else:
    from .blockingapi import BlockingApi


class Blocking(BlockingApi):
    """How threads wait and are woken (see the module doc)."""

    # -- starting a wait --
    def _wait(self, t, trap):
        trap.thread = t
        try:
            v = trap.obj._try(trap)
        except Exception as e:
            t._wake_exc = e
            return
        if v is not BLOCK:
            t._wake_value = v
            return
        self._suspend(t, trap)

    def _suspend(self, t, trap):
        """Queue ``t`` on ``trap.q`` (its operation must wait)."""
        if t.interrupted:
            from .moreerrors import Interrupted   # (loaded to raise it)
            from .diag import describe
            t._wake_exc = Interrupted("thread %r interrupted before waiting "
                                      "on %s" % (t.name, describe(trap.obj)))
            return
        timeout = trap.timeout
        if timeout is not None and timeout <= 0:
            self._deliver_fail(t, trap)
            return
        self._seq += 1
        trap.seq = self._seq
        t._trap = trap
        trap.q.push(trap)
        if timeout is not None:
            t._tentry = self._tq.push(self._now + timeout, t)
        self._block(t, trap, trap.obj)
        q = trap.q
        if q.on_change is not None:
            q.on_change()
        elif not q.fast and type(trap.obj) in self.stats._plain:
            q.fast = True   # no hooks: the loop may queue its waits inline

    def _block(self, t, trap, what):
        t.state = SUSPENDED
        if self._current is t:
            self._current = None
        if self._trace is not None:
            self._trace.on_block(self, t, what)
        self.stats.on_block(self, t, what)

    # -- ending a wait: the waker decides the outcome --
    def wake(self, trap, value=None, exc=None):
        """Complete ``trap``'s wait with ``value`` (or raise ``exc`` in the
        waiter). The caller has already removed it from its queue. ISR-safe."""
        t = trap.thread
        if (t._trap is trap and t._tentry is None and self._trace is None
                and not self._mwaits):
            # the common case: one plain wait without a timeout ends.
            # Its calls come before it changes anything: a RecursionError
            # (or MemoryError) there leaves the wait as it was, so that a
            # post is all or nothing (issue 14 #8)
            r = self._ready
            p = t.priority
            if t._dl is None and not r._listed[p]:
                r.top_level(p)      # (a listed level left empty is skipped)
            w = t.waits
            on = t.blk_on
            if w is not None and on in w:    # (`in`: no method call)
                w[on] += self._now - t.blk_at
                t.blk_on = None
            elif on is None:            # a sleep ends (a deadline's: the
                t.slept += self._now - t.blk_at  # loop's _dl path)
            else:                       # the first wait on that object
                self.stats.on_unblock(self, t)
            if t._dl is not None:        # ordered by its deadline
                r.push_tail(t)
                t._trap = None
                t._wake_value = value
                t._wake_exc = exc
                t.state = READY
                return
            t._trap = None
            if value is not None:    # (a blocked thread's are None: a
                t._wake_value = value   # store less, thread.py)
            if exc is not None:
                t._wake_exc = exc
            t.state = READY
            # ReadyList.push_tail, inline: measured (instructions.py), a
            # hand-over costs 5,600 so and 6,350 through the call
            # (plain build 13,550 and 14,420)
            h = r._heads[p]
            prv = h._rprev
            t._rnext = h
            t._rprev = prv
            prv._rnext = t
            h._rprev = t
            return
        blocked = t._trap
        self._withdraw(t, trap)
        if blocked is not None and blocked.kind == ANY:
            value = (trap.index, value)
        t._wake_value = value
        t._wake_exc = exc
        if self._trace is not None:
            self._trace.on_wake(self, t, trap.obj)
        self._make_ready(t, "wake")

    # -- ending a wait: its general paths --
    def _withdraw(self, t, keep=None):
        """Take ``t`` off every queue it waits on (but ``keep``) and cancel
        its timeout; returns the trap it was blocked in."""
        trap = t._trap
        if t.blk_on is not None:
            self.stats.on_unblock(self, t)
        elif trap is not None and (trap.kind == SLEEP
                                   or trap.kind == RELEASE):
            # a sleep ends, at its time or early: a sleep sets no blk_on
            # (a store less at each end, the switch path's), its trap
            # tells it; its time is a field of its own (stats.waits_total)
            t.slept += self._now - t.blk_at
        t._trap = None
        e = t._tentry
        if e is not None:
            self._tq.cancel(e)
            t._tentry = None
        if trap is None:
            return None
        if trap.kind == WAIT:
            # (not a tuple of one: a wake allocates nothing)
            if trap is not keep and trap.q.remove(trap):
                if trap.q.on_change is not None:
                    trap.q.on_change()
        elif trap.kind == ANY:
            for op in trap.arg:
                if op is not keep and op.q.remove(op):
                    if op.q.on_change is not None:
                        op.q.on_change()
        elif trap.kind == SPIN:      # a spinner killed: it stops asking
            trap.obj._unspin(t)
        return trap

    def _make_ready(self, t, why):
        t.state = READY
        self._ready.push_tail(t)
        if self._trace is not None:
            self._trace.on_ready(self, t, why)

    def _timeout(self, t):
        t._tentry = None
        trap = self._withdraw(t)
        if trap is None:
            return
        if trap.kind == SLEEP:
            t._wake_value = trap.obj
            self._make_ready(t, "sleep")
            return
        if trap.kind == RELEASE:
            # an EDF periodic job starts: its deadline is the thread's
            # before it is made ready (placed by it)
            t._wake_value = trap.obj
            self.set_deadline_ns(t, trap.obj.deadline_ns)
            self._make_ready(t, "sleep")
            return
        if trap.kind == ANY:
            t._wake_value = (None, None)
        else:
            self._deliver_fail(t, trap)
        if self._trace is not None:
            self._trace.on_timeout(self, t,
                                   trap.obj if trap.kind == WAIT else None)
        self._make_ready(t, "timeout")

    # -- acting on the trap a thread awaited (the run loop steps threads
    # and writes the common cases out inline: kernel.py) --
    def _ended(self, t, e):
        """``t``'s coroutine raised ``e`` out of a step."""
        if type(e) is StopIteration:
            self._finish(t, e.args[0] if e.args else None, None)
        elif isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise e            # the program's own end: out of run()
        else:
            from .moreerrors import Killed   # (loaded by kill(): threadapi)
            if type(e) is Killed:
                self._finish(t, None, None, "kill")
                return
            # any other exception (asyncio's CancelledError, a
            # BaseException of the program's) ends only its thread
            self._finish(t, None, e)

    def _trap_in(self, t, trap):
        """Act on the trap ``t`` awaited."""
        if not isinstance(trap, Trap):
            t._wake_exc = TypeError(
                "thread %r awaited %r, which is not a muos operation "
                "(asyncio objects do not work in muos threads)"
                % (t.name, trap))
            return
        if MICROPYTHON and type(trap) is TimedTrap:
            t._tspare = trap      # its next timed wait's (traps.timed)
        kind = trap.kind
        if kind == WAIT:
            self._wait(t, trap)
        elif kind == BUSY:
            t._work = trap.arg
        elif kind == SLEEP or kind == RELEASE:
            if trap.arg <= self._now:
                # nothing to wait for: no Interrupted
                t._wake_value = trap.obj
                if kind == RELEASE:       # the EDF job starts now
                    self.set_deadline_ns(t, trap.obj.deadline_ns)
            elif t.interrupted:
                # like every blocking call: a pending interrupt ends the
                # wait before it starts (µOS++ EINTR)
                from .moreerrors import Interrupted   # (loaded to raise it)
                t._wake_exc = Interrupted("thread %r interrupted before "
                                          "sleeping" % t.name)
            else:
                trap.thread = t
                t._trap = trap
                t._tentry = self._tq.push(trap.arg, t)
                self._block(t, trap, "sleep")
        elif kind == YIELD:
            t.state = READY
            self._ready.push_tail(t)
            self._current = None
            if self._trace is not None:
                self._trace.on_ready(self, t, "yield")
        elif kind == PASS:
            t._wake_value = trap.arg
        elif kind == SUSPEND:
            x = t._x
            if x is not None and x.resume_pending:
                x.resume_pending = False
            elif t.interrupted:
                from .moreerrors import Interrupted   # (loaded to raise it)
                t._wake_exc = Interrupted("thread %r interrupted" % t.name)
            else:
                trap.thread = t
                t._trap = trap
                self._block(t, trap, "suspend")
        elif kind == ANY:
            self._wait_any(t, trap)
        elif kind == IDLE_WAIT:
            t._work = IDLE_SLEEP
        elif kind == SPIN:
            if not trap.obj._take(self, t):
                t._work = SPINNING      # until the holder releases it
                t._trap = trap          # (so that a kill withdraws it)
        else:
            t._wake_exc = ValueError("thread %r: unknown trap %r"
                                     % (t.name, trap))


cold_part(Blocking, "blockingapi", "BlockingApi", (
    "_wait_any", "recompute_priority", "set_deadline_ns", "_deliver_fail"))
