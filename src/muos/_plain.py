"""``MUOS_PURE=1``: run the plain ``.py`` modules even where compiled
ones are installed beside them (CPython only).

Cython compiles the core's modules in place (``kernel.py`` ->
``kernel.*.so``), and Python's import system prefers an extension module
to a source file of the same name. This finder, installed first by
``muos/__init__.py`` when ``compat.PURE`` is set, answers for every
``muos.X`` that has a ``.py`` file with that file, so the plain build
can be tested and measured from the same install.
"""

import os
import sys
from importlib.util import spec_from_file_location

__all__ = ["install"]

_HERE = os.path.dirname(os.path.abspath(__file__))


class PlainFinder:
    """A meta-path finder for muos's plain modules."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if not name.startswith("muos."):
            return None
        f = os.path.join(_HERE, *name.split(".")[1:]) + ".py"
        if not os.path.isfile(f):
            return None         # a package, or a C module (the trap)
        return spec_from_file_location(name, f)


def install():
    if PlainFinder not in sys.meta_path:
        sys.meta_path.insert(0, PlainFinder)  # type: ignore[arg-type]
