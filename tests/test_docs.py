"""The documentation: a short README, a site that `make docs` builds offline and strictly, command output in the
docs generated from the demo warehouse (drift fails here), and no file citing a path outside the repository."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import mkdocs_hooks
from kinetics_sql import docrun
from kinetics_sql.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SPEC = DOCS / "cost-model.md"


def build_site(out: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (the dev extra)")
    args = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)]
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env={"NO_MKDOCS_2_WARNING": "1", "PATH": ""})


def test_readme_is_short_and_points_into_the_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).exists(), link


def test_the_site_builds_strictly_offline(tmp_path: Path) -> None:
    result = build_site(tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    pages = {p.name for p in (tmp_path / "site").glob("*.html")}
    assert {"index.html", "getting-started.html", "cli.html", "cost-model.html", "findings.html"} <= pages
    for page in (tmp_path / "site").glob("*.html"):
        text = page.read_text()
        # nothing loads from the network: no web font, no script or stylesheet from a CDN (links may point out)
        loads = re.findall(r"<(?:script|img|iframe)[^>]*\ssrc=\"(https?:[^\"]*)|<link[^>]*href=\"(https?:[^\"]*)", text)
        assert loads == [], (page.name, loads)
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, page.name


def test_pages_other_branches_add_join_the_nav(tmp_path: Path) -> None:
    (tmp_path / "index.md").write_text("# Home\n")
    (tmp_path / "pricing.md").write_text("# Pricing in one layer\n\ntext\n")
    (tmp_path / "limits.md").write_text("no title\n")
    config = {"nav": [{"Home": "index.md"}], "docs_dir": str(tmp_path)}
    nav = mkdocs_hooks.on_config(config)["nav"]
    assert nav == [{"Home": "index.md"}, {"More": [{"Limits": "limits.md"}, {"Pricing in one layer": "pricing.md"}]}]
    config = {"nav": [{"Home": "index.md"}, {"P": "pricing.md"}, {"L": "limits.md"}], "docs_dir": str(tmp_path)}
    assert "More" not in str(mkdocs_hooks.on_config(config)["nav"])


def test_the_cost_model_specification_is_in_the_docs_and_nothing_cites_a_path_outside_the_repo() -> None:
    assert "eFLOPs" in SPEC.read_text() and "rFLOPs" in SPEC.read_text()
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT, check=False).stdout.split()
    if not tracked:  # not a git checkout (an unpacked sdist): every text file
        tracked = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts]
    outside = re.compile(r"\.\./shared|/work/(main|shared|wt)")
    offenders = []
    for name in tracked:
        path = ROOT / name
        if path.suffix in {".gz", ".png", ".parquet", ".duckdb"} or not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        offenders += [f"{name}: {m.group(0)}" for m in outside.finditer(text)]
    assert offenders == []


def test_docrun_regenerates_a_block_and_check_catches_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "w.duckdb")
    assert CliRunner().invoke(cli, ["--db", db, "init"]).exit_code == 0
    page = tmp_path / "page.md"
    page.write_text("# p\n\n<!-- run: hardware -f csv -->\n```text\nold output\n```\n<!-- run:end -->\n\nafter\n")
    assert docrun.main(["--check", "--db", db, str(page)]) == 1
    assert "differs from what its commands print; run `python -m kinetics_sql.docrun`" in capsys.readouterr().err
    assert docrun.main(["--db", db, str(page)]) == 0
    text = page.read_text()
    assert "old output" not in text and "$ kinetics-sql hardware -f csv\nname," in text and text.endswith("after\n")
    assert re.search(r"^h100-sxm,", text, re.M)
    assert docrun.main(["--check", "--db", db, str(page)]) == 0
    page.write_text("<!-- run: frontier --no-such-option -->\n<!-- run:end -->\n")
    with pytest.raises(RuntimeError, match=r"`kinetics-sql frontier --no-such-option` failed \(exit 2\)"):
        docrun.main(["--db", db, str(page)])


@pytest.mark.slow
def test_command_output_in_the_docs_matches_the_demo_warehouse(demo_db: str) -> None:
    pages = [p for p in docrun.PAGES if docrun.commands(p.read_text())]
    assert {p.name for p in pages} >= {"README.md", "getting-started.md"}
    stale = docrun.update(demo_db, docrun.PAGES, check=True)
    assert stale == [], f"{[str(p) for p in stale]}: regenerate with `python -m kinetics_sql.docrun`"
