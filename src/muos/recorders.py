"""``muos.recording``: collect every run a block of code makes.

Owns: ``recording``. Imports ``muos`` (its ``_recorders`` list, which
``muos.run`` reads). Loaded at first use on MicroPython (a module named
after the class would take its place in the package there).
"""

import muos

__all__ = ("recording",)


class recording:
    """``with muos.recording(trace=True) as runs:`` every ``muos.run``
    inside (in this program, however deep) appends its RunResult to
    ``runs``, and keeps a trace when ``trace``: how ``muos demo`` exports
    the runs of a demo it does not control."""

    def __init__(self, trace=False):
        self.trace = trace
        self.runs = []

    def __enter__(self):
        muos._recorders.append(self)
        return self.runs

    def __exit__(self, *exc):
        muos._recorders.remove(self)
        return False
