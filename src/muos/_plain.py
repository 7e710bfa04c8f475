"""``MUOS_PURE=1``: run the plain ``.py`` modules even where compiled
ones are installed beside them; and a warning when a compiled module is
older than its source (CPython only).

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

__all__ = ("install", "warn_stale")

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


def warn_stale():
    """Warn when a compiled module is older than its ``.py`` file: the
    source was edited after ``pip install -e .``, and what runs is not
    what it says (rebuild, or run the source with MUOS_PURE=1)."""
    old = []
    for name in sorted(sys.modules):
        m = sys.modules[name]
        f = getattr(m, "__file__", None) or ""
        if not name.startswith("muos.") or f.endswith((".py", ".pyc")):
            continue
        py = os.path.join(os.path.dirname(f), name.split(".")[-1] + ".py")
        try:
            if os.path.getmtime(py) > os.path.getmtime(f) + 1:
                old.append(name[5:])
        except OSError:
            pass
    if old:
        import warnings
        warnings.warn("muos: compiled modules older than their source: "
                      "%s; rerun `pip install -e .` to compile them again, "
                      "or set MUOS_PURE=1 to run the source"
                      % ", ".join(old), RuntimeWarning, stacklevel=3)
