"""Faults beyond kill -9: the disk filling during an ingest or an export. A file-size limit (RLIMIT_FSIZE, set in the
child process only) stands in for a full disk: every write beyond it fails with EFBIG, as a write to a full disk fails
with ENOSPC (Python ignores SIGXFSZ, so the write returns the error instead of killing the process). The command must
fail with a clean message that says the warehouse is unchanged, and it must be: every table's row count and hash."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_robustness import snapshot

ROOT = Path(__file__).parents[1]
TRIALS = ["--task", "mine", "--model", "Qwen3-8B", "--problem-col", "p", "--trial-col", "t", "--gen-tokens-col", "g"]


def cli_limited(limit_bytes: int, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`kinetics-sql --db DB ARGS` in a child that may write no file beyond ``limit_bytes``."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "kinetics_sql", "--db", db, *args],
        preexec_fn=limit,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def db(demo_db: str, tmp_path: Path) -> str:
    path = str(tmp_path / "w.duckdb")
    shutil.copy(demo_db, path)
    return path


@pytest.mark.slow
def test_disk_full_during_an_ingest_leaves_the_warehouse_unchanged(db: str, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_text("p,t,g\n" + "".join(f"{p},{t},{500 + t}\n" for p in range(2000) for t in range(40)))
    before = snapshot(db)
    res = cli_limited(1_000_000, db, "ingest", "-q", str(big), *TRIALS)  # the 80,000 trials need ~6 MB of WAL
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "Traceback" not in out, out
    assert "File too large" in out and "nothing of this command was written" in out, out
    assert f"the warehouse {db} is as it was before" in out, out
    assert snapshot(db) == before
    again = cli_limited(2**40, db, "ingest", "-q", str(big), *TRIALS)  # with room, the same ingest goes through
    assert again.returncode == 0, again.stdout + again.stderr
    assert snapshot(db)["trials"][0] == before["trials"][0] + 80_000


@pytest.mark.slow
def test_disk_full_during_an_export_writes_nothing_and_says_so(db: str, tmp_path: Path) -> None:
    out_dir = tmp_path / "export"
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("an earlier file")
    before = snapshot(db)
    res = cli_limited(100_000, db, "export", "--parquet", str(out_dir))
    out = res.stdout + res.stderr
    assert res.returncode == 1 and "Traceback" not in out, out
    assert "File too large" in out and "nothing was exported" in out and "is unchanged" in out, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "w.duckdb"]  # no partial folder left
    assert [p.name for p in out_dir.iterdir()] == ["keep.txt"]
    assert snapshot(db) == before
