"""Export the warehouse as Parquet: data tables Hive-partitioned by (task, model)."""

from __future__ import annotations

from pathlib import Path

from kinetics_sql.warehouse import Warehouse

PARTITIONED = ("trials", "problems", "trial_budgets", "published_costs")
PLAIN = ("models", "hardware", "ingest_log", "ingest_issues")


def export_parquet(wh: Warehouse, out_dir: str | Path) -> dict[str, int]:
    """Write each table under ``out_dir/<table>/``; returns rows written per table."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    existing = {r[0] for r in wh.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    written: dict[str, int] = {}
    for table in (*PARTITIONED, *PLAIN, "measurements"):
        if table not in existing:
            continue
        rows = int(wh.con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # type: ignore[index]
        target = out / table
        if table in PARTITIONED:
            options = "FORMAT parquet, PARTITION_BY (task, model), OVERWRITE_OR_IGNORE"
            wh.con.execute(f"COPY \"{table}\" TO '{_quote(target)}' ({options})")
        else:
            target.mkdir(parents=True, exist_ok=True)
            wh.con.execute(f"COPY \"{table}\" TO '{_quote(target / 'data.parquet')}' (FORMAT parquet)")
        written[table] = rows
    return written


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
