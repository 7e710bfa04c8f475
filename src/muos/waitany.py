"""Waiting on many operations at once: ``await muos.wait_any(*ops)``.

Owns: ``wait_any``, the call that builds an ANY trap. The kernel
(blocking.py) tries the operations in order; if none can complete it
queues the thread on every object; the first waker completes its
operation and the kernel withdraws the others, which never had any
effect (operations are lazy traps until the kernel processes them).
"""

from .running import current_kernel
from .traps import ANY, WAIT, TimedTrap, Trap, consumed

__all__ = ("wait_any",)


def wait_any(*ops, timeout=None):
    """Complete exactly one of ``ops`` (un-awaited blocking calls such as
    ``s.wait()``, ``m.lock()``, ``f.wait(...)``, ``q.receive()``,
    ``q.send(msg)``, ``p.alloc()``); returns ``(index, value)``, or
    ``(None, None)`` after ``timeout`` ticks. Thread context; may block."""
    for op in ops:
        if isinstance(op, Trap):
            consumed(op)   # handed to wait_any: never awaited on their own
    k = current_kernel("muos.wait_any")._check_block("muos.wait_any")
    if not ops:
        raise ValueError("muos.wait_any: needs at least one operation")
    seen = []
    for i in range(len(ops)):
        op = ops[i]
        if not isinstance(op, Trap) or op.kind != WAIT:
            raise TypeError("muos.wait_any: operation %d (%r) is not an "
                            "un-awaited blocking call" % (i, op))
        if op.timeout is not None:
            # the kernel would ignore it: say so instead of waiting forever
            raise ValueError("muos.wait_any: operation %d (%r) has its own "
                             "timeout; give wait_any(timeout=...) instead"
                             % (i, op))
        for o in seen:
            if o is op:
                raise ValueError("muos.wait_any: operation %d is given "
                                 "twice" % i)
        seen.append(op)
    t = None if timeout is None else k.to_ns(timeout, "wait_any: timeout")
    return TimedTrap(ANY, None, list(ops), None, t, None)
