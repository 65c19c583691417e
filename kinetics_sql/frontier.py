"""Frontiers of accuracy against cost, exact, as SQL window queries (queries/frontier/*.sql).

Every function takes a :class:`~kinetics_sql.warehouse.Warehouse` and a :class:`FrontierSpec` and
returns a polars DataFrame; the CLI (`kinetics-sql frontier`, `compare`, `report`) adds parsing and
output only. The SQL building blocks are the table macros of ``queries/frontier/*.sql``, which
the warehouse creates on its connection when it opens.

Everything a frontier depends on is in its spec, the offload-aware cost models included: ``engine``
(whose stored fit prices ``--cost rflops|latency``; none: the datasheet), ``vram_gb`` and ``reserve_gb``
(the memory plan), or explicit ``coefficients``, passed to the pricing macros as one argument, which
price the points (queries/pricing/); the result's ``priced_by`` column names the coefficients (and fit id) used.

>>> from kinetics_sql import Warehouse
>>> wh = Warehouse(":memory:")
>>> frontier(wh, FrontierSpec()).height   # nothing ingested yet
0
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import polars as pl

from kinetics_sql import adaptive, costmodel, limits, sqlfiles
from kinetics_sql.costmodel import OFFLOAD_COSTS, Coefficients
from kinetics_sql.errors import KineticsError
from kinetics_sql.spec import Composed, Pricing, Selection
from kinetics_sql.warehouse import Warehouse, points_macro

# majority, majority-budget and the adaptive ones (kinetics_sql.adaptive): queries/frontier/strategies.sql
STRATEGIES = ("best-of-n", "long-cot", "majority", "majority-budget", "adaptive-majority", "adaptive-esc")
ADAPTIVE = ("adaptive-majority", "adaptive-esc")
# Cost models a frontier can be drawn in: each is a WHEN branch of frontier_cost in macros.sql.
COSTS = ("flops", "eflops", *OFFLOAD_COSTS)
VARIANTS = ("exact", "published")
KINDS = ("oracle", "deployable")
BYS = ("none", "model", "method", "config", "model_method", "arm")

# An arm (configuration x setting), as every result that names one shows it.
ARM_COLUMNS = ["model", "method", "budget", "block_size", "config", "setting"]
FRONTIER_COLUMNS = ["cost", "cost_tera", "seconds", "accuracy", *ARM_COLUMNS, "priced_by", "gpus", "gpu_seconds"]


@dataclass(frozen=True)
class FrontierSpec(Composed):
    """What frontier to compute: a :class:`~kinetics_sql.spec.Selection` of the data, priced by a
    :class:`~kinetics_sql.spec.Pricing`, in one cost model. ``by`` groups arms (configuration x setting); with
    ``envelope`` the result is the max over groups, labelled with the winning arm; without, one frontier per group.
    ``FrontierSpec.make(task=..., hardware=..., cost=...)`` builds one from flat option values."""

    selection: Selection = field(default_factory=Selection)
    pricing: Pricing = field(default_factory=Pricing)
    cost: str = "eflops"
    by: str = "none"
    envelope: bool = True
    bootstrap: int = 0
    seed: int = 0
    grid: int | None = None
    smooth: int = 1
    grid_min: float | None = None
    grid_max: float | None = None
    # --cost rflops|latency: explicit coefficients (an unstored fit) instead of the pricing's engine fit or datasheet
    coefficients: Coefficients | None = None

    @classmethod
    def of(cls, selection: Selection, pricing: Pricing, **rest: Any) -> FrontierSpec:
        """The spec of one selection priced one way; ``rest``: cost, by, envelope, grid, bootstrap, ..."""
        return cls(selection, pricing, **rest)

    def validated(self, wh: Warehouse) -> FrontierSpec:
        """Checks every choice against its allow-list and resolves model and hardware names."""
        sel = self.selection
        for name, value, allowed in (
            ("strategy", sel.strategy, STRATEGIES),
            ("cost", self.cost, COSTS),
            ("variant", sel.variant, VARIANTS),
            ("kind", sel.kind, KINDS),
            ("by", self.by, BYS),
        ):
            if value not in allowed:
                raise KineticsError(f"unknown {name} {value!r} (expected one of {', '.join(allowed)})")
        if not 0 <= self.bootstrap <= limits.BOOTSTRAP_MAX:
            raise KineticsError(f"bootstrap must be 0 to {limits.BOOTSTRAP_MAX:,} replicates, got {self.bootstrap}")
        if self.grid is not None and not 2 <= self.grid <= limits.GRID_MAX:
            raise KineticsError(f"grid must be 2 to {limits.GRID_MAX:,} points, got {self.grid}")
        for label, bound in (("--grid-min", self.grid_min), ("--grid-max", self.grid_max)):
            if bound is not None:
                limits.finite_in(bound, label)
        if self.grid_min is not None and self.grid_max is not None and self.grid_min >= self.grid_max:
            raise KineticsError(f"--grid-min {self.grid_min:g} must be below --grid-max {self.grid_max:g}")
        if self.smooth < 1 or self.smooth % 2 == 0:
            raise KineticsError("smooth must be an odd window width >= 1")
        if self.grid is not None and self.bootstrap:
            raise KineticsError("--grid and --bootstrap do not combine: the band is computed at exact breakpoints")
        _check_adaptive(sel)
        pricing = self.pricing.validated(wh, memory_plan=self.cost in OFFLOAD_COSTS)
        selection = sel.validated(wh)
        coefficients = self.coefficients
        if self.cost in OFFLOAD_COSTS and coefficients is None:
            coefficients = costmodel.resolve(wh, hardware=pricing.hardware, engine=pricing.engine)
        return replace(
            self,
            selection=selection,
            pricing=pricing,
            coefficients=coefficients if self.cost in OFFLOAD_COSTS else None,
        )

    @property
    def priced_by(self) -> str:
        """What prices this frontier's cost: the FLOPs count, Kinetics' i of the profile, or coefficients."""
        if self.cost == "flops":
            return f"FLOPs (no memory term){self._gpus_note}"
        if self.cost == "eflops":
            return f"eFLOPs, i = 2 * peak / HBM of {self.pricing.hardware} (datasheet){self._gpus_note}"
        c, p = self.coefficients, self.pricing
        label = c.label if c is not None else "datasheet"
        vram = f"{p.vram_gb:g} GB" if p.vram_gb is not None else "profile VRAM"
        return f"{self.cost}: {label}, {vram} - {p.reserve_gb:g} GB reserve{self._gpus_note}"

    @property
    def _gpus_note(self) -> str:
        """How the interconnect of a tensor-parallel frontier is priced ('' on one GPU)."""
        if self.pricing.gpus == 1:
            return ""
        c = self.coefficients
        fitted = c is not None and (c.net_c > 0 or c.prefill_net_c > 0 or c.net_step_s > 0)
        net = "the fit's interconnect terms" if fitted else "datasheet interconnect"
        return f"; {self.pricing.gpus} x {self.pricing.hardware} tensor parallel, per GPU ({net})"

    def params(self) -> dict[str, Any]:
        """Bind parameters shared by the frontier queries."""
        sel = self.selection
        return {
            **sel.fields(),
            "models": list(sel.models),
            "methods": list(sel.methods),
            "sources": list(sel.sources),
            "max_n": sel.max_n or 0,
            "cost": self.cost,
            "hardware": self.pricing.hardware,
            "gpus": self.pricing.gpus,
            "by": self.by,
            "envelope": self.envelope,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_adaptive(sel: Selection) -> None:
    """--batch and --max-n: only for the adaptive strategies, and only the values an ingest computed."""
    if sel.strategy not in ADAPTIVE:
        if sel.batch != 1 or sel.max_n is not None:
            raise KineticsError(f"--batch and --max-n apply to {' and '.join(ADAPTIVE)}, not {sel.strategy}")
        return
    if sel.strategy == "adaptive-esc" and sel.batch != 1:
        raise KineticsError("adaptive-esc draws its window (the setting) as one batch: --batch does not apply")
    if sel.batch not in adaptive.BATCHES:
        raise KineticsError(
            f"--batch {sel.batch} was not computed at ingest (kinetics_sql.adaptive.BATCHES: "
            f"{', '.join(map(str, adaptive.BATCHES))})"
        )
    if sel.max_n not in adaptive.MAX_NS:
        raise KineticsError(
            f"--max-n {sel.max_n} was not computed at ingest (kinetics_sql.adaptive.MAX_NS: "
            f"{', '.join(str(m) for m in adaptive.MAX_NS if m is not None)}, or all samples)"
        )


_POINT_PARAMS = ("task", "strategy", "cost", "hardware", "variant", "models", "methods", "gpus", "sources", "batch",
                 "max_n")
_TABLE = re.compile(r"^fp_[0-9a-f]{20}$")


def points_params(spec: FrontierSpec) -> dict[str, Any]:
    p = spec.params()
    return {k: p[k] for k in _POINT_PARAMS}


def _materialize_sql(name: str, cost: str, strategy: str) -> str:
    if not _TABLE.match(name):  # an identifier goes into SQL text: only this pattern
        raise KineticsError(f"bad points table name {name!r}")
    sql = sqlfiles.render("frontier/materialize", frontier_points=points_macro(cost, strategy))
    return sql.replace("frontier_points_table", name)


def points_table(wh: Warehouse, spec: FrontierSpec) -> str:
    """Materialise ``frontier_points`` for the spec's selection as a TEMP table; returns its name.

    Named fp_<hash of the selection, its cost model (coefficients, VRAM plan) and the data's content
    hash>, so a repeated selection on unchanged data reuses it (a compare needs several frontiers
    over the same points). Seconds-based costs are priced under the spec's pricing context (its argument).
    """
    params = points_params(spec)
    p = spec.pricing
    pricing = [spec.coefficients.as_params() if spec.coefficients else None, p.vram_gb, p.reserve_gb]
    data = wh.con.execute(sqlfiles.load("frontier/fingerprint")).fetchone()
    key = hashlib.sha1(json.dumps([params, pricing, list(data or ())], default=str).encode()).hexdigest()[:20]
    name = f"fp_{key}"
    if wh.named("frontier/temp_table_exists", {"name": name}).item():
        return name
    sql = _materialize_sql(name, spec.cost, spec.selection.strategy)
    wh.execute(sql, {**params, "pricing": pricing_context(wh, spec)})
    return name


def pricing_context(wh: Warehouse, spec: FrontierSpec) -> dict[str, Any] | None:
    """The pricing context (queries/pricing/context.sql) of a validated spec's seconds-based cost; None for flops
    and eflops, which need none."""
    if spec.cost not in OFFLOAD_COSTS:
        return None
    if spec.coefficients is None:
        raise KineticsError("a seconds-based cost needs a validated spec (its coefficients)")
    p = spec.pricing
    return costmodel.pricing_context(wh, spec.coefficients, vram_gb=p.vram_gb, reserve_gb=p.reserve_gb, gpus=p.gpus)


def plan_params(wh: Warehouse, spec: FrontierSpec) -> dict[str, Any]:
    """Bind parameters of a query over the spec's VRAM plan (pricing_plan($pricing, $task, $strategy, $sources))."""
    sel = spec.selection
    return {"pricing": pricing_context(wh, spec), "task": sel.task, "strategy": sel.strategy,
            "sources": list(sel.sources)}  # fmt: skip


def _curve_params(spec: FrontierSpec) -> dict[str, Any]:
    p = spec.params()
    return {k: p[k] for k in ("cost", "hardware", "kind", "by", "envelope", "bootstrap", "seed")}


def _table_specs(name: str, spec: FrontierSpec) -> dict[str, FrontierSpec]:
    """The points selections a query names: one, or the FLOPs and eFLOPs ones of a comparison."""
    if name in ("chosen", "chosen_summary"):
        return {
            "flops_points": replace(spec, cost="flops", coefficients=None),
            "eflops_points": replace(spec, cost="eflops", coefficients=None),
        }
    if name == "sparse_dense":  # dense beside the sparse methods selected (every method when none is)
        methods = spec.selection.methods
        return {"points": spec.but(methods=tuple(sorted({*methods, "dense"})) if methods else ())}
    return {"points": spec}


def _tables(wh: Warehouse, name: str, spec: FrontierSpec) -> dict[str, str]:
    return {param: points_table(wh, sub) for param, sub in _table_specs(name, spec).items()}


def query(wh: Warehouse, name: str, spec: FrontierSpec) -> tuple[str, dict[str, Any]]:
    """SQL text and bind parameters of ``queries/frontier/<name>.sql`` for a (validated) spec.

    The points tables it reads are materialised first; their names are among the parameters.
    """
    if name == "points":
        sql = sqlfiles.render("frontier/points", frontier_points=points_macro(spec.cost, spec.selection.strategy))
        return sql, {**points_params(spec), "pricing": pricing_context(wh, spec)}
    params: dict[str, Any] = dict(_tables(wh, name, spec))
    if name in ("frontier", "grid"):
        params.update(_curve_params(spec), pricing=pricing_context(wh, spec))
        if name == "grid":
            del params["bootstrap"], params["seed"]
            params.update(grid=spec.grid, smooth=spec.smooth, grid_min=spec.grid_min, grid_max=spec.grid_max)
    elif name in ("chosen", "chosen_summary"):
        params.update(kind=spec.selection.kind, by=spec.by)
    elif name == "sparse_dense":
        params.update(kind=spec.selection.kind)
    return sqlfiles.load(f"frontier/{name}"), params


def provenance(wh: Warehouse, sql: str, tables: dict[str, FrontierSpec]) -> str:
    """``sql`` preceded by the statements that made each points table it names (``tables``: bind
    parameter -> the validated selection it holds), with their parameters and pricing in a comment."""
    lines = []
    for sub in tables.values():
        name = points_table(wh, sub)
        lines.append(f"-- {name} ({sub.priced_by}), with parameters {json.dumps(points_params(sub))}:")
        lines.append(_materialize_sql(name, sub.cost, sub.selection.strategy).strip())
    return "\n".join([*lines, sql])


def query_provenance(wh: Warehouse, name: str, spec: FrontierSpec) -> tuple[str, dict[str, Any], str]:
    """SQL, bind parameters and provenance (:func:`provenance`) of ``queries/frontier/<name>.sql``."""
    sql, params = query(wh, name, spec)
    tables = {} if name == "points" else _table_specs(name, spec)
    return sql, params, provenance(wh, sql, tables)


def _run(wh: Warehouse, name: str, spec: FrontierSpec) -> pl.DataFrame:
    sql, params = query(wh, name, spec)
    return wh.df(sql, params)


def points(wh: Warehouse, spec: FrontierSpec) -> pl.DataFrame:
    """Accuracy and expected cost of every arm on every problem."""
    return _run(wh, "points", spec.validated(wh))


def frontier(wh: Warehouse, spec: FrontierSpec) -> pl.DataFrame:
    """The frontier at its exact breakpoints (or on the notebooks' log grid with ``spec.grid``).

    Columns: ``group`` (when ``by`` is not none), cost, cost_tera, seconds, accuracy, the winning
    arm (model, method, budget, block_size, config, setting), and lower/upper with a bootstrap.
    """
    spec = spec.validated(wh)
    if spec.grid is not None:
        df = _run(wh, "grid", spec)
        cols = [*FRONTIER_COLUMNS[:4], "accuracy_exact", *FRONTIER_COLUMNS[4:]]
    elif spec.bootstrap and spec.selection.kind == "oracle":  # the band replicate chunk by chunk, in bounded memory
        from kinetics_sql.band import oracle_band

        df = _run(wh, "frontier", replace(spec, bootstrap=0))
        lower, upper = oracle_band(
            wh, points_table(wh, spec), spec.by, spec.envelope, spec.bootstrap, spec.seed, df.select("group", "cost")
        )
        df = df.with_columns(lower=pl.Series(lower, dtype=pl.Float64), upper=pl.Series(upper, dtype=pl.Float64))
        cols = [*FRONTIER_COLUMNS, "lower", "upper"]
    else:
        df = _run(wh, "frontier", spec)
        cols = list(FRONTIER_COLUMNS)
        if spec.bootstrap:
            cols += ["lower", "upper"]
    if spec.by != "none" or not spec.envelope:
        cols = ["group", *cols]
    df = df.with_columns(
        pl.lit(spec.priced_by).alias("priced_by"),
        pl.lit(spec.pricing.gpus, dtype=pl.Int32).alias("gpus"),
        (pl.col("seconds") * spec.pricing.gpus).alias("gpu_seconds"),
    )
    if spec.selection.strategy in ADAPTIVE:  # the arm's expected samples drawn, and the estimates' standard errors
        arms = adaptive_arms(wh, spec).select("config", "setting", "accuracy_se", "mean_samples", "mean_samples_se")
        df = df.join(arms, on=["config", "setting"], how="left")
        cols += ["accuracy_se", "mean_samples", "mean_samples_se"]
    return df.select(cols)


def adaptive_arms(wh: Warehouse, spec: FrontierSpec) -> pl.DataFrame:
    """Per configuration and setting of an adaptive strategy: mean accuracy and samples drawn over the problems, with
    standard errors (queries/strategies/adaptive_arms.sql)."""
    p = spec.params()
    keys = ("task", "strategy", "models", "methods", "sources", "batch", "max_n")
    return wh.named("strategies/adaptive_arms", {k: p[k] for k in keys})


def compare_chosen(wh: Warehouse, spec: FrontierSpec) -> pl.DataFrame:
    """Per accuracy level: the eFLOPs cost of the FLOPs-chosen group over the eFLOPs-optimal cost."""
    return _run(wh, "chosen", spec.validated(wh))


def compare_chosen_summary(wh: Warehouse, spec: FrontierSpec) -> pl.DataFrame:
    """Max and median of :func:`compare_chosen`'s ratio."""
    return _run(wh, "chosen_summary", spec.validated(wh))


def compare_sparse_dense(wh: Warehouse, spec: FrontierSpec) -> pl.DataFrame:
    """Per model (and over all models) and sparse method: cost ratio at equal accuracy, accuracy gain at equal cost."""
    return _run(wh, "sparse_dense", spec.validated(wh))


def dense_only_models(wh: Warehouse, spec: FrontierSpec) -> pl.DataFrame:
    """Models of the selection with dense arms only (and their sources): what sparse-vs-dense's 'all models' pools."""
    p = spec.params()
    return wh.named("frontier/dense_only_models", {k: p[k] for k in ("task", "sources", "models")})


BOINF = "Best-of-Infinity answer tables"
KINETICS = "Kinetics tables or your trials"


def data_source(config: str) -> str:
    """Where a configuration's samples come from, by its label (queries/selection/labels.sql, frontier_label: the
    answer tables' configurations are labelled `boinf`, their generation settings differ from Kinetics')."""
    return BOINF if " boinf" in f"{config} " else KINETICS


def pooled_sources_note(configs: list[str]) -> str | None:
    """A note when configurations compared side by side come from both kinds of source."""
    kinds = {data_source(c) for c in configs}
    if len(kinds) < 2:
        return None
    return (
        f"these configurations come from two sources, the {KINETICS} and the {BOINF} (label `boinf`), sampled "
        "with different generation settings (temperature, length limit, prompt); `--source` on frontier selects one"
    )
