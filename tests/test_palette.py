"""One colour per model on every chart, the same on every page, the legend by size; the strategies figure names
its task."""

from __future__ import annotations

import json

import pytest

from kinetics_sql import Warehouse
from kinetics_sql.catalog import builtin_models
from kinetics_sql.figures import charts, strategies


def test_every_builtin_model_has_its_own_colour_whatever_the_chart_shows() -> None:
    names = [m.name for m in builtin_models()]
    colours = {charts.model_color(n) for n in names}
    assert len(colours) == len(names) == 20
    full = charts.model_scale(names)
    some = charts.model_scale(["gpt-oss-20b", "Qwen3-8B", "EXAONE-Deep-32B"])
    by_model = dict(zip(full.domain, full.range, strict=True))  # type: ignore[arg-type]
    for m, c in zip(some.domain, some.range, strict=True):  # type: ignore[arg-type]
        assert by_model[m] == c  # stable between charts and pages
    assert "#636363" not in colours  # no shared grey for the answer tables' models
    assert charts.model_color("my-own-model") == charts.model_color("my-own-model")


def test_the_legend_is_ordered_by_size() -> None:
    scale = charts.model_scale(["QwQ-32B", "Qwen3-0.6B", "gpt-oss-20b", "Qwen3-14B", "zz-custom"])
    assert scale.domain == ["Qwen3-0.6B", "Qwen3-14B", "gpt-oss-20b", "QwQ-32B", "zz-custom"]


@pytest.mark.slow
def test_the_strategies_figure_names_its_task(demo_db: str) -> None:
    wh = Warehouse(demo_db, read_only=True)
    try:
        parts = strategies.figure_parts(wh, "aime24", "b200")
    finally:
        wh.close()
    assert parts is not None
    spec = json.dumps(parts["chart"].to_dict())
    assert "Majority vote (aime24)" in spec or "(aime24)" in spec
    titles = [p["title"] for p in parts["chart"].to_dict()["hconcat"]]
    assert titles and all("(aime24)" in str(t) for t in titles)
