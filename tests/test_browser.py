"""The report in a real headless browser (Debian's chromium through playwright): every chart renders with
no network and no console error, and the explorer's hardware selector changes the recommendation.

`make test` installs chromium where it is missing and apt-get can; elsewhere these tests skip, saying so.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import frontier_fixtures as ff
import pytest

from kinetics_sql import Warehouse
from kinetics_sql import recommend as rec

aime_db, aime_wh, aime_report = ff.aime_db, ff.aime_wh, ff.aime_report  # fixtures

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine: `apt-get install -y chromium` (make test does it where it can)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (the dev extra)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report_dir(aime_report: tuple[Path, str]) -> Path:
    return aime_report[0]


def open_page(browser: Any, path: Path) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1250, "height": 1000})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    # nothing may come from the network: every request but file:// is refused and recorded
    def only_files(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
            return
        problems.append(f"network: {route.request.url}")
        route.abort()

    page.route("**/*", only_files)
    page.goto(path.as_uri())
    return page, problems


def rendered_marks(page: Any, selector: str = "svg.marks") -> int:
    """Waits for a rendered chart and returns how many drawn elements its SVG holds."""
    page.wait_for_selector(selector, timeout=20_000)
    return int(
        page.evaluate(
            """(sel) => { const s = document.querySelector(sel); const r = s.getBoundingClientRect();
                const n = s.querySelectorAll('path, line, rect, circle, text').length;
                return r.width > 0 && r.height > 0 ? n : 0; }""",
            selector,
        )
    )


def test_every_report_chart_renders_offline(browser: Any, report_dir: Path) -> None:
    pages = sorted(p for p in report_dir.glob("*.html") if p.name != "index.html")
    assert len(pages) >= 8
    for path in pages:
        page, problems = open_page(browser, path)
        assert rendered_marks(page) > 20, path.name
        page.wait_for_timeout(100)
        assert problems == [], (path.name, problems)
        page.close()


def test_explorer_recommends_as_the_cli_and_follows_the_hardware_selector(
    browser: Any, report_dir: Path, aime_wh: Warehouse
) -> None:
    page, problems = open_page(browser, report_dir / "explorer.html")
    assert rendered_marks(page, "#chart svg.marks") > 20
    first = page.inner_text("#rec-config")
    req = rec.Request.make(hardware="rtx-4090", vram_gb=24, budget_s=60, bootstrap=5)
    expected = rec.recommend(aime_wh, req).chosen
    assert first == f"Recommended: {expected['config']} @{expected['setting']}"
    tips = page.evaluate(
        "() => document.querySelectorAll('#chart svg.marks path[aria-roledescription], #chart svg.marks path').length"
    )
    assert tips > 50  # one mark per configuration
    page.select_option("#hardware", "h100-sxm")
    page.select_option("#vram", "80")
    page.wait_for_function("(t) => document.querySelector('#rec-config').innerText !== t", arg=first, timeout=10_000)
    second = page.inner_text("#rec-config")
    h100 = rec.recommend(aime_wh, rec.Request.make(hardware="h100-sxm", vram_gb=80, budget_s=60, bootstrap=5)).chosen
    assert second == f"Recommended: {h100['config']} @{h100['setting']}" != first
    assert rendered_marks(page, "#chart svg.marks") > 20
    assert "h100-sxm" in page.inner_text("#chart")
    assert problems == []
    page.close()


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation site as `make docs` builds it (mkdocs build --strict)."""
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (the dev extra)")
    out = tmp_path_factory.mktemp("site") / "site"
    root = Path(__file__).resolve().parents[1]
    args = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(root / "mkdocs.yml"), "-d", str(out)]
    result = subprocess.run(args, capture_output=True, text=True, cwd=root, check=False)
    assert result.returncode == 0, result.stderr
    return out


def test_the_documentation_site_reads_offline(browser: Any, site_dir: Path) -> None:
    """Every page draws from the file with no request off the machine and no console error; the nav reaches the
    getting-started page and search finds a command (the offline plugin's search index, from the file)."""
    pages = sorted(p for p in site_dir.glob("*.html") if p.name != "404.html")  # 404: a server's page, root paths
    assert len(pages) >= 10
    for path in pages:
        page, problems = open_page(browser, path)
        page.wait_for_selector("nav.md-nav", timeout=10_000)
        assert "kinetics-sql" in page.title(), path.name
        page.wait_for_timeout(100)
        assert problems == [], (path.name, problems)
        page.close()
    page, problems = open_page(browser, site_dir / "index.html")
    page.click("text=Getting started")
    page.wait_for_selector("h2:has-text('Six questions, one command each')", timeout=10_000)
    page.fill("input.md-search__input", "dollars-per-solved")
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    assert problems == []
    page.close()
