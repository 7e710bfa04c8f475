"""Ports: how time passes. ``sim`` (default), ``host``, ``micropython``.

Owns: ``Port``, the port contract: what a kernel asks of the port it runs
on, with the defaults a simulated port needs. A port subclasses it (or
provides the same names). Times are in the kernel's integer time unit
(``muos.units``: nanoseconds at every tick rate that divides a second).
Imports ``compat``.

The four operations every port has:

* ``attach(kernel)``: the kernel is built on this port (once);
* ``now()``: the port's clock, in kernel time units;
* ``advance(until, busy)``: let time pass until ``until`` (None: until
  woken), computing (``busy``) or idle; returns the time it is then (a
  real port may return early: an interrupt, a file ready, a wake);
* ``wake()``: cut an idle ``advance`` short (from a handler, another OS
  thread, a signal).

Capabilities, with their defaults here:

* ``cost_ns(what, tick_hz)``: the modelled cost of "switch_cost",
  "tick_cost", "isr_entry_cost" in kernel time units (0: real ports pay
  the real ones);
* ``power``: a ``PowerModel`` for energy statistics, or None;
* ``external``: True when interrupts may come from outside the kernel (OS
  threads, files, signals, pins): an idle kernel with nothing timed then
  waits instead of ending its run (absent: False; no default here, so
  that a port may compute it: compat.computed cannot shadow a base
  class's attribute on MicroPython);
* ``waits``: True when ``advance(None, False)`` sleeps until woken (a
  real port): ``run(forever=True)`` then keeps an idle kernel waiting;
* ``foreign()``: whether the caller is another OS thread than the
  kernel's (a trigger from there is queued); None when it never is;
* ``timed_steps``, ``resume(kernel)`` and ``charge(kernel, thread, t0)``:
  a port whose clock runs while Python code runs (a real one) sets
  ``timed_steps``; before stepping a thread the kernel calls ``resume``,
  which catches the kernel clock up to the port's (the thread resumes at
  the real time) and returns the port time ``t0``, and after the step
  ``charge``, which charges the time since to the thread (and may report
  a step that ran too long). The step itself takes the kernel's usual
  (inline) path. On a simulated port Python code takes no time and the
  kernel calls neither;
* ``rebase(d)``: the kernel moved its time origin ``d`` later (its
  clock and its times dropped by ``d``: rebase.py); the port's clock
  drops with it. Absent here: a port without it is never rebased.
"""

from ..compat import MICROPYTHON

__all__ = ("Port",)


class Port:
    """The port contract (see the module doc), with its defaults."""

    power = None
    waits = False
    foreign = None
    timed_steps = False

    if not MICROPYTHON:
        # (what every port defines: on a board the port's own methods are
        # the only ones, and these three would be heap)
        def attach(self, kernel):
            raise NotImplementedError

        def now(self):
            raise NotImplementedError

        def advance(self, until_ns, busy):
            raise NotImplementedError

    def wake(self):
        """Nothing to cut short by default."""

    def cost_ns(self, what, tick_hz):
        return 0

    def resume(self, kernel):
        """Catch the kernel clock up before a step (timed_steps)."""
        now = self.now()
        if now > kernel._now:
            kernel._now = now
        return now

    def charge(self, kernel, thread, t0):
        """Charge the step that began at ``t0`` to ``thread``."""
        now = self.now()
        if now > kernel._now:
            thread.cpu_ns += now - kernel._now
            kernel._now = now
