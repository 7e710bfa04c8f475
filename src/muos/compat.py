"""What differs between CPython and MicroPython, decided once at import.

Owns: ``MICROPYTHON``, ``PURE``, ``lazy_fields``, ``init_fields``,
``computed``, ``computed_attrs``, ``cold_part`` and ``native`` (the
optional C trap).
Imports only ``sys`` (and ``os`` on CPython).
MicroPython ignores ``__slots__``: every attribute an object sets costs
an entry in its own map (about 16 bytes). There, fields that most objects
never change live on the class, and ``__init__`` leaves them out; on
CPython they are slots set in ``__init__`` (a class attribute may not
share a slot's name).

MicroPython also makes every attribute *store* on an object slow (a
lookup through all its classes, then one for ``__setattr__``:
py/objtype.c) as soon as one of its classes has a property, a
descriptor or ``__setattr__``: a store on a Thread or a Kernel cost
about 1.1-1.4 us on the Cortex-M3 board instead of 0.15, and the switch
path makes dozens. So classes declare their computed attributes with
``computed`` instead of ``property``: a property on CPython; on
MicroPython the getter goes into a table that ``__getattr__`` reads
(``computed_attrs``), and the class has no property at all. A setter is
CPython's only: on MicroPython a write makes a plain attribute (the two
the kernel has, ``preemptive`` and ``time_slice``, it reads as such).
"""

import sys

__all__ = ("MICROPYTHON", "PURE", "lazy_fields", "init_fields", "native",
           "get_ident", "allocate_lock", "computed", "computed_attrs",
           "cold_part")

MICROPYTHON = sys.implementation.name == "micropython"


# the plain modules run, not the compiled ones: MicroPython, or
# MUOS_PURE=1 in the environment (muos/_plain.py then bypasses them)
if MICROPYTHON:
    PURE = True
else:
    import os
    PURE = os.environ.get("MUOS_PURE", "") not in ("", "0")


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


if not MICROPYTHON:
    def native(name):
        """The C extension module ``muos.<name>`` when built and not
        PURE, else None (CPython only)."""
        if PURE:
            return None
        try:
            return __import__("muos." + name, None, None, ["*"])
        except ImportError:
            return None


def lazy_fields(cls, defaults):
    """Give ``cls`` the ``defaults`` ({name: value}) as class attributes
    on MicroPython; nothing on CPython. Returns what ``init_fields`` needs
    for its objects: ``defaults`` on CPython, None on MicroPython (so
    that the dict, kept by no one, leaves a board's heap)."""
    if MICROPYTHON:
        for name in defaults:
            setattr(cls, name, defaults[name])
        return None
    return defaults


def init_fields(obj, defaults):
    """Set ``defaults`` on a new ``obj`` (CPython); nothing on MicroPython,
    where they are class attributes (see ``lazy_fields``)."""
    if not MICROPYTHON:
        for name in defaults:
            setattr(obj, name, defaults[name])


if MICROPYTHON:
    def computed(fget, fset=None):
        """A computed attribute's getter, kept aside (see the module doc)
        as the pair (computed, getter): no ``__get__``, so that its class
        stays without special accessors until ``computed_attrs`` moves
        it to the table (a pair, not an object of a class of its own: a
        class would cost a board's heap about 130 bytes)."""
        return (computed, fget)
else:
    computed = property  # type: ignore[misc, assignment]


def _computed_getattr(obj, name):
    f = obj._computed.get(name)
    if f is None:
        if _warm(type(obj), name):    # a cold part's: loaded now
            return getattr(obj, name)
        raise AttributeError("%s has no attribute %r"
                             % (type(obj).__name__, name))
    return f(obj)


def computed_attrs(cls):
    """On MicroPython, move ``cls``'s ``computed`` attributes into its
    table (with those of its bases) and read them in ``__getattr__``;
    nothing on CPython. Call it right after the class statement."""
    if MICROPYTHON:
        table = dict(getattr(cls, "_computed", ()))
        for name in dir(cls):
            v = getattr(cls, name)
            if type(v) is tuple and len(v) == 2 and v[0] is computed:
                table[name] = v[1]
                delattr(cls, name)
                if hasattr(cls, name):
                    # a base's attribute would be found first
                    raise TypeError("%s.%s: a computed attribute may not "
                                    "shadow a base class's" %
                                    (cls.__name__, name))
        cls._computed = table
        cls.__getattr__ = _computed_getattr


# MicroPython: the cold parts merged into each class's table, by class
# (cold_part), and each part's computed attributes, by module. CPython:
# every declaration, for the test that its names are the part's
_WARMED = {}  # type: dict
_PARTS = {}  # type: dict
if not MICROPYTHON:
    DECLARED = []  # type: list


def cold_part(cls, module, part, names):
    """Declare ``cls``'s cold part: the class ``part`` of ``muos.<module>``,
    which holds the methods and computed attributes that the switch path
    never uses (a thread's ``join``, the statistics' readers ...), named
    in ``names`` (a tuple of constants: a board keeps it in flash).

    On CPython the part is ``cls``'s base class, and nothing else happens
    (tests/test_layering.py checks that ``names`` are the part's own).
    On MicroPython ``cls``'s module does not import it. ``cls`` derives
    from the part's own base instead, and the first read of one of
    ``names`` on one of its objects loads the module and copies the
    part's methods and computed attributes onto ``cls``; the part's class
    is then dropped (its functions live on ``cls``). Any other missing
    attribute stays an AttributeError without loading anything (a probe
    such as ``getattr(obj, "_stat_name", None)`` must not load a part).
    Frozen into a board's firmware, a function costs about 40 bytes of
    heap (the object and its entry in a class) from the moment its class
    is made. A program pays this only for the parts it uses (issue 16
    #2). The pattern in ``cls``'s module::

        if MICROPYTHON:              # (the part loads at first use)
            globals()["PartName"] = PartBase
        else:
            from .module import PartName
        class Cls(PartName): ...
        cold_part(Cls, "module", "PartName", ("name", ...))

    The name is set through ``globals()`` because Cython compiles ``Cls``
    against the base that the .pxd declares, and refuses an assignment to
    that name. A part must not use ``super()``, and must not define
    special methods, because Python looks those up on the type and never
    asks ``__getattr__``.
    """
    if MICROPYTHON:
        cls._cold = getattr(cls, "_cold", ()) + ((cls, module, part,
                                                  names),)
        if getattr(cls, "_computed", None) is None:
            cls._computed = {}
        if getattr(cls, "__getattr__", None) is not _computed_getattr:
            # (inherited, it is no entry in this class's table)
            cls.__getattr__ = _computed_getattr
    else:
        DECLARED.append((cls, module, part, names))


def _warm(cls, name):
    """Load and merge the cold part (of ``cls`` or of a base) that
    declares ``name``: its methods onto their owner, its computed
    attributes into ``cls``'s table. True if it merged one now (once per
    class and part: a name declared but missing stays missing)."""
    for owner, module, part_name, names in getattr(cls, "_cold", ()):
        if name not in names:
            continue
        done = _WARMED.get(cls)
        if done is None:
            done = _WARMED[cls] = []
        if module in done:
            return False
        done.append(module)
        t = _PARTS.get(module)
        if t is None:
            m = __import__("muos." + module, None, None, (part_name,))
            part = getattr(m, part_name)
            own = owner.__dict__
            d = part.__dict__
            for k in d:
                if k[:2] != "__" and k != "_computed" and k not in own:
                    setattr(owner, k, d[k])
            t = _PARTS[module] = getattr(part, "_computed", None) or {}
            # its functions live on the owner now, its computed ones in
            # _PARTS: the part's class and its table are garbage (about
            # 100 bytes and 10 a name on a board)
            delattr(m, part_name)
        table = cls._computed   # (each class merges into its own table)
        for k in t:
            if k not in table:
                table[k] = t[k]
        return True
    return False
