"""The house drawn from the code: every module imports on its own, the runners' record schema loads no
DuckDB, and import-linter's contracts catch a wrong import (a scratch copy of the package)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "kinetics_sql"
# Modules that import an optional engine at module level (they run on GPU machines only).
ENGINE_MODULES = {"kinetics_sql.runners.blocksparse_triton", "kinetics_sql.runners.live_attention",
                  "kinetics_sql.runners.fused_triton"}  # need triton: imported only on a GPU (or its interpreter)


def _modules() -> list[str]:
    names = []
    paths = [Path(d) / f for d, _, files in os.walk(PKG, followlinks=True) for f in files if f.endswith(".py")]
    for path in sorted(paths):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if "data" in parts or parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def test_every_module_imports_alone() -> None:
    """Each module first, with none of kinetics_sql loaded (third-party modules stay cached: a cycle
    or a partially initialised module inside the package shows up all the same)."""
    modules = [m for m in _modules() if m not in ENGINE_MODULES]
    assert "kinetics_sql.commands.fit_cmd" in modules and "kinetics_sql.ingest.job" in modules
    code = textwrap.dedent(
        """
        import importlib, sys, traceback
        bad = []
        for name in sys.argv[1:]:
            for loaded in [m for m in sys.modules if m == "kinetics_sql" or m.startswith("kinetics_sql.")]:
                del sys.modules[loaded]
            try:
                importlib.import_module(name)
            except Exception as exc:
                bad.append(f"{name}: {type(exc).__name__}: {exc}")
        print("\\n".join(bad))
        sys.exit(1 if bad else 0)
        """
    )
    r = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr


def test_record_schema_loads_no_dataframe_stack() -> None:
    code = (
        "import sys, kinetics_sql.runners.records, kinetics_sql.facts.records;"
        "bad = [m for m in ('duckdb', 'polars', 'pyarrow', 'click') if m in sys.modules];"
        "sys.exit(f'loaded {bad}' if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


@pytest.mark.slow
def test_import_linter_catches_a_wrong_import(tmp_path: Path) -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed (the dev extra)")
    copy = tmp_path / "kinetics_sql"
    shutil.copytree(PKG, copy, symlinks=False, ignore=shutil.ignore_patterns("data", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([str(lint)], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert ok.returncode == 0, ok.stdout[-3000:]
    (copy / "facts" / "scratch.py").write_text("from kinetics_sql.warehouse import Warehouse\n")
    (copy / "runners" / "scratch.py").write_text("import duckdb\n")
    bad = subprocess.run([str(lint)], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert bad.returncode == 1
    assert "kinetics_sql.facts.scratch -> kinetics_sql.warehouse" in bad.stdout
    assert "kinetics_sql.runners.scratch -> duckdb" in bad.stdout


def test_no_import_cycle_in_the_package() -> None:
    """Strongly connected components of the module graph (grimp, as import-linter sees it) are all single
    modules: no circle anywhere, inside a layer included."""
    grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (the dev extra)")
    graph = grimp.build_graph("kinetics_sql", cache_dir=None)
    assert "kinetics_sql.ingest.job" in graph.modules and "kinetics_sql.runners.records" in graph.modules
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in graph.modules:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    assert cycles == []


def test_every_ingest_format_names_an_importable_loader() -> None:
    """The job imports loaders by name (a missing dependency then says what to install): each name must
    be a module with detect() and load()."""
    import importlib

    from kinetics_sql.ingest.job import FORMATS

    for fmt, name in FORMATS.items():
        module = importlib.import_module(name)
        assert callable(module.detect) and callable(module.load), fmt
