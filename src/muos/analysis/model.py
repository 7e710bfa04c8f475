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
    or ceiling, given, or computed from ``cs`` by ``blocking_terms``),
    release jitter ``J`` and offset ``O`` (first release), all in ticks;
    ``cs``: its critical sections, ``{resource name: longest hold}``;
    ``core``: the core it is pinned to (partitioned scheduling), or None.
    """

    __slots__ = ("C", "T", "D", "name", "B", "J", "O", "cs", "core")

    def __init__(self, C, T, D=None, name=None, B=0, J=0, O=0, cs=None,  # noqa: E741,E501 (API.md)
                 core=None):
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
        _number(O, "%s: O" % label)
        if O < 0:
            raise ValueError("%s: offset O must not be negative, not %r"
                             % (label, O))
        if cs is not None:
            if not isinstance(cs, dict):
                raise TypeError("%s: cs must be a dict {resource: longest "
                                "hold}, not %r" % (label, cs))
            for r in cs:
                _number(cs[r], "%s: cs[%r]" % (label, r))
                if not 0 < _exact(cs[r]) <= _exact(C):
                    raise ValueError(
                        "%s: critical section on %r of %r ticks: it must "
                        "be positive and at most C = %r" % (label, r, cs[r],
                                                            C))
            cs = dict(cs)
        if core is not None and (isinstance(core, bool)
                                 or not isinstance(core, int) or core < 0):
            raise ValueError("%s: core must be None or a core index, not %r"
                             % (label, core))
        self.C = C
        self.T = T
        self.D = D
        self.name = name
        self.B = B
        self.J = J
        self.O = O
        self.cs = cs
        self.core = core

    @property
    def U(self):
        """Utilization C/T, a float."""
        return float(_exact(self.C) / _exact(self.T))

    def _key(self):
        cs = None if self.cs is None else tuple(sorted(self.cs.items()))
        return (self.C, self.T, self.D, self.name, self.B, self.J, self.O,
                cs, self.core)

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
        if self.O:
            s += ", O=%r" % (self.O,)
        if self.cs:
            s += ", cs=%r" % (self.cs,)
        if self.core is not None:
            s += ", core=%r" % (self.core,)
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
