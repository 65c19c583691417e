"""One pricing layer (queries/pricing/): the frontier, recommend and `cost` price the same arm to the same bits, for
every seconds-based cost model, with offloaded layers, waves, block top-k, both regimes and tensor parallelism; the
datasheet costs agree to rounding; the Best-of-Infinity answer tables (no prompt lengths) are priced with the stated
default prompt length, in recommend and the explorer, never dropped."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from kinetics_sql import Warehouse, costmodel, sqlfiles
from kinetics_sql import frontier as fr
from kinetics_sql import recommend as rec
from kinetics_sql.cli import cli
from kinetics_sql.figures import explorer
from kinetics_sql.ingest import sources

LIN = 155
LOUTS = [1200, 5400, 800, 9000, 3000, 2500, 7000, 4100]
CONFIGS = [("dense", None, None), ("topk", 1024, None), ("blocktopk", 1024, 16)]
MODEL = "Qwen3-8B"


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One problem of task 'tiny', three configurations of Qwen3-8B with the same eight trial lengths."""
    path = str(tmp_path_factory.mktemp("tiny") / "tiny.duckdb")
    with Warehouse(path) as wh:
        for method, budget, block in CONFIGS:
            source = f"tiny_{method}.jsonl"
            wh.execute(
                "INSERT INTO problems (source, task, model, method, budget, block_size, problem_id, n_samples, "
                "n_correct, prompt_tokens) VALUES (?, 'tiny', ?, ?, ?, ?, '0', ?, 3, ?)",
                [source, MODEL, method, budget, block, len(LOUTS), LIN],
            )
            for i, lout in enumerate(LOUTS):
                wh.execute(
                    "INSERT INTO trials (source, task, model, method, budget, block_size, problem_id, trial, "
                    "prompt_tokens, gen_tokens, correct) VALUES (?, 'tiny', ?, ?, ?, ?, '0', ?, ?, ?, ?)",
                    [source, MODEL, method, budget, block, i, LIN, lout, i < 3],
                )
    return path


@pytest.fixture
def tiny_wh(tiny_db: str) -> Iterator[Warehouse]:
    with Warehouse(tiny_db, read_only=True) as wh:  # as the CLI opens it, beside it
        yield wh


def _every_term(wh: Warehouse, form: str) -> costmodel.Coefficients:
    base = costmodel.resolve(wh, hardware="h100-sxm")
    return replace(
        base, label=f"test {form}", engine="llama.cpp", form=form, t0=0.05, prefill_a=2e-15, prefill_c=3e-11,
        step_s=1e-4, layer_step_s=2e-6, offload_layer_step_s=5e-6, offload_attn_a=4e-13,
        prefill_offload_attn_a=6e-14, net_c=1e-11, prefill_net_c=2e-11, net_step_s=3e-6,
    )  # fmt: skip


def _cost_cli(db: str, cost: str, method: str, budget: int | None, block: int | None, n: int, vram: float,
              gpus: int) -> pl.DataFrame:  # fmt: skip
    args = ["--db", db, "cost", "--model", MODEL, "--hardware", "h100-sxm", "--method", method, "--lin", str(LIN),
            "--n", str(n), "--cost", cost, "--vram-gb", str(vram), "--gpus", str(gpus), "-f", "csv"]  # fmt: skip
    args += [a for lout in LOUTS for a in ("--lout", str(lout))]
    if budget:
        args += ["--budget", str(budget)]
    if block:
        args += ["--block-size", str(block)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return pl.read_csv(io.StringIO(result.output))


# offload (16 GB: Qwen3-8B's 16.4 GB of weights never fit); waves (and offload); tensor parallel
CASES = [("split", 1, 16.0), ("split", 1, 8.0), ("plain", 2, 4.0)]


@pytest.mark.parametrize(("form", "gpus", "vram"), CASES)
def test_frontier_recommend_and_cost_price_an_arm_identically(
    tiny_db: str, tiny_wh: Warehouse, monkeypatch: pytest.MonkeyPatch, form: str, gpus: int, vram: float
) -> None:
    coef = _every_term(tiny_wh, form)
    monkeypatch.setattr(costmodel, "resolve", lambda wh, **kw: coef)
    req = rec.Request.make(hardware="h100-sxm", tasks=("tiny",), vram_gb=vram, budget_s=1e9, gpus=gpus,
                           include_oracle=True)  # fmt: skip
    req = req.validated(tiny_wh)
    rec.arm_table(tiny_wh, req)
    points = tiny_wh.df("SELECT * FROM recommend_points")
    assert points.height == len(CONFIGS) * 4  # N = 1, 2, 4, 8
    if vram > 8:
        assert points["k_layers"].min() > 0  # type: ignore[operator]
    else:
        assert points["waves"].max() > 1  # type: ignore[operator]
    columns = {"latency": "latency_s", "dollars": "usd_latency", "dollars-throughput": "usd_throughput"}
    for cost in ("latency", "rflops", "dollars", "dollars-throughput"):
        spec = fr.FrontierSpec.make(task="tiny", cost=cost, hardware="h100-sxm", vram_gb=vram, coefficients=coef,
                                    gpus=gpus)  # fmt: skip
        front = fr.points(tiny_wh, spec)
        assert front.height == points.height
        for r in front.filter(pl.col("setting").is_in([2, 8])).iter_rows(named=True):  # the CLI: a process each
            method = r["method"]
            budget, block = next((b, k) for m, b, k in CONFIGS if m == method)
            cli_rows = _cost_cli(tiny_db, cost, method, budget, block, r["setting"], vram, gpus)
            mean = cli_rows.filter(pl.col("row") == "mean").row(0, named=True)
            assert r["cost"] == mean["cost"], (cost, method, r["setting"])  # the same bits
            if cost in columns:
                rp = points.filter((pl.col("config") == r["config"]) & (pl.col("setting") == r["setting"]))
                assert rp[columns[cost]].item() == r["cost"] == mean[columns[cost]]
            if cost == "dollars-throughput":
                assert rp["batch_problems"].item() == mean["batch_problems"] >= 1
                assert rp["throughput_s"].item() == mean["throughput_s"]


@pytest.mark.parametrize("cost", ["flops", "eflops"])
def test_datasheet_costs_agree_with_cost_to_rounding(tiny_db: str, tiny_wh: Warehouse, cost: str) -> None:
    """flops and eflops: the frontier's affine decomposition (c0 + N (c1 - c0) + r(N), exact sums) against `cost`'s
    mean of each trial's count at n = N: equal to 1e-12."""
    front = fr.points(tiny_wh, fr.FrontierSpec.make(task="tiny", cost=cost, hardware="h100-sxm"))
    for r in front.iter_rows(named=True):
        budget, block = next((b, k) for m, b, k in CONFIGS if m == r["method"])
        args = ["--db", tiny_db, "cost", "--model", MODEL, "--hardware", "h100-sxm", "--method", r["method"],
                "--lin", str(LIN), "--n", str(r["setting"]), "-f", "csv"]  # fmt: skip
        args += [a for lout in LOUTS for a in ("--lout", str(lout))]
        args += ["--budget", str(budget)] if budget else []
        args += ["--block-size", str(block)] if block else []
        out = pl.read_csv(io.StringIO(CliRunner().invoke(cli, args, catch_exceptions=False).output))
        mean = out.filter(pl.col("row") == "mean").row(0, named=True)
        want = mean["eflops"] if cost == "eflops" else mean["compute_flops"]
        assert r["cost"] == pytest.approx(want, rel=1e-12)


@pytest.fixture(scope="module")
def boinf_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Best-of-Infinity answer table alone: trials with no prompt length."""
    path = str(tmp_path_factory.mktemp("boinf") / "boinf.duckdb")
    data = Path(sources.bundled_roots()[1]) / "analysis_aime2024_Qwen3-4B.jsonl.gz"
    result = CliRunner().invoke(cli, ["--db", path, "ingest", "-q", str(data)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path


def test_answer_tables_are_priced_with_the_default_prompt_length(boinf_db: str) -> None:
    with Warehouse(boinf_db, read_only=True) as wh:
        assert wh.df("SELECT count(*) AS n FROM trials WHERE prompt_tokens IS NOT NULL")["n"].item() == 0
        assert wh.df("SELECT pricing_default_prompt_tokens() AS d")["d"].item() == rec.DEFAULT_PROMPT_TOKENS
        got = rec.recommend(wh, rec.Request.make(hardware="h100-sxm", budget_dollars=1e6, bootstrap=10))
        assert got.chosen["model"] == "Qwen3-4B" and "boinf" in got.chosen["config"]
        assert any("no recorded prompt length" in n and "generation only" in n for n in got.notes)
        data = explorer.explorer_data(wh, hardware=["h100-sxm"], bootstrap=5)
        models = {a["model"] for sel in data["selections"] for a in sel["arms"]}
        assert "Qwen3-4B" in models
        # the frontier prices them the same way (prompt 0), and agrees with recommend
        spec = fr.FrontierSpec.make(task="aime24", cost="latency", hardware="h100-sxm")
        front = fr.frontier(wh, spec.but(kind="deployable", by="arm", envelope=False))
        arm = (pl.col("config") == got.chosen["config"]) & (pl.col("setting") == got.chosen["setting"])
        chosen = front.filter(arm)
        assert chosen["cost"].item() == pytest.approx(got.chosen["latency_s"], rel=1e-12)


MOE = "Qwen3-30B-A3B-Thinking-2507"


def test_moe_steps_read_the_experts_their_batch_touches(tiny_wh: Warehouse) -> None:
    """A MoE decode step reads the shared weights plus the experts a batch of that size touches (E (1 - (1 - k/E)^b)
    per layer): the datasheet's batch-1 step of Qwen3-30B-A3B is ~1.9 ms on an H100, not the ~18 ms of every
    expert; at batch 64 nearly every expert is read."""
    m = tiny_wh.df(f"SELECT * FROM models WHERE name = '{MOE}'").row(0, named=True)
    cx = costmodel.pricing_context(tiny_wh, costmodel.resolve(tiny_wh, hardware="h100-sxm"), vram_gb=None)
    expert_bytes = 2.0 * m["moe_layers"] * m["expert_params"]
    e, k = m["experts"], m["experts_per_token"]
    for batch in (1, 4, 16, 64):
        got = tiny_wh.df(
            "SELECT pl.read_bytes AS full, pricing_read_bytes(pl, $b) AS step FROM pricing_plan_for("
            "pricing_context($cx), [{'strategy': 'x', 'model': $m, 'setting': $b, 'n': $b, 'lin_max': 128.0, "
            "'gen_len': 1024.0}]) pl",
            {"cx": cx, "m": MOE, "b": batch},
        ).row(0, named=True)
        touched = e * (1.0 - (1.0 - k / e) ** batch)
        assert got["step"] == pytest.approx(got["full"] - expert_bytes * (e - touched), rel=1e-12)
    args = ["cost", "--cost", "latency", "--model", MOE, "--hardware", "h100-sxm", "--lin", "128", "--lout", "4096"]
    out = pl.read_csv(io.StringIO(CliRunner().invoke(cli, ["--db", tiny_wh.path, *args, "-f", "csv"]).output))
    step_ms = out["latency_s"].item() / 4096 * 1e3
    assert 1.5 < step_ms < 2.5  # every expert read: 18.2 ms


def test_a_recommend_answer_replays_within_its_budget(tiny_db: str, tiny_wh: Warehouse) -> None:
    """recommend prices best-of-N in the latency regime as the N samples decoded together until the longest ends:
    replaying its answer over every draw of N of the problem's samples (each draw priced by `cost`'s SQL as one
    problem with exactly those samples) gives its predicted seconds, within the budget."""
    budget = 40.0
    got = rec.recommend(tiny_wh, rec.Request.make(hardware="h100-sxm", tasks=("tiny",), budget_s=budget, bootstrap=10,
                                             include_oracle=True))  # fmt: skip
    n, method = int(got.chosen["setting"]), got.chosen["method"]
    assert n >= 2 and got.chosen["latency_s"] <= budget  # a schedule of several samples
    budget_tok, block = next((b, k) for m, b, k in CONFIGS if m == method)
    cx = costmodel.pricing_context(tiny_wh, costmodel.resolve(tiny_wh, hardware="h100-sxm"), vram_gb=None)
    walls = []
    for draw in itertools.combinations(LOUTS, n):
        params = {"model": MODEL, "method": method, "lin": LIN, "louts": list(draw), "n": n,
                  "budget": budget_tok or 0, "block_size": block or 0, "variant": "exact", "cost": "latency",
                  "pricing": cx, "has_price": False, "together": False}  # fmt: skip
        rows = tiny_wh.df(sqlfiles.load("cost/priced"), params)
        walls.append(rows.filter(pl.col("row") == "mean")["latency_s"].item())
        assert walls[-1] > rows.filter(pl.col("lout") < max(draw))["latency_s"].max()  # the longest sets the pace
    assert sum(walls) / len(walls) == pytest.approx(got.chosen["latency_s"], rel=1e-9)
    assert sum(walls) / len(walls) <= budget


def test_cost_together_prices_the_samples_as_one_batch_until_the_longest_ends(tiny_db: str) -> None:
    args = ["--db", tiny_db, "cost", "--model", MODEL, "--hardware", "h100-sxm", "--lin", str(LIN), "--cost", "latency",
            "-f", "csv", *[a for lout in LOUTS for a in ("--lout", str(lout))]]  # fmt: skip
    run = CliRunner().invoke
    together = pl.read_csv(io.StringIO(run(cli, [*args, "--together"], catch_exceptions=False).output))
    row = together.filter(pl.col("row") == "together").row(0, named=True)
    assert row["n"] == len(LOUTS) and row["lout"] is None
    mean = pl.read_csv(io.StringIO(run(cli, [*args, "--n", str(len(LOUTS))], catch_exceptions=False).output))
    assert row["latency_s"] == mean.filter(pl.col("row") == "mean")["latency_s"].item()  # one problem, these samples
    longest = pl.read_csv(io.StringIO(run(cli, [*args[:-16], "--lout", str(max(LOUTS))]).output))["latency_s"].item()
    copies = together.filter(pl.col("lout") == max(LOUTS))["latency_s"].item()  # 8 samples all of the longest
    assert longest < row["latency_s"] < copies
    bad = run(cli, [*args, "--together", "--n", "3"])
    assert bad.exit_code == 2 and "--n must be 8" in bad.output
