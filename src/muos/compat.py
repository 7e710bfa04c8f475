"""What differs between CPython and MicroPython, decided once at import.

Owns: ``MICROPYTHON``, ``lazy_fields``, ``init_fields`` and ``speedups``
(the optional C loop). Imports only ``sys`` (and ``os`` on CPython).
MicroPython ignores ``__slots__``: every attribute an object sets costs
an entry in its own map (about 16 bytes). There, fields that most objects
never change live on the class, and ``__init__`` leaves them out; on
CPython they are slots set in ``__init__`` (a class attribute may not
share a slot's name).
"""

import sys

__all__ = ["MICROPYTHON", "lazy_fields", "init_fields", "speedups"]

MICROPYTHON = sys.implementation.name == "micropython"


def speedups():
    """The optional C run loop (``muos._speedups``, CPython), or None:
    not built, MicroPython, or ``MUOS_PURE=1`` in the environment."""
    if MICROPYTHON:
        return None
    import os
    if os.environ.get("MUOS_PURE", "") not in ("", "0"):
        return None
    try:
        from . import _speedups
    except ImportError:
        return None
    return _speedups


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
