"""Every HTML figure opens with no network: the Vega scripts are inlined or written beside the page."""

from __future__ import annotations

import re
from pathlib import Path

import frontier_fixtures as ff
from click.testing import CliRunner

from kinetics_sql import Warehouse
from kinetics_sql.cli import cli
from kinetics_sql.figures import charts, offline, paper

aime_db, aime_wh, aime_report = ff.aime_db, ff.aime_wh, ff.aime_report  # fixtures

# what a page could load from elsewhere: a script, stylesheet, image or frame with a URL, or a fetch/import
REMOTE = re.compile(
    r"""(<script[^>]+src=['"]?(https?:)?//|<link[^>]+href=['"]?(https?:)?//|<img[^>]+src=['"]?(https?:)?//"""
    r"""|<iframe|@import|\bimport\s*\(\s*['"]https?:)""",
    re.I,
)


def test_inline_page_has_the_scripts_and_no_remote_load(aime_wh: Warehouse, tmp_path: Path) -> None:
    fig = paper.fig4a_kv_memory(paper.Context(aime_wh))
    page = charts.save(fig.chart, tmp_path / "a.html").read_text()
    assert "vegaEmbed(" in page and "function" in page and len(page) > 500_000  # the bundle is inside
    assert not REMOTE.search(page)
    assert "$schema" not in page.split("vegaEmbed('#vis',", 1)[1]  # the spec names no schema URL
    assert '"mode": "vega"' in page  # compiled by vl-convert, as the PNGs
    assert not list(tmp_path.glob("*.js"))


def test_beside_pages_share_one_bundle_and_name_no_url(aime_wh: Warehouse, tmp_path: Path) -> None:
    ctx = paper.Context(aime_wh)
    for make in (paper.fig4a_kv_memory, paper.fig1_frontiers):
        charts.save(make(ctx).chart, tmp_path / f"{make.__name__}.html", beside=True)
    bundle = tmp_path / offline.BUNDLE_NAME
    assert bundle.stat().st_size > 500_000 and "vegaEmbed" in bundle.read_text()
    assert "BSD" in (tmp_path / offline.LICENSE_NAME).read_text()
    for page in tmp_path.glob("*.html"):
        text = page.read_text()
        assert f"<script src='{offline.BUNDLE_NAME}'></script>" in text
        assert not re.search(r"cdn|https?://", text), page.name  # `grep -l "cdn\|https://"` finds nothing


def test_report_pages_work_offline(aime_report: tuple[Path, str]) -> None:
    out, _ = aime_report
    pages = sorted(out.glob("*.html"))
    assert len(pages) > 5 and (out / offline.BUNDLE_NAME).exists()
    offenders = [p.name for p in pages if re.search(r"cdn|https://", p.read_text())]
    assert offenders == []


def test_frontier_out_html_is_self_contained(aime_db: str, tmp_path: Path) -> None:
    out = tmp_path / "f.html"
    result = CliRunner().invoke(cli, ["--db", aime_db, "frontier", "--by", "model", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "vegaEmbed(" in text and len(text) > 500_000 and not REMOTE.search(text)


def test_dollar_frontier_page_is_in_dollars(aime_db: str, tmp_path: Path) -> None:
    out = tmp_path / "d.html"
    args = ["--db", aime_db, "frontier", "--cost", "dollars-throughput", "--hardware", "rtx-4090", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "throughput regime" in result.output and "$1.116 per GPU-hour" in result.output  # what the cost is
    assert "USD per 1,000 problems (throughput regime)" in out.read_text()
