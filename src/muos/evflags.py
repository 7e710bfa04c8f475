"""Event flags (µOS++ ``event_flags``; FreeRTOS event groups).

Owns: ``EventFlags``, the ``ALL``/``ANY`` modes and ``ThreadFlags`` (each
thread's own flags: anyone sets, only the owner waits). Built only on the
wait queue and traps: ``set()`` completes, in queue order, every waiter
its new flags satisfy, clearing what each one consumed. Setting and
waiting allocate nothing in steady state (issue 16 #4: an interrupt
handler sets flags a thread waits for, under a board's ``heap_lock``):
error messages are made only for bad input, and a wait's (mask, mode,
clear) is a tuple made once per combination (``_wait_args``).
"""

from .compat import computed, computed_attrs
from .errors import ContextError
from .diag import check_name, describe
from .running import RUNNING, current_kernel, wait_trap
from .traps import BLOCK, consumed
from .waitq import WaitQueue

__all__ = ("EventFlags", "ThreadFlags", "ALL", "ANY")

ALL = 1     # every flag of the mask must be set (µOS++ flags::mode::all)
ANY = 2     # one flag of the mask is enough (flags::mode::any)


def _check_mask(mask, what):
    if type(mask) is not int:
        raise TypeError("%s: mask must be an int, not %r" % (what, mask))
    if mask < 0:
        raise ValueError("%s: mask must not be negative, not %r"
                         % (what, mask))
    return mask


class EventFlags:
    """A word of flags threads can wait on, all or any of a mask."""

    def __init__(self, name=None):
        self.name = check_name(name, "EventFlags")
        self._value = 0
        self._q = WaitQueue(self)
        self._argsets = None        # mask -> its (mask, mode, clear) tuples

    def __repr__(self):
        return "<%s value=0x%x waiting=%d>" % (describe(self), self._value,
                                               len(self._q))

    @computed
    def value(self):
        return self._value

    def _match(self, mask, mode, clear):
        """The flags that satisfy (mask, mode), consumed if ``clear``;
        0 when not satisfied."""
        v = self._value
        if mask == 0:
            got = v                      # mask 0: any flag at all
        elif mode == ALL:
            got = mask if v & mask == mask else 0
        else:
            got = v & mask
        if got and clear:
            self._value = v & ~got
        return got

    def set(self, mask):
        """Raise the flags of ``mask``; returns the flags as they were.
        Wakes every waiter now satisfied, most urgent first. ISR-safe."""
        if type(mask) is not int or mask < 0:
            _check_mask(mask, "%s.set" % describe(self))
        old = self._value
        self._value = old | mask
        items = self._q.items
        i = 0
        while i < len(items):
            trap = items[i]
            m, mode, clear = trap.arg
            got = self._match(m, mode, clear)
            if got:
                # woken: it leaves the queue, and a wait_any's other
                # operations there with it; look again from the start
                # (the flags only lessen meanwhile: those already passed
                # over stay unsatisfied)
                self._q.wake(trap, got)
                i = 0
            else:
                i += 1
        return old

    def clear(self, mask):
        """Lower the flags of ``mask``; returns the flags as they were.
        ISR-safe."""
        if type(mask) is not int or mask < 0:
            _check_mask(mask, "%s.clear" % describe(self))
        old = self._value
        self._value = old & ~mask
        return old

    def _wait_args(self, mask, mode, clear, verb):
        """The (mask, mode, clear) tuple of a wait, checked: one per
        combination, made at its first use."""
        if type(mask) is not int or mask < 0 or (
                mode != ALL and mode != ANY):
            what = "%s.%s" % (describe(self), verb)
            _check_mask(mask, what)
            raise ValueError("%s: mode must be muos.ALL or muos.ANY, not %r"
                             % (what, mode))
        c = 1 if clear else 0
        sets = self._argsets
        if sets is None:
            sets = self._argsets = {}
        per = sets.get(mask)
        if per is None:
            per = sets[mask] = [None, None, None, None]
        i = (mode - 1) * 2 + c             # ALL 1, ANY 2
        a = per[i]
        if a is None:
            a = per[i] = (mask, mode, bool(c))
        return a

    def _try(self, trap):
        m, mode, clear = trap.arg
        got = self._match(m, mode, clear)
        return got if got else BLOCK

    def wait(self, mask, mode=ALL, clear=True):
        """Wait until the flags satisfy (mask, mode); returns the flags
        that did (cleared when ``clear``). Thread context; may block."""
        args = self._wait_args(mask, mode, clear, "wait")
        trap = wait_trap(self, "wait", self._q, args)
        self._checked_waiter("wait", trap)
        return trap

    def try_wait(self, mask, mode=ALL, clear=True):
        """The satisfying flags now, or 0. ISR-safe."""
        self._wait_args(mask, mode, clear, "try_wait")
        self._check_waiter("try_wait")
        return self._match(mask, mode, clear)

    def timed_wait(self, mask, ticks, mode=ALL, clear=True):
        """Like ``wait``; 0 after ``ticks``. Thread context; may block."""
        args = self._wait_args(mask, mode, clear, "timed_wait")
        trap = wait_trap(self, "timed_wait", self._q, args, ticks, 0)
        self._checked_waiter("timed_wait", trap)
        return trap

    def _checked_waiter(self, verb, trap):
        try:
            self._check_waiter(verb)
        except Exception:
            consumed(trap)      # refused: no never-awaited warning
            raise

    def _check_waiter(self, verb):
        pass


computed_attrs(EventFlags)


class ThreadFlags(EventFlags):
    """A thread's own flags (``t.flags``): only that thread may wait."""

    def __init__(self, owner):
        EventFlags.__init__(self, owner.name + ".flags")
        self.owner = owner

    def _check_waiter(self, verb):
        k = RUNNING[0]
        if k is None or k._isr or k._current is not self.owner:
            what = "%s.%s" % (describe(self), verb)
            k = current_kernel(what)
            if k._isr or k._current is not self.owner:
                raise ContextError("%s: only thread %r may wait on its "
                                   "own flags" % (what, self.owner.name))

