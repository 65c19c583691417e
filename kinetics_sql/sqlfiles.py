"""SQL lives in queries/*.sql (shipped as the package kinetics_sql.queries); load it by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from kinetics_sql.errors import KineticsError


def root() -> Traversable:
    """The folder of the package's SQL files (queries/)."""
    return resources.files("kinetics_sql.queries")


@cache
def load(name: str) -> str:
    """Text of ``queries/<name>.sql``; ``name`` may include a folder, e.g. ``frontier/oracle``."""
    parts = name.removesuffix(".sql").split("/")
    path = root()
    for part in parts[:-1]:
        path = path.joinpath(part)
    path = path.joinpath(parts[-1] + ".sql")
    try:
        return path.read_text()
    except (FileNotFoundError, OSError) as exc:
        raise KineticsError(f"no SQL file queries/{name}.sql in the package") from exc


def listing(folder: str) -> list[str]:
    """Names (without .sql) of the files in ``queries/<folder>``, sorted."""
    d = root().joinpath(folder)
    return sorted(p.name[:-4] for p in d.iterdir() if p.name.endswith(".sql"))


def quote_ident(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (embedded quotes doubled): the one way identifiers enter SQL text."""
    if not name or "\x00" in name:
        raise KineticsError(f"not a valid SQL identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def render(name: str, **identifiers: str) -> str:
    """``queries/<name>.sql`` with each ``{key}`` placeholder replaced by the quoted identifier ``identifiers[key]``.

    Only identifiers (table, column names) are put into the text, always through :func:`quote_ident`; values are
    bound as parameters by the caller.
    """
    return _substitute(name, identifiers, quote_ident)


def _substitute(name: str, values: dict[str, str], quote: Callable[[str], str]) -> str:
    """``queries/<name>.sql`` with each ``{key}`` placeholder replaced by ``quote(values[key])``; a key with no
    placeholder in the file is an error (a typo would otherwise leave the text unchanged)."""
    sql = load(name)
    for key, value in values.items():
        placeholder = "{" + key + "}"
        if placeholder not in sql:
            raise KineticsError(f"queries/{name}.sql has no placeholder {placeholder}")
        sql = sql.replace(placeholder, quote(value))
    return sql


def quote_literal(value: str) -> str:
    """``value`` as a single-quoted SQL string literal (embedded quotes doubled): for the few statements that take no
    bind parameter (EXPORT DATABASE, IMPORT DATABASE paths)."""
    if "\x00" in value:
        raise KineticsError(f"not a valid SQL string: {value!r}")
    return "'" + value.replace("'", "''") + "'"


def render_literals(name: str, **literals: str) -> str:
    """``queries/<name>.sql`` with each ``{key}`` placeholder replaced by the string literal ``literals[key]``."""
    return _substitute(name, literals, quote_literal)
