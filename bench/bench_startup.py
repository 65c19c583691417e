"""Start-up: CPU seconds (user + system, the process and its threads) of `kinetics-sql --help`, `models` and
`recommend` end to end, this tree beside the previous commit's (``$KINETICS_BENCH_BASELINE``, default HEAD~1, taken
with `git archive`), medians of 5 runs each on the same warehouse (``$KINETICS_SQL_DB``, else
warehouse/demo.duckdb, else a throw-away one with the bundled Kinetics tables ingested by this tree). `recommend`
twice: with a warm point cache (kinetics_sql/pointcache.py; each tree its own folder, filled by one run first) and
cold (``KINETICS_SQL_CACHE=off``: every trial priced, as the first run after an ingest).

Targets (issue 19): --help and --version under 0.25 CPU-s; a read-only command on the demo warehouse under 0.6."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECOMMEND = ["recommend", "--hardware", "h100-sxm", "--budget-s", "600"]
# name -> (arguments, whether the point cache is on: warm, filled by one run before the timed ones)
COMMANDS = {
    "--help": (["--help"], False),
    "--version": (["--version"], False),
    "models": (["models"], False),
    "recommend": (RECOMMEND, True),
    "recommend cold": (RECOMMEND, False),
}
TARGETS = {"--help": 0.25, "--version": 0.25, "models": 0.6, "recommend": 0.6, "recommend cold": 0.6}


def cpu_seconds(tree: Path, db: str, args: list[str], repeats: int = 5, cache: Path | None = None) -> float:
    """Median CPU seconds of `python -m kinetics_sql --db DB ARGS` run from ``tree``; with ``cache`` the point cache
    lives there and one untimed run fills it first, else it is off."""
    env = {**os.environ, "PYTHONPATH": str(tree), "KINETICS_SQL_CACHE": str(cache) if cache else "off"}
    if cache:
        subprocess.run([sys.executable, "-m", "kinetics_sql", "--db", db, *args], cwd=tree, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    times = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "kinetics_sql", "--db", db, *args], cwd=tree, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(times)


def baseline_tree(rev: str, into: Path) -> Path:
    """The tree of commit ``rev`` (git archive), unpacked under ``into``."""
    archive = into / "baseline.tar"
    with archive.open("wb") as fh:
        subprocess.run(["git", "archive", rev], cwd=ROOT, stdout=fh, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def warehouse(tmp: Path) -> str:
    db = os.environ.get("KINETICS_SQL_DB") or str(ROOT / "warehouse" / "demo.duckdb")
    if Path(db).is_file():
        return db
    db = str(tmp / "demo.duckdb")
    subprocess.run([sys.executable, "-m", "kinetics_sql", "--db", db, "ingest", "-q", "--bundled"], cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return db


def main() -> None:
    rev = os.environ.get("KINETICS_BENCH_BASELINE", "HEAD~1")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = warehouse(tmp)
        # the warehouse is opened (migrated) by this tree first: a baseline reads a newer schema, never the reverse
        subprocess.run([sys.executable, "-m", "kinetics_sql", "--db", db, "init"], cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        base = baseline_tree(rev, tmp)
        print(f"start-up CPU seconds (median of 5), warehouse {db}; baseline {rev}")
        print(f"{'command':<14} {'ours':>8} {'baseline':>9} {'ratio':>7}  target")
        for name, (args, warm) in COMMANDS.items():
            ours = cpu_seconds(ROOT, db, args, cache=tmp / "cache-ours" if warm else None)
            theirs = cpu_seconds(base, db, args, cache=tmp / "cache-baseline" if warm else None)
            target = TARGETS[name]
            verdict = "met" if ours <= target else "NOT met"
            print(f"{name:<14} {ours:8.3f} {theirs:9.3f} {theirs / ours:6.1f}x  <= {target:g} ({verdict})")


if __name__ == "__main__":
    main()
