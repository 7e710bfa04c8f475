"""Observers: what the kernel tells its statistics and its trace.

Owns: ``Observer``, the one interface through which the kernel reports
what happens at its choke points: one method per event, given the kernel
(its clock is ``k._now``) and the thread or object concerned. A kernel
has two observers: its ``Stats`` (always) and its ``Trace`` (when
tracing); each implements the events it records. ``Trace`` is an
``Observer`` (the others do nothing); ``Stats`` defines only its own
events, which are all the kernel calls on it.
Sync objects report nothing: what they do reaches the observers as the
kernel's events (a wait that starts, a wake-up, a priority change).
Imports nothing.

The hottest counters are not events: the run loop adds a thread's CPU
time and switches to the thread's own fields, and its common paths (a
wait that blocks, a plain wake-up, a sleep) note the wait's start and
end there too, exactly as ``Stats.on_block``/``on_unblock`` would, when
nothing else observes them (no trace, no mutex wait in progress).
"""

__all__ = ("Observer",)


class Observer:
    """The kernel's events (see the module doc); every default does
    nothing."""

    def on_spawn(self, k, t):
        """Thread ``t`` was created (and named)."""

    def on_ready(self, k, t, why):
        """``t`` became ready: "wake", "timeout", "interrupt", "resume",
        "sleep" (its sleep ended), "yield" or "slice" (its round-robin
        slice ended)."""

    def on_switch(self, k, t, prev):
        """``t`` got the CPU; ``prev`` had it last (or None)."""

    def on_preempt(self, k, t, by):
        """``t`` lost the CPU to the more urgent ``by``."""

    def on_block(self, k, t, what):
        """``t`` started waiting on ``what``: an object, or "sleep",
        "suspend", "wait_any"."""

    def on_unblock(self, k, t):
        """``t``'s wait ended, however it ended."""

    def on_wake(self, k, t, obj):
        """``obj`` completed ``t``'s wait."""

    def on_timeout(self, k, t, obj):
        """``t``'s wait on ``obj`` (None: a wait_any) gave up."""

    def on_interrupt(self, k, t, obj):
        """``Thread.interrupt()`` ended ``t``'s wait on ``obj``."""

    def on_priority(self, k, t, old, new):
        """``t``'s effective priority changed from ``old`` to ``new``."""

    def on_deadline(self, k, t, new):
        """``t``'s effective deadline changed to ``new`` (kernel time
        units, or None)."""

    def on_exit(self, k, t, how):
        """``t`` ended: "return", "kill" or its exception's type name."""

    def on_isr_enter(self, k, irq):
        """The handler of interrupt ``irq`` starts."""

    def on_isr_exit(self, k, irq):
        """The handler of interrupt ``irq`` returned (its cost spent)."""

    def on_timer(self, k, tm):
        """Software timer ``tm``'s callback runs."""

    def on_power(self, k, state):
        """The idle CPU sleeps ("sleep", "deep_sleep") or pays its
        wake-up cost ("wakeup")."""

    def on_idle(self, k, dt, deep):
        """The idle CPU slept ``dt`` time units (``deep``: in deep
        sleep)."""

    def on_masked(self, k, t, ns):
        """A section with interrupts masked ended after ``ns``, in thread
        ``t`` (None: in a handler)."""
