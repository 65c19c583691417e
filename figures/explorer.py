"""The report's explorer page (explorer.html): pick hardware, VRAM, task, strategy and a budget; see the
deployable frontier, the recommended configuration and its runners-up, every point's configuration in
its tooltip. Everything is precomputed in SQL (recommend's arms and bootstrap bands, queries/recommend/)
and embedded in the page; the page filters and picks in the browser with the rule of
queries/recommend/pick.sql, so it runs from a file with no server and no network (the Vega scripts beside it).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from kinetics_sql import frontier as fr
from kinetics_sql import recommend as rec
from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError
from kinetics_sql.figures import charts, offline
from kinetics_sql.warehouse import Warehouse

COLUMNS = [
    "strategy", *fr.ARM_COLUMNS, "accuracy", "lower", "upper", "latency_s", "throughput_s", "usd_latency",
    "usd_throughput", "k_layers", "layers", "waves", "batch_problems",
]  # fmt: skip
DEFAULT = {
    "hardware": "rtx-4090",
    "vram": 24.0,
    "task": "aime24",
    "strategy": "best-of-n",
    "measure": "latency_s",
    "budget": 60.0,
}


@dataclass
class Explorer:
    path: Path
    selections: int
    arms: int
    seconds: float


def _vram_options(profile_gb: float | None) -> list[float | None]:
    """The profile's VRAM, and 24 GB (a consumer card) where the profile has more."""
    options: list[float | None] = [profile_gb]
    if profile_gb is not None and profile_gb > 24.0:
        options.append(24.0)
    return options


def explorer_data(
    wh: Warehouse,
    *,
    hardware: list[str] | None = None,
    bootstrap: int = 200,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Every selection's deployable arms with their bootstrap bands, as JSON-ready rows (``progress``: told each
    selection before it is priced)."""
    names = wh.named("catalog/hardware_list")["name"].to_list()
    hardware = [wh.resolve_hardware(h) for h in hardware] if hardware else names
    tasks = wh.named("recommend/explorer_tasks")["task"].to_list()
    selections: list[dict[str, Any]] = []
    profiles: dict[str, Any] = {}
    for hw in hardware:
        spec = wh.hardware_spec(hw)
        profiles[hw] = {
            "price_per_hour": spec.price_per_hour,
            "price_source": spec.price_source,
            "vram_gb": spec.vram_bytes / 1e9 if spec.vram_bytes else None,
        }
    # task and strategy outermost: recommend sums their trials once for every profile and VRAM (recommend._features),
    # and the band (accuracy over resampled problems) does not depend on the hardware: computed once
    for task in tasks:
        for strategy in ("best-of-n", "long-cot"):
            band: pl.DataFrame | None = None
            for hw in hardware:
                for vram in _vram_options(profiles[hw]["vram_gb"]):
                    if progress is not None:
                        progress(f"explorer: {task} {strategy} on {hw}" + (f" ({vram:g} GB)" if vram else ""))
                    req = rec.Request.make(hardware=hw, tasks=(task,), strategies=(strategy,), vram_gb=vram, budget_s=1)
                    try:
                        arms, coefficients, _ = rec.arm_table(wh, req.validated(wh))
                    except KineticsError:
                        continue  # no data for this task and strategy
                    if band is None:
                        band = wh.df(
                            sqlfiles.load("recommend/band"),
                            {"bootstrap": bootstrap, "seed": seed, "strategy": None, "config": None, "setting": None},
                        )
                    rows = arms.join(band, on=["strategy", "config", "setting"], how="left").select(COLUMNS)
                    selections.append(
                        {
                            "hardware": hw,
                            "vram": vram,
                            "task": task,
                            "strategy": strategy,
                            "coefficients": coefficients.label,
                            "arms": rows.to_dicts(),
                        }
                    )
    order = {
        (hw, vram): i
        for i, (hw, vram) in enumerate((h, v) for h in hardware for v in _vram_options(profiles[h]["vram_gb"]))
    }
    selections.sort(key=lambda s: order[(s["hardware"], s["vram"])])  # the page lists them by hardware, as before
    models = sorted({a["model"] for sel in selections for a in sel["arms"]})
    scale = charts.model_scale(models)  # each model's colour on every page, the legend by size
    colors = {"domain": scale.domain, "range": scale.range}
    return {
        "profiles": profiles,
        "selections": selections,
        "bootstrap": bootstrap,
        "default": DEFAULT,
        "colors": colors,
    }


def write_explorer(
    wh: Warehouse,
    out: Path,
    *,
    hardware: list[str] | None = None,
    bootstrap: int = 200,
    progress: Callable[[str], None] | None = None,
) -> Explorer:
    """Write ``out/explorer.html`` (and the Vega bundle beside it)."""
    import time

    t0 = time.perf_counter()
    data = explorer_data(wh, hardware=hardware, bootstrap=bootstrap, progress=progress)
    if not data["selections"]:
        raise KineticsError("no data for the explorer: ingest trials first (`kinetics-sql ingest --bundled`)")
    out.mkdir(parents=True, exist_ok=True)
    offline.write_bundle(out)
    path = out / "explorer.html"
    page = (
        _page().replace("__DATA__", offline.script_json(data)).replace("__BUNDLE__", html.escape(offline.BUNDLE_NAME))
    )
    path.write_text(page)
    n_arms = sum(len(s["arms"]) for s in data["selections"])
    return Explorer(path, len(data["selections"]), n_arms, time.perf_counter() - t0)


def selection_frame(data: dict[str, Any], hardware: str, vram: float | None, task: str, strategy: str) -> pl.DataFrame:
    for s in data["selections"]:
        if (s["hardware"], s["vram"], s["task"], s["strategy"]) == (hardware, vram, task, strategy):
            return pl.DataFrame(s["arms"])
    raise KeyError((hardware, vram, task, strategy))


def _page() -> str:
    """The page template (kinetics_sql/data/explorer.html): __DATA__ and __BUNDLE__ are filled in."""
    return resources.files("kinetics_sql").joinpath("data/explorer.html").read_text()
