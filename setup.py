"""Compiles muos's core on CPython (everything else is declared in
pyproject.toml): the modules listed in ``COMPILED`` by Cython, from the
very ``.py`` files MicroPython runs (types in their ``.pxd`` files), and
the trap (``_trap.c``), the only hand-written C. Both are optional:
without Cython or a C compiler, or on another interpreter, the install
still succeeds and muos runs as plain Python (it says which).
``MUOS_PURE=1`` at run time selects the plain modules of a compiled
install (``muos/_plain.py``)."""

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# the modules compiled by Cython (the core: kernel, objects, time)
COMPILED = [
    "kernel", "kernelbase", "kernelapi", "thread", "threadapi", "stats",
    "waitq", "ready", "timeq", "irq", "irqcontrol", "irqline", "calls",
    "semaphore", "semaphoreapi", "jobs", "power", "running", "blocking",
    "blockingapi", "inversion", "trace", "smp",
]

HERE = os.path.dirname(os.path.abspath(__file__))


def say(msg):
    # pip shows a build's output with -v only; stderr reaches the log
    sys.stderr.write("muos: %s\n" % msg)


class BuildExt(build_ext):
    """build_ext that says what it built (and builds in parallel)."""

    def run(self):
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1
        super().run()
        paths = [self.get_ext_fullpath(e.name) for e in self.extensions]
        built = [p for p in paths if os.path.exists(p)]
        if len(built) == len(paths):
            say("compiled %d modules (the trap in C, %d by Cython)"
                % (len(built), len(built) - 1))
            return
        # all or nothing: the compiled modules need one another (their
        # types, the trap), so a partial build would not import
        for p in built:
            os.remove(p)
        say("not compiled (no C compiler?): muos runs as plain Python")


def _remove_compiled():
    """Remove the compiled modules of an earlier build from the source
    tree (an editable install runs from it): they would shadow the .py
    files this build left plain."""
    import glob
    for m in COMPILED:
        for p in glob.glob(os.path.join(HERE, "src", "muos", m + ".*")):
            if p.endswith((".so", ".pyd")):
                os.remove(p)
                say("removed %s (an earlier build's)" % os.path.basename(p))


def extensions():
    if sys.implementation.name != "cpython" or sys.version_info < (3, 10):
        say("not CPython 3.10+: plain Python")
        return []
    # no debug information: it was 85 % of the compiled modules' size
    flags = [] if sys.platform == "win32" else ["-g0"]
    exts = [Extension("muos._trap", ["src/muos/_trap.c"], optional=True,
                      extra_compile_args=flags)]
    try:
        from Cython.Build import cythonize
    except ImportError:
        say("Cython is not installed: the core stays plain Python")
        return exts
    try:
        compiled = cythonize(
            [Extension("muos." + m, ["src/muos/%s.py" % m],
                       include_dirs=["src/muos"], extra_compile_args=flags)
             for m in COMPILED],
            # force: the C is regenerated every build (about 3 s), so that a
            # change of the directives below always reaches the modules
            language_level=3, quiet=True, force=True,
            # bounds and None checked as the interpreter does: a priority out
            # of range or a missing thread raises, never reads past memory
            compiler_directives={"boundscheck": True, "wraparound": True,
                                 "nonecheck": True, "binding": False,
                                 "embedsignature": False},
        )
    except Exception as e:          # a Cython error: install plain
        say("Cython failed (%s): the core stays plain Python" % (e,))
        _remove_compiled()
        return []
    for e in compiled:
        e.optional = True
    return exts + compiled


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
