"""The task model the other analysis modules share: ``Task``, the checks of
its parameters, and the exact reading of ticks (a float as the decimal it
prints as, a set scaled to integers). One definition, so that the tests,
the simulation and the files agree on what a task is, and an analytic
response time can equal the simulated one to the tick.
"""

import math
from fractions import Fraction


_FIELDS = ("C", "T", "D", "B", "J")


def _number(x, what):
    """An int, float or Fraction that is finite, else TypeError or
    ValueError naming ``what``."""
    if isinstance(x, bool) or not isinstance(x, (int, float, Fraction)):
        raise TypeError("%s must be a number of ticks, not %r" % (what, x))
    if isinstance(x, float) and not math.isfinite(x):
        raise ValueError("%s must be finite, not %r" % (what, x))
    return x


def _exact(x):
    """The exact rational a task parameter stands for: a float is read as
    the shortest decimal that prints as it (0.1 is 1/10)."""
    if isinstance(x, float):
        return Fraction(repr(x))
    return Fraction(x)


def _result(num, den):
    """num/den ticks as an int when whole, else a float (like
    ``Stats``)."""
    q, r = divmod(num, den)
    if r == 0:
        return q
    return float(Fraction(num, den))


class Task:
    """A periodic (or sporadic) task: worst-case execution time ``C``,
    period (minimum inter-arrival time) ``T``, relative deadline ``D``
    (default ``T``; ``D > T`` is allowed), worst-case blocking ``B`` by
    less urgent tasks (from shared resources under priority inheritance
    or ceiling, found by the user) and release jitter ``J``, all in ticks.
    """

    __slots__ = ("C", "T", "D", "name", "B", "J")

    def __init__(self, C, T, D=None, name=None, B=0, J=0):
        label = "Task %r" % name if name is not None else "Task"
        if name is not None and not isinstance(name, str):
            raise TypeError("Task: name must be a str, not %r" % (name,))
        if D is None:
            D = T
        for field, v in zip(_FIELDS, (C, T, D, B, J)):
            _number(v, "%s: %s" % (label, field))
        if not C > 0:
            raise ValueError("%s: execution time C must be positive, not %r"
                             % (label, C))
        if not T > 0:
            raise ValueError("%s: period T must be positive, not %r"
                             % (label, T))
        if not D > 0:
            raise ValueError("%s: deadline D must be positive, not %r"
                             % (label, D))
        if _exact(C) > _exact(D):
            raise ValueError("%s: execution time C = %r exceeds the "
                             "deadline D = %r" % (label, C, D))
        if B < 0:
            raise ValueError("%s: blocking B must not be negative, not %r"
                             % (label, B))
        if J < 0:
            raise ValueError("%s: release jitter J must not be negative, "
                             "not %r" % (label, J))
        self.C = C
        self.T = T
        self.D = D
        self.name = name
        self.B = B
        self.J = J

    @property
    def U(self):
        """Utilization C/T, a float."""
        return float(_exact(self.C) / _exact(self.T))

    def _key(self):
        return (self.C, self.T, self.D, self.name, self.B, self.J)

    def __eq__(self, other):
        return isinstance(other, Task) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        s = "Task(C=%r, T=%r" % (self.C, self.T)
        if self.D != self.T:
            s += ", D=%r" % (self.D,)
        if self.name is not None:
            s += ", name=%r" % (self.name,)
        if self.B:
            s += ", B=%r" % (self.B,)
        if self.J:
            s += ", J=%r" % (self.J,)
        return s + ")"


def _tasks(tasks):
    tasks = list(tasks)
    for i, t in enumerate(tasks):
        if not isinstance(t, Task):
            raise TypeError("task %d must be a muos.analysis.Task, not %r"
                            % (i + 1, t))
    return tasks


def _scaled(tasks):
    """(den, [(C, T, D, B, J) as ints]) with every value = int / den."""
    exact = [[_exact(getattr(t, f)) for f in _FIELDS] for t in tasks]
    den = 1
    for row in exact:
        for v in row:
            den = den * v.denominator // math.gcd(den, v.denominator)
    return den, [tuple(int(v * den) for v in row) for row in exact]
