"""Declared SQL dependencies: what each ``queries/*.sql`` file requires, the macros it defines and calls, the layer
it sits in, and the order macro files are created in (the SQL counterpart of import-linter's contracts).

Each file states what it requires in its header, one or more lines such as::

    -- requires: pricing/terms, macros/001_cost

A file may call a macro only where it defines it or a file it requires does; it may require only files of a lower
layer (or of its own folder); the requires form no cycle. :func:`problems` lists every breach (tests/test_sqldeps.py
runs it over the package); :func:`creation_order` is the order the warehouse creates macro files in.

Layers, lowest first: migrations and warehouse < macros < selection < pricing < frontier | recommend | cost | tp |
fit | strategies | catalog | ingest < report | bench.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError

LAYERS: dict[str, int] = {
    "migrations": 0,
    "warehouse": 0,
    "macros": 1,
    "selection": 2,
    "pricing": 3,
    **{name: 4 for name in ("frontier", "recommend", "cost", "tp", "fit", "strategies", "catalog", "ingest")},
    "report": 5,
    "bench": 5,
}
FOLDERS = tuple(LAYERS)
# The folders whose files define macros (problems() says so when another does): the warehouse reads only these
# to create macros.
MACRO_FOLDERS = ("macros", "selection", "pricing", "frontier", "fit")
_REQUIRES = re.compile(r"^--\s*requires:\s*(.*)$")
# sql-fragment: a pattern that finds macro definitions, not a statement
_DEFINE = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?MACRO\s+(\{?\w+\}?)", re.I)  # sql-fragment: ^
_CALL = re.compile(r"(?<![\w.])(\{?\w+\}?)\s*\(")


# a comment to the end of its line, a block comment (to its end or the text's), a string literal ('' inside it)
_COMMENT_OR_STRING = re.compile(r"--[^\n]*|/\*.*?(?:\*/|\Z)|'(?:[^']|'')*(?:'|\Z)", re.S)


def strip(sql: str) -> str:
    """``sql`` without comments and with every string literal emptied (so neither can look like a call)."""
    return _COMMENT_OR_STRING.sub(lambda m: "''" if m.group(0).startswith("'") else "", sql)


@dataclass(frozen=True)
class SqlFile:
    name: str  # 'pricing/seconds'
    requires: tuple[str, ...]
    defines: frozenset[str]  # macro names, or {placeholders} of a templated file
    calls: frozenset[str]  # every name followed by '(' (filtered against the known macros by the checks)

    @property
    def folder(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(n[1:-1] for n in self.defines | self.calls if n.startswith("{"))


def parse(name: str, text: str) -> SqlFile:
    requires: list[str] = []
    for line in text.splitlines():
        m = _REQUIRES.match(line.strip())
        if m:
            requires += [r.strip() for r in m.group(1).split(",") if r.strip()]
    body = strip(text)
    defines = frozenset(_DEFINE.findall(body))
    calls = frozenset(_CALL.findall(body)) - defines
    return SqlFile(name, tuple(requires), defines, calls)


def _walk(folder: str = "") -> list[str]:
    root = sqlfiles.root().joinpath(folder) if folder else sqlfiles.root()
    names: list[str] = []
    for p in root.iterdir():
        rel = f"{folder}/{p.name}" if folder else p.name
        if p.is_dir() and not p.name.startswith("__"):
            names += _walk(rel)
        elif p.name.endswith(".sql"):
            names.append(rel[:-4])
    return sorted(names)


@cache
def package_files() -> dict[str, SqlFile]:
    """Every SQL file of the package, parsed."""
    return {n: parse(n, sqlfiles.load(n)) for n in _walk()}


@cache
def macro_files() -> dict[str, SqlFile]:
    """The SQL files of MACRO_FOLDERS, parsed (what the warehouse creates macros from)."""
    return {n: parse(n, sqlfiles.load(n)) for folder in MACRO_FOLDERS for n in _walk(folder)}


def _names(f: SqlFile, names: Iterable[str], templates: Mapping[str, frozenset[str]]) -> set[str]:
    """Macro names ``names`` stand for: a {placeholder} is every name the templates give it."""
    out: set[str] = set()
    for n in names:
        out |= set(templates.get(n[1:-1], ())) if n.startswith("{") else {n}
    return out


def problems(files: Mapping[str, SqlFile], templates: Mapping[str, frozenset[str]]) -> list[str]:
    """Every breach of the declared dependencies: an unknown or upward require, a macro called that neither the
    file nor a file it requires defines, a require the file does not use, a cycle."""
    defined_by: dict[str, str] = {}
    for f in files.values():
        for m in _names(f, f.defines, templates):
            defined_by.setdefault(m, f.name)
    out: list[str] = []
    for f in files.values():
        layer = LAYERS.get(f.folder)
        if f.defines and f.folder not in MACRO_FOLDERS:
            out.append(f"queries/{f.name}.sql defines macros outside kinetics_sql.sqldeps.MACRO_FOLDERS")
        if layer is None:
            out.append(f"queries/{f.name}.sql: folder {f.folder!r} has no layer (kinetics_sql.sqldeps.LAYERS)")
            continue
        used: set[str] = set()
        own = _names(f, f.defines, templates)
        for macro in sorted(_names(f, f.calls, templates) & set(defined_by)):
            if macro in own:
                continue
            providers = {r for r in f.requires if r in files and macro in _names(files[r], files[r].defines, templates)}
            if not providers:
                out.append(
                    f"queries/{f.name}.sql calls {macro}, defined in queries/{defined_by[macro]}.sql, "
                    f"which it does not require (add `-- requires: {defined_by[macro]}`)"
                )
            used |= providers
        for r in f.requires:
            if r not in files:
                out.append(f"queries/{f.name}.sql requires {r}, which is no file of queries/")
                continue
            if LAYERS.get(files[r].folder, 99) >= layer and files[r].folder != f.folder:
                out.append(
                    f"queries/{f.name}.sql (layer {f.folder}) requires {r}, of layer {files[r].folder}: "
                    "a file may require only lower layers or its own folder"
                )
            if r not in used:
                out.append(f"queries/{f.name}.sql requires {r} but calls none of its macros")
    try:
        creation_order(files, files)
    except KineticsError as exc:
        out.append(str(exc))
    return out


def creation_order(names: Iterable[str], files: Mapping[str, SqlFile]) -> list[str]:
    """``names`` with every file a name requires before it (depth first, in the given order otherwise)."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = (*path[path.index(name):], name)
            raise KineticsError(f"SQL requires form a cycle: {' -> '.join(cycle)}")
        state[name] = 1
        for r in files[name].requires if name in files else ():
            if r in files:
                visit(r, (*path, name))
        state[name] = 2
        order.append(name)

    for n in names:
        visit(n, ())
    wanted = set(names)
    return [n for n in order if n in wanted]
