"""Kinetics published trade-off tables: per-problem trial lengths, coverage and costs.

File names carry the configuration:

    <task>_<model>_dense_numTrials_tradeoff.csv
    <task>_<model>_local<L>_topk<K>[_<run>]_numTrials_tradeoff.csv      budget = L + K
    <task>_<model>_local<L>_block<S>_blocktopk<K>_tradeoff.csv          budget = L + S * K
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from kinetics_sql import sqlfiles
from kinetics_sql.facts import kinetics_names
from kinetics_sql.ingest.context import LoadContext
from kinetics_sql.ingest.prompt import load_tokenizer, prompt_tokens
from kinetics_sql.ingest.rows import insert_rows

REQUIRED = ("query_id", "query", "choices", "generation_length", "trial", "coverage",
            "compute_cost", "memory_cost", "total_cost")  # fmt: skip
TOLERANCE = 1e-9


def detect(path: Path, head: bytes) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    cols = {c.strip() for c in first.split(",")}
    return {"generation_length", "coverage", "total_cost"} <= cols


def parse_name(name: str) -> dict[str, Any] | None:
    """Task, model, method, budget and block size from a Kinetics table's file name (facts.kinetics_names)."""
    n = kinetics_names.parse(name)
    if n is None or not n.table or n.method is None:
        return None
    return {"task": n.task, "model": n.model, "method": n.method, "budget": n.budget, "block_size": n.block_size}


def _num(ctx: LoadContext, raw: str, line: int, field: str, kind: type) -> Any:
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        expected = "an integer" if kind is int else "a number"
        raise ctx.error(f"expected {expected}, got {raw!r}", line=line, field=field) from None
    if kind is float and not math.isfinite(value):
        raise ctx.error(f"expected a finite number, got {raw!r}", line=line, field=field)
    return value


def load(ctx: LoadContext) -> dict[str, int]:
    cfg = parse_name(ctx.source.name)
    if cfg is None:
        raise ctx.error(
            "file name does not say the configuration: expected <task>_<model>_dense_numTrials_tradeoff.csv, "
            "<task>_<model>_local<L>_topk<K>_numTrials_tradeoff.csv or "
            "<task>_<model>_local<L>_block<S>_blocktopk<K>_tradeoff.csv"
        )
    o = ctx.options
    task = o.task or cfg["task"]
    try:
        model = ctx.wh.resolve_model(o.model or cfg["model"])
    except Exception as exc:
        raise ctx.error(str(exc), field="model (from the file name)") from exc
    method, budget, block_size = cfg["method"], cfg["budget"], cfg["block_size"]
    tok = load_tokenizer(o.tokenizer)

    csv.field_size_limit(1 << 30)
    text = ctx.path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    for col in REQUIRED:
        if col not in header:
            raise ctx.error(f"missing column (header has {', '.join(header)})", line=1, field=col)

    problems: dict[str, dict[str, Any]] = {}
    costs: list[dict[str, Any]] = []
    line = 1
    for row in reader:
        start = line + 1
        line = reader.line_num
        pid = row["query_id"].strip()
        if not pid:
            raise ctx.error("empty problem id", line=start, field="query_id")
        n = _num(ctx, row["trial"], start, "trial", int)
        coverage = _num(ctx, row["coverage"], start, "coverage", float)
        if not 0.0 <= coverage <= 1.0:
            raise ctx.error(f"coverage must lie in [0, 1], got {coverage}", line=start, field="coverage")
        try:
            lengths = json.loads(row["generation_length"])
        except json.JSONDecodeError as exc:
            raise ctx.error(f"not a JSON list ({exc.msg})", line=start, field="generation_length") from exc
        if (
            not isinstance(lengths, list)
            or not lengths
            or not all(isinstance(g, int) and not isinstance(g, bool) and g >= 0 for g in lengths)
        ):
            raise ctx.error("expected a non-empty JSON list of token counts", line=start, field="generation_length")
        if "budget" in row and row["budget"] not in (None, "") and budget is not None:
            file_budget = _num(ctx, row["budget"], start, "budget", int)
            if file_budget != budget:
                raise ctx.error(
                    f"budget {file_budget} contradicts the file name's {budget}", line=start, field="budget"
                )
        p = problems.get(pid)
        if p is None:
            p = problems[pid] = {"question": row["query"], "gold": row["choices"], "lengths": lengths, "line": start}
        elif p["lengths"] != lengths:
            raise ctx.error(
                f"trial lengths differ from those on line {p['line']} for the same problem",
                line=start, field="generation_length",
            )  # fmt: skip
        if n == 1:
            p["coverage1"] = coverage
        if n > len(lengths):
            raise ctx.error(f"N = {n} exceeds the {len(lengths)} sampled trials", line=start, field="trial")
        costs.append({
            "problem_id": pid, "n": n, "coverage": coverage,
            "compute_cost": _num(ctx, row["compute_cost"], start, "compute_cost", float),
            "memory_cost": _num(ctx, row["memory_cost"], start, "memory_cost", float),
            "total_cost": _num(ctx, row["total_cost"], start, "total_cost", float),
        })  # fmt: skip
    if not problems:
        raise ctx.error("no data rows", line=2)

    base = {"source": ctx.source.name, "task": task, "model": model, "method": method,
            "budget": budget, "block_size": block_size}  # fmt: skip
    prob_rows, trial_rows = [], []
    tick = ctx.progress(f"{ctx.source.name}: prompts", len(problems))
    for pid, p in problems.items():
        if "coverage1" not in p:
            raise ctx.error(f"problem {pid} has no row with trial = 1 (needed for n_correct)", field="trial")
        n_samples = len(p["lengths"])
        correct = p["coverage1"] * n_samples
        if abs(correct - round(correct)) > 1e-6:
            ctx.issue(pid, f"coverage at N=1 ({p['coverage1']}) times {n_samples} trials is not a whole number")
        lin = prompt_tokens(p["question"], tok)
        prob_rows.append({**base, "problem_id": pid, "n_samples": n_samples, "n_correct": round(correct),
                          "prompt_tokens": lin, "gold_answer": p["gold"], "question": p["question"]})  # fmt: skip
        for i, g in enumerate(p["lengths"]):
            trial_rows.append({**base, "problem_id": pid, "trial": i, "prompt_tokens": lin,
                               "gen_tokens": g, "correct": None})  # fmt: skip
        tick(1)
    cost_rows = [{**base, **c} for c in costs]

    con = ctx.wh.con
    for table, rows in (("problems", prob_rows), ("trials", trial_rows), ("published_costs", cost_rows)):
        insert_rows(con, table, rows)

    bad = ctx.wh.df(sqlfiles.load("ingest/published_check"), {"source": ctx.source.name, "tolerance": TOLERANCE})
    for r in bad.iter_rows(named=True):
        ctx.issue(
            r["problem_id"],
            f"published total_cost {r['published']:.10g} at N={r['worst_n']} disagrees with the recomputed "
            f"{r['recomputed']:.10g} (relative error {r['max_rel_err']:.3g} > {TOLERANCE:g})",
        )
    return {"problems": len(prob_rows), "trials": len(trial_rows), "published_costs": len(cost_rows),
            "ingest_issues": bad.height}  # fmt: skip
