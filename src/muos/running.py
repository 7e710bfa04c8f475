"""The running kernel, one per OS thread (API.md, "Running").

Owns: which kernel runs in each OS thread (``running_kernel``,
``current_kernel``), the context check of blocking calls (``can_block``)
and the one helper objects build their blocking calls with
(``wait_trap``: the check, then the trap), and ``enter``/``leave``,
which ``Kernel.run`` brackets its loop with. Imports ``compat``,
``diag``, ``errors``, ``kernelbase``, ``traps``. Kernels running in several
OS threads at once (a thread pool of simulations) never see each other.

``RUNNING[0]`` is what the calls' fast paths read first: the running kernel
while a single OS thread runs one (the common case: one read), else
``_SEVERAL``, a stand-in that fails every context test of those fast
paths (its ``_isr`` is set), so that they ask ``running_kernel()``,
which looks the OS thread up. (While one OS thread runs a kernel,
another OS thread that runs none sees that kernel: muos calls are meant
for its threads and handlers.)
"""

from .compat import allocate_lock, get_ident
from .kernelbase import KernelBase
from .traps import NEVER, WAIT, reuse, timed

__all__ = ("RUNNING", "running_kernel", "kernel_here", "current_kernel",
           "can_block",
           "wait_trap", "is_running", "check_free", "enter", "leave")

# a one-element list, so that the calls hold the cell itself: reading
# it is one index (no module attribute lookup, compiled or not)
RUNNING = [None]
_by_os_thread = {}  # type: dict  # OS thread ident -> the kernel it runs
_registry_lock = allocate_lock()
_SEVERAL = KernelBase()
_SEVERAL._isr = 1  # type: ignore[attr-defined]


def running_kernel():
    """The kernel running in this OS thread, or None."""
    k = RUNNING[0]
    if k is _SEVERAL:
        return _by_os_thread.get(get_ident())
    return k


def kernel_here():
    """The kernel running in this very OS thread, or None (exact, where
    ``running_kernel`` lets another OS thread see the only one)."""
    return _by_os_thread.get(get_ident())


def is_running(k):
    """True while ``k`` runs, in any OS thread."""
    with _registry_lock:
        for r in _by_os_thread.values():
            if r is k:
                return True
    return False


def _refuse(k, me):
    # (under _registry_lock) ContextError if k may not start here
    r = _by_os_thread.get(me)
    if r is k:
        raise _context_error("Kernel.run: this kernel is running already "
                             "(a thread of it called run())")
    if r is not None:
        raise _context_error("Kernel.run: another kernel is running in this "
                             "OS thread")
    for r in _by_os_thread.values():
        if r is k:
            raise _context_error("Kernel.run: this kernel is running in "
                                 "another OS thread")


def _context_error(message):
    # (moreerrors.py is loaded when one is raised: MicroPython)
    from .moreerrors import ContextError
    return ContextError(message)


def check_free(k):
    """ContextError unless ``k`` may start running in this OS thread
    (nothing registered: ``Kernel.run`` calls it before its ``try``)."""
    with _registry_lock:
        _refuse(k, get_ident())


def enter(k):
    """``k`` runs in this OS thread from now (ContextError if it runs
    elsewhere, or another kernel runs here)."""
    me = get_ident()
    with _registry_lock:
        _refuse(k, me)
        _by_os_thread[me] = k
        _publish()


def leave(k):
    """``k`` stops running in this OS thread (nothing if it was not
    registered here: ``enter`` refused it, or never ran)."""
    me = get_ident()
    with _registry_lock:
        if _by_os_thread.get(me) is k:
            del _by_os_thread[me]
            _publish()


def _publish():
    # RUNNING[0] after _by_os_thread changed (under _registry_lock)
    n = len(_by_os_thread)
    if n == 0:
        RUNNING[0] = None
    elif n == 1:
        for k in _by_os_thread.values():
            RUNNING[0] = k
    else:
        RUNNING[0] = _SEVERAL


def current_kernel(what="muos.current_kernel"):
    """The kernel of the running thread or handler, or ContextError
    naming the call."""
    k = running_kernel()
    if k is None:
        raise _context_error("%s needs a running muos kernel (call it from "
                             "a thread started by muos.run or Kernel.run)"
                             % what)
    return k


def can_block(label, what=None, obj=None):
    """The running kernel if its current thread may block here, else
    ContextError naming ``label`` (no kernel) or ``obj``.``what``."""
    k = RUNNING[0]
    if (k is not None and not k._isr and not k._lock
            and not k._irqs.mask and k._current is not None):
        return k      # (never _SEVERAL: its _isr is set)
    return current_kernel(label)._check_block(
        label if what is None else what, obj)


def wait_trap(obj, what, q, arg=None, ticks=NEVER, fail=None):
    """The trap of ``obj``'s blocking call ``what`` ("wait", "alloc",
    ...): its operation waits on ``q`` with ``arg``; given ``ticks`` (a
    duration, checked as every duration is) it gives up after them,
    returning ``fail`` (or raising it, an exception class). The context
    is checked here, when the call is made, before any await (API.md):
    ContextError in a handler, a locked or masked section, or outside a
    thread."""
    k = RUNNING[0]
    if (k is None or k._isr or k._lock or k._irqs.mask
            or k._current is None):
        from .diag import describe     # (loaded for the error only)
        label = "%s.%s" % (describe(obj), what)
        k = current_kernel(label)._check_block(label)
    if ticks is NEVER:
        return reuse(k._current, WAIT, obj, arg, q)
    if type(ticks) is int and ticks >= 0:
        ns = ticks * k._tick     # (no message made: nothing allocated)
    else:
        from .diag import describe     # (a duration not an int of ticks)
        ns = k.to_ns(ticks, "%s.%s: ticks" % (describe(obj), what))
    return timed(k._current, WAIT, obj, arg, q, ns, fail)
