"""Shared fixtures: an in-memory warehouse and a CLI runner bound to a temporary one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinetics_sql import Warehouse


@pytest.fixture
def wh() -> Iterator[Warehouse]:
    w = Warehouse(":memory:")
    yield w
    w.close()


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A warehouse holding the bundled data and the committed measurements, built once per session; tests copy it
    (the robustness corpora: tests/test_robustness.py, tests/test_robustness_corpus.py)."""
    from kinetics_sql.cli import cli

    db = str(tmp_path_factory.mktemp("bundled") / "base.duckdb")
    measurements = Path(__file__).parents[1] / "warehouse" / "measurements"
    res = CliRunner().invoke(cli, ["--db", db, "ingest", "--bundled", "-q", str(measurements)])
    assert res.exit_code == 0, res.output
    return db


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
