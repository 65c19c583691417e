"""Bulk inserts through Arrow, typed by the target table."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from kinetics_sql.warehouse import insert_arrow


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]] | pa.Table) -> int:
    """Insert dict rows (or an Arrow table) into ``table`` by column name; returns the row count."""
    return insert_arrow(con, table, rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows))
