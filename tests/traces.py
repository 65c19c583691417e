"""A warehouse of the raw Kinetics trace fixtures (tests/fixtures/kinetics/*.jsonl): long-CoT data."""

from __future__ import annotations

from pathlib import Path

from warehouses import ingest

TRACES = sorted(str(p) for p in (Path(__file__).parent / "fixtures" / "kinetics").glob("*.jsonl"))


def traces_db(tmp_path: Path, *files: str) -> str:
    """``tmp_path``/traces.duckdb with ``files`` (default: every trace fixture) ingested."""
    db = tmp_path / "traces.duckdb"
    ingest(db, *(files or TRACES))
    return str(db)
