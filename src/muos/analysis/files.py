"""Task-set files (TOML, JSON, CSV) read into Tasks: the input boundary of
``muos analyze``, where a user's mistake must come back as a
``TasksetError`` naming the file and the line, row or entry, not as a
traceback. tomllib (or tomli), json and csv are imported only when a file
of that kind is read.
"""

import math
import os

from .model import _FIELDS, Task


class TasksetError(ValueError):
    """A task-set file that cannot be read; the message names the file and
    the line, row or entry."""


_COLUMNS = {"c": "C", "t": "T", "d": "D", "b": "B", "j": "J",
            "name": "name"}
_EXPECTED = "C, T and optionally D, name, B, J"


def _parse_number(text, field, where):
    s = text.strip()
    try:
        return int(s)
    except ValueError:
        pass
    try:
        v = float(s)
    except ValueError:
        raise TasksetError("%s: %s %r is not a number" % (
            where, field, text)) from None
    if not math.isfinite(v):
        raise TasksetError("%s: %s %r is not a finite number" % (
            where, field, text))
    return v


def _make_task(values, where):
    """A Task from {field: value}, or TasksetError naming ``where``."""
    for field in ("C", "T"):
        if field not in values:
            raise TasksetError("%s: missing %s (every task needs %s)" % (
                where, field, _EXPECTED))
    kw = {}
    for field in _FIELDS:
        v = values.get(field)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TasksetError("%s: %s must be a number, not %r" % (
                where, field, v))
        kw[field] = v
    name = values.get("name")
    if name is not None and not isinstance(name, str):
        name = str(name)
    try:
        return Task(name=name, **kw)
    except (TypeError, ValueError) as e:
        raise TasksetError("%s: %s" % (where, e)) from None


def _fields(entry, where):
    out = {}
    for key, v in entry.items():
        field = _COLUMNS.get(str(key).strip().lower())
        if field is None:
            raise TasksetError("%s: unknown key %r; expected %s" % (
                where, key, _EXPECTED))
        if field in out:
            raise TasksetError("%s: %s given twice" % (where, field))
        out[field] = v
    return out


def _entries(doc, path, kind):
    if isinstance(doc, dict):
        keys = [k for k in ("task", "tasks") if k in doc]
        if not keys:
            raise TasksetError("%s: no tasks: expected %s" % (
                path, "[[task]] tables" if kind == "toml" else
                'a list of task objects, or {"tasks": [...]}'))
        if len(keys) > 1:
            raise TasksetError("%s: both 'task' and 'tasks' given" % path)
        doc = doc[keys[0]]
    if not isinstance(doc, list):
        raise TasksetError("%s: the tasks must be a list, not %s" % (
            path, type(doc).__name__))
    return doc


def _load_toml(path, text):
    try:
        import tomllib
    except ImportError:                      # Python < 3.11
        try:
            import tomli as tomllib
        except ImportError:
            raise TasksetError("%s: reading TOML needs Python 3.11 or the "
                               "tomli package" % path) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise TasksetError("%s: invalid TOML: %s" % (path, e)) from None
    entries = _entries(doc, path, "toml")
    # where each [[task]] table starts, to name its line in errors
    lines = [i + 1 for i, ln in enumerate(text.splitlines())
             if ln.strip().replace(" ", "") in ("[[task]]", "[[tasks]]")]
    tasks = []
    for i, entry in enumerate(entries):
        where = "%s, task %d" % (path, i + 1)
        if len(lines) == len(entries):
            where = "%s, line %d (task %d)" % (path, lines[i], i + 1)
        if not isinstance(entry, dict):
            raise TasksetError("%s: a task must be a table, not %r" % (
                where, entry))
        tasks.append(_make_task(_fields(entry, where), where))
    return tasks


def _load_json(path, text):
    import json
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise TasksetError("%s, line %d, column %d: invalid JSON: %s" % (
            path, e.lineno, e.colno, e.msg)) from None
    tasks = []
    for i, entry in enumerate(_entries(doc, path, "json")):
        where = "%s, task %d" % (path, i + 1)
        if not isinstance(entry, dict):
            raise TasksetError("%s: a task must be an object like "
                               '{"C": 1, "T": 4}, not %r' % (where, entry))
        tasks.append(_make_task(_fields(entry, where), where))
    return tasks


def _load_csv(path, text):
    import csv
    reader = csv.reader(text.splitlines())
    header = None
    tasks = []
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row) or \
                row[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = []
            for c in row:
                field = _COLUMNS.get(c.strip().lower())
                if field is None:
                    raise TasksetError(
                        "%s, line %d: unknown column %r; the header names "
                        "the columns %s" % (path, line, c.strip(),
                                            _EXPECTED))
                if field in header:
                    raise TasksetError("%s, line %d: column %s appears "
                                       "twice" % (path, line, field))
                header.append(field)
            missing = [f for f in ("C", "T") if f not in header]
            if missing:
                raise TasksetError(
                    "%s, line %d: missing column%s %s in the header (a "
                    "first line like 'C,T,D,name')" % (
                        path, line, "s" if len(missing) > 1 else "",
                        " and ".join(missing)))
            continue
        where = "%s, line %d" % (path, line)
        if len(row) != len(header):
            raise TasksetError("%s: %d fields, but the header has %d (%s)"
                               % (where, len(row), len(header),
                                  ",".join(header)))
        values = {}
        for field, cell in zip(header, row):
            if field == "name":
                if cell.strip():
                    values["name"] = cell.strip()
            elif cell.strip():
                values[field] = _parse_number(cell, field, where)
            elif field in ("C", "T"):
                raise TasksetError("%s: %s is empty" % (where, field))
        tasks.append(_make_task(values, where))
    if header is None:
        raise TasksetError("%s: empty: expected a header line like "
                           "'C,T,D,name' and one line per task" % path)
    return tasks


_LOADERS = {"toml": _load_toml, "json": _load_json, "csv": _load_csv}


def load_taskset(path, fmt=None):
    """The tasks of a TOML (``[[task]]`` tables), JSON (a list of objects,
    or ``{"tasks": [...]}``) or CSV (a header line naming the columns)
    file, each task with C, T and optionally D, name, B, J; ``fmt``
    ("toml", "json", "csv") defaults to the file's extension. Tasks
    without a name are named t1, t2, ... in file order. Raises
    ``TasksetError`` naming the file and line, row or entry."""
    path = os.fspath(path)
    if fmt is None:
        fmt = os.path.splitext(path)[1].lower().lstrip(".")
        if fmt not in _LOADERS:
            raise TasksetError("%s: unknown file type %r; use a .toml, "
                               ".json or .csv file (or --format)" % (
                                   path, "." + fmt if fmt else ""))
    elif fmt not in _LOADERS:
        raise TasksetError("unknown format %r; use toml, json or csv"
                           % (fmt,))
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as e:
        raise TasksetError("%s: cannot read: %s" % (
            path, e.strerror or e)) from None
    except UnicodeDecodeError:
        raise TasksetError("%s: not a UTF-8 text file" % path) from None
    tasks = _LOADERS[fmt](path, text)
    if not tasks:
        raise TasksetError("%s: no tasks" % path)
    named = []
    for i, t in enumerate(tasks):
        if t.name is None:
            t = Task(t.C, t.T, t.D, "t%d" % (i + 1), t.B, t.J)
        named.append(t)
    seen = set()
    for t in named:
        if t.name in seen:
            raise TasksetError("%s: two tasks are named %r" % (path, t.name))
        seen.add(t.name)
    return named
