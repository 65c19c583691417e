"""SQL lives in queries/: loaded by name, values bound, identifiers through one quoting helper, inserts by name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import insert_arrow

ROOT = Path(__file__).resolve().parents[1]
# Python that runs against the warehouse: the package (ingest, runners, figures are its subpackages) and bench.
CODE_DIRS = ("kinetics_sql", "ingest", "runners", "figures", "bench")
# SQL is written upper case here; prose ("With --grid ...", "delete the file") is not SQL.
STATEMENT = re.compile(
    r"^\s*(SELECT|INSERT (OR \w+ )?INTO|CREATE|DELETE FROM|UPDATE \w+ SET|COPY|WITH \w+ AS|DROP|ALTER)\b"
    r"|^\s*(BEGIN( TRANSACTION)?|COMMIT|ROLLBACK)\s*;?\s*$"
)


def test_quote_ident_doubles_quotes() -> None:
    assert sqlfiles.quote_ident("trials") == '"trials"'
    assert sqlfiles.quote_ident('we"ird') == '"we""ird"'
    with pytest.raises(KineticsError, match="not a valid SQL identifier: ''"):
        sqlfiles.quote_ident("")


def test_render_fills_placeholders_with_quoted_identifiers() -> None:
    sql = sqlfiles.render("ingest/delete_source", table='a "table"')
    assert 'DELETE FROM "a ""table""" WHERE source = $source' in sql
    with pytest.raises(KineticsError, match=r"queries/ingest/delete_source.sql has no placeholder \{column\}"):
        sqlfiles.render("ingest/delete_source", column="x")


def test_insert_arrow_matches_columns_by_name_into_any_table_name() -> None:
    con = duckdb.connect()
    con.execute('CREATE TABLE "it\'s ""odd""" (k INTEGER PRIMARY KEY, v VARCHAR, d DOUBLE DEFAULT 1.5)')
    # columns in another order than the table's, one missing (its default applies)
    assert insert_arrow(con, "it's \"odd\"", pa.Table.from_pylist([{"v": "x", "k": 1}, {"v": "y", "k": 2}])) == 2
    assert insert_arrow(con, "it's \"odd\"", pa.Table.from_pylist([{"v": "z", "k": 2, "d": 3.0}]), replace=True) == 1
    assert con.execute('SELECT * FROM "it\'s ""odd""" ORDER BY k').fetchall() == [(1, "x", 1.5), (2, "z", 3.0)]
    assert insert_arrow(con, "it's \"odd\"", pa.Table.from_pylist([])) == 0
    with pytest.raises(duckdb.ConstraintException, match="Duplicate key"):
        insert_arrow(con, "it's \"odd\"", pa.Table.from_pylist([{"k": 1, "v": "again"}]))
    con.close()


def inline_statements(path: Path, root: Path = ROOT) -> list[str]:
    """String literals and f-strings (not docstrings) in ``path`` that begin with an SQL statement."""
    tree = ast.parse(path.read_text())
    skip = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    skip |= {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    lines = path.read_text().splitlines()
    found = []
    for node in ast.walk(tree):
        lineno = getattr(node, "lineno", 0)
        if 0 < lineno <= len(lines) and "# sql-fragment:" in lines[lineno - 1]:
            continue  # a keyword rewritten in loaded SQL, not a statement (the comment says why)
        if isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            text = head.value if isinstance(head, ast.Constant) and isinstance(head.value, str) else ""
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
        else:
            continue
        if STATEMENT.match(text):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {text.strip()[:60]!r}")
    return found


def test_no_sql_statement_is_written_inline_in_python() -> None:
    files = [p for d in CODE_DIRS for p in sorted((ROOT / d).rglob("*.py"))]
    assert len(files) > 40
    found = [hit for p in files for hit in inline_statements(p)]
    assert not found, "SQL written inline in Python; move it to queries/<area>/<name>.sql:\n" + "\n".join(found)


def test_the_inline_sql_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "inline.py"
    bad.write_text(
        'def f(con, t):\n    """SELECT in a docstring is fine."""\n'
        '    con.execute(f"DELETE FROM {t}")\n    con.execute("SELECT 1")\n    print("With care, delete from here")\n'
    )
    assert inline_statements(bad, tmp_path) == ["inline.py:3: 'DELETE FROM'", "inline.py:4: 'SELECT 1'"]
