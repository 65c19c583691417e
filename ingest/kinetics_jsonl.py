"""Kinetics-generations raw reasoning traces (Hugging Face dataset InfiniAILab/Kinetics-generations).

A JSONL file: the first line is a metadata dict (``attn_local``, ``attn_topk``,
``attn_block_size``, ``attn_block_topk``, ...); every other line is a JSON object

    {"query": QUESTION, "choices": [GOLD, ...], "prediction": [TEXT, ...], "score": [0|100, ...]}

with one or more trials (``prediction`` and ``score`` of equal length; a scalar ``score`` with a
one-element ``prediction``). Lines of one problem (same ``query``) may repeat: the trials add up.
Problem ids are ``query_id`` / ``problem_id`` / ``id`` when a line has one, else the order of first
appearance (0, 1, ...), as the Kinetics tables number them.

File names say the task, model and configuration when the metadata does not:

    <task>_<model>_dense.jsonl
    <task>_<model>_local<L>_topk<K>[...].jsonl                 budget = L + K
    <task>_<model>_local<L>_block<S>_blocktopk<K>[...].jsonl    budget = L + S * K

The file is streamed line by line; traces are tokenized in batches and scored at every generation
budget by :mod:`kinetics_sql.ingest.scoring`; rows go to the warehouse in chunks.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa

from kinetics_sql.facts import kinetics_names
from kinetics_sql.facts.methods import check_params
from kinetics_sql.ingest.context import LoadContext
from kinetics_sql.ingest.prompt import load_tokenizer, prompt_tokens
from kinetics_sql.ingest.rows import insert_rows
from kinetics_sql.ingest.scoring import Scorer

SUFFIXES = (".jsonl", ".json", ".ndjson")
META_KEYS = ("attn_local", "attn_topk", "attn_block_size", "attn_block_topk")
ID_KEYS = ("query_id", "problem_id", "id")
BATCH_TEXTS = 32  # traces tokenized together (encode_batch uses every core)
FLUSH_ROWS = 50_000  # trial_budgets rows buffered before an insert


def detect(path: Path, head: bytes) -> bool:
    if path.suffix.lower() not in SUFFIXES:
        return False
    first, _, rest = head.lstrip().partition(b"\n")
    try:
        meta = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    if not isinstance(meta, dict):
        return False
    if {"query", "prediction"} <= meta.keys():
        return True
    if any(k in meta for k in META_KEYS):
        return True
    second = rest[:8192]  # the second line may be cut off by the head
    return b'"prediction"' in second and b'"query"' in second


def parse_name(name: str) -> dict[str, Any]:
    """Task, model and configuration from a file name (facts.kinetics_names); keys missing where it does not say."""
    n = kinetics_names.parse(name)
    if n is None or n.table:
        return {}
    out: dict[str, Any] = {"task": n.task, "model": n.model}
    if n.method is not None:
        out.update(method=n.method, budget=n.budget, block_size=n.block_size)
    return out


def config_from_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Method, budget and block size from the metadata line (None values where it does not say)."""

    def num(key: str) -> int | None:
        v = meta.get(key)
        return int(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    local, topk, bsize, btopk = (num(k) for k in META_KEYS)
    out: dict[str, Any] = {}
    if btopk is not None:
        size = bsize if bsize is not None else 16
        out.update(method="blocktopk", budget=(local or 0) + size * btopk, block_size=size)
    elif topk is not None:
        out.update(method="topk", budget=(local or 0) + topk, block_size=None)
    elif any(k in meta for k in META_KEYS):
        out.update(method="dense", budget=None, block_size=None)
    model = meta.get("model") or meta.get("model_name")
    if isinstance(model, str) and model:
        out["model"] = model.rsplit("/", 1)[-1]
    task = meta.get("task")
    if isinstance(task, str) and task:
        out["task"] = task
    return out


def _texts(ctx: LoadContext, value: Any, line: int, field: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    raise ctx.error(f"expected a non-empty list of strings, got {type(value).__name__}", line=line, field=field)


def _scores(ctx: LoadContext, value: Any, n: int, line: int) -> list[bool]:
    values = value if isinstance(value, list) else [value]
    if not isinstance(value, list) and n != 1:
        raise ctx.error(f"a single score for {n} predictions: give one score per prediction", line=line, field="score")
    out = []
    for v in values:
        if isinstance(v, bool):
            out.append(v)
            continue
        if not isinstance(v, int | float) or not math.isfinite(v) or not 0 <= v <= 100:
            raise ctx.error(f"expected a number in [0, 100] (or a list of them), got {v!r}", line=line, field="score")
        out.append(v > 0)
    if len(out) != n:
        raise ctx.error(f"inconsistent trial counts: {len(out)} scores for {n} predictions", line=line, field="score")
    return out


class _Sink:
    """Buffers rows per table and inserts them in chunks (columnar, through Arrow)."""

    def __init__(self, ctx: LoadContext) -> None:
        self.ctx = ctx
        self.buffers: dict[str, dict[str, list[Any]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: str, row: dict[str, Any]) -> None:
        buf = self.buffers.setdefault(table, {k: [] for k in row})
        for k, v in row.items():
            buf[k].append(v)
        self.counts[table] = self.counts.get(table, 0) + 1
        if len(next(iter(buf.values()))) >= FLUSH_ROWS:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.buffers):
            buf = self.buffers.pop(name, None)
            if buf and next(iter(buf.values())):
                insert_rows(self.ctx.wh.con, name, pa.table(buf))


def load(ctx: LoadContext) -> dict[str, int]:
    o = ctx.options
    name_cfg = parse_name(ctx.source.name)
    tok = load_tokenizer(o.tokenizer)
    scorer = Scorer(tok, list(o.gen_budgets))
    size = ctx.path.stat().st_size
    tick = ctx.progress(f"{ctx.source.name}: traces", size)

    base: dict[str, Any] | None = None
    problems: dict[str, dict[str, Any]] = {}
    pending: list[tuple[str, int, str]] = []  # (problem key, trial, text)
    sink = _Sink(ctx)

    def configure(meta: dict[str, Any], line: int) -> dict[str, Any]:
        cfg = {**name_cfg, **config_from_meta(meta)}
        task = o.task or cfg.get("task")
        raw_model = o.model or cfg.get("model")
        if not task:
            raise ctx.error("cannot tell the task from the file name or metadata: pass --task", line=line, field="task")
        if not raw_model:
            raise ctx.error("cannot tell the model from the file name or metadata: pass --model", field="model")
        try:
            model = ctx.wh.resolve_model(raw_model)
        except Exception as exc:
            raise ctx.error(str(exc), line=line, field="model") from exc
        method = o.method or cfg.get("method")
        if method is None:
            raise ctx.error(
                "cannot tell the attention method from the metadata or the file name: pass --method",
                line=1, field="attn_topk",
            )  # fmt: skip
        budget = o.budget if o.budget is not None else cfg.get("budget")
        block_size = o.block_size if o.block_size is not None else cfg.get("block_size")
        wrong = check_params(method, budget, block_size)  # the check `cost` makes
        if wrong:
            raise ctx.error(wrong, line=line, field="method")
        return {"source": ctx.source.name, "task": task, "model": model, "method": method,
                "budget": budget, "block_size": block_size}  # fmt: skip

    def drain() -> None:
        if not pending:
            return
        by_problem: dict[str, list[tuple[int, str]]] = {}
        for key, trial, text in pending:
            by_problem.setdefault(key, []).append((trial, text))
        assert base is not None
        for key, items in by_problem.items():
            p = problems[key]
            pid = p["id"]
            scores = scorer.score_many([t for _, t in items], p["golds"])
            for (trial, _), s in zip(items, scores, strict=True):
                p["gen"][trial] = s.gen_tokens
                if p["correct"][trial] is None:  # no score in the file (raw runner output): the judge's
                    p["correct"][trial] = s.correct_full
                elif s.correct_full != p["correct"][trial]:
                    p["disagree"].append(trial)
                for gb, used, ok in s.budgets:
                    sink.add("trial_budgets", {**base, "problem_id": pid, "trial": trial, "gen_budget": gb,
                                               "tokens_used": used, "correct": ok})  # fmt: skip
        pending.clear()

    line_no = 0
    with ctx.path.open("rb") as fh:
        for raw in fh:
            line_no += 1
            tick(len(raw))
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
                raise ctx.error(f"malformed JSON ({msg})", line=line_no) from None
            if not isinstance(obj, dict):
                raise ctx.error(f"expected a JSON object, got {type(obj).__name__}", line=line_no)
            if base is None:
                if "prediction" not in obj and "query" not in obj:
                    base = configure(obj, line_no)  # the metadata line
                    continue
                base = configure({}, line_no)
            for key in ("query", "choices", "prediction"):
                if key not in obj:
                    raise ctx.error("missing field", line=line_no, field=key)
            query = obj["query"]
            if not isinstance(query, str):
                raise ctx.error(f"expected a string, got {type(query).__name__}", line=line_no, field="query")
            golds = obj["choices"]
            if isinstance(golds, str | int | float) and not isinstance(golds, bool):
                golds = [golds]
            if (
                not isinstance(golds, list)
                or not golds
                or not all(isinstance(g, str | int | float) and not isinstance(g, bool) for g in golds)
            ):
                raise ctx.error("expected a non-empty list of gold answers", line=line_no, field="choices")
            golds = [str(g) for g in golds]
            texts = _texts(ctx, obj["prediction"], line_no, "prediction")
            # without a score (raw predictions, e.g. runners/vllmrun.py traces) the judge scores the full trace
            correct = _scores(ctx, obj["score"], len(texts), line_no) if "score" in obj else [None] * len(texts)
            pid = next((str(obj[k]) for k in ID_KEYS if k in obj and obj[k] is not None), None)
            key = pid if pid is not None else query
            p = problems.get(key)
            if p is None:
                p = problems[key] = {"id": pid if pid is not None else str(len(problems)), "question": query,
                                     "golds": golds, "line": line_no, "correct": [], "gen": {},
                                     "disagree": []}  # fmt: skip
            elif p["golds"] != golds:
                raise ctx.error(
                    f"gold answers differ from those on line {p['line']} for the same problem",
                    line=line_no, field="choices",
                )  # fmt: skip
            for text, ok in zip(texts, correct, strict=True):
                pending.append((key, len(p["correct"]), text))
                p["correct"].append(ok)
            if len(pending) >= BATCH_TEXTS:
                drain()
    if base is None:
        raise ctx.error("file is empty", line=1)
    if not problems:
        raise ctx.error("no trial lines after the metadata line", line=line_no + 1)
    counts = {k: len(p["correct"]) for k, p in problems.items()}
    expected = max(set(counts.values()), key=list(counts.values()).count)
    for k, n in counts.items():
        if n != expected:
            p = problems[k]
            raise ctx.error(
                f"inconsistent trial counts: problem {p['id']} has {n} trials, the others {expected}",
                line=p["line"], field="prediction",
            )  # fmt: skip
    drain()
    sink.flush()

    n_issues = 0
    for p in problems.values():
        if p["disagree"]:
            # the file's score (Kinetics' lighteval metric) and our boxed-answer judge differ on the full trace
            ctx.issue(
                p["id"],
                f"score disagrees with the boxed-answer judge on the full trace for trials "
                f"{', '.join(map(str, sorted(p['disagree'])))} (trials.correct keeps the file's score)",
            )
            n_issues += 1
    prob_tick = ctx.progress(f"{ctx.source.name}: problems", len(problems))
    n_trials = 0
    for p in problems.values():
        lin = prompt_tokens(p["question"], tok)
        sink.add("problems", {**base, "problem_id": p["id"], "n_samples": len(p["correct"]),
                              "n_correct": sum(p["correct"]), "prompt_tokens": lin,
                              "gold_answer": p["golds"][0] if len(p["golds"]) == 1 else json.dumps(p["golds"]),
                              "question": p["question"]})  # fmt: skip
        for i, ok in enumerate(p["correct"]):
            sink.add("trials", {**base, "problem_id": p["id"], "trial": i, "prompt_tokens": lin,
                                "gen_tokens": p["gen"][i], "correct": ok})  # fmt: skip
            n_trials += 1
        prob_tick(1)
    sink.flush()
    return {"problems": len(problems), "trials": n_trials, "trial_budgets": sink.counts.get("trial_budgets", 0),
            "ingest_issues": n_issues}  # fmt: skip
