"""Bulk inserts through Arrow, typed by the target table."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from kinetics_sql import sqlfiles


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]] | pa.Table) -> int:
    """Insert dict rows (or an Arrow table) into ``table`` by column name; returns the row count."""
    arrow = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows)
    if arrow.num_rows == 0:
        return 0
    con.register("_ingest_rows", arrow)
    try:
        con.execute(sqlfiles.render("ingest/insert_rows", table=table))
    finally:
        con.unregister("_ingest_rows")
    return int(arrow.num_rows)
