"""Spinlocks: mutual exclusion across cores (API.md, "Several cores").

Owns: ``Spinlock``. Imports ``diag``, ``errors``, ``irq``, ``running``,
``traps``. As Zephyr's ``k_spin_lock``: the caller's core masks its
interrupts from the moment it asks for the lock until it releases it;
while another core holds the lock the caller spins (it keeps its core
and uses CPU time: no switch, no wait queue). Holders and spinners are
served in the order they began to spin. With interrupts masked a holder
cannot block (``ContextError``), so a holder is never switched out: on
one core the lock is always free when asked for.
"""

from .compat import computed, computed_attrs
from .diag import check_name
from .moreerrors import DeadlockError, NotOwnerError
from .irqcontrol import MASK_ALL
from .running import current_kernel
from .traps import PASS, SPIN, Trap

__all__ = ("Spinlock",)


class Spinlock:
    """A lock a thread spins on (``async with sl:``)."""

    protocol = "spin"    # (its sections are non-preemptive: muos analyze)
    _stat_name = None    # Stats.name_of's name for it (as Mutex's)

    def __init__(self, name=None):
        self.name = check_name(name, "Spinlock")
        self.owner = None
        self._since = 0          # the holder's CPU time when it asked
        self._saved = None       # (the owner's core's controller, its
        #                          mask before it asked)
        self._spinners = []      # (thread, controller, mask, its CPU
        #                          time when it asked), in order

    def __repr__(self):
        return "<Spinlock %r owner=%s spinning=%d>" % (
            self.name, None if self.owner is None else self.owner.name,
            len(self._spinners))

    def _label(self):
        return "Spinlock %r" % self.name if self.name is not None \
            else "Spinlock"

    @computed
    def locked(self):
        return self.owner is not None

    def acquire(self):
        """Take the lock, spinning while another core holds it; the
        caller's core masks interrupts until ``release``. Thread
        context."""
        k = current_kernel("Spinlock.acquire")
        t = k._thread_context("%s.acquire" % self._label())
        if self.owner is t:
            raise DeadlockError("%s: thread %r already holds it"
                                % (self._label(), t.name), [t])
        return Trap(SPIN, self)

    def _take(self, k, t):
        """The kernel processes ``t``'s acquire on its core: True when
        ``t`` holds the lock now, False when it must spin."""
        irqs = k._irqs                  # the caller's core's controller
        saved = irqs.set_mask(MASK_ALL)
        if self.owner is None:
            self.owner = t
            self._saved = (irqs, saved)
            self._since = t.cpu_ns
            return True
        self._spinners.append((t, irqs, saved, t.cpu_ns))
        return False

    def _unspin(self, t):
        """``t`` stopped spinning (it was killed): its core unmasks."""
        sp = self._spinners
        for i in range(len(sp)):
            if sp[i][0] is t:
                sp[i][1].set_mask(sp[i][2])
                del sp[i]
                return

    def release(self):
        """Release the lock (only its holder may): the first spinner
        holds it at once; the holder's core unmasks. Thread context."""
        k = current_kernel("Spinlock.release")
        t = k._thread_context("%s.release" % self._label())
        if self.owner is not t:
            raise NotOwnerError("%s: thread %r cannot release it, %s" % (
                self._label(), t.name,
                "it is not held" if self.owner is None else
                "its holder is %r" % self.owner.name))
        self.owner = None
        irqs, saved = self._saved
        irqs.set_mask(saved)
        # how long its core ran it masked, spinning and holding (muos
        # analyze APP.py: a non-preemptive section)
        k.stats.on_hold(t, self, t.cpu_ns - self._since)
        sp = self._spinners
        if sp:
            nxt, irqs, saved, self._since = sp.pop(0)
            self.owner = nxt
            self._saved = (irqs, saved)
            nxt._trap = None
            nxt._work = 0            # its spin ends: it steps now
            # handed over: a throw() meanwhile waits for its next await
            # (thread.py), so that 'async with' releases it
            nxt._wake_value = True

    def __aenter__(self):
        return self.acquire()

    def __aexit__(self, *exc):
        self.release()
        return Trap(PASS, None, False)


computed_attrs(Spinlock)
