"""Frontiers of accuracy against cost, exact, as SQL window queries (queries/frontier/*.sql).

Every function takes a :class:`~kinetics_sql.warehouse.Warehouse` and a :class:`FrontierSpec` and
returns a polars DataFrame; the CLI (`kinetics-sql frontier`, `compare`, `report`) adds parsing and
output only. The SQL building blocks are the table macros of ``queries/frontier/macros.sql``,
created as TEMP macros on the warehouse's connection on first use.

>>> from kinetics_sql import Warehouse
>>> wh = Warehouse(":memory:")
>>> frontier(wh, FrontierSpec()).height   # nothing ingested yet
0
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import polars as pl

from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse

STRATEGIES = ("best-of-n", "long-cot")
# Cost models a frontier can be drawn in: each is a WHEN branch of frontier_cost in macros.sql.
COSTS = ("flops", "eflops", "rflops", "latency")  # rflops, latency: kinetics_sql.offload.prepare first
VARIANTS = ("exact", "published")
METHODS = ("dense", "topk", "blocktopk", "window")
KINDS = ("oracle", "deployable")
BYS = ("none", "model", "method", "config", "model_method", "arm")

FRONTIER_COLUMNS = [
    "cost",
    "cost_tera",
    "seconds",
    "accuracy",
    "model",
    "method",
    "budget",
    "block_size",
    "config",
    "setting",
]


@dataclass(frozen=True)
class FrontierSpec:
    """What frontier to compute. ``by`` groups arms (configuration x setting); with ``envelope`` the
    result is the max over groups, labelled with the winning arm; without, one frontier per group."""

    task: str = "aime24"
    strategy: str = "best-of-n"
    cost: str = "eflops"
    hardware: str = "b200"
    variant: str = "exact"
    models: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    kind: str = "oracle"
    by: str = "none"
    envelope: bool = True
    bootstrap: int = 0
    seed: int = 0
    grid: int | None = None
    smooth: int = 1
    grid_min: float | None = None
    grid_max: float | None = None

    def validated(self, wh: Warehouse) -> FrontierSpec:
        """Checks every choice against its allow-list and resolves model and hardware names."""
        for name, value, allowed in (
            ("strategy", self.strategy, STRATEGIES),
            ("cost", self.cost, COSTS),
            ("variant", self.variant, VARIANTS),
            ("kind", self.kind, KINDS),
            ("by", self.by, BYS),
        ):
            if value not in allowed:
                raise KineticsError(f"unknown {name} {value!r} (expected one of {', '.join(allowed)})")
        for method in self.methods:
            if method not in METHODS:
                raise KineticsError(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
        if self.bootstrap < 0:
            raise KineticsError("bootstrap must be >= 0 replicates")
        if self.grid is not None and self.grid < 2:
            raise KineticsError("grid needs at least 2 points")
        if self.smooth < 1 or self.smooth % 2 == 0:
            raise KineticsError("smooth must be an odd window width >= 1")
        if self.grid is not None and self.bootstrap:
            raise KineticsError("--grid and --bootstrap do not combine: the band is computed at exact breakpoints")
        return replace(
            self,
            hardware=wh.resolve_hardware(self.hardware),
            models=tuple(wh.resolve_model(m) for m in self.models),
        )

    def params(self) -> dict[str, Any]:
        """Bind parameters shared by the frontier queries."""
        return {
            "task": self.task,
            "strategy": self.strategy,
            "cost": self.cost,
            "hardware": self.hardware,
            "variant": self.variant,
            "models": list(self.models),
            "methods": list(self.methods),
            "kind": self.kind,
            "by": self.by,
            "envelope": self.envelope,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ensure_macros(wh: Warehouse) -> None:
    """Create (or replace) the frontier TEMP macros on this connection."""
    if getattr(wh, "_frontier_macros", False):
        return
    from kinetics_sql import offload

    offload.install(wh)  # TEMP tables and macros of --cost rflops|latency, used by frontier_cost
    wh.execute(sqlfiles.load("frontier/macros"))
    wh._frontier_macros = True  # type: ignore[attr-defined]


def _pick(params: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: params[k] for k in names}


_POINT_PARAMS = ("task", "strategy", "cost", "hardware", "variant", "models", "methods")
_CURVE_PARAMS = (*_POINT_PARAMS, "kind", "by", "envelope", "bootstrap", "seed")


def query(name: str, spec: FrontierSpec) -> tuple[str, dict[str, Any]]:
    """The SQL text and bind parameters of ``queries/frontier/<name>.sql`` for a spec (for reports)."""
    p = spec.params()
    wanted: dict[str, tuple[str, ...]] = {
        "points": _POINT_PARAMS,
        "frontier": _CURVE_PARAMS,
        "grid": tuple(k for k in _CURVE_PARAMS if k not in ("bootstrap", "seed")),
        "chosen": ("task", "strategy", "hardware", "variant", "models", "methods", "kind", "by"),
        "chosen_summary": ("task", "strategy", "hardware", "variant", "models", "methods", "kind", "by"),
        "sparse_dense": ("task", "strategy", "cost", "hardware", "variant", "models", "kind"),
    }
    params = _pick(p, wanted[name])
    if name == "grid":
        params.update(grid=spec.grid, smooth=spec.smooth, grid_min=spec.grid_min, grid_max=spec.grid_max)
    return sqlfiles.load(f"frontier/{name}"), params


def _run(wh: Warehouse, name: str, spec: FrontierSpec) -> pl.DataFrame:
    ensure_macros(wh)
    if spec.cost in ("rflops", "latency"):
        from kinetics_sql import offload

        offload.ensure_prepared(wh, spec)  # keeps a context set by offload.prepare, else datasheet defaults
    sql, params = query(name, spec)
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
    else:
        df = _run(wh, "frontier", spec)
        cols = list(FRONTIER_COLUMNS)
        if spec.bootstrap:
            cols += ["lower", "upper"]
    if spec.by != "none" or not spec.envelope:
        cols = ["group", *cols]
    return df.select(cols)


def compare_chosen(wh: Warehouse, spec: FrontierSpec) -> pl.DataFrame:
    """Per accuracy level: the eFLOPs cost of the FLOPs-chosen group over the eFLOPs-optimal cost."""
    return _run(wh, "chosen", spec.validated(wh))


def compare_chosen_summary(wh: Warehouse, spec: FrontierSpec) -> pl.DataFrame:
    """Max and median of :func:`compare_chosen`'s ratio."""
    return _run(wh, "chosen_summary", spec.validated(wh))


def compare_sparse_dense(wh: Warehouse, spec: FrontierSpec) -> pl.DataFrame:
    """Per model (and over all models) and sparse method: cost ratio at equal accuracy, accuracy gain at equal cost."""
    return _run(wh, "sparse_dense", spec.validated(wh))
