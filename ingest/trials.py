"""Generic trial tables from any evaluation harness: CSV, Parquet or JSONL.

Mapped entirely by options (the file says nothing about itself):

    --task T --model M [--method dense|topk|blocktopk|window --budget B --block-size S]
    --problem-col C                        problem id (required)
    --trial-col C                          trial index; without it each row is one problem whose
                                           mapped columns are lists (one element per trial), or,
                                           for scalar columns, one trial numbered in file order
    --gen-tokens-col C | --text-col C      generated tokens, or the generated text to tokenize
    --prompt-tokens-col C | --question-col C   prompt tokens, or the problem statement (chat prompt)
    --correct-col C                        bool, 0/1 or 0/100
    --gold-col C                           with --text-col: score the text (and every generation
                                           budget, into trial_budgets) with math-verify
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl

from kinetics_sql.ingest.job import LoadContext
from kinetics_sql.ingest.prompt import load_tokenizer, prompt_tokens
from kinetics_sql.ingest.rows import insert_rows
from kinetics_sql.ingest.scoring import Scorer

SUFFIXES = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl",
            ".ndjson": "jsonl", ".json": "jsonl"}  # fmt: skip
TRUE = {"true", "t", "yes", "y", "1", "100", "1.0", "100.0", "correct"}
FALSE = {"false", "f", "no", "n", "0", "0.0", "incorrect", ""}
BATCH_TEXTS = 64


def detect(path: Path, head: bytes) -> bool:
    """Any CSV, Parquet or JSONL file could be a trial table: job.detect_format asks only when
    --problem-col says the file is one."""
    return path.suffix.lower() in SUFFIXES


def _read(ctx: LoadContext, cols: list[str]) -> tuple[pl.DataFrame, int]:
    """The mapped columns, and the offset from a row index to its 1-based line (or row) number."""
    kind = SUFFIXES.get(ctx.path.suffix.lower())
    try:
        if kind == "csv":
            sep = "\t" if ctx.path.suffix.lower() == ".tsv" else ","
            lf = pl.scan_csv(ctx.path, separator=sep, infer_schema_length=10_000)
            offset = 2
        elif kind == "parquet":
            lf = pl.scan_parquet(ctx.path)
            offset = 1
        elif kind == "jsonl":
            lf = pl.scan_ndjson(ctx.path, infer_schema_length=10_000)
            offset = 1
        else:
            raise ctx.error("a trial table must be .csv, .tsv, .parquet or .jsonl")
        header = lf.collect_schema().names()
    except pl.exceptions.PolarsError as exc:
        raise ctx.error(f"cannot read as a {kind} table: {str(exc).splitlines()[0]}", line=1) from None
    for c in cols:
        if c not in header:
            raise ctx.error(f"no such column (the file has {', '.join(header)})", line=1, field=c)
    try:
        df = lf.select(cols).collect()
    except pl.exceptions.PolarsError as exc:
        raise ctx.error(f"cannot read as a {kind} table: {str(exc).splitlines()[0]}") from None
    return df, offset


def _bool(v: Any) -> bool | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(v)
        if v in (0, 1, 100):
            return v > 0
        raise ValueError(v)
    s = str(v).strip().lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise ValueError(v)


def _int(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool):
        raise ValueError(v)
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError(v)
        v = int(v)
    if isinstance(v, str):
        v = int(v.strip())
    if not isinstance(v, int) or v < 0:
        raise ValueError(v)
    return v


def load(ctx: LoadContext) -> dict[str, int]:
    o = ctx.options
    if not o.problem_col:
        raise ctx.error(
            "a trial table needs its column mapping: pass --problem-col (and --gen-tokens-col or --text-col, "
            "--task, --model); see `kinetics-sql ingest --help`",
            field="--problem-col",
        )
    if not o.gen_tokens_col and not o.text_col:
        raise ctx.error("pass --gen-tokens-col, or --text-col to count tokens of the text", field="--gen-tokens-col")
    if not o.task:
        raise ctx.error("a trial table does not say its task: pass --task", field="--task")
    if not o.model:
        raise ctx.error("a trial table does not say its model: pass --model", field="--model")
    try:
        model = ctx.wh.resolve_model(o.model)
    except Exception as exc:
        raise ctx.error(str(exc), field="model") from exc
    method = o.method or ("dense" if o.budget is None else "topk")
    base = {"source": ctx.source.name, "task": o.task, "model": model, "method": method,
            "budget": o.budget, "block_size": o.block_size}  # fmt: skip

    given = {"problem": o.problem_col, "trial": o.trial_col, "gen": o.gen_tokens_col, "text": o.text_col,
             "prompt": o.prompt_tokens_col, "question": o.question_col, "correct": o.correct_col,
             "gold": o.gold_col}  # fmt: skip
    mapped: dict[str, str] = {k: v for k, v in given.items() if v}
    df, offset = _read(ctx, list(dict.fromkeys(mapped.values())))
    if df.height == 0:
        raise ctx.error("no data rows", line=offset)
    for k in ("gen", "correct"):  # CSV cells holding JSON lists ("[812, 1034]"), as pandas writes them
        c = mapped.get(k)
        if c and df.schema[c] == pl.String and "trial" not in mapped:
            first = df.get_column(c).drop_nulls().head(1).to_list()
            if first and str(first[0]).lstrip().startswith("["):
                try:
                    df = df.with_columns(pl.col(c).str.json_decode(pl.List(pl.Int64 if k == "gen" else pl.Float64)))
                except pl.exceptions.PolarsError as exc:
                    raise ctx.error(f"not a JSON list of numbers: {str(exc).splitlines()[0]}", field=c) from None
    list_cols = [k for k, c in mapped.items() if isinstance(df.schema[c], pl.List | pl.Array)]
    per_trial_keys = [k for k in ("trial", "gen", "text", "correct") if k in mapped]
    if "trial" in mapped and list_cols:
        raise ctx.error("list columns with --trial-col: give one row per trial, or omit --trial-col",
                        line=offset, field=mapped[list_cols[0]])  # fmt: skip

    tok = load_tokenizer(o.tokenizer) if ("text" in mapped or "question" in mapped) else None
    scorer = Scorer(tok, list(o.gen_budgets)) if (tok is not None and "gold" in mapped and "text" in mapped) else None

    # -- one record per trial, validated, with its line -------------------------------------------
    trials: list[dict[str, Any]] = []
    problems: dict[str, dict[str, Any]] = {}
    tick = ctx.progress(f"{ctx.source.name}: rows", df.height)
    for i, row in enumerate(df.iter_rows(named=True)):
        line = i + offset
        pid_raw = row[mapped["problem"]]
        if pid_raw is None or str(pid_raw).strip() == "":
            raise ctx.error("empty problem id", line=line, field=mapped["problem"])
        pid = str(pid_raw)
        values: dict[str, list[Any]] = {}
        n = None
        for k in per_trial_keys:
            v = row[mapped[k]]
            if k in list_cols:
                if v is None:
                    raise ctx.error("expected a list, got null", line=line, field=mapped[k])
                v = list(v)
                if n is not None and len(v) != n:
                    raise ctx.error(f"inconsistent trial counts: {len(v)} values where other columns have {n}",
                                    line=line, field=mapped[k])  # fmt: skip
                n = len(v)
            values[k] = v
        n = n if n is not None else 1
        for k in per_trial_keys:
            if k not in list_cols:
                values[k] = [values[k]] * n if n == 1 else values[k]
                if not isinstance(values[k], list) or len(values[k]) != n:
                    raise ctx.error(f"a single value where other columns hold {n} trials",
                                    line=line, field=mapped[k])  # fmt: skip
        p = problems.get(pid)
        if p is None:
            p = problems[pid] = {"line": line, "question": row.get(mapped.get("question", ""), None),
                                 "gold": row.get(mapped.get("gold", ""), None), "prompt": None, "n": 0}  # fmt: skip
            if "prompt" in mapped:
                try:
                    p["prompt"] = _int(row[mapped["prompt"]])
                except (TypeError, ValueError):
                    raise ctx.error(f"expected a non-negative integer, got {row[mapped['prompt']]!r}",
                                    line=line, field=mapped["prompt"]) from None  # fmt: skip
        for j in range(n):
            rec: dict[str, Any] = {"problem_id": pid, "line": line}
            for k, caster, what in (("trial", _int, "a non-negative integer"), ("gen", _int, "a non-negative integer"),
                                    ("correct", _bool, "a boolean, 0/1 or 0/100")):  # fmt: skip
                if k in values:
                    try:
                        rec[k] = caster(values[k][j])
                    except (TypeError, ValueError):
                        raise ctx.error(f"expected {what}, got {values[k][j]!r}", line=line, field=mapped[k]) from None
            if "text" in values:
                t = values["text"][j]
                if not isinstance(t, str):
                    raise ctx.error(f"expected text, got {t!r}", line=line, field=mapped["text"])
                rec["text"] = t
            if rec.get("trial") is None:
                rec["trial"] = p["n"]
            p["n"] += 1
            trials.append(rec)
        tick(1)

    seen: dict[tuple[str, int], int] = {}
    for rec in trials:
        key = (rec["problem_id"], rec["trial"])
        if key in seen:
            raise ctx.error(f"trial {rec['trial']} of problem {rec['problem_id']} already on line {seen[key]}",
                            line=rec["line"], field=mapped.get("trial", mapped["problem"]))  # fmt: skip
        seen[key] = rec["line"]

    # -- tokens and scores from text ---------------------------------------------------------------
    budget_rows: list[dict[str, Any]] = []
    if "text" in mapped:
        assert tok is not None
        stick = ctx.progress(f"{ctx.source.name}: tokenize" + (" + score" if scorer else ""), len(trials))
        for start in range(0, len(trials), BATCH_TEXTS):
            batch = trials[start : start + BATCH_TEXTS]
            if scorer is None:
                encs = tok.encode_batch([r["text"] for r in batch], add_special_tokens=False)
                for r, e in zip(batch, encs, strict=True):
                    if r.get("gen") is None:
                        r["gen"] = len(e.ids)
            else:
                by_gold: dict[str, list[dict[str, Any]]] = {}
                for r in batch:
                    gold = problems[r["problem_id"]]["gold"]
                    if gold is None:
                        raise ctx.error("empty gold answer", line=r["line"], field=mapped["gold"])
                    by_gold.setdefault(str(gold), []).append(r)
                scored = [
                    (r, s)
                    for gold, recs in by_gold.items()
                    for r, s in zip(recs, scorer.score_many([r["text"] for r in recs], [gold]), strict=True)
                ]
                for r, s in scored:
                    if r.get("gen") is None:
                        r["gen"] = s.gen_tokens
                    if r.get("correct") is None:
                        r["correct"] = s.correct_full
                    for gb, used, ok in s.budgets:
                        budget_rows.append({**base, "problem_id": r["problem_id"], "trial": r["trial"],
                                            "gen_budget": gb, "tokens_used": used, "correct": ok})  # fmt: skip
            stick(len(batch))
    for r in trials:
        if r.get("gen") is None:
            raise ctx.error("missing generated tokens", line=r["line"], field=mapped.get("gen", mapped.get("text")))

    # -- rows ----------------------------------------------------------------------------------------
    prob_rows, trial_rows = [], []
    by_problem: dict[str, list[dict[str, Any]]] = {}
    for r in trials:
        by_problem.setdefault(r["problem_id"], []).append(r)
    for pid, recs in by_problem.items():
        p = problems[pid]
        lin = p["prompt"]
        if lin is None and p["question"] is not None and tok is not None:
            lin = prompt_tokens(str(p["question"]), tok)
        corrects = [r.get("correct") for r in recs]
        prob_rows.append({**base, "problem_id": pid, "n_samples": len(recs),
                          "n_correct": None if any(c is None for c in corrects) else sum(bool(c) for c in corrects),
                          "prompt_tokens": lin, "gold_answer": None if p["gold"] is None else str(p["gold"]),
                          "question": None if p["question"] is None else str(p["question"])})  # fmt: skip
        for r in recs:
            trial_rows.append({**base, "problem_id": pid, "trial": r["trial"], "prompt_tokens": lin,
                               "gen_tokens": r["gen"], "correct": r.get("correct")})  # fmt: skip
    con = ctx.wh.con
    out = {}
    for table, rows in (("problems", prob_rows), ("trials", trial_rows), ("trial_budgets", budget_rows)):
        if rows:
            insert_rows(con, table, _typed(table, rows))
            out[table] = len(rows)
    return out


def _typed(table: str, rows: list[dict[str, Any]]) -> Any:
    """Arrow with explicit types where a column may be all NULL (pyarrow would infer 'null')."""
    import pyarrow as pa

    types = {"budget": pa.int32(), "block_size": pa.int32(), "prompt_tokens": pa.int32(), "n_correct": pa.int32(),
             "correct": pa.bool_(), "gold_answer": pa.string(), "question": pa.string()}  # fmt: skip
    cols = {k: [r[k] for r in rows] for k in rows[0]}
    return pa.table({k: pa.array(v, type=types.get(k)) for k, v in cols.items()})
