"""Warehouses the tests share (imported by conftest.py and frontier_fixtures.py): built once per test session across
pytest-xdist workers, and kept between sessions under .pytest_cache/warehouses/, keyed by a hash of everything that
goes into them (the package's code and SQL, the bundled data, the committed measurements, DuckDB's version), so a
second run on unchanged code copies a file instead of ingesting for a minute or two. KINETICS_SQL_TEST_CACHE=0
turns the cache between sessions off (a fresh clone, CI, builds them anyway)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from kinetics_sql.cli import cli

ROOT = Path(__file__).resolve().parents[1]
MEASUREMENTS = ROOT / "warehouse" / "measurements"
CACHE = ROOT / ".pytest_cache" / "warehouses"
# What a warehouse built by ingest depends on: the code that reads and writes it, the files it reads, and the
# fixtures that say what to ingest.
INPUTS = (
    "kinetics_sql", "ingest", "queries", "warehouse/measurements",
    "tests/warehouses.py", "tests/conftest.py", "tests/frontier_fixtures.py",
)  # fmt: skip


def inputs_key(name: str) -> str:
    """A hash of every input file (path and bytes), DuckDB's version and the warehouse's name."""
    digest = hashlib.sha256(f"{name}|{duckdb.__version__}".encode())
    for top in INPUTS:
        base = ROOT / top
        for path in [base] if base.is_file() else sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _build_cached(name: str, build: Callable[[Path], None], target: Path) -> None:
    """Build ``name`` into ``target``, or copy it from the cache of an earlier session with the same inputs."""
    if os.environ.get("KINETICS_SQL_TEST_CACHE", "1") == "0":
        build(target)
        return
    cached = CACHE / f"{Path(name).stem}-{inputs_key(name)}{Path(name).suffix}"
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        for old in CACHE.glob(f"{Path(name).stem}-*"):  # an older build of the same warehouse
            old.unlink(missing_ok=True)
        build(target)
        partial = cached.with_name(cached.name + f".{os.getpid()}.partial")
        shutil.copyfile(target, partial)
        partial.rename(cached)  # atomic: another session sees the whole file or none
        return
    shutil.copyfile(cached, target)


def build_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A file built once per test session, shared by every pytest-xdist worker, and this process's own copy of it.

    The first worker to ask builds it (or copies it from the cache between sessions) under a lock in the session's
    base folder (the parent of the workers' folders); the others wait for it. Each worker then copies it into its
    own folder, so a test that opens it read-write (DuckDB locks a file to one writing process) never meets another
    worker's lock.
    """
    mine = tmp_path_factory.getbasetemp() / name
    if mine.exists():
        return mine
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        _build_cached(name, build, mine)
        return mine
    shared = tmp_path_factory.getbasetemp().parent / name
    with open(shared.parent / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shared.exists():
            partial = shared.parent / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            _build_cached(name, build, partial / name)
            (partial / name).rename(shared)
    shutil.copyfile(shared, mine)
    return mine


def ingest(path: Path, *sources: str) -> None:
    result = CliRunner().invoke(cli, ["--db", str(path), "ingest", "-q", *sources], catch_exceptions=False)
    assert result.exit_code == 0, result.output
