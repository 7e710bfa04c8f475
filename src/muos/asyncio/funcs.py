"""muos.asyncio's gather and wait_for (MicroPython's semantics).

Owns: ``gather``, ``wait_for``, ``wait_for_ms``. ``wait_for`` runs the
awaitable in a runner task and sleeps for the timeout: whichever ends
first cancels the other, the runner passing its outcome in the
``CancelledError`` it throws (MicroPython's design).
"""

import muos
from ..morecalls import suspend
from ..thread import SUSPENDED

from .core import (CancelledError, TimeoutError, _promote, current_task,
                   sleep, sleep_ms)

__all__ = ("gather", "wait_for", "wait_for_ms")


async def _run(waiter, aw, state):
    try:
        result = await aw
        status = True
    except BaseException as er:
        result = None
        status = er
    if state[0] is None and not waiter._cancel_pending:
        # the waiter has not seen its timeout, nor been cancelled from
        # outside: wake it with the outcome (at its sleep, or, if the
        # timeout has just ended that sleep, where it resumes)
        state[0] = True
        waiter.thread.throw(CancelledError(status, result))


async def wait_for(aw, timeout, sleep=sleep):
    """``aw``'s result, or TimeoutError after ``timeout`` seconds (``aw``
    is then cancelled)."""
    aw = _promote(aw)
    if timeout is None:
        return await aw
    state = [None]
    me = current_task()
    me._cancel_pending = False
    runner = aw._loop.create_task(_run(me, aw, state),
                                  priority=muos.this_thread().priority)
    try:
        await sleep(timeout)
    except CancelledError as er:
        me._cancel_pending = False
        status = er.args[0] if er.args else None
        if status is None:
            # this wait_for was cancelled from outside: cancel aw too
            state[0] = False
            runner.cancel()
            raise
        if status is True:
            return er.args[1]
        raise status  # noqa: B904  (aw's own exception, as raised there)
    # the timeout came first
    state[0] = False
    runner.cancel()
    try:
        await runner
    except CancelledError:
        pass
    raise TimeoutError()


def wait_for_ms(aw, timeout):
    """``wait_for`` with the timeout in milliseconds (MicroPython)."""
    return wait_for(aw, timeout, sleep_ms)


async def gather(*aws, return_exceptions=False):
    """The results of every awaitable, in order; the first exception is
    raised at once unless ``return_exceptions`` (then it is a result).
    Cancelling the gather cancels those still running."""
    ts = [_promote(aw) for aw in aws]
    me = muos.this_thread()
    left = [0, None]                 # [still running, woken]

    def done(t):
        if left[1] is not None:
            return
        if not return_exceptions and t._exc is not None:
            left[1] = t
        else:
            left[0] -= 1
            if left[0]:
                return
            left[1] = True
        if me.state == SUSPENDED:   # (not if a cancel withdrew it)
            me.resume()

    failed = None                    # the exception to raise
    for t in ts:
        if not t.done() and t._mode is not None:
            raise RuntimeError("can't gather")      # (MicroPython)
    for t in ts:
        t._waiters += 1              # retrieved here: never reported
        if not t.done():
            left[0] += 1
        elif t._exc is not None and not return_exceptions \
                and failed is None:
            failed = t._exc          # MicroPython: the gather does not run
    try:
        if left[0] and failed is None:
            for t in ts:
                if not t.done():
                    t._mode = "gather"
                    t.add_done_callback(done)
            try:
                await suspend()
            except CancelledError:
                for t in ts:
                    if not t.done():
                        t.cancel()
                raise
            finally:
                for t in ts:
                    if t._mode == "gather":
                        t._mode = None
                    t.remove_done_callback(done)
            if left[1] is not True:
                failed = left[1]._exc
    finally:
        for t in ts:
            t._waiters -= 1
    out = []
    for t in ts:
        if not t.done():
            out.append(None)
            continue
        t._retrieved = True
        e = t._exc
        if e is None:
            out.append(t._result)
        elif return_exceptions:
            out.append(e)
        else:
            if failed is None:
                failed = e
            out.append(None)
    if failed is not None:
        raise failed
    return out
