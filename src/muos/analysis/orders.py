"""The priority orders, rate- and deadline-monotonic: the analysis takes
task lists most urgent first, and these are the standard ways to make
one. A module of their own because the utilization tests, generation and
the report use them without needing response-time analysis.
"""

from .model import _exact, _tasks


def rate_monotonic(tasks):
    """The tasks most urgent first by rate-monotonic order: shorter period
    first, ties kept in input order (Liu & Layland 1973; optimal among
    fixed priorities when D = T)."""
    return sorted(_tasks(tasks), key=lambda t: _exact(t.T))


def deadline_monotonic(tasks):
    """The tasks most urgent first by deadline-monotonic order: shorter
    relative deadline first, ties kept in input order (Leung & Whitehead
    1982; optimal among fixed priorities when D <= T)."""
    return sorted(_tasks(tasks), key=lambda t: _exact(t.D))
