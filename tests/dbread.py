"""Reading a test's warehouse file back, as a user's own DuckDB would: a read-only connection, closed after."""

from __future__ import annotations

from typing import Any

import duckdb


def query(db: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` over the warehouse file ``db``."""
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
