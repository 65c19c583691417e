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

import json
import math
from pathlib import Path
from typing import Any

import polars as pl

from kinetics_sql import limits
from kinetics_sql.facts.methods import check_params
from kinetics_sql.ingest.context import LoadContext
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
        if kind == "jsonl":
            _raise_json_line(ctx)
        raise ctx.error(f"cannot read as a {kind} table: {str(exc).splitlines()[0]}", line=1) from None
    for c in cols:
        if c not in header:
            raise ctx.error(f"no such column (the file has {', '.join(header)})", line=1, field=c)
    if kind == "csv":
        _check_field_counts(ctx, sep, len(header))
    try:
        df = _without_trailing_blank_rows(lf.select(cols).collect()) if kind == "csv" else lf.select(cols).collect()
    except pl.exceptions.PolarsError as exc:
        if kind == "csv":  # a value unlike the first rows' type: read text, and let validation name its line
            try:
                lf = pl.scan_csv(ctx.path, separator=sep, infer_schema=False)
                return _without_trailing_blank_rows(lf.select(cols).collect()), offset
            except pl.exceptions.PolarsError:
                pass
        if kind == "jsonl":
            _raise_json_line(ctx)
        raise ctx.error(f"cannot read as a {kind} table: {str(exc).splitlines()[0]}") from None
    return df, offset


def _without_trailing_blank_rows(df: pl.DataFrame) -> pl.DataFrame:
    """Drop the empty rows blank lines at the end of a CSV make (an editor's trailing newline or two)."""
    if df.height == 0:
        return df
    blank = df.select(pl.all_horizontal(pl.all().is_null())).to_series()
    kept = (~blank).arg_true()
    return df.head(int(kept.max()) + 1) if kept.len() else df.head(0)  # type: ignore[arg-type]


def _check_field_counts(ctx: LoadContext, sep: str, n_fields: int) -> None:
    """Every line (without quotes, where counting separators is exact) has the header's number of fields:
    polars would pad a cut-off row with NULLs."""
    lines = pl.read_csv(
        ctx.path, has_header=False, separator="\x1f", quote_char=None, new_columns=["raw"], infer_schema=False
    )
    counts = (
        lines.with_row_index("i")
        .filter(~pl.col("raw").str.contains('"', literal=True))
        .with_columns((pl.col("raw").str.count_matches(sep, literal=True) + 1).alias("n"))
    )
    bad = counts.filter((pl.col("n") != n_fields) & (pl.col("i") > 0)).head(1)
    if bad.height:
        i, n = bad["i"][0], bad["n"][0]
        with ctx.path.open("rb") as fh:
            fh.seek(-1, 2)
            ends = fh.read(1) not in (b"\n", b"\r")
        last = i == lines.height - 1
        what = " (the file ends mid-row: cut off?)" if (last and ends and n < n_fields) else ""
        raise ctx.error(f"{n} fields where the header has {n_fields}{what}", line=int(i) + 1)


def _raise_json_line(ctx: LoadContext) -> None:
    """Find the first JSONL line that is not one JSON object (NaN and Infinity are not JSON)."""

    def reject(token: str) -> Any:
        raise ValueError(f"{token} is not valid JSON (use null)")

    with ctx.path.open(encoding="utf-8", errors="replace") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw, parse_constant=reject)
            except ValueError as exc:
                raise ctx.error(f"not valid JSON: {exc}", line=line_no) from None
            if not isinstance(obj, dict):
                raise ctx.error(f"expected a JSON object, got {type(obj).__name__}", line=line_no)


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
    wrong = check_params(method, o.budget, o.block_size)  # the check `cost` makes
    if wrong:
        raise ctx.error(wrong, field="--method")
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
    if not list_cols and "text" not in mapped and "question" not in mapped:
        return _load_columns(ctx, df, offset, mapped, base)

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
        if p is not None and "prompt" in mapped:
            try:
                lin_here = _int(row[mapped["prompt"]])
            except (TypeError, ValueError):
                raise ctx.error(f"expected a non-negative integer, got {row[mapped['prompt']]!r}",
                                line=line, field=mapped["prompt"]) from None  # fmt: skip
            if lin_here is not None and lin_here != p["prompt"]:
                raise ctx.error(f"prompt tokens {lin_here} differ from {p['prompt']} on line {p['line']} for problem "
                                f"{pid}", line=line, field=mapped["prompt"])  # fmt: skip
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
    lines = {(r["problem_id"], r["trial"]): r["line"] for r in trials}
    for r in trial_rows:
        msg = _token_problem(ctx, model, (r["prompt_tokens"] or 0) + r["gen_tokens"], r["gen_tokens"])
        if msg:
            raise ctx.error(msg, line=lines[(r["problem_id"], r["trial"])], field=mapped.get("gen", mapped.get("text")))
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


def _token_problem(ctx: LoadContext, model: str, total: int, gen: int) -> str | None:
    """Why a trial's token counts are implausible for the model (its context length), or None."""
    ctx_len = ctx.__dict__.setdefault("_context", limits.context_length(ctx.wh, model))
    allow = ctx.options.allow_implausible
    what = "prompt + generated tokens"
    return limits.check_context(model, ctx_len, total, what, allow=allow) or limits.check_context(
        model, None, gen, "generated tokens"
    )


def _first(df: pl.DataFrame, mask: pl.Expr) -> int | None:
    """Index of the first row where ``mask`` holds, or None."""
    hit = df.select(mask.fill_null(False).arg_true().first()).item()
    return None if hit is None else int(hit)


def _count_expr(c: str) -> pl.Expr:
    """A column as a non-negative whole count (Int64; NULL where it is not one, or where empty)."""
    s = pl.col(c).cast(pl.String).str.strip_chars()
    i = s.cast(pl.Int64, strict=False)
    f = s.cast(pl.Float64, strict=False)
    whole = f.is_finite() & (f == f.floor()) & (f.abs() < 2.0**62)
    return pl.when(i.is_not_null()).then(i).when(whole).then(f.cast(pl.Int64, strict=False)).otherwise(None)


def _bool_expr(c: str) -> pl.Expr:
    s = pl.col(c).cast(pl.String).str.strip_chars().str.to_lowercase()
    return pl.when(s.is_in(sorted(TRUE))).then(True).when(s.is_in(sorted(FALSE))).then(False).otherwise(None)


def _load_columns(
    ctx: LoadContext, raw: pl.DataFrame, offset: int, mapped: dict[str, str], base: dict[str, Any]
) -> dict[str, int]:
    """Scalar columns, one row per trial: validated and shaped column-wise (millions of rows in seconds).

    The same checks as the row-by-row path, each failing on the first offending line with its field."""
    tick = ctx.progress(f"{ctx.source.name}: rows", raw.height)
    model = base["model"]
    cols: dict[str, pl.Expr] = {
        "line": pl.int_range(pl.len(), dtype=pl.Int64) + offset,
        "problem_id": pl.col(mapped["problem"]).cast(pl.String),
    }
    for k in ("trial", "gen", "prompt"):
        if k in mapped:
            cols[k] = _count_expr(mapped[k])
    if "correct" in mapped:
        cols["correct"] = _bool_expr(mapped["correct"])
    if "gold" in mapped:
        cols["gold"] = pl.col(mapped["gold"]).cast(pl.String)
    df = raw.with_columns(**{f"__{k}": v for k, v in cols.items()})

    def fail(idx: int, message: str, field: str) -> None:
        raise ctx.error(message, line=idx + offset, field=field)

    pid = pl.col("__problem_id")
    i = _first(df, pid.is_null() | (pid.str.strip_chars() == ""))
    if i is not None:
        fail(i, "empty problem id", mapped["problem"])
    count = f"a non-negative integer (at most {limits.INT32_MAX})"
    what = {"trial": count, "gen": count, "prompt": count, "correct": "a boolean, 0/1 or 0/100"}
    for k in ("trial", "gen", "prompt", "correct"):
        if k in mapped:
            c = mapped[k]
            bad = pl.col(c).is_not_null() & (pl.col(f"__{k}").is_null() | (
                pl.col(f"__{k}") < 0 if k != "correct" else pl.lit(False)))  # fmt: skip
            if k in ("trial", "gen", "prompt"):
                bad = bad | (pl.col(f"__{k}") > limits.INT32_MAX)
            i = _first(df, bad)
            if i is not None:
                v = df.get_column(c)[i]
                n = df.get_column(f"__{k}")[i]
                if n is not None and n > limits.INT32_MAX:
                    fail(i, f"{n} exceeds the largest storable token count {limits.INT32_MAX}", c)
                fail(i, f"expected {what[k]}, got {v!r}", c)
    if "gen" not in mapped:
        raise ctx.error("pass --gen-tokens-col", field="--gen-tokens-col")
    i = _first(df, pl.col("__gen").is_null())
    if i is not None:
        fail(i, "missing generated tokens", mapped["gen"])
    running = pl.int_range(pl.len(), dtype=pl.Int64).over("__problem_id")
    df = df.with_columns(__trial=pl.coalesce(pl.col("__trial"), running) if "trial" in mapped else running)
    dup = _first(df, ~pl.struct("__problem_id", "__trial").is_first_distinct())
    if dup is not None:
        p, tr = df["__problem_id"][dup], df["__trial"][dup]
        prior = _first(df, (pl.col("__problem_id") == p) & (pl.col("__trial") == tr))
        fail(dup, f"trial {tr} of problem {p} already on line {(prior or 0) + offset}",
             mapped.get("trial", mapped["problem"]))  # fmt: skip
    if "prompt" in mapped:
        first_prompt = pl.col("__prompt").drop_nulls().first().over("__problem_id")
        i = _first(df, pl.col("__prompt").is_not_null() & (pl.col("__prompt") != first_prompt))
        if i is not None:
            p = df["__problem_id"][i]
            j = _first(df, (pl.col("__problem_id") == p) & pl.col("__prompt").is_not_null()) or 0
            fail(i, f"prompt tokens {df['__prompt'][i]} differ from {df['__prompt'][j]} on line {j + offset} for "
                 f"problem {p}", mapped["prompt"])  # fmt: skip
        df = df.with_columns(__lin=first_prompt)
    else:
        df = df.with_columns(__lin=pl.lit(None, dtype=pl.Int64))
    context = limits.context_length(ctx.wh, model)
    if context is not None and not ctx.options.allow_implausible:
        i = _first(df, pl.col("__lin").fill_null(0) + pl.col("__gen") > context)
        if i is not None:
            total = (df["__lin"][i] or 0) + df["__gen"][i]
            fail(i, limits.check_context(model, context, total, "prompt + generated tokens") or "", mapped["gen"])
    tick(df.height)

    lit = {k: pl.lit(v, dtype=pl.Int32 if k in ("budget", "block_size") else pl.String) for k, v in base.items()}
    trials = df.select(
        *[v.alias(k) for k, v in lit.items()],
        pl.col("__problem_id").alias("problem_id"),
        pl.col("__trial").cast(pl.Int32).alias("trial"),
        pl.col("__lin").cast(pl.Int32).alias("prompt_tokens"),
        pl.col("__gen").cast(pl.Int32).alias("gen_tokens"),
        (pl.col("__correct") if "correct" in mapped else pl.lit(None, dtype=pl.Boolean)).alias("correct"),
    )
    n_correct = pl.lit(None, dtype=pl.Int64)
    if "correct" in mapped:
        n_correct = pl.when(pl.col("__correct").null_count() == 0).then(pl.col("__correct").sum()).otherwise(None)
    gold = pl.col("__gold").first() if "gold" in mapped else pl.lit(None, dtype=pl.String)
    problems = (
        df.group_by("__problem_id", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int32).alias("n_samples"),
            n_correct.cast(pl.Int32).alias("n_correct"),
            pl.col("__lin").first().cast(pl.Int32).alias("prompt_tokens"),
            gold.alias("gold_answer"),
        )
        .rename({"__problem_id": "problem_id"})
        .with_columns(*[v.alias(k) for k, v in lit.items()], pl.lit(None, dtype=pl.String).alias("question"))
    )
    con = ctx.wh.con
    insert_rows(con, "problems", problems.to_arrow())
    insert_rows(con, "trials", trials.to_arrow())
    return {"problems": problems.height, "trials": trials.height}
