"""Bulk inserts through Arrow, typed by the target table."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]] | pa.Table) -> int:
    """Insert dict rows (or an Arrow table) into ``table`` by column name; returns the row count."""
    arrow = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows)
    if arrow.num_rows == 0:
        return 0
    con.register("_ingest_rows", arrow)
    try:
        cols = ", ".join(f'"{c}"' for c in arrow.column_names)
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _ingest_rows')
    finally:
        con.unregister("_ingest_rows")
    return arrow.num_rows
