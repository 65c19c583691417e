"""`kinetics-sql recommend`: the best deployable configuration for a hardware profile and one budget.

A *deployable* configuration is one setting for every problem: model, attention method and KV budget,
N (best-of-N) or generation budget (long CoT), the offload depth the VRAM forces, and the engine whose
coefficients predict its seconds (a stored ``kinetics-sql fit``, or the datasheet roofline). Its
accuracy is the mean over problems (best-of-N coverage, or the share of traces correct at the budget),
its cost the predicted seconds per problem in two regimes:

- latency: one problem at a time on one GPU (``frontier --cost latency``);
- throughput: the GPU serves as many problems at once as its memory holds (``--cost dollars-throughput``),
  GPU-seconds per problem;

and dollars per 1,000 problems = GPU-seconds x gpus x price per GPU-hour / 3600 in each regime.

The SQL is in ``queries/recommend/`` (points, arms, pick, band, alternatives) over the pricing layer
``queries/pricing/`` (pricing_points: the rows the frontier prices too) under the request's pricing context
(:func:`kinetics_sql.costmodel.pricing_context`).

>>> from kinetics_sql import Warehouse
>>> wh = Warehouse(":memory:")
>>> recommend(wh, Request.make(hardware="rtx-4090", budget_s=60))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kinetics_sql.errors.KineticsError: no trials for task aime24 (best-of-n reads problems and trials): ingest them, ...
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from kinetics_sql import costmodel, limits, pointcache, sqlfiles
from kinetics_sql import frontier as fr
from kinetics_sql.errors import KineticsError
from kinetics_sql.facts.methods import DEPLOYABLE_METHODS, ORACLE_LABEL, considered
from kinetics_sql.spec import Composed, Pricing, Selection
from kinetics_sql.warehouse import Warehouse, insert_arrow

REGIMES = ("latency", "throughput")
DEFAULT_PROMPT_TOKENS = 0  # pricing_default_prompt_tokens() in queries/pricing/context.sql (tests check they agree)
VOTE_STRATEGIES = ("majority", "majority-budget")  # priced from the frontier's points (no verifier: votes)
MEASURE_TITLES = {
    "latency_s": "predicted seconds per problem (latency regime)",
    "usd_latency": "USD per 1,000 problems (latency regime)",
    "usd_throughput": "USD per 1,000 problems (throughput regime)",
    "usd_per_solved_latency": "USD per 1,000 solved problems (latency regime; dollars / accuracy)",
    "usd_per_solved_throughput": "USD per 1,000 solved problems (throughput regime; dollars / accuracy)",
}
MINIMIZE = ("seconds", "dollars", "dollars-per-solved")


@dataclass(frozen=True)
class Request(Composed):
    """What to recommend for: the pricing (hardware, GPUs, engine, VRAM plan), the data, what is allowed, and exactly
    one budget. ``Request.make(hardware=..., budget_s=...)`` builds one from flat option values."""

    pricing: Pricing
    tasks: tuple[str, ...] = ("aime24",)
    strategies: tuple[str, ...] = ("best-of-n",)
    models: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    budget_s: float | None = None  # predicted seconds per problem (latency regime)
    budget_dollars: float | None = None  # USD per 1,000 problems (in ``regime``)
    target_accuracy: float | None = None  # the cheapest arm reaching it (cost: ``minimize``)
    regime: str = "throughput"  # the regime of a dollar budget, or of minimize='dollars'
    minimize: str = "seconds"  # with target_accuracy: seconds (latency regime), dollars or dollars-per-solved
    variant: str = "exact"
    bootstrap: int = 1000
    seed: int = 0
    runners_up: int = 5
    include_oracle: bool = False  # consider oracle top-k (an upper bound) when no --method is given

    def validated(self, wh: Warehouse) -> Request:
        budgets = [b for b in (self.budget_s, self.budget_dollars, self.target_accuracy) if b is not None]
        if len(budgets) != 1:
            raise KineticsError("give exactly one budget: --budget-s, --budget-dollars or --target-accuracy")
        if self.budget_s is not None:
            limits.finite_in(self.budget_s, "--budget-s (seconds per problem)")
        if self.budget_dollars is not None:
            limits.finite_in(self.budget_dollars, "--budget-dollars (USD per 1,000 problems)")
        if self.target_accuracy is not None:
            limits.finite_in(self.target_accuracy, "--target-accuracy", high=1.0)
        if self.regime not in REGIMES:
            raise KineticsError(f"unknown regime {self.regime!r} (expected latency or throughput)")
        if self.minimize not in MINIMIZE:
            raise KineticsError(f"unknown minimize {self.minimize!r} (expected one of {', '.join(MINIMIZE)})")
        if not 1 <= self.bootstrap <= limits.BOOTSTRAP_MAX:
            raise KineticsError(f"--bootstrap must be 1 to {limits.BOOTSTRAP_MAX:,} replicates, got {self.bootstrap}")
        pricing = self.pricing.validated(wh)
        for s in self.strategies:
            if s not in fr.STRATEGIES:
                raise KineticsError(f"unknown strategy {s!r} (expected one of {', '.join(fr.STRATEGIES)})")
        if not self.tasks or not self.strategies:
            raise KineticsError("give at least one task and one strategy")
        allowed = Selection(models=self.models, methods=self.methods).validated(wh)
        return replace(
            self,
            pricing=pricing,
            models=allowed.models,
            methods=considered(allowed.methods, self.include_oracle),
        )

    def selection(self, task: str, strategy: str) -> Selection:
        """The frontier's selection of one task and strategy of the request, with its models and methods."""
        return Selection(task=task, strategy=strategy, variant=self.variant, models=self.models, methods=self.methods)

    @property
    def measure(self) -> str:
        """The column of recommend_arms the budget is in."""
        if self.budget_s is not None:
            return "latency_s"
        if self.budget_dollars is not None or self.minimize == "dollars":
            return f"usd_{self.regime}"
        if self.minimize == "dollars-per-solved":
            return f"usd_per_solved_{self.regime}"
        return "latency_s"

    @property
    def limit(self) -> float | None:
        return self.budget_s if self.budget_s is not None else self.budget_dollars

    def command(self) -> str:
        """The `kinetics-sql recommend` command line of this request."""
        p = self.pricing
        args = ["kinetics-sql", "recommend", "--hardware", p.hardware, *p.args()]
        for t in self.tasks:
            args += ["--task", t]
        for s in self.strategies:
            args += ["--strategy", s]
        for m in self.models:
            args += ["--model", m]
        if self.methods != DEPLOYABLE_METHODS:  # the default needs no --method
            for m in self.methods:
                args += ["--method", m]
        if self.include_oracle and not self.methods:
            args += ["--include-oracle"]
        if self.budget_s is not None:
            args += ["--budget-s", f"{self.budget_s:g}"]
        if self.budget_dollars is not None:
            args += ["--budget-dollars", f"{self.budget_dollars:g}", "--regime", self.regime]
        if self.target_accuracy is not None:
            args += ["--target-accuracy", f"{self.target_accuracy:g}"]
            if self.minimize != "seconds":
                args += ["--minimize", self.minimize, "--regime", self.regime]
        if p.gpus != 1:
            args += ["--gpus", str(p.gpus)]
        return shlex.join(args)


@dataclass
class Recommendation:
    request: Request
    chosen: dict[str, Any]
    lower: float
    upper: float
    runners_up: pl.DataFrame
    next_step: dict[str, Any] | None
    arms: pl.DataFrame
    coefficients: str  # 'datasheet' or the fit used
    engine: str | None
    vram_gb: float | None
    price_per_hour: float | None
    price_source: str | None
    notes: list[str] = field(default_factory=list)
    naive: dict[str, Any] | None = None  # the largest model that fits the VRAM, one sample, dense (naive_arm)

    @property
    def gain(self) -> dict[str, Any] | None:
        """What the recommendation buys over the naive choice, in the budget's units: accuracy at the same budget
        (and the cost of each), or with --target-accuracy the cost of each at that accuracy."""
        if self.naive is None:
            return None
        m = self.request.measure
        ours, theirs = measure_value(self.chosen, m), measure_value(self.naive, m)
        return {
            "measure": m,
            "accuracy": self.chosen["accuracy"] - self.naive["accuracy"],
            "cost_ratio": ours / theirs if ours is not None and theirs else None,
            "naive_reaches_target": None
            if self.request.target_accuracy is None
            else self.naive["accuracy"] >= self.request.target_accuracy - 1e-12,
        }

    @property
    def reproduce(self) -> str:
        """A frontier command whose row '<config> @<setting>' shows the same accuracy and cost (the budget's)."""
        c, r = self.chosen, self.request
        args = ["kinetics-sql", "frontier", "--task", r.tasks[0], "--strategy", c["strategy"], "--kind", "deployable"]
        cost = {
            "latency_s": "latency",
            "usd_latency": "dollars",
            "usd_throughput": "dollars-throughput",
            "usd_per_solved_latency": "dollars",  # the row's cost / its accuracy
            "usd_per_solved_throughput": "dollars-throughput",
        }[r.measure]
        args += ["--by", "arm", "--per-group", "--cost", cost, "--hardware", r.pricing.hardware, *r.pricing.args()]
        if r.pricing.gpus != 1:
            args += ["--gpus", str(r.pricing.gpus)]
        if c["strategy"] in fr.ADAPTIVE and c.get("batch", 1) != 1 and c["strategy"] == "adaptive-majority":
            args += ["--batch", str(c["batch"])]
        if c["strategy"] in fr.ADAPTIVE and c.get("max_n"):
            args += ["--max-n", str(c["max_n"])]
        args += ["--model", c["model"], "--method", c["method"], "-f", "csv"]
        return shlex.join(args) + f"   # row '{c['config']} @{c['setting']}'"

    def as_dict(self) -> dict[str, Any]:
        return {
            "request": self.request.command(),
            "hardware": self.request.pricing.hardware,
            "coefficients": self.coefficients,
            "engine": self.engine,
            "vram_gb": self.vram_gb,
            "price_per_hour": self.price_per_hour,
            "price_source": self.price_source,
            "budget": {
                "measure": self.request.measure,
                "limit": self.request.limit,
                "target_accuracy": self.request.target_accuracy,
            },
            "chosen": {
                **self.chosen,
                "lower": self.lower,
                "upper": self.upper,
                "data": fr.data_source(self.chosen["config"]),
            },
            "runners_up": self.runners_up.to_dicts(),
            "next_step": self.next_step,
            "reproduce": self.reproduce,
            "naive": self.naive,
            "gain": self.gain,
            "notes": self.notes,
        }


def _price(wh: Warehouse, hardware: str) -> tuple[float | None, str | None]:
    df = wh.named("recommend/price", {"name": hardware})
    return (df["price_per_hour"][0], df["price_source"][0]) if df.height else (None, None)


def arm_table(wh: Warehouse, req: Request) -> tuple[pl.DataFrame, costmodel.Coefficients, list[str]]:
    """Fill recommend_points and recommend_arms for a validated request; returns the arms, the
    coefficients that price the seconds, and notes on selections that had no data or a default prompt length."""
    p = req.pricing
    coefficients = costmodel.resolve(wh, hardware=p.hardware, engine=p.engine)
    cx = costmodel.pricing_context(wh, coefficients, vram_gb=p.vram_gb, reserve_gb=p.reserve_gb, gpus=p.gpus)
    price, _ = _price(wh, p.hardware)
    wh.execute(sqlfiles.load("recommend/tables"))
    notes: list[str] = []
    for task in req.tasks:
        found = 0
        for strategy in req.strategies:
            if strategy in VOTE_STRATEGIES:
                added = _vote_points(wh, req, coefficients, task, strategy, price)
                found += added
                if not added:
                    notes.append(f"no {strategy} data for task {task}: {_what_to_ingest(strategy)}")
                continue
            before = int(wh.named("recommend/count").item())
            params = {
                "pricing": cx,
                "has_price": price is not None,
                "task": task,
                "strategy": strategy,
                "variant": req.variant,
                "models": list(req.models),
                "methods": list(req.methods),
            }
            # adaptive strategies are priced per trial from adaptive_votes' weights
            pointcache.fill(wh, "recommend/adaptive_points" if strategy in fr.ADAPTIVE else "recommend/points", params)
            added = int(wh.named("recommend/count").item()) - before
            found += added
            if not added:
                notes.append(f"no {strategy} data for task {task}: {_what_to_ingest(strategy)}")
        if not found:
            raise KineticsError(f"no trials for task {task} {_selection(req)}" + _what_to_ingest_all(req))
    wh.execute(sqlfiles.load("recommend/arms"))
    arms = wh.named("recommend/arms_show")
    if arms.is_empty():
        raise KineticsError(
            f"no configuration has data on every problem of {', '.join(req.tasks)}: recommend one task at a time"
        )
    defaulted = arms.filter(pl.col("lin_defaulted") > 0)
    if defaulted.height:
        configs = sorted(set(defaulted["config"].to_list()))
        notes.append(
            f"{len(configs)} configuration(s) have no recorded prompt length (answer tables: "
            f"{', '.join(configs[:3])}{', ...' if len(configs) > 3 else ''}): priced with a prompt of "
            f"{DEFAULT_PROMPT_TOKENS} tokens, i.e. generation only (queries/pricing/context.sql)"
        )
    return arms, coefficients, notes


def _vote_points(
    wh: Warehouse, req: Request, coefficients: costmodel.Coefficients, task: str, strategy: str, price: float | None
) -> int:
    """Fill recommend_points for a voting strategy (majority, majority-budget) from the frontier's own points
    (``frontier --strategy majority --cost latency`` and ``--cost dollars-throughput``: the same accuracies and
    seconds that `frontier` prints) and the offload plan behind them; returns the rows added.

    The accuracy of an arm on a problem is the probability that the plurality of N votes is right
    (majority_votes), with no verifier."""
    base = fr.FrontierSpec.of(req.selection(task, strategy), req.pricing, cost="latency", coefficients=coefficients)
    keys = ["model", "method", "budget", "block_size", "config", "setting", "problem_id"]
    latency = fr.points(wh, base)
    if latency.is_empty():
        return 0
    throughput = fr.points(wh, replace(base, cost="dollars-throughput")).select(
        *keys, pl.col("seconds").alias("throughput_s")
    )
    p = req.pricing
    plan = costmodel.plan(
        wh, coefficients, task=task, strategy=strategy, vram_gb=p.vram_gb, reserve_gb=p.reserve_gb, gpus=p.gpus
    )
    vram = costmodel.vram_bytes(wh, p.hardware, p.vram_gb)
    batch = wh.df(
        sqlfiles.load("recommend/vote_batch"),
        {
            "plans": plan.select("model", "setting", "waves", "wave_n", "resident_gb", "kv_gb").to_dicts(),
            "vram_bytes": vram,
            "reserve_bytes": p.reserve_gb * 1e9,
        },
    )
    rows = (
        latency.join(throughput, on=keys, how="left", nulls_equal=True)
        .join(
            plan.select("model", "setting", pl.col("k").alias("k_layers"), "layers", "waves", "wave_n"),
            on=["model", "setting"],
            how="left",
        )
        .join(batch, on=["model", "setting"], how="left")
        .select(
            pl.lit(task).alias("task"),
            pl.lit(strategy).alias("strategy"),
            *keys,
            "accuracy",
            pl.col("seconds").alias("latency_s"),
            pl.col("throughput_s").fill_null(pl.col("seconds")),
            "k_layers",
            "layers",
            "waves",
            "wave_n",
            pl.col("batch_problems").fill_null(1),
            pl.col("trials").cast(pl.Int64),
        )
    )
    if price is not None:  # usd_per_1000 (queries/macros/020_price.sql) at price x gpus, as pricing_cost
        usd = [((1000.0 * pl.col(c)) * 1.0 * (price * float(p.gpus)) / 3600.0).alias(u)
               for c, u in (("latency_s", "usd_latency"), ("throughput_s", "usd_throughput"))]  # fmt: skip
        rows = rows.with_columns(usd)
    return insert_arrow(wh.con, "recommend_points", rows.to_arrow())


def _selection(req: Request) -> str:
    bits = [
        f"({'/'.join(req.strategies)} reads "
        + ("problems and trials" if req.strategies == ("best-of-n",) else "problems, trials and trial_budgets")
        + ")"
    ]
    if req.models:
        bits.append(f"for models {', '.join(req.models)}")
    if req.methods == DEPLOYABLE_METHODS and not req.include_oracle:
        bits.append(f"with the deployable methods {', '.join(req.methods)} (--include-oracle adds oracle top-k)")
    elif req.methods:
        bits.append(f"with methods {', '.join(req.methods)}")
    return " ".join(bits)


def _what_to_ingest(strategy: str) -> str:
    if strategy in VOTE_STRATEGIES:
        return (
            "majority voting needs answer tables (majority_votes): `kinetics-sql ingest --bundled` (the "
            "Best-of-Infinity tables: aime24, math500, gpqa-diamond) or analysis_<dataset>_<model>.jsonl files"
        )
    if strategy == "long-cot":
        return "long CoT needs raw traces (trial_budgets): `kinetics-sql ingest TRACES.jsonl`"
    return "best-of-N needs trials: `kinetics-sql ingest --bundled` (Kinetics AIME24) or your harness's files"


def _what_to_ingest_all(req: Request) -> str:
    if req.models or (req.methods and req.methods != DEPLOYABLE_METHODS):
        return ": drop --model/--method or ingest trials of those (`kinetics-sql ingest ...`)"
    if req.strategies == ("long-cot",):
        return ": ingest raw traces for trial_budgets (`kinetics-sql ingest TRACES.jsonl`)"
    return ": ingest them, e.g. `kinetics-sql ingest --bundled` for the Kinetics AIME24 tables"


def recommend(wh: Warehouse, req: Request) -> Recommendation:
    """The best deployable configuration within the request's budget (raises KineticsError when the data
    cannot answer, saying what to ingest or run)."""
    req = req.validated(wh)
    hardware, engine = req.pricing.hardware, req.pricing.engine
    price, price_source = _price(wh, hardware)
    if req.measure.startswith("usd") and price is None:
        raise KineticsError(
            f"hardware {hardware} has no price: set one with `kinetics-sql hardware add {hardware} "
            "--price-per-hour USD`"
        )
    try:
        arms, coefficients, notes = arm_table(wh, req)
    except KineticsError as exc:
        if engine and "no fitted coefficients" in str(exc):
            raise KineticsError(
                f"{exc}. No fit of {engine} on {hardware}: measure it with the runner "
                f"(`python -m kinetics_sql.runners.{'llamacpp' if engine == 'llama.cpp' else 'torchdecode'} ...`),"
                " `kinetics-sql ingest` the JSONL and `kinetics-sql fit --engine ... --device ... --hardware "
                f"{hardware}`; or leave out --engine for the datasheet roofline"
            ) from exc
        raise
    wh.execute(sqlfiles.load("recommend/costed"),
               {"measure": req.measure, "limit": req.limit, "target": req.target_accuracy})  # fmt: skip
    pick = wh.named("recommend/pick")
    if pick.is_empty():
        raise KineticsError(_nothing_fits(wh, req, arms))
    chosen = pick.row(0, named=True)
    band = wh.df(
        sqlfiles.load("recommend/band"),
        {
            "bootstrap": req.bootstrap,
            "seed": req.seed,
            "strategy": chosen["strategy"],
            "config": chosen["config"],
            "setting": chosen["setting"],
        },
    ).row(0, named=True)
    alt = wh.df(
        sqlfiles.load("recommend/alternatives"),
        {
            "strategy": chosen["strategy"],
            "config": chosen["config"],
            "setting": chosen["setting"],
            "accuracy": chosen["accuracy"],
            "lower": band["lower"],
            "runners": req.runners_up,
        },
    )
    if chosen["strategy"] in fr.ADAPTIVE:
        chosen = {**chosen, **_adaptive_arm(wh, req, chosen)}
    naive = naive_arm(wh, req, arms)
    runners = alt.filter(pl.col("kind") == "runner-up").drop("kind")
    nxt = alt.filter(pl.col("kind") == "next step").drop("kind")
    return Recommendation(
        request=req,
        chosen=chosen,
        lower=band["lower"],
        upper=band["upper"],
        runners_up=runners,
        next_step=nxt.row(0, named=True) if nxt.height else None,
        arms=arms,
        coefficients=coefficients.label,
        engine=coefficients.engine,
        vram_gb=vram / 1e9 if (vram := costmodel.vram_bytes(wh, hardware, req.pricing.vram_gb)) is not None else None,
        price_per_hour=price,
        price_source=price_source,
        notes=notes,
        naive=naive,
    )


def _adaptive_arm(wh: Warehouse, req: Request, chosen: dict[str, Any]) -> dict[str, Any]:
    """An adaptive arm's batch, cap and expected samples drawn (queries/strategies/adaptive_arms.sql)."""
    arms = wh.named(
        "strategies/adaptive_arms",
        {"task": req.tasks[0], "strategy": chosen["strategy"], "models": [chosen["model"]], "methods": [],
         "sources": [], "batch": None, "max_n": None},
    ).filter((pl.col("config") == chosen["config"]) & (pl.col("setting") == chosen["setting"]))  # fmt: skip
    if arms.height != 1:
        raise KineticsError(f"no adaptive_votes arm {chosen['config']} @{chosen['setting']} for {req.tasks[0]}")
    a = arms.row(0, named=True)
    capped = a["max_n"] if " max " in chosen["config"] else None
    return {"batch": a["batch"], "max_n": capped, "mean_samples": a["mean_samples"],
            "mean_samples_se": a["mean_samples_se"], "accuracy_se": a["accuracy_se"]}  # fmt: skip


NAIVE = "the largest model that fits the VRAM, one sample, dense attention"
NAIVE_BUDGET = "the largest model that fits the VRAM and the budget, one sample, dense attention"


def naive_arm(wh: Warehouse, req: Request, arms: pl.DataFrame) -> dict[str, Any] | None:
    """The configuration a user would pick without the tool: the largest model (parameters) whose dense
    configuration runs with no layer offloaded, one sample (best-of-N or majority at N = 1); with a budget
    (--budget-s, --budget-dollars), the largest whose cost is within it. None when the selection has no such arm
    (long CoT alone, no dense configuration, or none within the budget)."""
    sizes = wh.named("recommend/model_sizes")
    priced = arms.with_columns(
        pl.struct(arms.columns).map_elements(lambda r: measure_value(r, req.measure), return_dtype=pl.Float64)
        .alias("_cost")
    )
    pool = priced.filter(
        (pl.col("method") == "dense")
        & (pl.col("setting") == 1)
        & (pl.col("strategy").is_in(["best-of-n", *VOTE_STRATEGIES]))
        & pl.col("_cost").is_not_null()
        & ((pl.col("_cost") <= req.limit) if req.limit is not None else pl.lit(True))
    ).join(sizes, on="model", how="left").drop("_cost")
    if pool.is_empty():
        return None
    fits = pool.filter(pl.col("k_layers") == 0)
    pool = fits if fits.height else pool.sort("k_layers")
    order = [pl.col("params").fill_null(0), pl.col("strategy"), pl.col("config")]
    return pool.sort(order, descending=[True, False, False]).drop("params").row(0, named=True)


def _nothing_fits(wh: Warehouse, req: Request, arms: pl.DataFrame) -> str:
    col = req.measure
    priced = arms.filter(pl.col(col).is_not_null() & pl.col(col).is_finite())
    if priced.is_empty():
        p = req.pricing
        vram = costmodel.vram_bytes(wh, p.hardware, p.vram_gb)
        memory = f"{vram / 1e9:g} GB VRAM less {p.reserve_gb:g} GB reserve" if vram is not None else "the VRAM"
        return (
            f"no configuration of {', '.join(req.tasks)} can run on {p.hardware} in {memory}: even with every layer "
            "offloaded to the host, one sequence's KV cache does not fit; give a larger --vram-gb or a smaller "
            "--reserve-gb"
        )
    arms = priced
    if req.target_accuracy is not None:
        best = arms.sort("accuracy", descending=True).row(0, named=True)
        return (
            f"no deployable configuration reaches accuracy {req.target_accuracy:g}: the most accurate is "
            f"{best['config']} @{best['setting']} at {best['accuracy']:.3f} ({_cost_text(best, col)})"
        )
    cheapest = arms.sort(col).row(0, named=True)
    return (
        f"no deployable configuration fits the budget of {_cost_value(req.limit or 0, col)}: the cheapest is "
        f"{cheapest['config']} @{cheapest['setting']} ({_cost_text(cheapest, col)}, "
        f"accuracy {cheapest['accuracy']:.3f})"
    )


def _cost_value(v: float, measure: str) -> str:
    if measure == "latency_s":
        return f"{v:,.4g} s per problem"
    if measure.startswith("usd_per_solved"):
        return f"${v:,.4g} per 1,000 solved problems"
    return f"${v:,.4g} per 1,000 problems"


def measure_value(row: dict[str, Any], measure: str) -> float | None:
    """The arm's cost in ``measure`` (a per-solved cost is the regime's dollars / accuracy; None at accuracy 0)."""
    if measure.startswith("usd_per_solved_"):
        usd = row["usd_" + measure.rsplit("_", 1)[1]]
        return None if usd is None or not row["accuracy"] else float(usd) / float(row["accuracy"])
    v = row[measure]
    return None if v is None else float(v)


def _regime(measure: str) -> str:
    return measure.rsplit("_", 1)[1]


def _cost_text(row: dict[str, Any], measure: str) -> str:
    v = measure_value(row, measure)
    if v is None:
        return "no cost (no price or accuracy 0)"
    return _cost_value(v, measure) + ("" if measure == "latency_s" else f" ({_regime(measure)} regime)")


def setting_text(strategy: str, setting: int, arm: dict[str, Any] | None = None) -> str:
    samples = "sample" if setting == 1 else "samples"
    if strategy in fr.ADAPTIVE:
        a = arm or {}
        drawn = ""
        if "mean_samples" in a:
            drawn = f"; {a['mean_samples']:.1f} samples expected (+/- {a['mean_samples_se']:.2f})"
        cap = f", at most {a['max_n']}" if a.get("max_n") else ", at most all samples"
        if strategy == "adaptive-esc":
            return f"w = {setting}: windows of {setting} samples until one is unanimous (ESC){cap}{drawn}"
        return (
            f"K = {setting}: draw {a.get('batch', 1)} at a time until the leading answer is {setting} votes ahead"
            f"{cap}{drawn}"
        )
    if strategy == "best-of-n":
        return f"N = {setting} {samples} (best-of-N, verifier picks), each generated to its end (no generation budget)"
    if strategy == "majority":
        return f"N = {setting} {samples}, the most frequent answer wins (majority vote, no verifier)"
    if strategy == "majority-budget":
        return (
            f"N = {setting} {samples}, each capped at the configuration's generation budget, the most frequent "
            "answer wins (majority vote, no verifier)"
        )
    return f"generation budget {setting:,} tokens (long CoT, one trace)"


def _usd(v: Any) -> str:
    return "n/a (no price)" if v is None or (isinstance(v, float) and math.isnan(v)) else f"${v:,.2f}"


def _arm_line(r: dict[str, Any], measure: str) -> str:
    return (
        f"{r['config']} @{r['setting']} ({r['strategy']}): accuracy {r['accuracy']:.3f}, "
        f"{r['latency_s']:,.1f} s/problem, {_usd(r['usd_latency'])} (latency) / {_usd(r['usd_throughput'])} "
        f"(throughput) per 1,000 problems"
        + (f", {r['k_layers']} of {r['layers']} layers offloaded" if r["k_layers"] else "")
    )


def _gain_lines(r: Recommendation) -> list[str]:
    """The naive choice beside the recommendation, in the budget's units."""
    n, g, req = r.naive, r.gain, r.request
    what = NAIVE if req.limit is None else NAIVE_BUDGET
    if n is None or g is None:
        return ["", f"Naive choice ({what}): none in this selection."]
    same = n["config"] == r.chosen["config"] and n["setting"] == r.chosen["setting"]
    lines = [
        "",
        f"Naive choice ({what}): {n['config']} @{n['setting']}, accuracy {n['accuracy']:.3f}, "
        f"{_cost_text(n, req.measure)}",
    ]
    if same:
        lines.append("  the recommendation is the naive choice")
        return lines
    ratio = g["cost_ratio"]
    ratio_text = f"{ratio:.2f}x its cost" if ratio is not None else "its cost cannot be compared"
    if req.target_accuracy is None:
        lines.append(f"  the recommendation: {g['accuracy']:+.3f} accuracy within the same budget, at {ratio_text}")
    else:
        reach = "reaches" if g["naive_reaches_target"] else "does not reach"
        lines.append(
            f"  the recommendation: {ratio_text}, accuracy {g['accuracy']:+.3f} (the naive choice {reach} "
            f"{req.target_accuracy:g})"
        )
    return lines


def render(rec: Recommendation) -> str:
    """The recommendation as text for people."""
    r, c, req = rec, rec.chosen, rec.request
    price = (
        f"${r.price_per_hour:g} per GPU-hour ({r.price_source})"
        if r.price_per_hour is not None
        else "no price (set one with `kinetics-sql hardware add NAME --price-per-hour USD`)"
    )
    vram = f"{r.vram_gb:g} GB VRAM" if r.vram_gb is not None else "unlimited VRAM"
    engine = r.engine or "any engine at the datasheet roofline"
    if req.target_accuracy is not None:
        goal = f"the cheapest ({MEASURE_TITLES[req.measure]}) reaching accuracy {req.target_accuracy:g}"
    else:
        goal = f"the most accurate within {_cost_value(req.limit or 0, req.measure)}" + (
            "" if req.measure == "latency_s" else f" ({_regime(req.measure)} regime)"
        )
    tasks, gpus = ", ".join(req.tasks), req.pricing.gpus
    lines = [
        f"Recommendation for {tasks} on {gpus} x {req.pricing.hardware}, {vram}: {goal}",
        f"  model          {c['model']}",
        f"  attention      {c['method']}"
        + (f", KV budget {c['budget']} tokens" if c["budget"] else "")
        + (f", block size {c['block_size']}" if c["block_size"] else "")
        + (
            f" ({ORACLE_LABEL}; without --include-oracle only deployable methods are considered)"
            if c["method"] == "topk"
            else ""
        ),
        f"  setting        {setting_text(c['strategy'], c['setting'], c)}",
        f"  offload        {c['k_layers']} of {c['layers']} layers on the host"
        + (f", {c['waves']} sequential waves of {c['wave_n']} trials" if c["waves"] > 1 else ""),
        f"  engine         {engine} (coefficients: {r.coefficients})",
        f"  data           {fr.data_source(c['config'])}",
        f"  accuracy       {c['accuracy']:.3f} expected, 95% bootstrap band over {c['problems']} problems "
        f"{r.lower:.3f} to {r.upper:.3f} ({req.bootstrap} replicates)",
        f"  latency        {c['latency_s']:,.1f} s per problem predicted, one problem at a time on one GPU: "
        f"{_usd(c['usd_latency'])} per 1,000 problems",
        f"  throughput     {c['throughput_s']:,.1f} GPU-s per problem at {c['batch_problems']} problem(s) decoded "
        f"together (the batch that fits the VRAM, at most 256 sequences): {_usd(c['usd_throughput'])} "
        "per 1,000 problems",
        f"  price          {price}" + (f", x {gpus} GPUs (tensor parallel)" if gpus != 1 else ""),
        "",
    ]
    if r.runners_up.height:
        lines.append(f"Runners-up within the budget and the band (accuracy >= {r.lower:.3f}):")
        lines += [f"  - {_arm_line(x, req.measure)}" for x in r.runners_up.iter_rows(named=True)]
    else:
        lines.append(f"Runners-up: no other configuration within the budget reaches the band's lower {r.lower:.3f}.")
    if r.next_step:
        n = r.next_step
        nv, cv = measure_value(n, req.measure), measure_value(c, req.measure)
        ratio = nv / cv if nv is not None and cv else float("inf")
        lines += [
            "",
            f"Next step up: {n['config']} @{n['setting']} ({n['strategy']}) buys accuracy {n['accuracy']:.3f} "
            f"(+{n['accuracy'] - c['accuracy']:.3f}) for {_cost_text(n, req.measure)}, {ratio:.2f}x the cost",
        ]
    else:
        lines += ["", "Next step up: none, no deployable configuration is more accurate."]
    lines += _gain_lines(r)
    lines += ["", f"Reproduce: {r.reproduce}", f"           {req.command()}"]
    shown = [c["config"], *r.runners_up["config"].to_list()]
    shown += [x["config"] for x in (r.next_step, r.naive) if x is not None]
    pooled = fr.pooled_sources_note(shown)
    lines += [f"Note: {n}" for n in [*r.notes, *([pooled] if pooled else [])]]
    return "\n".join(lines) + "\n"


def hardware_names(wh: Warehouse, spec: str) -> list[str]:
    """``all`` (every hardware profile with a price, in the catalog's order) or a comma list of profiles."""
    if spec.strip().lower() == "all":
        names = wh.named("recommend/priced_hardware")["name"].to_list()
        if not names:
            raise KineticsError(
                "no hardware profile has a price: set one with `kinetics-sql hardware add NAME --price-per-hour USD`"
            )
        return names
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise KineticsError("--hardware needs a profile name, a comma list of them, or all")
    return list(dict.fromkeys(wh.resolve_hardware(n) for n in names))


@dataclass
class HardwareComparison:
    """One recommendation per hardware profile for the same request, and the best of them: the most accurate
    within the budget (ties: the cheaper in the budget's measure), or with --target-accuracy the cheapest."""

    request: Request
    hardware: list[str]
    rows: pl.DataFrame  # one per profile: its recommendation (or why there is none)
    best: Recommendation | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "hardware": self.hardware,
            "measure": self.request.measure,
            "comparison": self.rows.to_dicts(),
            "best": self.best.as_dict() if self.best else None,
        }


COMPARISON_COLUMNS = [
    "hardware", "vram_gb", "price_per_hour", "model", "config", "setting", "strategy", "accuracy", "lower", "upper",
    "latency_s", "usd_latency", "usd_throughput", "usd_per_solved_latency", "usd_per_solved_throughput", "cost",
    "note",
]  # fmt: skip


def compare_hardware(wh: Warehouse, req: Request, hardware: list[str]) -> HardwareComparison:
    """``recommend`` on every profile of ``hardware`` with the same data, budget and choices."""
    found: list[Recommendation] = []
    rows: list[dict[str, Any]] = []
    for name in hardware:
        try:
            r = recommend(wh, req.but(hardware=name))
        except KineticsError as exc:
            rows.append({"hardware": name, "note": str(exc)})
            continue
        found.append(r)
        c = r.chosen
        rows.append(
            {
                "hardware": name,
                "vram_gb": r.vram_gb,
                "price_per_hour": r.price_per_hour,
                **{k: c[k] for k in ("model", "config", "setting", "strategy", "accuracy")},
                "lower": r.lower,
                "upper": r.upper,
                **{k: c[k] for k in ("latency_s", "usd_latency", "usd_throughput")},
                "usd_per_solved_latency": measure_value(c, "usd_per_solved_latency"),
                "usd_per_solved_throughput": measure_value(c, "usd_per_solved_throughput"),
                "cost": measure_value(c, r.request.measure),
                "note": "",
            }
        )
    if not found:
        reasons = "; ".join(f"{row['hardware']}: {row['note']}" for row in rows)
        raise KineticsError(f"no hardware profile has an answer: {reasons}")

    def rank(r: Recommendation) -> tuple[float, float, str]:
        cost = measure_value(r.chosen, r.request.measure)
        cost = math.inf if cost is None else cost
        if req.target_accuracy is not None:
            return (cost, -float(r.chosen["accuracy"]), r.request.pricing.hardware)
        return (-float(r.chosen["accuracy"]), cost, r.request.pricing.hardware)

    best = min(found, key=rank)
    frame = pl.DataFrame(rows, infer_schema_length=None)
    for col in COMPARISON_COLUMNS:
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None).alias(col))
    order = {r.request.pricing.hardware: i for i, r in enumerate(sorted(found, key=rank))}
    frame = (
        frame.select(COMPARISON_COLUMNS)
        .with_columns(pl.col("hardware").replace_strict(order, default=len(order)).alias("_rank"))
        .sort("_rank", "hardware")
        .drop("_rank")
    )
    return HardwareComparison(request=req, hardware=hardware, rows=frame, best=best)


def render_comparison(cmp: HardwareComparison) -> str:
    """The comparison across hardware as text: one line per profile, best first, then the best's recommendation."""
    req = cmp.request
    measure = cmp.best.request.measure if cmp.best else req.measure
    if req.target_accuracy is not None:
        goal = f"the cheapest ({MEASURE_TITLES[measure]}) reaching accuracy {req.target_accuracy:g}"
    else:
        goal = f"the most accurate within {_cost_value(req.limit or 0, measure)}" + (
            "" if measure == "latency_s" else f" ({_regime(measure)} regime)"
        )
    lines = [f"Across {len(cmp.hardware)} hardware profiles, {', '.join(req.tasks)}: {goal}", ""]
    head = f"  {'hardware':<10} {'configuration':<44} {'accuracy':>8} {'s/problem':>10} {'$/1k lat':>9} {'$/1k thr':>9}"
    head += f" {'$/1k solved':>11}"
    lines += [head]
    solved = "usd_per_solved_" + (_regime(measure) if measure != "latency_s" else "throughput")
    for r in cmp.rows.iter_rows(named=True):
        if r["config"] is None:
            lines.append(f"  {r['hardware']:<10} no answer: {r['note']}")
            continue
        arm = f"{r['config']} @{r['setting']}" + ("" if r["strategy"] == "best-of-n" else f" ({r['strategy']})")
        lines.append(
            f"  {r['hardware']:<10} {arm:<44} {r['accuracy']:>8.3f} {r['latency_s']:>10,.1f} "
            f"{_usd(r['usd_latency']):>9} {_usd(r['usd_throughput']):>9} {_usd(r[solved]):>11}"
        )
    lines += [
        "",
        f"  ($/1k: USD per 1,000 problems in the latency and throughput regimes; $/1k solved: {solved.split('_')[-1]}"
        " regime dollars / accuracy)",
        "",
    ]
    pooled = fr.pooled_sources_note([c for c in cmp.rows["config"].to_list() if c is not None])
    if pooled:
        lines += [f"Note: {pooled}", ""]
    if cmp.best is not None:
        lines.append(f"Best: {cmp.best.request.pricing.hardware}")
        lines.append(render(cmp.best))
    return "\n".join(lines).rstrip("\n") + "\n"
