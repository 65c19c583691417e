"""Shared fixtures: an in-memory warehouse, a CLI runner bound to a temporary one, and warehouses built once per
test session (across pytest-xdist workers) from the bundled data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from warehouses import MEASUREMENTS, build_once, ingest

from kinetics_sql import Warehouse


@pytest.fixture(scope="session", autouse=True)
def _point_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """recommend's cache of priced points (kinetics_sql.pointcache) in a folder of this session, not the user's."""
    saved = os.environ.get("KINETICS_SQL_CACHE")
    os.environ["KINETICS_SQL_CACHE"] = str(tmp_path_factory.mktemp("point-cache"))
    yield
    if saved is None:
        del os.environ["KINETICS_SQL_CACHE"]
    else:
        os.environ["KINETICS_SQL_CACHE"] = saved


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The warehouse of `make demo` (the bundled tables and the committed measurements), built once per session.
    Tests that write copy it first."""
    return str(build_once(tmp_path_factory, "demo.duckdb", lambda p: ingest(p, "--bundled", str(MEASUREMENTS))))


@pytest.fixture
def wh() -> Iterator[Warehouse]:
    w = Warehouse(":memory:")
    yield w
    w.close()


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """The connection of an in-memory warehouse (every macro created), shared by a module's tests."""
    wh = Warehouse(":memory:")
    yield wh.con
    wh.close()


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "test.duckdb")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip GPU tests cleanly where there is no CUDA device."""
    try:
        import torch

        has_gpu = bool(torch.cuda.is_available())
    except Exception:
        has_gpu = False
    if has_gpu:
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU (run on the device machine)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
