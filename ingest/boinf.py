"""Best-of-Infinity per-sample answer tables (jkomiyama/BoInf-code-publish, folder boinf/jsonl).

One JSON line per problem:

    {"problem_num": 0, "total_answers": 80, "answer_counts": {"33": 80}, "gold_answer": "33",
     "majority_answer": "33", "all_answers": [["33", 16231], ["33", 10806], ...]}

``all_answers`` holds one ``[extracted_answer, generated_tokens]`` pair per sample (the answer is
null or "" where none was extracted). File names say the task and model:
``analysis_<dataset>_<model>.jsonl`` (also read gzip-compressed, ``.jsonl.gz``).

Answers are normalised as the source's own analysis does (``ensemble_utils.normalize_answer_format``:
drop ``^{\\circ}`` and ``^\\circ``, ``\\dfrac`` -> ``\\frac``, strip) and a sample is correct when its
normalised answer equals the normalised gold answer. Unlike the source, samples without an answer
are kept (answer NULL, incorrect): they were generated and cost tokens.

The generation limit is the source's: 100,000 new tokens on AIME and MATH500, 50,000 on GPQA-Diamond,
capped at its MAX_MODEL_LEN - 2,500 = 30,268 for models it served with a 32,768-token context (a
file whose longest samples stop at exactly 30,268 tokens). ``hit_limit``: the sample used the limit.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kinetics_sql import adaptive, majority
from kinetics_sql.errors import InputError
from kinetics_sql.ingest.context import LoadContext
from kinetics_sql.ingest.rows import insert_rows

NAME = re.compile(r"^analysis_(?P<dataset>aime2024|aime2025|math500|gpqa[_-]diamond)_(?P<model>.+?)\.jsonl(?:\.gz)?$")
TASKS = {"aime2024": "aime24", "aime2025": "aime25", "math500": "math500", "gpqa_diamond": "gpqa-diamond",
         "gpqa-diamond": "gpqa-diamond"}  # fmt: skip
TASK_LIMITS = {"aime24": 100_000, "aime25": 100_000, "math500": 100_000, "gpqa-diamond": 50_000}
CONTEXT_LIMIT = 32_768 - 2_000 - 500  # the source's MAX_MODEL_LEN minus its summary tokens and margin
REQUIRED = ("problem_num", "total_answers", "gold_answer", "all_answers")
KEYS = (b'"problem_num"', b'"total_answers"', b'"all_answers"')


def detect(path: Path, head: bytes) -> bool:
    name = path.name.lower()
    if name.endswith(".gz"):
        try:
            head = gzip.GzipFile(fileobj=io.BytesIO(head)).read(1 << 16)
        except (OSError, EOFError):
            return False
        name = name[:-3]
    if not name.endswith(".jsonl"):
        return False
    first = head.lstrip().split(b"\n", 1)[0]
    return first.startswith(b"{") and all(k in first for k in KEYS)


def normalize_answer(text: Any) -> str | None:
    """The source's normalize_answer_format; None for no answer."""
    if text is None:
        return None
    out = str(text)
    out = re.sub(r"\^\{\\circ\}", "", out)
    out = re.sub(r"\^\\circ", "", out)
    out = re.sub(r"\\dfrac", r"\\frac", out)
    out = out.strip()
    return out or None


def parse_name(name: str) -> dict[str, str] | None:
    m = NAME.match(name.rsplit("/", 1)[-1])
    if not m:
        return None
    return {"task": TASKS[m["dataset"].lower()], "model": m["model"]}


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    n = 0
    try:
        with opener(path, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                yield n, raw
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:  # a gzip stream cut off mid-file
        raise InputError(str(path), f"a damaged gzip file (cut off?) after line {n}: {exc}", line=n + 1) from None


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def load(ctx: LoadContext) -> dict[str, int]:
    cfg = parse_name(ctx.source.name) or {}
    o = ctx.options
    task = o.task or cfg.get("task")
    raw_model = o.model or cfg.get("model")
    if not task or not raw_model:
        raise ctx.error(
            "file name does not say the task and model (expected analysis_<dataset>_<model>.jsonl with dataset "
            "aime2024, aime2025, math500 or gpqa_diamond): pass --task and --model"
        )
    try:
        model = ctx.wh.resolve_model(raw_model)
    except Exception as exc:
        raise ctx.error(str(exc), field="model (from the file name)" if not o.model else "model") from exc
    if o.method not in (None, "dense") or o.budget is not None:
        raise ctx.error("answer tables record dense-attention samples: --method and --budget do not apply")

    problems: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line_no, raw in _lines(ctx.path):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ctx.error(f"not valid JSON ({getattr(exc, 'msg', exc)})", line=line_no) from None
        if not isinstance(row, dict):
            raise ctx.error("expected a JSON object per line", line=line_no)
        for key in REQUIRED:
            if key not in row:
                raise ctx.error("missing field", line=line_no, field=key)
        pid, total, gold, answers = row["problem_num"], row["total_answers"], row["gold_answer"], row["all_answers"]
        if not _int(pid) or pid < 0:
            raise ctx.error(f"expected a non-negative integer, got {pid!r}", line=line_no, field="problem_num")
        if str(pid) in seen:
            raise ctx.error(f"problem {pid} already on line {seen[str(pid)]}", line=line_no, field="problem_num")
        seen[str(pid)] = line_no
        if not _int(total) or total <= 0:
            raise ctx.error(f"expected a positive integer, got {total!r}", line=line_no, field="total_answers")
        if not isinstance(gold, str | int | float) or isinstance(gold, bool):
            raise ctx.error(f"expected a string, got {gold!r}", line=line_no, field="gold_answer")
        if not isinstance(answers, list):
            raise ctx.error("expected a list of [answer, token count] pairs", line=line_no, field="all_answers")
        if len(answers) != total:
            raise ctx.error(f"{len(answers)} answers but total_answers is {total}", line=line_no, field="all_answers")
        samples = []
        for i, pair in enumerate(answers):
            where = f"all_answers[{i}]"
            if not isinstance(pair, list) or len(pair) != 2:
                raise ctx.error(f"expected an [answer, token count] pair, got {pair!r}", line=line_no, field=where)
            answer, tokens = pair
            if not _int(tokens):
                raise ctx.error(f"token count must be an integer, got {tokens!r}", line=line_no, field=where)
            if tokens < 0:
                raise ctx.error(f"token count must be >= 0, got {tokens}", line=line_no, field=where)
            if answer is not None and not isinstance(answer, str | int | float):
                raise ctx.error(f"answer must be a string or null, got {answer!r}", line=line_no, field=where)
            samples.append((normalize_answer(answer), tokens))
        problems.append({"pid": str(pid), "gold": str(gold), "samples": samples})
    if not problems:
        raise ctx.error("no problems in the file", line=1)

    longest = max(t for p in problems for _, t in p["samples"])
    limit = TASK_LIMITS.get(task)
    if limit is not None and longest == CONTEXT_LIMIT:
        limit = CONTEXT_LIMIT
    base = {"source": ctx.source.name, "task": task, "model": model, "method": "dense", "budget": None,
            "block_size": None}  # fmt: skip
    prob_rows, trial_rows = [], []
    for p in problems:
        gold = normalize_answer(p["gold"])
        correct = [a is not None and a == gold for a, _ in p["samples"]]
        prob_rows.append({**base, "problem_id": p["pid"], "n_samples": len(p["samples"]), "n_correct": sum(correct),
                          "prompt_tokens": None, "gold_answer": p["gold"], "question": None,
                          "gen_limit": limit})  # fmt: skip
        for i, ((answer, tokens), ok) in enumerate(zip(p["samples"], correct, strict=True)):
            trial_rows.append({**base, "problem_id": p["pid"], "trial": i, "prompt_tokens": None, "gen_tokens": tokens,
                               "correct": ok, "answer": answer,
                               "hit_limit": limit is not None and tokens >= limit})  # fmt: skip
    con = ctx.wh.con
    insert_rows(con, "problems", prob_rows)
    insert_rows(con, "trials", trial_rows)
    votes = build_majority(ctx.wh, ctx.source.name)
    adaptive_rows = adaptive.build(ctx.wh, ctx.source.name)
    return {"problems": len(prob_rows), "trials": len(trial_rows), "majority_votes": votes,
            "adaptive_votes": adaptive_rows}  # fmt: skip


def build_majority(wh: Any, source: str) -> int:
    """Fill majority_votes for one source, exact: the answer classes of each problem and per-sample cap
    (queries/strategies/majority_classes.sql) through the DP of kinetics_sql.majority, for N = 1, 2, 4, ... below
    the samples and N = all; returns the rows added."""
    rows = []
    for r in wh.named("strategies/majority_classes", {"source": source}).iter_rows(named=True):
        m = int(r["m"])
        for n in sorted({1 << k for k in range(31) if 1 << k < m} | {m}):
            acc = majority.accuracy(m, int(r["g"]), [int(c) for c in r["others"]], int(r["u"]), n)
            rows.append({**{k: r[k] for k in MAJORITY_KEYS}, "n": n, "accuracy": float(acc), "accuracy_se": 0.0,
                         "replicates": 0})  # fmt: skip
    if rows:
        insert_rows(wh.con, "majority_votes", rows)
    return len(rows)


MAJORITY_KEYS = ("source", "task", "model", "method", "budget", "block_size", "problem_id", "gen_budget")
