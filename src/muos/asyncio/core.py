"""muos.asyncio's core: tasks are muos threads, the loop is a muos kernel.

Owns: ``Task``, ``create_task``, ``run``, ``sleep``/``sleep_ms``,
``current_task``, the ``Loop`` and its exception handler, and the two
exceptions. Portable (MicroPython): built on muos's public API only.

A task is a muos thread running ``_runner``, which awaits the task's
coroutine and keeps its outcome, so a failing task never reaches the
kernel's own reporting: an exception nobody retrieves goes to the loop's
exception handler one scheduling round later (MicroPython's rule), a
cancelled task simply ends. ``Task.cancel()`` is ``Thread.throw`` of a
``CancelledError``, forwarded to the task it awaits (MicroPython).
"""

import sys

import muos
from ..morecalls import in_isr
from ..compat import get_ident
from ..running import current_kernel, kernel_here
from ..traps import Trap

__all__ = ("CancelledError", "TimeoutError", "Task", "create_task", "run",
           "sleep", "sleep_ms", "current_task", "Loop", "get_event_loop",
           "new_event_loop", "run_until_complete")

try:
    import builtins
    _builtin_timeout = getattr(builtins, "TimeoutError", None)
except ImportError:             # pragma: no cover (MicroPython builds)
    _builtin_timeout = None


class CancelledError(BaseException):
    """Raised in a task that is cancelled (a BaseException, as in
    asyncio: ``except Exception`` does not swallow it)."""


if _builtin_timeout is not None:
    TimeoutError = _builtin_timeout       # CPython 3.11+: the builtin
else:                                     # pragma: no cover
    class TimeoutError(Exception):  # type: ignore[no-redef]
        """``wait_for`` gave up."""

try:
    from time import ticks_add as _ticks_add  # type: ignore[attr-defined]
    # MicroPython's sleep_ms refuses what its tick counter cannot hold
    _MAX_SLEEP_MS = _ticks_add(0, -1) // 2
except ImportError:
    _MAX_SLEEP_MS = None

_PENDING = 0
_DONE = 1

# the thread of each live task (current_task, cancel's self-check)
_tasks = {}  # type: dict


class Task:
    """A coroutine running as a muos thread (``create_task``): awaitable,
    ``cancel()``, ``done()``, ``result()``; ``thread`` is its muos
    thread (its priority, statistics, deadline)."""

    def __init__(self, coro, loop, name=None, priority=None, thread=None):
        self._coro = coro
        self._loop = loop
        self._state = _PENDING
        self._result = None
        self._exc = None
        self._waiters = 0           # tasks (or the loop) awaiting it
        self._awaiting = None       # the Task it awaits (cancel forwards)
        self._callbacks = None
        self._retrieved = False
        self._mode = None           # "await" or "gather" (MicroPython: one)
        self._first = None          # cancelled before it ever ran
        self._cancel_pending = False  # a cancel not yet seen (wait_for)
        if thread is not None:      # a muos thread asyncio code runs in
            self.thread = thread
        else:
            if priority is None:
                priority = muos.Priority.NORMAL
            k = loop._kernel()
            self.thread = k.spawn(
                _runner, self, name=name or "task", priority=priority)
            # as MicroPython's asyncio: a task switches with the heap
            # locked (heap_lock) before it ever ran
            k.prime(self.thread)
        _tasks[self.thread] = self

    def __repr__(self):
        return "<Task %s %s>" % (self.thread.name, (
            "pending" if self._state == _PENDING else
            "cancelled" if isinstance(self._exc, CancelledError) else
            "done"))

    # -- asyncio's Task --
    def done(self):
        return self._state != _PENDING

    def cancelled(self):
        return self._state != _PENDING and isinstance(self._exc,
                                                      CancelledError)

    def result(self):
        if self._state == _PENDING:
            raise RuntimeError("Task %r: result is not set yet"
                               % self.thread.name)
        self._retrieved = True
        if self._exc is not None:
            raise self._exc
        return self._result

    def exception(self):
        if self._state == _PENDING:
            raise RuntimeError("Task %r: exception is not set yet"
                               % self.thread.name)
        self._retrieved = True
        if isinstance(self._exc, CancelledError):
            raise self._exc
        return self._exc

    def get_name(self):
        return self.thread.name

    def add_done_callback(self, fn):
        """Call ``fn(task)`` when it ends (at once if it has)."""
        if self._state != _PENDING:
            fn(self)
            return
        if self._callbacks is None:
            self._callbacks = []
        self._callbacks.append(fn)

    def remove_done_callback(self, fn):
        cbs = self._callbacks
        n = 0
        while cbs and fn in cbs:
            cbs.remove(fn)
            n += 1
        return n

    def cancel(self, msg=None):
        """Throw ``CancelledError`` into it at its await (blocked or
        ready), or into the task it awaits; False if it has ended."""
        if self._state != _PENDING:
            return False
        cur = _tasks.get(_this_thread())
        if self is cur:
            raise RuntimeError("can't cancel self")
        t = self
        while t._awaiting is not None and t._awaiting._state == _PENDING:
            t = t._awaiting
        e = CancelledError() if msg is None else CancelledError(msg)
        t._cancel_pending = True      # (wait_for's runner reads it)
        if t.thread.switches == 0 and t._coro is not None:
            t._first = e            # its runner ends it when it starts
        else:
            t.thread.throw(e)
        return True

    def __await__(self):
        c = self._wait()
        a = getattr(c, "__await__", None)   # (MicroPython: a generator)
        return c if a is None else a()

    __iter__ = __await__            # MicroPython awaits through either

    async def _wait(self):
        if self._state == _PENDING:
            if self._mode == "gather":
                raise RuntimeError("can't wait")    # (MicroPython)
            self._mode = "await"
            cur = _tasks.get(_this_thread())
            self._waiters += 1
            if cur is not None:
                cur._awaiting = self
            try:
                await self.thread.join()
            finally:
                self._waiters -= 1
                if cur is not None:
                    cur._awaiting = None
        return self.result()

    # -- its end --
    def _end(self, result, exc):
        self._state = _DONE
        self._result = result
        self._exc = exc
        _tasks.pop(self.thread, None)
        cbs = self._callbacks
        if cbs:
            self._callbacks = None
            for fn in cbs:
                fn(self)


def _this_thread():
    """The running muos thread of this OS thread, or None (outside one,
    in a handler)."""
    k = kernel_here()
    if k is None or in_isr():
        return None
    return muos.this_thread()


async def _runner(task):
    e = task._first
    if e is not None:               # cancelled before it ran: it never runs
        task._coro.close()
        task._end(None, e)
        return
    try:
        r = await task._coro
    except CancelledError as e:
        task._end(None, e)
        return
    except Exception as e:
        task._end(None, e)
        if not task._waiters and not task._retrieved:
            # MicroPython: reported one round later, unless retrieved
            # meanwhile (someone awaits it, or reads its result)
            await muos.yield_now()
            if not task._retrieved:
                task._loop.call_exception_handler({
                    "message": "Task exception wasn't retrieved",
                    "exception": e, "future": task})
        return
    else:
        task._end(r, None)
    finally:
        if task._state == _PENDING:
            # killed (Loop.close, Thread.kill): ended, as cancelled
            task._end(None, CancelledError())


def _loop_here():
    """The loop of the kernel running in this OS thread (asyncio code in a
    muos thread), or this OS thread's current loop (made on the wall
    clock if there is none)."""
    me = get_ident()
    lp = _current.get(me)
    k = kernel_here()
    if k is not None:
        if lp is None or lp._k is not k:
            lp = _current[me] = Loop(kernel=k)
        return lp
    if lp is None:
        lp = _current[me] = Loop()
    return lp


async def _awaiting(aw):
    return await aw


def _coroutine(aw, what):
    """``aw`` as a coroutine: a muos call (``asyncio.sleep`` gives one)
    or another awaitable is awaited by one."""
    if isinstance(aw, Trap):
        return _awaiting(aw)
    if hasattr(aw, "send") and hasattr(aw, "throw"):
        return aw
    if hasattr(aw, "__await__"):
        return _awaiting(aw)
    raise TypeError("%s: coroutine expected, not %r" % (what, aw))


def create_task(coro, *, name=None, priority=None):
    """Run ``coro`` as a task: a muos thread at ``priority`` (default
    ``Priority.NORMAL``), in the running kernel or the current loop's."""
    return Task(_coroutine(coro, "create_task"), _loop_here(), name,
                priority)


def _promote(aw):
    return aw if isinstance(aw, Task) else create_task(aw)


def current_task():
    """The running task (a muos thread that is not a task is given one)."""
    t = _this_thread()
    if t is None:
        raise RuntimeError("no running event loop")
    task = _tasks.get(t)
    if task is None:
        # (made for the call, not kept: a plain thread's end is not seen)
        task = Task(None, _loop_here(), thread=t)
        del _tasks[t]
    return task


def _ticks(k, seconds):
    return seconds * k.tick_hz


def sleep(t):
    """Sleep ``t`` seconds (0 or less: let the other ready tasks of its
    priority run, as asyncio's ``sleep(0)``)."""
    if t <= 0:
        return muos.yield_now()
    return muos.sleep_for(t * current_kernel("asyncio.sleep").tick_hz)


def sleep_ms(t):
    """Sleep ``t`` milliseconds (MicroPython)."""
    if _MAX_SLEEP_MS is not None and t > _MAX_SLEEP_MS:
        raise OverflowError("sleep_ms: %r ms is beyond the tick counter"
                            % (t,))
    if t <= 0:
        return muos.yield_now()
    n = t * current_kernel("asyncio.sleep_ms").tick_hz
    # whole ticks stay ints (a float is a heap object on MicroPython)
    return muos.sleep_for(n // 1000 if n % 1000 == 0 else n / 1000)


def _default_port():
    if sys.implementation.name == "micropython":
        from ..ports.micropython import MachinePort
        return MachinePort()
    return muos.HostPort()


class Loop:
    """An event loop: a muos kernel (made on first use, on ``port`` or the
    wall clock) and the exception handler."""

    def __init__(self, port=None, kernel=None):
        self._port = port
        self._k = kernel
        self._own = kernel is None       # made here: closed here
        self._forever = False

    def _kernel(self):
        k = self._k
        if k is None:
            port = self._port
            if port is None:
                port = self._port = _default_port()
            # inside muos.recording(trace=True) (muos demo --trace ...),
            # as muos.run does
            rec = muos._recorders[-1] if muos._recorders else None
            k = self._k = muos.Kernel(port, trace=bool(rec and rec.trace))
        return k

    def create_task(self, coro, *, name=None, priority=None):
        return Task(_coroutine(coro, "create_task"), self, name, priority)

    def run_until_complete(self, aw):
        """Run the kernel until ``aw`` (a task or coroutine) is done; its
        result, or its exception raised here."""
        task = aw if isinstance(aw, Task) else self.create_task(aw)
        task._waiters += 1               # retrieved here, never reported
        k = self._kernel()
        try:
            while task._state == _PENDING:
                if k.run(stop_on=task.thread, forever=True) == "idle" \
                        and task._state == _PENDING:
                    raise muos.Stalled(
                        "asyncio: the task can never complete (simulated "
                        "time: nothing is left to wait for)")
        finally:
            task._waiters -= 1
        if muos._recorders and self._own:
            muos._recorders[-1].runs.append(muos.RunResult(
                task._result, k.now, k.stats, k.trace, k))
        return task.result()

    def run_forever(self):
        """Run until ``stop()`` (on simulated time: until nothing is left
        to do)."""
        self._forever = True
        try:
            self._kernel().run(forever=True)
        finally:
            self._forever = False

    def stop(self):
        """``run_forever`` returns at the caller's next await."""
        if self._forever and self._k is not None:
            self._k.stop()

    def close(self):
        """End its tasks (their ``finally`` blocks run now) and release
        the port it made."""
        k = self._k
        if k is not None and self._own:
            k.close()
            close = getattr(k.port, "close", None)
            if close is not None:
                close()
            self._k = None
        me = get_ident()
        if _current.get(me) is self:
            del _current[me]

    def time(self):
        k = self._kernel()
        return k.now / k.tick_hz

    # -- exceptions no task retrieved --
    # (one handler for every loop, as MicroPython's Loop class attribute:
    # set before asyncio.run(), it serves the loop run() makes)
    _handler = None

    def set_exception_handler(self, handler):
        Loop._handler = handler

    def get_exception_handler(self):
        return Loop._handler

    def default_exception_handler(self, context):
        out = sys.stderr
        print(context["message"], file=out)
        fut = context.get("future")
        if fut is not None:
            print("future:", fut, "coro=", fut._coro, file=out)
        e = context.get("exception")
        if e is not None:
            pe = getattr(sys, "print_exception", None)
            if pe is not None:            # MicroPython
                pe(e, out)
            else:
                try:                      # (CPython: MicroPython has
                    import traceback      # print_exception above)
                except ImportError:       # pragma: no cover
                    print(repr(e), file=out)
                else:
                    traceback.print_exception(type(e), e, e.__traceback__,
                                              file=out)

    def call_exception_handler(self, context):
        h = Loop._handler
        if h is None:
            self.default_exception_handler(context)
        else:
            h(self, context)


_current = {}   # type: dict  # OS thread ident -> its current loop


def get_event_loop(*args):
    """The current loop (the running kernel's, inside one)."""
    return _loop_here()


def new_event_loop(port=None):
    """A new current loop (a new kernel: the old one's tasks stay
    there)."""
    lp = _current[get_ident()] = Loop(port)
    return lp


def run_until_complete(main_task):
    """MicroPython's module-level form of ``Loop.run_until_complete``."""
    return get_event_loop().run_until_complete(main_task)


def run(coro, *, port=None):
    """Run ``coro`` as the main task of a new loop (on ``port``, e.g.
    ``muos.SimPort()``; by default the wall clock) and close the loop:
    tasks still pending then end (their ``finally`` blocks run); its
    result."""
    if kernel_here() is not None:
        raise RuntimeError("asyncio.run() cannot be called from a running "
                           "event loop")
    lp = new_event_loop(port)
    try:
        return lp.run_until_complete(lp.create_task(coro, name="main"))
    finally:
        lp.close()
