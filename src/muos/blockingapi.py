"""The blocking layer's cold part: waits on several objects, a
thread's key changes (inheritance, ceilings, set_priority, deadlines)
and a wait's failure on timeout.

Owns: ``BlockingApi`` (``Blocking``'s base on CPython; on MicroPython
loaded at the first use of one of its names: ``compat.cold_part``: the
first ``wait_any``, the first mutex that makes a thread wait, the first
deadline, the first timed wait that fails). Imports ``kernelbase``,
``ready``, ``thread``, ``traps``.
"""

from .kernelbase import KernelBase
from .ready import earlier
from .thread import READY, SUSPENDED
from .traps import ANY, BLOCK, WAIT

__all__ = ("BlockingApi",)


class BlockingApi(KernelBase):
    """``Blocking``'s rarer paths (see the module doc)."""

    def _wait_any(self, t, trap):
        """The kernel's handling of an ANY trap: try each operation in order;
        if none completes, queue the thread on every object (the first waker
        wins; the kernel's wake() withdraws the others)."""
        ops = trap.arg
        for i in range(len(ops)):
            op = ops[i]
            op.thread = t
            op.index = i
            try:
                v = op.obj._try(op)
            except Exception as e:
                t._wake_exc = e
                return
            if v is not BLOCK:
                t._wake_value = (i, v)
                return
        if t.interrupted:
            from .moreerrors import Interrupted   # (loaded to raise it)
            t._wake_exc = Interrupted("thread %r interrupted" % t.name)
            return
        timeout = trap.timeout
        if timeout is not None and timeout <= 0:
            t._wake_value = (None, None)
            return
        trap.thread = t
        t._trap = trap
        for op in ops:
            self._seq += 1
            op.seq = self._seq
            op.q.push(op)
        if timeout is not None:
            t._tentry = self._tq.push(self._now + timeout, t)
        self._block(t, trap, "wait_any")
        for op in ops:
            if op.q.on_change is not None:
                op.q.on_change()

    # -- key changes (inheritance, ceilings, set_priority, deadlines) --
    def recompute_priority(self, t):
        """Effective key = the most urgent (priority, then earliest
        deadline) of its own (base priority, own deadline) and what each
        mutex it holds gives (ceiling, or the head waiter's key)."""
        p = t.base_priority
        x = t._x
        d = None if x is None else x.deadline_ns
        for m in t._held:
            s = m._boost()
            if s is None:
                continue
            if s is m:                 # a ceiling, with the own deadline
                if m.ceiling > p:
                    p = m.ceiling
                continue
            bp = s.priority            # the head waiter's key
            if bp > p or (bp == p and earlier(s._dl, d)):
                p = bp
                d = s._dl
        old = t.priority
        od = t._dl
        if p == old and d == od:
            return
        # out of the ready list under its old key (a deadline heap is
        # found by priority); moved only if linked: a thread being
        # killed was unlinked first, and its cleanup (releasing a
        # boosted mutex) must not put it back (issue 14 #1)
        linked = t.state == READY and self._ready.remove(t)
        t.priority = p
        t._dl = d
        if p != old:
            if self._trace is not None:
                self._trace.on_priority(self, t, old, p)
            self.stats.on_priority(self, t, old, p)
        if self._trace is not None and d != od:
            self._trace.on_deadline(self, t, d)
        if linked:
            self._ready.push_tail(t)
        elif t.state == SUSPENDED:
            trap = t._trap
            if trap is not None and trap.kind in (WAIT, ANY):
                ops = trap.arg if trap.kind == ANY else (trap,)
                for op in ops:
                    op.q.reposition(op)
                    if op.q.on_change is not None:
                        op.q.on_change()

    def set_deadline_ns(self, t, d):
        """Set ``t``'s own deadline (absolute, in kernel units; None:
        none) and recompute its key."""
        x = t._x
        if x is None:
            if d is None:
                return
            x = t._extra()
        x.deadline_ns = d
        self.recompute_priority(t)

    def _deliver_fail(self, t, trap):
        fail = trap.fail
        if isinstance(fail, type) and issubclass(fail, BaseException):
            from .diag import describe    # (loaded for the message)
            t._wake_exc = fail("%s: timed out" % describe(trap.obj))
        else:
            t._wake_value = fail
