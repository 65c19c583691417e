"""The test warehouses' cache between sessions: reused while nothing that builds them changes, rebuilt when anything
does."""

from __future__ import annotations

from pathlib import Path

import pytest
import warehouses


def test_a_cached_warehouse_is_reused_until_an_input_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    (root / "queries").mkdir(parents=True)
    sql = root / "queries" / "a.sql"
    sql.write_text("SELECT 1;")
    monkeypatch.setattr(warehouses, "ROOT", root)
    monkeypatch.setattr(warehouses, "INPUTS", ("queries",))
    monkeypatch.setattr(warehouses, "CACHE", root / ".cache")
    monkeypatch.delenv("KINETICS_SQL_TEST_CACHE", raising=False)
    builds: list[Path] = []

    def build(path: Path) -> None:
        builds.append(path)
        path.write_text(f"built {len(builds)}")

    for i in range(2):
        target = tmp_path / f"out{i}.duckdb"
        warehouses._build_cached("w.duckdb", build, target)
        assert target.read_text() == "built 1"
    assert len(builds) == 1
    sql.write_text("SELECT 2;")  # the SQL changed: build again, and keep only the newest
    warehouses._build_cached("w.duckdb", build, tmp_path / "out2.duckdb")
    assert len(builds) == 2 and (tmp_path / "out2.duckdb").read_text() == "built 2"
    assert len(list((root / ".cache").glob("w-*"))) == 1
    monkeypatch.setenv("KINETICS_SQL_TEST_CACHE", "0")
    warehouses._build_cached("w.duckdb", build, tmp_path / "out3.duckdb")
    assert len(builds) == 3
