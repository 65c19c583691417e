"""Packaging: the wheel carries the SQL and data, installs, and works from another directory;
the core never imports an optional engine."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from kinetics_sql import Warehouse, sqlfiles

ROOT = Path(__file__).resolve().parents[1]
ENGINES = {"torch", "llama_cpp", "vllm", "transformers"}
CORE_DIRS = ["kinetics_sql", "ingest", "figures", "queries"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Build from a private copy: setuptools writes build/ in the source tree, and two pytest-xdist
    # workers building the same tree at once trip over each other.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in (*CORE_DIRS, "runners"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("kinetics_sql-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "kinetics_sql/queries/macros/001_cost.sql",
        "kinetics_sql/queries/migrations/001_catalog.sql",
        "kinetics_sql/ingest/job.py",
        "kinetics_sql/runners/__init__.py",
        "kinetics_sql/figures/__init__.py",
        "kinetics_sql/data/models.json",
        "kinetics_sql/data/hardware.csv",
        "kinetics_sql/data/kinetics-aime24/LICENSE",
        "kinetics_sql/data/kinetics-aime24/SOURCE.md",
        "kinetics_sql/data/kinetics-aime24/dense/aime24_qwen3-8b_dense_numTrials_tradeoff.csv",
        "kinetics_sql/data/boinf/LICENSE",
        "kinetics_sql/data/boinf/SOURCE.md",
        "kinetics_sql/data/boinf/analysis_math500_gpt-oss-20b.jsonl.gz",
    ):
        assert needed in names, needed
    shipped_sql = {n for n in names if n.startswith("kinetics_sql/queries/") and n.endswith(".sql")}
    on_disk = {f"kinetics_sql/queries/{p.relative_to(ROOT / 'queries')}" for p in (ROOT / "queries").rglob("*.sql")}
    assert on_disk <= shipped_sql, on_disk - shipped_sql


@pytest.mark.slow
def test_wheel_installs_and_runs_elsewhere(wheel: Path, tmp_path: Path) -> None:
    """A fresh venv gets the wheel (dependencies borrowed from this environment's site-packages)."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    # Dependencies come from the test environment; the editable kinetics_sql there is not on this path.
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = (
        "import kinetics_sql, sys; from kinetics_sql.cli import main;"
        "assert 'site-packages' in kinetics_sql.__file__, kinetics_sql.__file__;"
        "sys.argv = ['kinetics-sql', '--db', ':memory:', 'sql', '-f', 'csv',"
        " \"SELECT round(eflops_tera, 6) AS t FROM model_cost('Qwen3-8B', 'b200', 'dense', 155, 1000, 1)\"]; main()"
    )
    # "elsewhere": no PYTHONPATH pointing at a checkout (as when running a worktree's tests)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = subprocess.run([py, "-c", code], cwd=work, capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == "t"
    assert float(res.stdout.splitlines()[1]) > 0
    res = subprocess.run([py, "-m", "kinetics_sql", "--help"], cwd=work, capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert "Usage: kinetics-sql" in res.stdout
    assert not (work / "warehouse").exists()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in tree.body:  # module level only: engines may be imported inside functions
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_core_never_imports_an_engine_at_module_level() -> None:
    for folder in CORE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            bad = _imports(path) & ENGINES
            assert not bad, f"{path.relative_to(ROOT)} imports {bad} at module level"


def test_core_import_loads_no_engine() -> None:
    code = (
        "import sys, kinetics_sql, kinetics_sql.cli, kinetics_sql.ingest.job, kinetics_sql.catalog;"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(ENGINES)!r}); print(bad)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as w:
        version = w.schema_version()
        # numbered in ranges per feature (001-005, 040-041, ...): every file applied once, the highest last
        names = sqlfiles.listing("migrations")
        assert version == max(int(n[:3]) for n in names)
        assert w.df("SELECT count(*) AS n FROM schema_version").item() == len(names)
        w.execute("INSERT INTO hardware (name, peak_flops, hbm_bytes_per_s) VALUES ('mine', 1e14, 1e12)")
    with Warehouse(db) as w:
        assert w.migrate() == []
        assert w.schema_version() == version
        assert w.df("SELECT count(*) AS n FROM hardware WHERE name = 'mine'").item() == 1
        assert w.df("SELECT count(*) AS n FROM models WHERE builtin").item() == 20
