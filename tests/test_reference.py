"""docs/reference.md, the user's reference (issue 15 #5): every public
name has an entry there, and its links to the other docs resolve.

An *entry* is a heading, a list item or a table row that leads with the
name in a code span: a heading's code spans; a list item's code spans
before its first colon (outside code), so ``* `t.kill()`: ends ...`` is
the entry of ``kill``, and the names its text merely mentions are not;
a table row's first cell (in a table whose first column has a
heading: a feature matrix names no entries). The name of a code span is
the last component of the dotted name it starts with (``await t.join(...)`` is
``join``; ``--trace FILE.json`` is ``--trace``). A class's members must
have their entries in the sections about that class: the sections
whose heading names it, with their subsections. ``test_the_check_can
_fail`` deletes entries and links and checks that each is reported.

The samples on the page run in tests/test_docs.py.
"""

import ast
import os
import re
import subprocess
import sys

import muos
import muos.analysis
import muos.asyncio
from muos.analysis import observed
from muos.ports import Port
from muos.ports.micropython import MachinePort

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DOCS = os.path.join(ROOT, "docs")
REFERENCE = os.path.join(DOCS, "reference.md")


def read(path=REFERENCE):
    with open(path, encoding="utf-8") as f:
        return f.read()


# -- the page's structure ------------------------------------------------

_FENCE = re.compile(r"^```.*?^```[ \t]*$", re.M | re.S)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*$", re.M)
_SPAN = re.compile(r"`([^`]+)`")
_NAME = re.compile(r"^(?:await\s+|async\s+with\s+|async\s+for\s+\w+\s+in\s+"
                   r"|with\s+|len\()?([A-Za-z_][\w.]*)")
_WORD = re.compile(r"[A-Za-z_][\w]*")


def _blank_fences(text):
    """The text with every fenced block blanked (same length, lines
    kept): nothing in a sample is an entry or a heading."""
    return _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def span_name(span):
    """The name a code span leads with: ``--opt`` for an option, else the
    last component of the dotted name it starts with (None if none)."""
    span = span.strip()
    if span.startswith("-"):
        return span.split()[0].split("=")[0]
    m = _NAME.match(span)
    if m is None:
        return None
    return m.group(1).rstrip(".").split(".")[-1]


def _lead(item):
    """A list item's text up to its first colon outside code spans."""
    inside = False
    for i, ch in enumerate(item):
        if ch == "`":
            inside = not inside
        elif ch == ":" and not inside:
            return item[:i]
    return item


def entries(text):
    """[(start, end, names)]: every entry of ``text`` (offsets into it),
    with the names it is the entry of."""
    plain = _blank_fences(text)
    out = []
    lines = plain.split("\n")
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i = 0
    keyed = False      # the table being read has names in its first column
    while i < len(lines):
        line = lines[i]
        start = offsets[i]
        m = _HEADING.match(line)
        if m:
            spans = _SPAN.findall(m.group(2))
            out.append((start, start + len(line), spans))
            i += 1
            continue
        item = re.match(r"^(\s*)[*-][ \t]+(.*)$", line)
        if item:
            indent = len(item.group(1))
            body = [item.group(2)]
            j = i + 1
            while j < len(lines):
                nxt = lines[j]
                if (not nxt.strip() or _HEADING.match(nxt)
                        or re.match(r"^\s*[*-][ \t]+", nxt)
                        or len(nxt) - len(nxt.lstrip()) <= indent):
                    break
                body.append(nxt.strip())
                j += 1
            end = offsets[j - 1] + len(lines[j - 1])
            spans = _SPAN.findall(_lead(" ".join(body)))
            out.append((start, end, spans))
            i = j
            continue
        if line.startswith("|") and not re.match(r"^\|[\s|:-]+\|$", line):
            first = line.strip("|").split("|")[0]
            if i + 1 < len(lines) and re.match(r"^\|[\s|:-]+\|$",
                                               lines[i + 1]):
                keyed = bool(first.strip())    # a header row
            elif keyed:
                out.append((start, start + len(line),
                            _SPAN.findall(first)))
        i += 1
    return [(a, b, {n for n in map(span_name, spans) if n})
            for a, b, spans in out]


def entry_names(text):
    names = set()
    for _, _, ns in entries(text):
        names |= ns
    return names


def section_ranges(text, word):
    """[(start, end)] of every section whose heading has ``word`` as a
    word (in code or not), with its subsections."""
    plain = _blank_fences(text)
    heads = [(m.start(), len(m.group(1)), m.group(2))
             for m in _HEADING.finditer(plain)]
    out = []
    for k, (start, level, title) in enumerate(heads):
        if word not in _WORD.findall(title.replace("`", " ")):
            continue
        end = len(text)
        for start2, level2, _ in heads[k + 1:]:
            if level2 <= level:
                end = start2
                break
        out.append((start, end))
    return out


def sections(text, word):
    """The text of those sections, joined."""
    return "\n".join(text[a:b] for a, b in section_ranges(text, word))


# -- what must have an entry ----------------------------------------------

def public(obj):
    """The public names of a class (or instance): its attributes, methods
    and properties not starting with "_"."""
    return {n for n in dir(obj) if not n.startswith("_")}


async def _nothing():
    pass


def _kernel_and_thread():
    k = muos.Kernel(trace=True)
    t = k.spawn(_nothing)
    k.run()
    return k, t


def _instances():
    """Instances of the classes whose members the page lists, so that
    attributes set in ``__init__`` count too."""
    k, t = _kernel_and_thread()
    out = {
        "Kernel": [muos.Kernel, k],
        "Thread": [muos.Thread, t],
        "Stats": [muos.Stats, k.stats],
        "ThreadStats": [muos.ThreadStats, t.stats],
        "Trace": [muos.Trace, k.trace],
        "SimPort": [muos.SimPort, k.port],
        "PowerModel": [muos.PowerModel, muos.PowerModel(1, 0.5)],
        "MachinePort": [MachinePort],
        "Port": [Port],
        "Mutex": [muos.Mutex, muos.Mutex()],
        "Semaphore": [muos.Semaphore, muos.Semaphore()],
        "EventFlags": [muos.EventFlags, muos.EventFlags()],
        "MessageQueue": [muos.MessageQueue, muos.MessageQueue(1)],
        "ConditionVariable": [muos.ConditionVariable,
                              muos.ConditionVariable()],
        "MemoryPool": [muos.MemoryPool, muos.MemoryPool(1, 1)],
        "Spinlock": [muos.Spinlock, muos.Spinlock()],
        "Timer": [muos.Timer, muos.Timer(print)],
        "Job": [muos.Job, muos.Job(0, 0, 0, 1000)],
        "Task": [muos.analysis.Task, muos.analysis.Task(1, 2)],
    }
    if "Watchdog" in muos.__all__:
        out["Watchdog"] = [muos.Watchdog, muos.Watchdog(1)]
    if getattr(muos, "HostPort", None) is not None:
        port = muos.HostPort()
        muos.Kernel(port)           # (attach sets some attributes)
        out["HostPort"] = [muos.HostPort, port]
        port.close()
    irq = k.interrupt("line", print)
    out["Interrupt"] = [type(irq), irq]
    out["IsrStats"] = [type(irq.stats), irq.stats]
    return out


def required():
    """[(what, section word or None, name)]: every entry the page must
    have, ``section`` None for the whole page."""
    need = []
    for name in muos.__all__:
        need.append(("muos." + name, None, name))
    for cls, objs in sorted(_instances().items()):
        names = set()
        for o in objs:
            names |= public(o)
        for n in sorted(names):
            need.append(("%s.%s" % (cls, n), cls, n))
    for name in muos.analysis.__all__:
        need.append(("muos.analysis." + name, "analysis", name))
    for name in observed.__all__:
        need.append(("muos.analysis.observed." + name, "observed", name))
    for name in muos.asyncio.__all__:
        need.append(("muos.asyncio." + name, "asyncio", name))
    for cmd, options in cli_options().items():
        for opt in options:
            need.append(("muos %s %s" % (cmd, opt), cmd, opt))
    return need


def cli_options():
    """{command: its options}, parsed from ``muos COMMAND --help``."""
    out = {}
    for cmd in ("demo", "run", "analyze"):
        text = subprocess.run(
            [sys.executable, "-m", "muos", cmd, "--help"],
            capture_output=True, text=True, check=True).stdout
        opts = text[text.index("options:"):]
        out[cmd] = sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)",
                                         opts)) - {"--help"})
    return out


def missing(text, need):
    """The required entries ``text`` lacks, as their descriptions."""
    everywhere = entry_names(text)
    cache = {}
    out = []
    for what, where, name in need:
        if where is None:
            names = everywhere
        else:
            if where not in cache:
                cache[where] = entry_names(sections(text, where))
            names = cache[where]
        if name not in names:
            out.append(what)
    return out


# -- links -----------------------------------------------------------------

def slug(title):
    """GitHub's anchor of a heading."""
    s = title.strip().lower().replace("`", "")
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(text):
    out = set()
    seen = {}
    for m in _HEADING.finditer(_blank_fences(text)):
        a = slug(m.group(2))
        n = seen.get(a, 0)
        seen[a] = n + 1
        out.add(a if n == 0 else "%s-%d" % (a, n))
    return out


def broken_links(text, base=DOCS):
    """The links of ``text`` (in ``base``) to a docs file or anchor that
    does not exist."""
    out = []
    plain = _blank_fences(text)
    plain = re.sub(r"`[^`\n]*`", lambda m: " " * len(m.group(0)), plain)
    for m in re.finditer(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)", plain):
        target = m.group(1)
        if re.match(r"^[a-z]+:", target):
            continue                       # http:, https:, mailto:
        path, _, anchor = target.partition("#")
        if path:
            full = os.path.normpath(os.path.join(base, path))
            if not os.path.exists(full):
                out.append(target)
                continue
            if not anchor:
                continue
            if not full.endswith(".md"):
                out.append(target)
                continue
            other = read(full)
        else:
            other = text
        if anchor not in anchors(other):
            out.append(target)
    return out


# -- the tests -------------------------------------------------------------

NEED = required()


def test_every_public_name_has_an_entry():
    absent = missing(read(), NEED)
    assert not absent, "no entry in docs/reference.md for: " + ", ".join(
        absent)


def test_the_names_checked_cover_what_the_issue_lists():
    whats = {w for w, _, _ in NEED}
    for name in ("muos.run", "muos.Kernel", "muos.HostPort",
                 "Thread.cpu_time", "Stats.isr_latency",
                 "ThreadStats.response_times", "Trace.timeline",
                 "SimPort.advance", "HostPort.take_ready",
                 "HostPort.irq_on_signal", "PowerModel.deep_sleep",
                 "muos.analysis.simulate", "muos.asyncio.ThreadSafeFlag",
                 "muos run --tick-hz", "muos analyze --toml",
                 "muos demo --report", "Kernel.sysclock",
                 "muos.analysis.observed.task_model"):
        assert name in whats, name
    assert len(NEED) > 400


def test_no_broken_link_to_other_docs():
    text = read()
    assert re.search(r"\]\((concepts|architecture|names)\.md\)", text)
    assert not broken_links(text)


def _without(text, name, where=None):
    """``text`` without the entries of ``name`` (in ``where``'s
    sections, or anywhere)."""
    ranges = [(0, len(text))] if where is None else \
        section_ranges(text, where)
    cut = [(a, b) for a, b, ns in entries(text) if name in ns
           and any(lo <= a < hi for lo, hi in ranges)]
    assert cut, (name, where)
    for a, b in reversed(cut):
        text = text[:a] + text[b:]
    return text


def test_the_check_can_fail():
    text = read()
    assert missing(text, NEED) == []
    cases = [
        ("kill", "Thread", "Thread.kill"),
        ("cpu_time", "Thread", "Thread.cpu_time"),
        ("timeline", "Trace", "Trace.timeline"),
        ("max_response", "ThreadStats", "ThreadStats.max_response"),
        ("on_block", "Stats", "Stats.on_block"),
        ("take_ready", "HostPort", "HostPort.take_ready"),
        ("Spinlock", None, "muos.Spinlock"),
        ("edf_test", "analysis", "muos.analysis.edf_test"),
        ("gather", "asyncio", "muos.asyncio.gather"),
        ("--horizon", "analyze", "muos analyze --horizon"),
    ]
    for name, where, what in cases:
        assert what in missing(_without(text, name, where), NEED), what
    # a name mentioned in another entry's text is not an entry: the
    # Thread section's sample and prose mention cpu_time elsewhere too
    cut = _without(text, "cpu_time", "Thread")
    assert "cpu_time" in sections(cut, "Thread")
    # a broken link
    assert broken_links(text.replace("(concepts.md)", "(concept.md)"))
    assert broken_links(text.replace("(#what-runs-where)",
                                     "(#what-runs-here)"))


def test_entry_parsing():
    assert span_name("await t.join(*, unwrap=False)") == "join"
    assert span_name("muos.Kernel(port=None)") == "Kernel"
    assert span_name("--trace FILE.json") == "--trace"
    assert span_name("async with m:") == "m"
    assert span_name("len(q)") == "q"
    text = ("## `muos.Thing`\n\n* `x.alpha()`: mentions `x.beta`.\n"
            "* `x.gamma`, `x.delta(d,\n  e)`: both.\n\n"
            "| hook | when |\n|---|---|\n| `on_x(k)` | `on_y` |\n\n"
            "| | a |\n|---|---|\n| `matrix` | yes |\n\n"
            "```python\n# `x.epsilon`: a sample\n```\n")
    assert entry_names(text) == {"Thing", "alpha", "gamma", "delta",
                                 "on_x"}
    assert slug("Analysis (`muos.analysis`)") == "analysis-muosanalysis"


def test_signatures_on_the_page_match_the_code():
    """The constructor signatures the reference gives, parameter by
    parameter, against the code's."""
    text = read()
    checks = {
        "muos.Kernel": muos.Kernel, "muos.SimPort": muos.SimPort,
        "muos.PowerModel": muos.PowerModel, "muos.Mutex": muos.Mutex,
        "muos.Semaphore": muos.Semaphore, "muos.Timer": muos.Timer,
        "muos.MemoryPool": muos.MemoryPool,
        "muos.MessageQueue": muos.MessageQueue,
        "muos.periodic": muos.periodic,
    }
    if getattr(muos, "HostPort", None) is not None:
        checks["muos.HostPort"] = muos.HostPort
    for label, cls in checks.items():
        params = _params(cls)
        # the fullest of the calls shown: the signature
        spans = re.findall(r"`%s\(([^`]*)\)(?:\s*->[^`]*)?`"
                           % re.escape(label), text)
        assert spans, label
        given = [p.strip().split("=")[0].strip("*")
                 for p in max(spans, key=len).split(",")
                 if p.strip() != "*"]
        assert given == params, (label, given, params)


def _params(cls):
    """The parameter names of ``cls``'s constructor, read from its source
    (``src/muos/...py``: a compiled class has no signature)."""
    path = os.path.join(ROOT, "src", *cls.__module__.split(".")) + ".py"
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
            for item in node.body:
                if (isinstance(item, ast.FunctionDef)
                        and item.name == "__init__"):
                    a = item.args
                    names = [x.arg for x in a.posonlyargs + a.args][1:]
                    if a.vararg is not None:
                        names.append(a.vararg.arg)
                    return names + [x.arg for x in a.kwonlyargs]
    raise AssertionError("no __init__ of %s in %s" % (cls.__name__, path))
