"""muos.asyncio: asyncio programs on muos, with priorities.

``import muos.asyncio as asyncio`` runs a program written for CPython's
or MicroPython's asyncio unchanged (MicroPython's semantics where the
two differ); its tasks are muos threads, so ``create_task(coro,
priority=...)`` bounds the latency of the task that matters, and asyncio
code and muos threads mix in one kernel. Names load on first use (a
module ``__getattr__``, as MicroPython's asyncio does), so a program pays
only for what it uses.
"""

from .core import (CancelledError, Loop, Task, TimeoutError, create_task,
                   current_task, get_event_loop, new_event_loop, run,
                   run_until_complete, sleep, sleep_ms)

__all__ = ("run", "create_task", "sleep", "sleep_ms", "gather", "wait_for",
           "wait_for_ms", "Event", "ThreadSafeFlag", "Lock", "Queue",
           "QueueFull", "QueueEmpty", "Task", "current_task",
           "CancelledError", "TimeoutError", "get_event_loop",
           "new_event_loop", "Loop", "run_until_complete",
           "open_connection", "start_server", "StreamReader", "StreamWriter")

_attrs = {
    "gather": "funcs",
    "wait_for": "funcs",
    "wait_for_ms": "funcs",
    "Event": "event",
    "ThreadSafeFlag": "event",
    "Lock": "lock",
    "Queue": "queue",
    "QueueFull": "queue",
    "QueueEmpty": "queue",
    "open_connection": "stream",
    "start_server": "stream",
    "StreamReader": "stream",
    "StreamWriter": "stream",
    "Stream": "stream",
    "Server": "stream",
}


def __getattr__(attr):
    mod = _attrs.get(attr, None)
    if mod is None:
        raise AttributeError(attr)
    value = getattr(__import__(mod, globals(), None, [attr], 1), attr)
    globals()[attr] = value
    return value
