"""Charts that open with no network: Vega, Vega-Lite and Vega-Embed come from the installed
vl-convert-python (its ``javascript_bundle``, the same scripts Altair's ``inline`` template uses),
either inlined into the page or written once beside it as ``vega-bundle.js``.

Nothing a page needs is loaded from a CDN: the spec carries no ``$schema`` URL and the embed options
hide the actions menu (whose "Open in Vega Editor" would need the network).
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import altair as alt

BUNDLE_NAME = "vega-bundle.js"
LICENSE_NAME = "vega-bundle.LICENSE.txt"
EMBED_OPTIONS: dict[str, Any] = {"actions": False, "renderer": "svg"}


def _vl_version() -> str:
    """The Vega-Lite minor version Altair writes (vl-convert bundles by minor version, e.g. '6.4')."""
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


@cache
def bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one classic script defining ``vegaEmbed`` (about 0.9 MB)."""
    import vl_convert as vlc

    return str(vlc.javascript_bundle(vl_version=_vl_version()))  # type: ignore[call-arg]


def license_text() -> str:
    return resources.files("kinetics_sql").joinpath("data/vega-LICENSE.txt").read_text()


def write_bundle(folder: Path) -> Path:
    """Write ``vega-bundle.js`` (and its licence) into ``folder`` unless an identical one is there."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / BUNDLE_NAME
    text = f"/* {_header()} See {LICENSE_NAME}. */\n" + bundle()
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    (folder / LICENSE_NAME).write_text(license_text())
    return path


def _header() -> str:
    import vl_convert as vlc

    version = getattr(vlc, "__version__", "?")
    return (
        f"Vega, Vega-Lite {_vl_version()} and Vega-Embed (BSD-3-Clause, University of Washington "
        f"Interactive Data Lab), as bundled by vl-convert-python {version}."
    )


def spec_dict(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite spec of a chart with its data inlined and no ``$schema`` URL."""
    spec = dict(chart) if isinstance(chart, dict) else chart.to_dict()
    spec.pop("$schema", None)
    return spec


def vega_spec(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The chart compiled to a Vega spec by vl-convert, the compiler that draws the PNG and SVG files.

    Pages embed the compiled Vega rather than Vega-Lite: the browser bundle's Vega-Lite compiles some
    of the report's concatenated step charts (fig5, fig7) to an empty 0 x 0 view with no error, while
    the same spec compiled here renders (checked in headless chromium by tests/test_browser.py).
    """
    import vl_convert as vlc

    spec: dict[str, Any] = vlc.vegalite_to_vega(spec_dict(chart), vl_version=_vl_version())
    spec.pop("$schema", None)
    return spec


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value, default=str).replace("</", "<\\/")


def page(
    chart: alt.TopLevelMixin | dict[str, Any], *, title: str = "kinetics-sql chart", bundle_src: str | None = None
) -> str:
    """A complete HTML page for a chart: the bundle inlined, or loaded from ``bundle_src`` (a relative path)."""
    if bundle_src is None:
        script = f"<script>/* {_header()} */\n{bundle()}\n</script>"
    else:
        script = f"<script src='{html.escape(bundle_src)}'></script>"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>{script}"
        "<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:1em}</style>"
        "</head><body><div id='vis'></div><script>"
        f"vegaEmbed('#vis', {script_json(vega_spec(chart))}, {script_json({**EMBED_OPTIONS, 'mode': 'vega'})})"
        ".catch(function (e) { console.error(e); document.body.append('chart error: ' + e); });"
        "</script></body></html>"
    )


def save_html(
    chart: alt.TopLevelMixin | dict[str, Any], path: Path, *, beside: bool = False, title: str | None = None
) -> Path:
    """Write ``path`` as a page that works offline: the scripts inlined, or (``beside``) in
    ``vega-bundle.js`` written next to it, which every page of a folder shares."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if beside:
        write_bundle(path.parent)
    text = page(chart, title=title or path.stem, bundle_src=BUNDLE_NAME if beside else None)
    path.write_text(text)
    return path
