"""Export the warehouse as Parquet: data tables Hive-partitioned by (task, model).

Written through DuckDB's relation API: the output path is an argument, never part of SQL text.
"""

from __future__ import annotations

from pathlib import Path

from kinetics_sql.warehouse import Warehouse

PARTITIONED = ("trials", "problems", "majority_votes", "trial_budgets", "published_costs")
PLAIN = (
    "models", "hardware", "measurements", "attention_bench", "coefficients", "ingest_log", "ingest_issues",
    "schema_version",
)  # fmt: skip
# Scratch tables a connection fills for one query (the offload plan of a frontier): not data, never exported.
SCRATCH = ("offload_context", "offload_plan")


def export_parquet(wh: Warehouse, out_dir: str | Path) -> dict[str, int]:
    """Write every data table under ``out_dir/<table>/`` (replacing what an earlier export wrote there); returns
    rows written per table. A table of the warehouse that is neither data nor scratch is written plainly too, so a
    table added later is never left out."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    existing = set(wh.named("warehouse/tables")["table_name"])
    written: dict[str, int] = {}
    known = (*PARTITIONED, *PLAIN)
    others = sorted(t for t in existing if t not in known and t not in SCRATCH)
    for table in (*known, *others):
        if table not in existing:
            continue
        rel = wh.con.table(table)
        target = out / table
        if table in PARTITIONED:
            rel.write_parquet(str(target), partition_by=["task", "model"], overwrite=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            rel.write_parquet(str(target / "data.parquet"))
        written[table] = len(rel)
    return written
