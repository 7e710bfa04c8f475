"""What differs between CPython and MicroPython, decided once at import.

Owns: ``MICROPYTHON``, ``PURE``, ``lazy_fields``, ``init_fields`` and
``native`` (the optional C trap). Imports only ``sys`` (and ``os`` on
CPython).
MicroPython ignores ``__slots__``: every attribute an object sets costs
an entry in its own map (about 16 bytes). There, fields that most objects
never change live on the class, and ``__init__`` leaves them out; on
CPython they are slots set in ``__init__`` (a class attribute may not
share a slot's name).
"""

import sys

__all__ = ["MICROPYTHON", "PURE", "lazy_fields", "init_fields", "native",
           "get_ident", "allocate_lock"]

MICROPYTHON = sys.implementation.name == "micropython"


def _pure():
    if MICROPYTHON:
        return True
    import os
    return os.environ.get("MUOS_PURE", "") not in ("", "0")


# the plain modules run, not the compiled ones: MicroPython, or
# MUOS_PURE=1 in the environment (muos/_plain.py then bypasses them)
PURE = _pure()


try:
    from _thread import allocate_lock, get_ident
except ImportError:        # a MicroPython port without threads
    def get_ident():  # type: ignore[misc]
        return 0

    class allocate_lock:  # type: ignore[no-redef]
        """No OS threads: nothing to exclude."""

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False


def native(name):
    """The C extension module ``muos.<name>`` when built and not PURE,
    else None."""
    if PURE:
        return None
    try:
        return __import__("muos." + name, None, None, ["*"])
    except ImportError:
        return None


def lazy_fields(cls, defaults):
    """Give ``cls`` the ``defaults`` ({name: value}) as class attributes
    on MicroPython; nothing on CPython."""
    if MICROPYTHON:
        for name in defaults:
            setattr(cls, name, defaults[name])


def init_fields(obj, defaults):
    """Set ``defaults`` on a new ``obj`` (CPython); nothing on MicroPython,
    where they are class attributes (see ``lazy_fields``)."""
    if not MICROPYTHON:
        for name in defaults:
            setattr(obj, name, defaults[name])
