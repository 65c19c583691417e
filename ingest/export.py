"""Export the warehouse as Parquet: data tables Hive-partitioned by (task, model).

Written through DuckDB's relation API: the output path is an argument, never part of SQL text.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse

PARTITIONED = ("trials", "problems", "majority_votes", "trial_budgets", "published_costs")
PLAIN = (
    "models", "hardware", "measurements", "attention_bench", "coefficients", "ingest_log", "ingest_issues",
    "schema_version",
)  # fmt: skip


def export_parquet(wh: Warehouse, out_dir: str | Path) -> dict[str, int]:
    """Write every data table under ``out_dir/<table>/`` (replacing what an earlier export wrote there); returns
    rows written per table. Any other table of the warehouse is written plainly too, so a table added later is never
    left out.

    Everything is written into a hidden sibling folder first and moved into place only when every table is
    complete: a full disk or a file-size limit leaves ``out_dir`` as it was (and the warehouse, read-only here,
    untouched) and raises a KineticsError saying so."""
    out = Path(out_dir)
    existing = set(wh.named("warehouse/tables")["table_name"])
    written: dict[str, int] = {}
    known = (*PARTITIONED, *PLAIN)
    others = sorted(t for t in existing if t not in known)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        for table in (*known, *others):
            if table not in existing:
                continue
            rel = wh.con.table(table)
            target = stage / table
            if table in PARTITIONED:
                rel.write_parquet(str(target), partition_by=["task", "model"], overwrite=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                rel.write_parquet(str(target / "data.parquet"))
            written[table] = len(rel)
        out.mkdir(parents=True, exist_ok=True)
        for table in written:
            if (out / table).exists():
                shutil.rmtree(out / table)
            os.replace(stage / table, out / table)
    except (duckdb.Error, OSError) as exc:
        first = str(exc).splitlines()[0]
        raise KineticsError(
            f"cannot write {out}: {first}; nothing was exported (the partial files were removed) and the warehouse "
            f"{wh.path}, read-only here, is unchanged"
        ) from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return written
