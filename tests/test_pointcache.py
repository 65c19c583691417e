"""recommend's priced points are kept across runs and priced again when the warehouse or the request changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from traces import TRACES, traces_db

from kinetics_sql import Warehouse
from kinetics_sql import recommend as rec
from kinetics_sql.cli import cli

REQ = rec.Request.make(hardware="h100-sxm", strategies=("long-cot",), budget_s=1e9, bootstrap=50)


def _recommend(db: str, req: rec.Request = REQ) -> rec.Recommendation:
    with Warehouse(db, read_only=True) as wh:
        return rec.recommend(wh, req)


def test_points_are_kept_until_the_warehouse_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("KINETICS_SQL_CACHE", str(cache))
    db = traces_db(tmp_path, TRACES[0])
    first = _recommend(db)
    kept = list(cache.glob("points-*.parquet"))
    assert len(kept) == 1
    # a second run reads the kept rows: doctor them and the recommendation shows it
    with Warehouse(":memory:") as scratch:
        scratch.con.execute(
            f"COPY (SELECT * REPLACE (latency_s * 2 AS latency_s) FROM read_parquet('{kept[0]}')) "
            f"TO '{tmp_path / 'x.parquet'}' (FORMAT parquet)"
        )
    (tmp_path / "x.parquet").replace(kept[0])
    assert _recommend(db).chosen["latency_s"] == pytest.approx(2 * first.chosen["latency_s"])
    # another request (VRAM) or a write to the warehouse prices again, under another name
    assert _recommend(db, REQ.but(vram_gb=40)).chosen is not None
    assert len(list(cache.glob("points-*.parquet"))) == 2
    assert CliRunner().invoke(cli, ["--db", db, "ingest", *TRACES[1:]], catch_exceptions=False).exit_code == 0
    assert _recommend(db).chosen["latency_s"] != pytest.approx(2 * first.chosen["latency_s"])
    assert len(list(cache.glob("points-*.parquet"))) == 3


def test_off_keeps_nothing_and_a_broken_file_is_priced_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = traces_db(tmp_path)
    monkeypatch.setenv("KINETICS_SQL_CACHE", "off")
    expected = _recommend(db).chosen
    cache = tmp_path / "cache"
    monkeypatch.setenv("KINETICS_SQL_CACHE", str(cache))
    assert _recommend(db).chosen == expected
    (kept,) = cache.glob("points-*.parquet")
    kept.write_bytes(b"not parquet")
    assert _recommend(db).chosen == expected
    assert kept.read_bytes()[:4] == b"PAR1"
