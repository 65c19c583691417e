"""Fixtures and a brute-force reference for the frontier tests (imported by the test modules)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from warehouses import build_once

from kinetics_sql import Warehouse
from kinetics_sql.cli import cli
from kinetics_sql.ingest import sources


def _ingest_kinetics(path: Path) -> None:
    # the Kinetics tables only (--bundled also loads the Best-of-Infinity answer tables: tests/test_boinf.py)
    result = CliRunner().invoke(cli, ["--db", str(path), "ingest", str(sources.bundled_root())], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def aime_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A warehouse file with the bundled Kinetics AIME24 tables ingested, once per test session (shared by the
    pytest-xdist workers: conftest.build_once)."""
    return str(build_once(tmp_path_factory, "aime.duckdb", _ingest_kinetics))


@pytest.fixture(scope="session")
def aime_report(aime_db: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`kinetics-sql report --no-png --bootstrap 5` on the AIME24 warehouse, written once per session (per
    worker): the folder and what the command printed. Tests read it and write nothing into it."""
    out = tmp_path_factory.mktemp("aime-report") / "r"
    args = ["--db", aime_db, "report", "--out", str(out), "--no-png", "--bootstrap", "5"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture
def aime_wh(aime_db: str) -> Iterator[Warehouse]:
    w = Warehouse(aime_db)
    yield w
    w.close()


def step_values(costs: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """A right-continuous step function (value 0 before the first cost) evaluated at ``at``."""
    order = np.argsort(costs, kind="stable")
    costs, values = costs[order], np.maximum.accumulate(values[order]) if len(values) else values
    idx = np.searchsorted(costs, at, side="right") - 1
    out = np.zeros(len(at))
    ok = idx >= 0
    out[ok] = values[idx[ok]]
    return out


def brute_oracle(points: pl.DataFrame, at: np.ndarray, problems: list[str] | None = None) -> np.ndarray:
    """F(C) = mean over problems of max{a(q,k) : c(q,k) <= C}, straight from the definition."""
    by_problem: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for pid, c, a in points.select("problem_id", "cost", "accuracy").iter_rows():
        by_problem[pid].append((c, a))
    probs = problems if problems is not None else sorted(by_problem)
    total = np.zeros(len(at))
    for pid in probs:
        rows = by_problem.get(pid, [])
        if not rows:
            continue
        c = np.array([r[0] for r in rows])
        a = np.array([r[1] for r in rows])
        total += step_values(c, a, at)
    return total / len(probs)


def brute_deployable(points: pl.DataFrame, at: np.ndarray, problems: list[str] | None = None) -> np.ndarray:
    """F_u(C) = max{mean_q a(q,k) : mean_q c(q,k) <= C} over arms k = (config, setting)."""
    nq = len(problems) if problems is not None else points["problem_id"].n_unique()
    arms = points.group_by("config", "setting").agg(cost=pl.col("cost").mean(), accuracy=pl.col("accuracy").sum() / nq)
    return step_values(arms["cost"].to_numpy(), arms["accuracy"].to_numpy(), at)


def brute(points: pl.DataFrame, kind: str, at: np.ndarray, by: str = "none") -> np.ndarray:
    """The envelope over groups of the brute-force frontiers."""
    problems = sorted(points["problem_id"].unique().to_list())
    f = brute_oracle if kind == "oracle" else brute_deployable
    if by == "none":
        return f(points, at, problems)
    out = np.zeros(len(at))
    for _, part in points.group_by(by):
        out = np.maximum(out, f(part, at, problems))
    return out


def sql_step(df: pl.DataFrame, at: np.ndarray) -> np.ndarray:
    return step_values(df["cost"].to_numpy(), df["accuracy"].to_numpy(), at)
