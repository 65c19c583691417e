"""`kinetics-sql report`: every figure and an index.html of the key numbers, each beside its SQL."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import polars as pl

from kinetics_sql import frontier as fr
from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError
from kinetics_sql.figures import charts, explorer, latency, paper, strategies
from kinetics_sql.warehouse import Warehouse, points_macro


@dataclass
class Number:
    """A key number: the query that produced it, its rows, and the sentence stating it."""

    key: str
    title: str
    sql: str
    params: dict[str, Any]
    command: str
    rows: pl.DataFrame
    sentence: str = ""
    query: str = ""  # the query alone (sql adds the statements that made the points tables it names)


@dataclass
class ReportResult:
    index: Path
    headlines: list[str]
    numbers: list[Number] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


def kinetics_sources(wh: Warehouse, task: str) -> tuple[str, ...]:
    """The task's sources that reproduce the Kinetics paper (its tables and traces); () if it has none."""
    return tuple(wh.named("report/kinetics_sources", {"task": task})["source"])


def key_numbers(wh: Warehouse, task: str = "aime24", hardware: str = "b200") -> list[Number]:
    """The findings the README and index.html state, each from one SQL query over the warehouse."""
    out: list[Number] = []
    # The paper's findings are over the Kinetics tables and traces (other sources of the task, such as the
    # Best-of-Infinity answer tables, have findings of their own below).
    sources = kinetics_sources(wh, task)
    select = f" --source '{task}_%'" if sources else ""
    base = f"kinetics-sql compare flops-vs-eflops --task {task} --hardware {hardware}{select}"

    def add(key: str, title: str, name: str, command: str, **options: Any) -> Number:
        """The number of queries/frontier/<name>.sql over the task's Kinetics sources, with ``options``."""
        spec = fr.FrontierSpec.make(task=task, hardware=hardware, sources=sources, **options)
        sql, params, prov = fr.query_provenance(wh, name, spec.validated(wh))
        n = Number(key, title, prov, params, command, wh.df(sql, params), query=sql)
        out.append(n)
        return n

    def levels(n: Number) -> dict[str, Any]:
        """The chosen_summary row of a number ({} when no accuracy level compares)."""
        return n.rows.row(0, named=True) if n.rows.height and n.rows["levels"][0] else {}

    title = "FLOPs-chosen vs eFLOPs-chosen model (oracle frontiers, envelope by model)"
    n = add("chosen_model", title, "chosen_summary", f"{base} --by model", by="model")
    if r := levels(n):
        n.sentence = (
            f"The model a FLOPs analysis picks costs up to {r['max_ratio']:.2f}x the eFLOPs of the eFLOPs-optimal "
            f"model (median {r['median_ratio']:.2f}x over {r['levels']} accuracy levels; the two differ at "
            f"{100 * r['share_of_levels_differing']:.0f}% of them; worst at accuracy {r['accuracy_at_max']:.3f}: "
            f"{r['flops_choice_at_max']} vs {r['eflops_choice_at_max']}). Paper: up to 3x."
        )
    title = "FLOPs-chosen vs eFLOPs-chosen configuration (deployable: one model, method, budget, N)"
    n = add("chosen_arm", title, "chosen_summary", f"{base} --kind deployable --by arm", kind="deployable", by="arm")
    if r := levels(n):
        n.sentence = (
            f"Choosing one deployable configuration (model, attention, KV budget, N) by FLOPs costs up to "
            f"{r['max_ratio']:.2f}x the eFLOPs of the eFLOPs-optimal one (median {r['median_ratio']:.2f}x over "
            f"{r['levels']} accuracy levels)."
        )
    n = add("sparse_dense", "Sparse vs dense attention (oracle frontiers, eFLOPs)", "sparse_dense",
            f"kinetics-sql compare sparse-vs-dense --task {task} --hardware {hardware}{select}")  # fmt: skip
    rows = {(r["model"], r["method"]): r for r in n.rows.iter_rows(named=True)}
    parts = []

    def complete(row: dict[str, Any] | None, *keys: str) -> TypeGuard[dict[str, Any]]:
        """A comparison with every number it states."""
        return row is not None and all(row[k] is not None for k in keys)

    blk = rows.get(("all models", "blocktopk"))
    if complete(blk, "max_cost_ratio", "median_cost_ratio", "max_accuracy_gain"):
        parts.append(
            f"across models, block top-k reaches the dense frontier's accuracy levels with up to "
            f"{blk['max_cost_ratio']:.2f}x fewer eFLOPs (median {blk['median_cost_ratio']:.2f}x; blog: 8.58x) and "
            f"gains up to {100 * blk['max_accuracy_gain']:.1f} points of accuracy at equal cost"
        )
    top = rows.get(("all models", "topk"))
    if complete(top, "dense_best_accuracy", "cost_ratio_at_dense_best", "max_cost_ratio", "max_accuracy_gain"):
        parts.append(
            f"oracle top-k reaches the best dense accuracy ({top['dense_best_accuracy']:.3f}) with "
            f"{top['cost_ratio_at_dense_best']:.2f}x fewer eFLOPs (up to {top['max_cost_ratio']:.2f}x at lower "
            f"levels) and gains up to {100 * top['max_accuracy_gain']:.1f} points at equal cost"
        )
    n.sentence = ("; ".join(parts)[:1].upper() + "; ".join(parts)[1:] + ".") if parts else ""
    sql = sqlfiles.load("report/switches")
    tables = {
        f"{cost}_points": fr.FrontierSpec.make(task=task, hardware=hardware, cost=cost, sources=sources).validated(wh)
        for cost in ("flops", "eflops")
    }
    params = {k: fr.points_table(wh, sub) for k, sub in tables.items()}
    sw = wh.df(sql, params)
    n = Number(
        "switches",
        "Where each model becomes optimal (envelope across models, oracle frontiers)",
        fr.provenance(wh, sql, tables),
        params,
        f"kinetics-sql frontier --by model --cost flops|eflops --task {task} --hardware {hardware}{select}",
        sw,
        query=sql,
    )
    firsts = {}
    for r in sw.iter_rows(named=True):
        firsts[(r["cost_model"], r["model"])] = r["first_accuracy"]
    bits = []
    for model in ("Qwen3-4B", "Qwen3-8B", "Qwen3-14B", "Qwen3-32B"):
        e, f = firsts.get(("eflops", model)), firsts.get(("flops", model))
        if e is not None or f is not None:
            bits.append(
                f"{model} from accuracy {_fmt(e) if e is not None else 'never'} under eFLOPs vs "
                f"{_fmt(f) if f is not None else 'never'} under FLOPs"
            )
    n.sentence = "The optimal model switches to larger models earlier under eFLOPs: " + "; ".join(bits) + "."
    out.append(n)
    check = _published_check(wh, task, hardware)
    out += [check] if check is not None else []
    return out


def _published_check(wh: Warehouse, task: str, hardware: str) -> Number | None:
    """Per-problem costs against the authors' published tables; None where the task has none (the check would
    price every point of the task for nothing: seconds at scale)."""
    if not wh.named("report/published_count", {"task": task}).item():
        return None
    sql = sqlfiles.render("report/published_check", frontier_points=points_macro("eflops", "best-of-n"))
    params = {"task": task, "hardware": hardware}
    pc = wh.df(sql, params)
    n = Number(
        "published_check",
        "Per-problem costs against the authors' published tables (variant published)",
        sql,
        params,
        "kinetics-sql frontier --variant published ... (costs from frontier_points)",
        pc,
        query=sql,
    )
    if pc.height and pc["rows"][0]:
        r = pc.row(0, named=True)
        n.sentence = (
            f"With the published sparse term, per-problem expected costs equal the published tables on all "
            f"{r['rows']} (configuration, problem, N) rows to {r['max_relative_error']:.1e} relative, and coverage "
            f"to {r['max_coverage_error']:.1e} (the mislabelled 32B topk128 file flagged at ingest excluded)."
        )
    return n


CSS = """
body { font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; max-width: 1200px; margin: 2em auto;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; } th { background: #f4f4f4; }
pre { background: #f7f7f7; padding: 0.7em; overflow-x: auto; font-size: 0.8em; }
.finding { font-size: 1.05em; background: #fff8e6; padding: 0.5em 0.8em; border-left: 4px solid #e6a100; }
img { max-width: 100%; border: 1px solid #eee; } figcaption { color: #555; font-size: 0.9em; }
"""


def _table(df: pl.DataFrame, limit: int = 40) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
        for row in df.head(limit).iter_rows()
    )
    more = f"<p>({df.height - limit} more rows)</p>" if df.height > limit else ""
    return f"<table><tr>{head}</tr>{body}</table>{more}"


def _sql_block(sql: str, params: dict[str, Any]) -> str:
    return (
        f"<details><summary>SQL (bind parameters below; macros in sql/frontier_macros.sql)</summary>"
        f"<pre>{html.escape(sql)}</pre><pre>-- parameters\n{html.escape(json.dumps(params, indent=1))}</pre></details>"
    )


def write_report(
    wh: Warehouse,
    out: Path,
    *,
    task: str = "aime24",
    hardware: str = "b200",
    bootstrap: int = 200,
    seed: int = 0,
    images: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Write figures (HTML; PNG and SVG with ``images``) and index.html under ``out``; ``progress`` is told
    each step before it runs."""
    step = progress or (lambda label: None)
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    (out / "sql").mkdir(exist_ok=True)
    (out / "sql" / "frontier_macros.sql").write_text(sqlfiles.load("frontier/macros"))
    hardware = wh.resolve_hardware(hardware)
    step("key numbers: FLOPs vs eFLOPs, sparse vs dense, switches, published tables")
    numbers = key_numbers(wh, task, hardware)
    step("key numbers: fitted latency and offloading")
    numbers += [Number(**n) for n in latency.key_numbers(wh, task)]  # fitted latency, offload finding
    step("key numbers: majority vote (answer tables)")
    numbers += [Number(**n) for n in strategies.key_numbers(wh, task, hardware)]  # answer tables: majority vote
    ctx = paper.Context(
        wh, task=task, hardware=hardware, bootstrap=bootstrap, seed=seed, sources=kinetics_sources(wh, task)
    )
    figs = []
    for make in paper.FIGURES:
        step(f"figure {make.__name__}")
        figs.append(make(ctx))
    for optional in paper.OPTIONAL_FIGURES:
        step(f"figure {optional.__name__}")
        fig = optional(ctx)
        figs += [fig] if fig is not None else []
    step("latency figures")
    figs += latency.figures(wh, task=task)  # Kinetics++: measured latency and offload-aware frontier
    parts = [
        f"<h1>kinetics-sql report: {html.escape(task)} on {html.escape(hardware)}</h1>",
        "<p>Every number below is one SQL query over the warehouse (shown beside it, with its bind parameters; "
        "the frontier macros it calls are in <a href='sql/frontier_macros.sql'>sql/frontier_macros.sql</a>) "
        "and every figure links to its interactive version with tooltips.</p>",
    ]
    explorer_note = ""
    try:
        ex = explorer.write_explorer(wh, out, bootstrap=bootstrap, progress=step)
        explorer_note = (
            f"<p class='finding'><a href='explorer.html'>Explorer</a>: pick hardware, VRAM, task, strategy and a "
            f"budget; see the deployable frontier, the recommended configuration (as `kinetics-sql recommend`) and "
            f"its runners-up ({ex.selections} selections, {ex.arms} configurations, precomputed in SQL; works offline)."
            "</p>"
        )
    except KineticsError as exc:  # no trials: the explorer has nothing to show
        explorer_note = f"<p>No explorer: {html.escape(str(exc))}</p>"
    parts += [explorer_note, "<h2>Key numbers</h2>"]
    for n in numbers:
        (out / "sql" / f"{n.key}.sql").write_text(f"-- {n.title}\n-- parameters: {json.dumps(n.params)}\n{n.sql}")
        parts += [
            f"<h3>{html.escape(n.title)}</h3>",
            f"<p class='finding'>{html.escape(n.sentence)}</p>" if n.sentence else "",
            _table(n.rows),
            f"<p>Reproduce: <code>{html.escape(n.command)}</code></p>",
            _sql_block(n.sql, n.params),
        ]
    parts.append("<h2>Figures</h2>")
    written = []
    for f in figs:
        step(f"writing {f.name}" + (" (HTML, PNG, SVG)" if images else " (HTML)"))
        charts.save(f.chart, out / f"{f.name}.html", beside=True)
        written.append(f"{f.name}.html")
        if images:
            charts.save(f.chart, out / f"{f.name}.png")
            charts.save(f.chart, out / f"{f.name}.svg")
            written += [f"{f.name}.png", f"{f.name}.svg"]
        img = f"<img src='{f.name}.png' alt='{html.escape(f.title)}'>" if images else "(interactive only)"
        parts += [
            f"<h3 id='{f.name}'>{html.escape(f.title)}</h3>",
            f"<figure><a href='{f.name}.html'>{img}</a><figcaption>{html.escape(f.caption)} "
            f"<a href='{f.name}.html'>interactive</a>"
            + (f" · <a href='{f.name}.svg'>SVG</a>" if images else "")
            + "</figcaption></figure>",
        ]
        for i, (sql, params) in enumerate(f.queries):
            (out / "sql" / f"{f.name}_{i}.sql").write_text(f"-- parameters: {json.dumps(params)}\n{sql}")
        parts.append("".join(_sql_block(sql, params) for sql, params in f.queries))
    parts.append(f"<p><small>written in {time.perf_counter() - t0:.1f} s by kinetics-sql report</small></p>")
    index = out / "index.html"
    index.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>kinetics-sql report</title>"
        f"<style>{CSS}</style></head><body>" + "\n".join(parts) + "</body></html>"
    )
    headlines = [n.sentence for n in numbers if n.sentence]
    return ReportResult(index=index, headlines=headlines, numbers=numbers, figures=written)
