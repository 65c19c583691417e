"""Every paper figure builds a valid Vega-Lite spec from the bundled AIME24 tables; files render."""

from __future__ import annotations

from pathlib import Path

import frontier_fixtures as ff
import polars as pl
import pytest

from kinetics_sql import Warehouse
from kinetics_sql import frontier as fr
from kinetics_sql.errors import KineticsError
from kinetics_sql.figures import charts, paper

aime_db, aime_wh = ff.aime_db, ff.aime_wh  # fixtures


@pytest.mark.parametrize("make", paper.FIGURES, ids=lambda f: f.__name__)
def test_figure_spec(aime_wh: Warehouse, make: paper.Callable[[paper.Context], paper.Figure]) -> None:
    fig = make(paper.Context(aime_wh))
    spec = fig.chart.to_dict()  # validates against the Vega-Lite schema
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert "tooltip" in str(spec)
    assert fig.queries and all(sql.strip() for sql, _ in fig.queries)
    assert fig.title and fig.caption


def test_fig1_colours_segments_by_optimal_model(aime_wh: Warehouse) -> None:
    fig = paper.fig1_frontiers(paper.Context(aime_wh))
    text = str(fig.chart.to_dict())
    assert "optimal model" in text and "Qwen3-32B" in text


def test_png_and_svg_render(aime_wh: Warehouse, tmp_path: Path) -> None:
    fig = paper.fig4a_kv_memory(paper.Context(aime_wh))
    png = charts.save(fig.chart, tmp_path / "a.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = charts.save(fig.chart, tmp_path / "a.svg")
    assert "<svg" in svg.read_text()[:200]
    with pytest.raises(KineticsError, match=r"html, \.png or \.svg"):
        charts.save(fig.chart, tmp_path / "a.jpg")


def test_kv_memory_matches_blog(aime_wh: Warehouse) -> None:
    fig = paper.fig4a_kv_memory(paper.Context(aime_wh))
    sql, params = fig.queries[0]
    df = aime_wh.df(sql, params)
    kv = dict(zip(df["model"], df["kv_gib"], strict=True))
    assert kv["Qwen3-0.6B"] == pytest.approx(3.5) and kv["Qwen3-32B"] == pytest.approx(8.0)


def test_step_segments_and_empty_chart() -> None:
    df = pl.DataFrame({"cost_tera": [1.0, 2.0, 4.0], "accuracy": [0.1, 0.3, 0.5]})
    seg = charts.step_segments(df)
    assert seg["x2"].to_list() == [2.0, 4.0, 5.0] and seg["y0"].to_list() == [0.0, 0.1, 0.3]
    with pytest.raises(KineticsError, match="no frontier rows"):
        charts.frontier_chart(df.clear(), fr.FrontierSpec())


def test_every_model_colour_reads_on_a_white_page() -> None:
    """No model's colour is a pastel that vanishes on the white report and explorer: WCAG contrast against white of
    at least 2:1 (the palette's old lavender, mint, apricot, pink, lime and yellow were 1.2-1.6:1), and no two alike."""

    def luminance(h: str) -> float:
        r, g, b = (int(h[i : i + 2], 16) / 255 for i in (1, 3, 5))

        def f(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)

    contrast = {h: 1.05 / (luminance(h) + 0.05) for h in charts.PALETTE}
    assert min(contrast.values()) >= 2.0, sorted(contrast.items(), key=lambda kv: kv[1])[:3]
    assert len(set(charts.PALETTE)) == len(charts.PALETTE) == 20
