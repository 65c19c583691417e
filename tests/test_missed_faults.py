"""Tests for the faults the suite missed (issue 24): each was a one-line change to the code that decides the numbers
that no test caught. A test per guarded branch: a cost tie on the frontier, the fit's relative weighting, and a
negative count in every numeric column on every input path. Each was checked to fail on the broken code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from kinetics_sql import Warehouse, synthetic_measurements
from kinetics_sql import fit as fitlib
from kinetics_sql.cli import cli
from kinetics_sql.facts.records import DECODE_FIELDS

ROOT = Path(__file__).parents[1]

# -- a cost tie on the frontier ---------------------------------------------------------------------------------------

# Two arms of exactly equal cost on each problem: B is dominated (less accurate at the same cost) and must never be
# a breakpoint or a label; arm A sets the frontier at that cost. C is dearer and better.
def tie_points(dominated_first: bool) -> str:
    """SQL creating tie_points, the dominated arm's rows before or after the better arm's (the order a scan meets
    them in, which a frontier must not depend on)."""
    good = [("m dense", 4, "p1", 10.0, 0.9), ("m dense", 4, "p2", 10.0, 0.7)]
    bad = [("m dense", 2, "p1", 10.0, 0.2), ("m dense", 2, "p2", 10.0, 0.1)]
    dear = [("m topk64", 1, "p1", 20.0, 1.0), ("m topk64", 1, "p2", 20.0, 1.0)]
    rows = (bad + good if dominated_first else good + bad) + dear
    values = ", ".join(
        f"('m', '{c.split()[1].rstrip('0123456789')}', {64 if 'topk' in c else 'NULL'}::INTEGER, NULL::INTEGER, "
        f"'{c}', {s}, '{p}', {cost}, {acc})"
        for c, s, p, cost, acc in rows
    )
    return (
        "CREATE OR REPLACE TEMP TABLE tie_points AS SELECT * FROM (VALUES " + values + ") "
        "t(model, method, budget, block_size, config, setting, problem_id, cost, accuracy)"
    )


@pytest.mark.parametrize("kind", ["oracle", "deployable"])
@pytest.mark.parametrize("dominated_first", [True, False])
def test_a_cost_tie_keeps_the_dominated_arm_off_the_frontier(kind: str, dominated_first: bool) -> None:
    """Whatever order the tied arms come in, one breakpoint at the tied cost, the better arm's accuracy and label;
    the dominated arm appears nowhere."""
    with Warehouse(":memory:") as wh:
        wh.execute(tie_points(dominated_first))
        df = wh.df(f"SELECT * FROM frontier_curve('tie_points', '{kind}', 'none', true, 0, 0)")
    assert df["cost"].to_list() == [10.0, 20.0]
    assert df["accuracy"].to_list() == pytest.approx([0.8, 1.0])
    assert df.filter(pl.col("cost") == 10.0)["setting"].to_list() == [4]


@pytest.mark.parametrize("dominated_first", [True, False])
def test_a_cost_tie_in_the_envelope_labels_the_better_group(dominated_first: bool) -> None:
    with Warehouse(":memory:") as wh:
        wh.execute(tie_points(dominated_first))
        df = wh.df("SELECT * FROM frontier_curve('tie_points', 'deployable', 'arm', true, 0, 0)")
    assert df.filter(pl.col("cost") == 10.0)["group"].to_list() == ["m dense @4"]
    assert len(df) == 2


# -- the fit's relative weighting on noisy data ---------------------------------------------------------------------


def test_relative_weighting_fits_what_mape_measures_on_noisy_data() -> None:
    """Timings spanning three orders of magnitude with 10% multiplicative noise: plain least squares serves the
    long runs and misses the short ones by far; least squares on T-relative residuals keeps every run's relative
    error near the noise (training MAPE ~0.09 against ~0.36 without the weighting, on the data of issue 24)."""
    truth = synthetic_measurements.Truth(noise=0.10, step_s=2e-3)
    recs = synthetic_measurements.records(prompts=(128, 2048), gens=(8, 64, 512), repeats=2, truth=truth, seed=3)
    with Warehouse(":memory:") as wh:
        synthetic_measurements.load(wh, recs)
        relative = fitlib.fit(wh, "llama.cpp", "h100", weighting="relative")
        absolute = fitlib.fit(wh, "llama.cpp", "h100", weighting="absolute")
    assert relative.weighting == "relative" and absolute.weighting == "absolute"
    assert relative.mape is not None and absolute.mape is not None
    assert relative.mape < 0.15
    assert relative.mape < 0.7 * absolute.mape, (relative.mape, absolute.mape)


# -- a negative count in every numeric column, on every input path --------------------------------------------------

TRIAL_MAP = ["--task", "t", "--model", "Qwen3-8B", "--problem-col", "p", "--gen-tokens-col", "g"]


def _ingest(db: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--db", db, "ingest", "-q", *args])


def _write_rows(tmp_path: Path, fmt: str, rows: list[dict[str, Any]]) -> Path:
    if fmt == "csv":
        path = tmp_path / "t.csv"
        cols = list(rows[0])
        path.write_text(",".join(cols) + "\n" + "".join(",".join(str(r[c]) for c in cols) + "\n" for r in rows))
    elif fmt == "jsonl":
        path = tmp_path / "t.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        path = tmp_path / "t.parquet"
        pl.DataFrame(rows).write_parquet(path)
    return path


SCALAR_ROWS = [{"p": "a", "t": 0, "g": 500, "l": 100}, {"p": "a", "t": 1, "g": 600, "l": 100},
               {"p": "b", "t": 0, "g": 700, "l": 120}]  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize("column", ["g", "l", "t"])
def test_negative_count_in_a_trial_table_row(db_path: str, tmp_path: Path, fmt: str, column: str) -> None:
    """One row per trial (the vectorised path): a negative generated, prompt or trial count on row 3."""
    rows = [dict(r) for r in SCALAR_ROWS]
    rows[2][column] = -5 if column != "l" else -120
    path = _write_rows(tmp_path, fmt, rows)
    res = _ingest(db_path, str(path), *TRIAL_MAP, "--trial-col", "t", "--prompt-tokens-col", "l")
    line = 4 if fmt == "csv" else 3
    assert res.exit_code == 1, res.output
    assert f"{path}:{line}: field '{column}': expected a non-negative integer" in res.output, res.output


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize("column", ["g", "l"])
def test_negative_count_in_a_one_row_per_problem_table(db_path: str, tmp_path: Path, fmt: str, column: str) -> None:
    """One row per problem with a list of trials (the JSON-list path): a negative element, or a negative prompt."""
    rows: list[dict[str, Any]] = [{"p": "a", "g": [500, 600], "l": 100}, {"p": "b", "g": [700, 800], "l": 120}]
    if column == "g":
        rows[1]["g"] = [700, -8]
    else:
        rows[1]["l"] = -120
    if fmt == "csv":  # a CSV cell holding a JSON list, as pandas writes one
        path = tmp_path / "t.csv"
        path.write_text('p,g,l\n' + "".join(f'{r["p"]},"{json.dumps(r["g"])}",{r["l"]}\n' for r in rows))
    else:
        path = _write_rows(tmp_path, fmt, rows)
    res = _ingest(db_path, str(path), *TRIAL_MAP, "--prompt-tokens-col", "l")
    line = 3 if fmt == "csv" else 2
    assert res.exit_code == 1, res.output
    assert f"{path}:{line}: field '{column}': expected a non-negative integer" in res.output, res.output


COUNT_FIELDS = sorted(k for k, (kind, _) in DECODE_FIELDS.items() if kind == "int")


@pytest.mark.parametrize("field", COUNT_FIELDS)
def test_negative_count_in_every_measurement_field(db_path: str, tmp_path: Path, field: str) -> None:
    rec = synthetic_measurements.records(models=["Qwen3-1.7B"], depths=[0], gens=[64])[0]
    rec = {**rec, field: -3}
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(rec) + "\n")
    res = _ingest(db_path, str(path))
    assert res.exit_code == 1, res.output
    assert f"{path}:1: field '{field}'" in res.output, res.output
    assert "Traceback" not in res.output


def test_negative_token_count_in_an_answer_table(db_path: str, tmp_path: Path) -> None:
    src = next((ROOT / "kinetics_sql" / "data").rglob("analysis_aime2024_Qwen3-4B.jsonl*"))
    import gzip

    raw = gzip.decompress(src.read_bytes()) if src.suffix == ".gz" else src.read_bytes()
    first = json.loads(raw.splitlines()[0])
    first["all_answers"][1][1] = -7
    path = tmp_path / "analysis_aime2024_Qwen3-4B.jsonl"
    path.write_text(json.dumps(first) + "\n")
    res = _ingest(db_path, str(path))
    assert res.exit_code == 1, res.output
    assert f"{path}:1: field 'all_answers[1]': token count must be >= 0, got -7" in res.output, res.output
