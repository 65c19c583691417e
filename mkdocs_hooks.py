"""MkDocs hook: every page in docs/ that the nav of mkdocs.yml does not name joins it under "More".

Other branches add pages (docs/pricing.md, docs/limits.md, ...); listing a page the nav names but the folder
lacks would fail the strict build, and a page the nav leaves out would be unreachable, so the nav is the
configured one plus whatever else is there, by title.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _named(nav: Any) -> set[str]:
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, list):
        return set().union(*(_named(item) for item in nav)) if nav else set()
    if isinstance(nav, dict):
        return set().union(*(_named(v) for v in nav.values())) if nav else set()
    return set()


def _title(page: Path) -> str:
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page.stem.replace("-", " ").capitalize()


def on_config(config: Any) -> Any:
    nav = config["nav"] or []
    named = _named(nav)
    docs = Path(config["docs_dir"])
    extra = sorted(p for p in docs.glob("*.md") if p.name not in named)
    if extra:
        nav.append({"More": [{_title(p): p.name} for p in extra]})
        config["nav"] = nav
    return config
