"""Traps: the one awaitable through which a thread leaves the CPU.

Owns: the trap kinds and the ``Trap`` record. Imports ``compat``. A thread
awaits a Trap; the kernel receives it from ``coroutine.send()``, acts on
its ``kind`` (plain int constants, dispatched by if/elif) and later
resumes the thread with the value the waker chose, or throws into it.

A blocking call builds its Trap without side effects, so that
``wait_any`` can try several operations and withdraw the losers: the
object's ``_try(trap)`` runs only when the kernel processes the trap.
"""

from .compat import MICROPYTHON, lazy_fields

# the C trap (src/muos/_trap.c), its own awaitable iterator, when built;
# this module's Trap otherwise (MicroPython, no compiler, MUOS_PURE=1)
if MICROPYTHON:
    _C = None
else:
    from .compat import native
    _C = native("_trap")

__all__ = (
    "Trap", "TimedTrap", "new_trap", "reuse", "timed", "consumed",
    "SLEEP", "YIELD", "BUSY", "WAIT",
    "SUSPEND", "ANY", "PASS", "RELEASE", "SPIN", "IDLE_WAIT", "IDLE_SLEEP",
    "SPINNING", "BLOCK", "NEVER",
)

SLEEP = 1     # arg: absolute wake-up time in ns; returns obj
YIELD = 2     # to the tail of the caller's ready list
BUSY = 3      # arg: CPU work in ns
WAIT = 4      # obj._try(trap) or wait on trap.q; timeout: absolute ns or None
SUSPEND = 5   # until Thread.resume()
ANY = 6       # arg: list of WAIT traps; the first to complete wins
PASS = 7      # a preemption point that returns arg
RELEASE = 9   # a SLEEP that ends by giving the thread obj.deadline_ns
              # (an EDF periodic job's release; 8: the idle thread's trap)
SPIN = 10     # obj: a Spinlock to take, spinning on the core meanwhile
IDLE_WAIT = 8   # the idle thread's: sleep the CPU until an event

# a thread's _work (CPU work left, ns) when it has no end of its own:
IDLE_SLEEP = -1   # an idle thread while its CPU sleeps (IDLE_WAIT)
SPINNING = -2     # a thread spinning on a Spinlock (SPIN, smp.py)


if MICROPYTHON:
    # (two plain objects: a class of their own, for their repr, would
    # cost a board's heap more than both)
    BLOCK = object()
    NEVER = object()
else:
    class _Sentinel:
        __slots__ = ("name",)

        def __init__(self, name):
            self.name = name

        def __repr__(self):
            return self.name

    BLOCK = _Sentinel("BLOCK")   # from _try(): the operation must wait
    NEVER = _Sentinel("NEVER")   # no timeout


# MicroPython: the ends of awaits, made once (see Trap.send)
_STOP_NONE = StopIteration(None)
_STOP_TRUE = StopIteration(True)


class Trap:
    """One pending kernel operation of one thread (without a timeout: see
    ``TimedTrap``). Awaited once at a time (a constant trap shared by
    threads would be awaited by two at once: make one per await).
    ``_trap.c`` defines the same class in C, chosen at import when built.

    The hot blocking calls build theirs with ``new_trap(Trap)`` and four
    stores (kind, obj, arg, q): a class call with an ``__init__`` costs
    more an await (BENCHMARKS.md)."""

    if not MICROPYTHON:
        # (MicroPython ignores __slots__: there it would be one more entry
        # in the class's table, which that makes a step larger)
        __slots__ = ("kind", "obj", "arg", "q", "thread", "seq", "index",
                     "_up")

    timeout = None    # relative ns, or None for none (TimedTrap: a slot)
    fail = None       # value on timeout, or an exception (TimedTrap)

    if not MICROPYTHON:
        def __init__(self, kind, obj=None, arg=None, q=None):
            self._up = 0            # awaited, not resumed yet (__iter__)
            self.kind = kind
            self.obj = obj          # the sync object (WAIT), else None
            self.arg = arg          # operation argument (message, mask)
            self.q = q              # the WaitQueue to wait on (WAIT)
            # set when used: thread (by the kernel when it processes the
            # trap), seq (arrival order in the wait queue), index
            # (position among wait_any's operations); unset until then
    else:
        def __init__(self, kind, obj=None, arg=None, q=None):
            # MicroPython: every attribute set costs memory there, so
            # fields left at None are class attributes (compat.py)
            self.kind = kind
            if obj is not None:
                self.obj = obj
            if arg is not None:
                self.arg = arg
            if q is not None:
                self.q = q

    # A trap is one await at a time: a second await while the first has
    # not ended (another thread awaiting the same trap) raises
    # RuntimeError, as a coroutine awaited twice does (issue 14 #8; the
    # C trap checks the same)
    if not MICROPYTHON:
        def __iter__(self):
            # on CPython a generator is the fastest one-shot iterator in
            # Python (its return value reaches the await without an
            # exception object); a trap that is its own iterator costs
            # more an await (BENCHMARKS.md). The C trap is its own
            # iterator: cheaper than both, 200 bytes less per waiter.
            if self._up:
                raise RuntimeError("%r is being awaited already" % (self,))
            self._up = 1
            try:
                return (yield self)
            finally:
                self._up = 0

        __await__ = __iter__
    else:
        # MicroPython: its own iterator, so that an await allocates
        # nothing (a generator per await is heap; issue 16 #4). `await`
        # is `yield from`: __iter__, then __next__ yields the trap to
        # the kernel; the kernel resumes with send(value) (or send(None):
        # __next__ again), which ends the await by raising a
        # StopIteration made once (the VM takes the await's value from
        # it: no exception is made per resume). A throw or a close ends
        # it too (throw, close).
        _up = 0                 # yielded to the kernel, not resumed yet
        _stop = None            # the StopIteration send() made last

        def __iter__(self):
            if self._up:
                raise RuntimeError("%r is being awaited already" % (self,))
            return self

        __await__ = __iter__

        def throw(self, exc, *rest):
            self._up = 0
            raise exc

        def __next__(self):
            if self._up:
                self._up = 0
                s = _STOP_NONE
                s.__traceback__ = None
                raise s
            self._up = 1
            return self

        def send(self, value):
            self._up = 0
            if value is True:
                s = _STOP_TRUE
            elif value is None:
                s = _STOP_NONE
            else:
                # the last one this trap made, if for the same value (a
                # thread's periodic Job is one object): a recycled trap
                # (calls.py) allocates only when its value changes
                s = self._stop
                if s is None or s.value is not value:
                    s = self._stop = StopIteration(value)
            s.__traceback__ = None
            raise s

    def close(self):
        """Drop it unawaited, as ``coroutine.close()`` (the C trap and
        the -X dev one then do not report it)."""
        if MICROPYTHON:
            self._up = 0         # (the await of a killed thread ends)

    def __repr__(self):
        return "<Trap %d %r>" % (self.kind, self.obj)


lazy_fields(Trap, {"obj": None, "arg": None, "q": None})


if _C is not None:
    Trap = _C.Trap  # type: ignore[misc]  # noqa: F811
    # new_trap(Trap): an empty Trap, no __init__ (its fields set by the
    # caller)
    new_trap = _C.new_trap
    from .neverawaited import never_awaited
    _C.set_never_awaited(never_awaited)

    def consumed(trap):
        """The kernel took ``trap`` without an await (wait_any's
        operations, try_lock's): no never-awaited warning."""
        trap.used = 1
elif MICROPYTHON:
    # (_up is a class attribute until the first await)
    new_trap = object.__new__

    def consumed(trap):
        return None
else:
    # CPython's plain build: under -X dev a trap reports itself never
    # awaited (neverawaited.py, which a board does not keep)
    from .neverawaited import plain_traps
    Trap, new_trap, consumed = plain_traps(Trap)  # type: ignore[misc]


def reuse(th, kind, obj=None, arg=None, q=None):
    """A trap for running thread ``th``'s next await: the one it awaited
    last when it has one (that await ended: the thread runs), else a new
    one. Its awaits then allocate nothing (issue 16 #4): the kernel's
    loop keeps each plain trap a thread awaits as its ``_spare``; taking
    it clears it, so that traps made before an await (wait_any's
    operations) are distinct. A trap is awaited once: keeping one to
    await again later is not supported (as a coroutine is not)."""
    t = th._spare
    if t is None:
        t = new_trap(Trap)
    else:
        th._spare = None
    t.kind = kind
    t.obj = obj
    t.arg = arg
    t.q = q
    return t


class TimedTrap(Trap):  # type: ignore[misc,valid-type]
    """A trap that gives up: ``timeout`` (relative ns; 0 = only try) and
    ``fail`` (the value returned then, or an exception raised). Always
    taken by the kernel's general paths."""

    __slots__ = ("timeout", "fail")

    def __init__(self, kind, obj, arg, q, timeout, fail):
        Trap.__init__(self, kind, obj, arg, q)
        self.timeout = timeout
        self.fail = fail


def timed(th, kind, obj, arg, q, timeout, fail):
    """A TimedTrap for running thread ``th``'s next await. On MicroPython
    the one it awaited last, when it has one (the kernel keeps it as the
    thread's ``_tspare``; that await ended: the thread runs), so that a
    timed wait allocates nothing there (issue 16 #4); a new one on
    CPython, where a thread has no field to spare (its 600-byte budget)
    and allocating is no harm."""
    if MICROPYTHON:
        t = th._tspare
        if t is not None:
            th._tspare = None
            t.kind = kind
            t.obj = obj
            t.arg = arg
            t.q = q
            t.timeout = timeout
            t.fail = fail
            return t
    return TimedTrap(kind, obj, arg, q, timeout, fail)

