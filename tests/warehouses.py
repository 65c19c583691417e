"""Warehouses the tests share, built once per test session across pytest-xdist workers (imported by conftest.py
and frontier_fixtures.py)."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from kinetics_sql.cli import cli

ROOT = Path(__file__).resolve().parents[1]
MEASUREMENTS = ROOT / "warehouse" / "measurements"


def build_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A file built once per test session, shared by every pytest-xdist worker, and this process's own copy of it.

    The first worker to ask builds it under a lock in the session's base folder (the parent of the workers'
    folders); the others wait for it. Each worker then copies it into its own folder, so a test that opens it
    read-write (DuckDB locks a file to one writing process) never meets another worker's lock.
    """
    mine = tmp_path_factory.getbasetemp() / name
    if mine.exists():
        return mine
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        build(mine)
        return mine
    shared = tmp_path_factory.getbasetemp().parent / name
    with open(shared.parent / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shared.exists():
            partial = shared.parent / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            build(partial / name)
            (partial / name).rename(shared)
    shutil.copyfile(shared, mine)
    return mine


def ingest(path: Path, *sources: str) -> None:
    result = CliRunner().invoke(cli, ["--db", str(path), "ingest", "-q", *sources], catch_exceptions=False)
    assert result.exit_code == 0, result.output
