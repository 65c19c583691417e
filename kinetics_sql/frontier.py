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

import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
from typing import Any

import polars as pl

from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse

STRATEGIES = ("best-of-n", "long-cot")
# Cost models a frontier can be drawn in: each is a WHEN branch of frontier_cost in macros.sql.
# All but flops and eflops need kinetics_sql.offload.prepare first (dollars: kinetics_sql.pricing).
COSTS = ("flops", "eflops", "rflops", "latency", "dollars", "dollars-throughput")
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


_POINT_PARAMS = ("task", "strategy", "cost", "hardware", "variant", "models", "methods")
_TABLE = re.compile(r"^fp_[0-9a-f]{20}$")
_CACHED_COSTS = ("flops", "eflops")  # other cost models depend on session state (offload context): rebuilt


def points_params(spec: FrontierSpec) -> dict[str, Any]:
    p = spec.params()
    return {k: p[k] for k in _POINT_PARAMS}


def points_table(wh: Warehouse, spec: FrontierSpec) -> str:
    """Materialise ``frontier_points`` for the spec's selection as a TEMP table; returns its name.

    Named fp_<hash of the selection and of the data's row counts>, so a repeated selection on
    unchanged data reuses it (a compare needs several frontiers over the same points).
    """
    ensure_macros(wh)
    params = points_params(spec)
    data = wh.con.execute(sqlfiles.load("frontier/fingerprint")).fetchone()
    key = hashlib.sha1(json.dumps([params, list(data or ())], default=str).encode()).hexdigest()[:20]
    name = f"fp_{key}"
    if not _TABLE.match(name):  # an identifier goes into SQL text: only this pattern
        raise KineticsError(f"bad points table name {name!r}")
    made: set[str] = wh.__dict__.setdefault("_frontier_points_tables", set())
    if name not in made or spec.cost not in _CACHED_COSTS:
        wh.execute(sqlfiles.load("frontier/materialize").replace("frontier_points_table", name), params)
        made.add(name)
        wh.__dict__.setdefault("_frontier_points_params", {})[name] = params
    return name


def _curve_params(spec: FrontierSpec) -> dict[str, Any]:
    p = spec.params()
    return {k: p[k] for k in ("cost", "hardware", "kind", "by", "envelope", "bootstrap", "seed")}


def _tables(wh: Warehouse, name: str, spec: FrontierSpec) -> dict[str, str]:
    """The points tables a query names: one, or the FLOPs and eFLOPs ones of a comparison."""
    if name in ("chosen", "chosen_summary"):
        return {
            "flops_points": points_table(wh, replace(spec, cost="flops")),
            "eflops_points": points_table(wh, replace(spec, cost="eflops")),
        }
    if name == "sparse_dense":
        return {"points": points_table(wh, replace(spec, methods=()))}
    return {"points": points_table(wh, spec)}


def query(wh: Warehouse, name: str, spec: FrontierSpec) -> tuple[str, dict[str, Any]]:
    """SQL text and bind parameters of ``queries/frontier/<name>.sql`` for a (validated) spec.

    The points tables it reads are materialised first; their names are among the parameters.
    """
    if name == "points":
        return sqlfiles.load("frontier/points"), points_params(spec)
    params: dict[str, Any] = dict(_tables(wh, name, spec))
    if name in ("frontier", "grid"):
        params.update(_curve_params(spec))
        if name == "grid":
            del params["bootstrap"], params["seed"]
            params.update(grid=spec.grid, smooth=spec.smooth, grid_min=spec.grid_min, grid_max=spec.grid_max)
    elif name in ("chosen", "chosen_summary"):
        params.update(kind=spec.kind, by=spec.by)
    elif name == "sparse_dense":
        params.update(kind=spec.kind)
    return sqlfiles.load(f"frontier/{name}"), params


def provenance(wh: Warehouse, sql: str, params: dict[str, Any]) -> str:
    """A query with the statements that made each points table it names (their parameters in a comment)."""
    made: dict[str, dict[str, Any]] = wh.__dict__.get("_frontier_points_params", {})
    lines = []
    for value in params.values():
        if isinstance(value, str) and value in made:
            lines.append(f"-- {value}, with parameters {json.dumps(made[value])}:")
            lines.append(sqlfiles.load("frontier/materialize").replace("frontier_points_table", value).strip())
    return "\n".join([*lines, sql])


def _run(wh: Warehouse, name: str, spec: FrontierSpec) -> pl.DataFrame:
    ensure_macros(wh)
    if spec.cost not in _CACHED_COSTS:
        from kinetics_sql import offload

        offload.ensure_prepared(wh, spec)  # keeps a context set by offload.prepare, else datasheet defaults
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
