"""The import arrows of DESIGN.md: a module imports only from layers below
it (or its own), ports import nothing above the kernel, and the portable
core imports only what MicroPython 1.27 has."""

import ast
import os
import re

SRC = os.path.join(os.path.dirname(__file__), "..", "src", "muos")

# rank of each module; a module may import modules of lower or equal rank
LAYERS = {
    "compat": 0, "errors": 0, "moreerrors": 0, "traps": 0, "waitq": 0,
    "diag": 0, "units": 0,
    "observe": 0,
    "_plain": 0,     # MUOS_PURE=1 on a compiled install (CPython only)
    "neverawaited": 0,   # the never-awaited warning (CPython only)
    "thread": 1, "irq": 1, "irqcontrol": 1, "timeq": 1, "clocks": 1,
    "stats": 1,
    "trace": 1, "ready": 1, "ports.sim": 1, "kernelbase": 1, "running": 1,
    "blocking": 1, "blockingapi": 1, "inversion": 1, "statreport": 1,
    "threadstats": 1,
    "statsapi": 1, "threadapi": 1, "kernelapi": 1,
    "irqline": 1, "rebase": 1,
    "smp": 1,
    "kernel": 2, "ports.host": 2, "ports.micropython": 2,
    "mutex": 3, "mutexapi": 3, "critical": 3, "semaphore": 3,
    "semaphoreapi": 3, "binarysem": 3, "evflags": 3,
    "mqueue": 3, "condvar": 3,
    "mempool": 3, "spinlock": 3, "timer": 3, "jobs": 3, "calls": 3,
    "morecalls": 3,
    "waitany": 3, "watchdog": 3,
    "power": 1, "powermodel": 0, "ports": 0,
    "": 4,           # muos/__init__.py
    "recorders": 4,  # muos.recording (reads the package's list)
    "outcome": 2,    # how run() ends (RunResult)
    "analysis": 5,
    "asyncio": 5,    # muos.asyncio: over the public API
    "export": 6,
    "cli": 7, "__main__": 8, "demos": 7,
}

PORTABLE_FORBIDDEN = {"typing", "__future__", "dataclasses", "enum", "abc",
                      "functools", "itertools", "contextlib", "threading",
                      "asyncio", "inspect", "traceback", "argparse"}
NOT_PORTABLE = ("_plain", "neverawaited", "ports.host", "export", "cli",
                "__main__", "analysis", "demos")


def modules():
    for root, _, files in os.walk(SRC):
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(root, f)
                rel = os.path.relpath(path, SRC)[:-3].replace(os.sep, ".")
                if rel.endswith("__init__"):
                    rel = rel[:-len("__init__")].rstrip(".")
                yield rel, path


def rank(mod):
    parts = mod.split(".")
    while parts:
        key = ".".join(parts)
        if key in LAYERS:
            return LAYERS[key]
        parts.pop()
    return LAYERS[""]


def imports(path, mod):
    """(target module relative to muos, is_guarded) for every import."""
    tree = ast.parse(open(path).read())
    pkg = mod.split(".")[:-1] if not path.endswith("__init__.py") else \
        mod.split(".") if mod else []
    out = []
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            for h in node.handlers:
                if h.type is not None and "ImportError" in ast.dump(h.type):
                    for sub in ast.walk(node):
                        if isinstance(sub, (ast.Import, ast.ImportFrom)):
                            guarded.add(id(sub))
        elif isinstance(node, ast.If):
            # the CPython-only branch of ``if [not] MICROPYTHON:`` never
            # runs on MicroPython
            t = node.test
            if (isinstance(t, ast.UnaryOp) and isinstance(t.op, ast.Not)
                    and isinstance(t.operand, ast.Name)
                    and t.operand.id == "MICROPYTHON"):
                branch = node.body
            elif isinstance(t, ast.Name) and t.id == "MICROPYTHON":
                branch = node.orelse
            else:
                continue
            for stmt in branch:
                for sub in ast.walk(stmt):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        guarded.add(id(sub))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[:len(pkg) - (node.level - 1)] if node.level > 1 \
                    else pkg
                if node.module:
                    targets = [".".join(base + [node.module])]
                else:       # from . import x: each name is a module
                    targets = [".".join(base + [a.name]) for a in node.names]
                for target in targets:
                    out.append(("muos." + target if target else "muos",
                                id(node) in guarded))
            else:
                out.append((node.module, id(node) in guarded))
        elif isinstance(node, ast.Import):
            for a in node.names:
                out.append((a.name, id(node) in guarded))
    return out


# the only imports of a higher layer, each inside the function that needs
# it (on first use), each declared here with why
LAZY_UP = {
    ("threadapi", "evflags"): "Thread.flags makes the thread's own "
                           "EventFlags (a ThreadFlags) on first use",
}


def test_imports_point_down():
    bad = []
    for mod, path in modules():
        for target, _ in imports(path, mod):
            if target == "muos" or target.startswith("muos."):
                t = target[5:]
                if (mod, t) in LAZY_UP:
                    continue
                if rank(t) > rank(mod):
                    bad.append("%s (rank %d) imports %s (rank %d)" % (
                        mod or "__init__", rank(mod), t, rank(t)))
    assert bad == []


def test_portable_core_imports():
    bad = []
    for mod, path in modules():
        if any(mod == p or mod.startswith(p + ".") for p in NOT_PORTABLE):
            continue
        for target, guarded in imports(path, mod):
            top = target.split(".")[0]
            if top in PORTABLE_FORBIDDEN and not guarded:
                bad.append("%s imports %s" % (mod, target))
        if re.search(r"\.bit_length\(", open(path).read()):
            bad.append("%s uses int.bit_length" % mod)
    assert bad == []


def test_kernel_stays_small():
    n = len(open(os.path.join(SRC, "kernel.py")).read().splitlines())
    assert n <= 500, "kernel.py has %d lines: move a concern out" % n


def test_no_trace_code_in_sync_objects():
    for name in ("mutex", "semaphore", "evflags", "mqueue", "condvar",
                 "mempool"):
        path = os.path.join(SRC, name + ".py")
        if os.path.exists(path):
            text = open(path).read()
            assert "_emit(" not in text and "trace" not in text.lower(), name


def test_upward_imports_are_declared_and_lazy():
    # each LAZY_UP import sits inside a function, never at module level
    for mod, path in modules():
        tree = ast.parse(open(path).read())
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.level:
                target = (node.module or "").split(".")[-1]
                assert (mod, target) not in LAZY_UP, (
                    "%s imports %s at module level" % (mod, target))


def patches(tree):
    """Module-level assignments to something imported: ``kernel.X =
    ...``, and a registry filled in place (``ANY_HANDLER[0] = ...``)."""
    imported = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                imported.add((a.asname or a.name).split(".")[0])
    out = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for tgt in node.targets:
                base = tgt
                while isinstance(base, (ast.Attribute, ast.Subscript)):
                    base = base.value
                if (tgt is not base and isinstance(base, ast.Name)
                        and base.id in imported):
                    out.append(ast.unparse(tgt))
    return out


def test_no_module_patches_another():
    # no registries injected into a lower layer, no method replaced from
    # outside
    bad = []
    for mod, path in modules():
        for p in patches(ast.parse(open(path).read())):
            bad.append("%s sets %s" % (mod, p))
    assert bad == []


def test_the_patch_check_can_fail():
    # the patterns this check exists for are caught
    src = ("from .kernel import ANY_HANDLER, Kernel\nfrom . import thread\n"
           "ANY_HANDLER[0] = len\nthread.FLAGS = 1\nKernel.wake = None\n"
           "x = 1\n")
    assert patches(ast.parse(src)) == ["ANY_HANDLER[0]", "thread.FLAGS",
                                       "Kernel.wake"]


def stats_events_called(sources):
    """The ``on_*`` events called on a kernel's statistics in ``sources``
    (``stats.on_x(...)``, ``self.stats.on_x(...)``, ``st.on_x(...)``)."""
    found = set()
    for src in sources:
        for m in re.finditer(r"\b(?:stats|st)\.(on_\w+)\(", src):
            found.add(m.group(1))
    return found


def test_stats_defines_every_event_the_kernel_calls_on_it():
    # Stats is not an observe.Observer (whose defaults would cost a board
    # its heap): every event called on it must be its own method
    from muos.stats import Stats
    called = stats_events_called(open(p).read() for _, p in modules())
    assert "on_block" in called and "on_idle" in called
    assert sorted(e for e in called if not hasattr(Stats, e)) == []


def test_the_stats_event_check_can_fail():
    assert stats_events_called(["k.stats.on_nothing(k, t)\n"]) == {
        "on_nothing"}


# views made on each read, never stored to while threads switch: their
# properties cost a board nothing (compat.py)
PROPERTIES_ALLOWED = ("threadstats",)


def computed_modules():
    """(module, path) of the portable modules whose classes follow
    compat.computed's rule."""
    for mod, path in modules():
        if mod not in PROPERTIES_ALLOWED and not any(
                mod == p or mod.startswith(p + ".") for p in NOT_PORTABLE):
            yield mod, path


def property_problems(src):
    """What breaks compat.computed's rule in a module's source: a
    ``property`` in a class body, or a class with ``computed`` attributes
    whose ``computed_attrs(Class)`` call is missing."""
    tree = ast.parse(src)
    finished = {node.value.args[0].id for node in tree.body
                if isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", None) == "computed_attrs"
                and node.value.args
                and isinstance(node.value.args[0], ast.Name)}
    out = []
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        names = {n.id for n in ast.walk(cls) if isinstance(n, ast.Name)}
        names |= {a.attr for a in ast.walk(cls)
                  if isinstance(a, ast.Attribute) and a.attr == "setter"}
        if "property" in names or "setter" in names:
            out.append("%s uses property" % cls.name)
        if "computed" in names and cls.name not in finished:
            out.append("%s: no computed_attrs(%s)" % (cls.name, cls.name))
    return out


def test_portable_classes_use_computed_not_property():
    # on MicroPython a property makes every attribute store on the
    # class's objects slow (compat.py): portable classes use computed
    bad = []
    for mod, path in computed_modules():
        bad += ["%s: %s" % (mod, p)
                for p in property_problems(open(path).read())]
    assert bad == []


def test_the_computed_check_can_fail():
    src = ("class A:\n    @property\n    def x(self):\n        return 1\n"
           "class B:\n    @computed\n    def y(self):\n        return 2\n"
           "class C:\n    @computed\n    def z(self):\n        return 3\n"
           "computed_attrs(C)\n")
    assert property_problems(src) == ["A uses property",
                                      "B: no computed_attrs(B)"]


def shadowed(classes):
    """``Class.name`` for each computed attribute (a property on CPython)
    that a base class also has as a plain attribute: on MicroPython,
    where the computed one leaves its class, the base's would be read."""
    out = []
    for cls in classes:
        for name, v in vars(cls).items():
            if isinstance(v, property):
                for base in cls.__mro__[1:-1]:
                    b = vars(base).get(name, v)
                    if not isinstance(b, property):
                        out.append("%s.%s" % (cls.__name__, name))
    return out


def test_computed_attributes_shadow_no_base_attribute():
    import importlib
    import inspect
    bad = []
    for mod, _ in computed_modules():
        m = importlib.import_module("muos." + mod if mod else "muos")
        bad += shadowed(c for _, c in inspect.getmembers(m, inspect.isclass)
                        if c.__module__ == m.__name__)
    assert bad == []


def test_the_shadow_check_can_fail():
    class Base:
        external = False

    class Port(Base):
        @property
        def external(self):
            return True

    assert shadowed([Port]) == ["Port.external"]


def test_cold_parts_declare_exactly_their_names():
    # compat.cold_part: on MicroPython a missing attribute loads a cold
    # part only if the part declares it; a name left out of the
    # declaration would stay an AttributeError there, one declared but
    # not defined would load the part for nothing
    import importlib

    import muos  # noqa: F401  (loads every class that declares a part)
    from muos.compat import DECLARED
    assert len(DECLARED) == 8
    for cls, module, part, names in DECLARED:
        p = getattr(importlib.import_module("muos." + module), part)
        # (compiled, a part's type also lists the fields its .pxd
        # declares, as descriptors: not names of the part's)
        own = sorted(k for k, v in vars(p).items()
                     if k[:2] != "__" and k != "_computed"
                     and type(v).__name__ not in ("getset_descriptor",
                                                  "member_descriptor"))
        assert sorted(names) == own, (cls.__name__, module)
        assert p in cls.__mro__

