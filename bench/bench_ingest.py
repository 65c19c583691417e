"""Ingest of Kinetics JSONL traces: tokenize + score throughput, ours vs the naive pipeline, and the
peak memory of `kinetics-sql ingest` on a generated corpus.

The corpus is in the exact Kinetics-generations format (a metadata line, then one JSON object per
trial with query, choices, prediction, score), ~200 MB by default, traces of 2K-32K tokens drawn
from the Qwen3 vocabulary (frequent tokens more often) with LaTeX fragments, intermediate and final
boxed answers, and some unfinished traces.

Pipelines, on the same subset of traces, in one run:
- ours: tokenize once with offsets (batched), locate boxed answers, verify each distinct one once;
- naive (same judge): per trial tokenize, then for each of 16 budgets decode the truncation and
  judge it with the same math-verify boxed-answer judge (must agree exactly: disagreements are
  counted and reported);
- naive (Kinetics metric): per trial tokenize, then for each of 16 budgets decode the truncation
  and run math-verify's parse + verify with the configuration Kinetics used (expression and LaTeX
  extraction with fallbacks), i.e. the pipeline of Kinetics' cost_model_genlen.py; its verdicts
  differ where the fallback credits a number that is not boxed (counted).

Run: `python -m bench ingest` (defaults, or BENCH_INGEST_MB=20), or
`python -m bench.bench_ingest --mb 20 --subset 8`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tokenizers import Tokenizer

from kinetics_sql.ingest.context import DEFAULT_GEN_BUDGETS
from kinetics_sql.ingest.prompt import load_tokenizer
from kinetics_sql.ingest.scoring import FLOAT_ROUNDING, Scorer, score_naive

QUESTIONS = [
    "Find the number of ordered pairs $(a, b)$ of positive integers with $a + b = 1000$ such that neither "
    "$a$ nor $b$ has a zero digit.",
    "Let $N$ be the greatest four-digit positive integer with the property that whenever one of its digits is "
    "changed to $1$, the resulting number is divisible by $7$. Find the remainder when $N$ is divided by $1000$.",
    "A list of positive integers has the following properties: the sum of the items in the list is $30$; the "
    "unique mode of the list is $9$. Find the sum of the squares of all the items in the list.",
    "Every morning Aya goes for a $9$-kilometer-long walk and stops at a coffee shop afterwards. Find the number "
    "of minutes the walk takes her, including the $t$ minutes spent in the coffee shop.",
]
SNIPPETS = [
    " $\\frac{{{a}}}{{{b}}}$", " $x^{{{a}}} + y^{{{b}}}$", " $n = {a}$", " \\[ \\sum_{{k=1}}^{{{a}}} k^2 \\]",
    " $\\sqrt{{{a}}}$", " $({a}, {b})$", " $\\binom{{{a}}}{{{b}}}$", " ${a} \\cdot {b} = {c}$",
]  # fmt: skip
FINAL = "\n\nTherefore, the final answer is: $\\boxed{{{ans}}}$. I hope it is correct"


def vocabulary_pieces() -> list[str]:
    """Decoded Qwen3 tokens that are whole English-looking words (" word"), most frequent (lowest id) first."""
    tok = load_tokenizer()
    vocab = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    pieces = []
    for _, i in vocab[:80000]:
        s = tok.decode([i])
        if len(s) > 1 and s[0] == " " and s[1:].isascii() and s[1:].isalpha():
            pieces.append(s)
    return pieces


PUNCT = [".", ",", ":", "?", " (", ")", " =", " +", " -", ";", "!", "\n", "\n\n"]


def make_trace(rng: random.Random, pieces: list[str], tokens: int, gold: str) -> tuple[str, bool]:
    """About ``tokens`` tokens of word-like text (Zipf-ish word frequencies), punctuation, numbers,
    LaTeX fragments and boxed answers; returns (text, whether the final answer is right)."""
    log_n = math.log(len(pieces))
    out = []
    for _ in range(tokens):
        r = rng.random()
        if r < 0.84:
            out.append(pieces[int(math.exp(rng.random() * log_n)) - 1])  # log-uniform rank: Zipf-like
        elif r < 0.96:
            out.append(rng.choice(PUNCT))
        else:
            out.append(f" {rng.randint(0, 2024)}")
    for j in range(0, tokens, rng.randint(8, 20)):  # inline math about once a sentence, as in AIME traces
        a, b = rng.randint(1, 99), rng.randint(2, 99)
        out[j] = rng.choice(SNIPPETS).format(a=a, b=b, c=a * b)
    if rng.random() < 0.3:  # an intermediate boxed answer, right or wrong
        j = rng.randrange(len(out))
        out[j] += f" so tentatively $\\boxed{{{rng.choice([gold, str(rng.randint(0, 999))])}}}$. Wait,"
    correct = False
    if rng.random() < 0.85:  # finished: the final answer line
        correct = rng.random() < 0.5
        out.append(FINAL.format(ans=gold if correct else str(rng.randint(0, 999))))
    return "".join(out), correct


def generate(out_dir: Path, mb: float, seed: int = 0) -> list[Path]:
    """Kinetics-format JSONL files totalling about ``mb`` megabytes (32 trials per problem)."""
    rng = random.Random(seed)
    pieces = vocabulary_pieces()
    configs: list[tuple[str, dict[str, int | None]]] = [
        ("aime24_qwen3-8b_dense.jsonl", {"attn_local": None, "attn_topk": None, "attn_block_topk": None}),
        ("aime24_qwen3-8b_local0_topk256.jsonl", {"attn_local": 0, "attn_topk": 256, "attn_block_topk": None}),
        ("aime24_qwen3-4b_local0_block16_blocktopk64.jsonl", {"attn_local": 0, "attn_topk": None,
                                                              "attn_block_size": 16, "attn_block_topk": 64}),
    ]  # fmt: skip
    target = mb * 1e6
    per_file = target / len(configs)
    files = []
    written = 0.0
    for name, meta in configs:
        if written >= target:
            break
        path = out_dir / name
        with path.open("w") as fh:
            fh.write(json.dumps({"task": "aime24", "attn_block_size": 16, **meta}) + "\n")
            size = 0
            q = 0
            while size < min(per_file, target - written) or q == 0:
                question = f"{QUESTIONS[q % len(QUESTIONS)]} (variant {q})"
                gold = f"{rng.randint(0, 999):03d}"
                for _ in range(32):
                    # ~2 Qwen3 tokens per sampled piece (LaTeX fragments are several): 2K-32K tokens
                    text, ok = make_trace(rng, pieces, int(rng.randint(2048, 32768) / 2.0), gold)
                    line = json.dumps({"score": 100.0 if ok else 0.0, "prediction": [text], "choices": [gold],
                                       "query": question}) + "\n"  # fmt: skip
                    fh.write(line)
                    size += len(line)
                q += 1
        written += path.stat().st_size
        files.append(path)
    return files


def kinetics_judge() -> Callable[[str, list[str]], bool]:
    """math-verify's parse + verify with the configuration of Kinetics' lighteval metric."""
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    pred_cfg = [ExprExtractionConfig(), LatexExtractionConfig(boxed_match_priority=0)]

    def judge(text: str, golds: list[str]) -> bool:
        pred = parse(text, pred_cfg)
        return any(verify(parse(g, [ExprExtractionConfig()]), pred, float_rounding=FLOAT_ROUNDING) for g in golds)

    return judge


def subset(files: list[Path], k: int, seed: int = 1) -> list[tuple[str, list[str]]]:
    """``k`` traces spread over the corpus (every trace of one line would bias the lengths)."""
    lines: list[tuple[Path, int]] = []
    for f in files:
        with f.open() as fh:
            next(fh)
            lines.extend((f, i) for i, _ in enumerate(fh))
    rng = random.Random(seed)
    picked = sorted(rng.sample(lines, min(k, len(lines))))
    out = []
    for f in files:
        want = {i for g, i in picked if g == f}
        with f.open() as fh:
            next(fh)
            for i, line in enumerate(fh):
                if i in want:
                    obj = json.loads(line)
                    out.append((obj["prediction"][0], obj["choices"]))
    return out


def naive_kinetics_one(
    trace: tuple[str, list[str]], judge: Callable[[str, list[str]], bool], tok: Tokenizer, budgets: list[int]
) -> None:
    score_naive(tok, trace[0], trace[1], budgets[:2], judge)


def throughput(traces: list[tuple[str, list[str]]], rounds: int, kinetics_rounds: int) -> dict[str, float]:
    tok = load_tokenizer()
    budgets = list(DEFAULT_GEN_BUDGETS)
    mb = sum(len(t.encode()) for t, _ in traces) / 1e6
    n_tokens = [len(tok.encode(t, add_special_tokens=False).ids) for t, _ in traces]
    print(f"subset: {len(traces)} traces, {mb:.2f} MB, tokens median {statistics.median(n_tokens):.0f} "
          f"(min {min(n_tokens)}, max {max(n_tokens)}), {len(budgets)} budgets")  # fmt: skip

    def ours_batched() -> list:
        scorer = Scorer(tok, budgets)
        out = []
        for i in range(0, len(traces), 8):
            chunk = traces[i : i + 8]
            encs = tok.encode_batch([t for t, _ in chunk], add_special_tokens=False)
            out += [scorer.score_encoding(t, e, g) for (t, g), e in zip(chunk, encs, strict=True)]
        return out

    def ours_exact() -> list:
        scorer = Scorer(tok, budgets)
        return [scorer.score(t, g) for t, g in traces]

    def naive() -> list:
        return [score_naive(tok, t, g, budgets) for t, g in traces]

    def naive_kinetics() -> list:
        return [score_naive(tok, t, g, budgets, judge_k) for t, g in traces]

    encs = [tok.encode(t, add_special_tokens=False) for t, _ in traces]

    def tokenize_only() -> list:
        return [tok.encode(t, add_special_tokens=False) for t, _ in traces]

    def ours_score_only() -> list:
        scorer = Scorer(tok, budgets)
        return [scorer.score_encoding(t, e, g) for (t, g), e in zip(traces, encs, strict=True)]

    def naive_kinetics_score_only() -> list:
        out = []
        for (t, g), e in zip(traces, encs, strict=True):
            ids = e.ids
            out.append([judge_k(tok.decode(ids[:b], skip_special_tokens=False) if len(ids) > b else t, g)
                        for b in budgets])  # fmt: skip
        return out

    judge_k = kinetics_judge()
    pipelines = {"ours": ours_batched, "ours_sequential": ours_exact, "naive": naive, "naive_kinetics": naive_kinetics,
                 "tokenize_only": tokenize_only, "ours_score_only": ours_score_only,
                 "naive_kinetics_score_only": naive_kinetics_score_only}  # fmt: skip
    ours_batched()  # warm-up: imports, sympy, caches
    naive_kinetics_one(traces[0], judge_k, tok, budgets)
    times: dict[str, list[float]] = {k: [] for k in pipelines}
    results: dict[str, list] = {}
    for r in range(max(rounds, kinetics_rounds)):
        for name, fn in pipelines.items():
            if r >= (kinetics_rounds if name.startswith("naive_kinetics") else rounds):
                continue
            t0 = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    disagree = sum(a.budgets != b.budgets for a, b in zip(results["ours"], results["naive"], strict=True))
    disagree_k = sum(
        x != y
        for a, b in zip(results["ours"], results["naive_kinetics"], strict=True)
        for x, y in zip(a.budgets, b.budgets, strict=True)
    )
    n_b = len(traces) * len(budgets)
    for name in pipelines:
        if name in med:
            print(f"{name:26s} median {med[name]:8.2f} s over {len(times[name])} run(s)  "
                  f"{mb / med[name]:7.3f} MB/s  {med[name] / len(traces) * 1e3:8.1f} ms/trace")  # fmt: skip
    print(f"speed ratio vs naive (same judge):    {med['naive'] / med['ours']:.1f}x; "
          f"disagreeing traces: {disagree} of {len(traces)}")  # fmt: skip
    print(f"speed ratio vs naive (Kinetics metric): {med['naive_kinetics'] / med['ours']:.1f}x  (target >= 10x); "
          f"budget verdicts that differ: {disagree_k} of {n_b}"
          " (math-verify's fallback credits numbers that are not boxed)")  # fmt: skip
    print(f"scoring alone (tokenization excluded, the same for both): ours {med['ours_score_only'] * 1e3:.1f} ms, "
          f"naive (Kinetics metric) {med['naive_kinetics_score_only'] * 1e3:.0f} ms: "
          f"{med['naive_kinetics_score_only'] / med['ours_score_only']:.0f}x")  # fmt: skip
    assert results["ours"] == results["ours_sequential"] == results["ours_score_only"]
    return {"mb_s": mb / med["ours"], "ratio": med["naive"] / med["ours"],
            "ratio_kinetics": med["naive_kinetics"] / med["ours"]}  # fmt: skip


def peak_rss(corpus: Path, db: Path) -> tuple[float, float]:
    """Ingest the corpus through the CLI in a child process; its peak RSS (GB) and wall time."""
    cli = [sys.executable, "-c", "from kinetics_sql.cli import main; main()"]
    t0 = time.perf_counter()
    proc = subprocess.run([*cli, "--db", str(db), "ingest", "-q", str(corpus)], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    print(proc.stdout.strip())
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return rss_kb / 1e6 * 1.024, wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_ingest", description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=float(os.environ.get("BENCH_INGEST_MB", 200)), help="corpus size")
    ap.add_argument("--subset", type=int, default=int(os.environ.get("BENCH_INGEST_SUBSET", 12)))
    ap.add_argument("--rounds", type=int, default=3, help="rounds of ours and naive (same judge)")
    ap.add_argument("--kinetics-rounds", type=int, default=3, help="rounds of the slow Kinetics-metric pipeline")
    ap.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    ap.add_argument("--skip-ingest", action="store_true", help="only the throughput comparison")
    args = ap.parse_args([] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        corpus = args.keep or Path(tmp) / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        files = generate(corpus, args.mb)
        size = sum(f.stat().st_size for f in files) / 1e6
        print(f"corpus: {len(files)} files, {size:.1f} MB in {time.perf_counter() - t0:.1f} s ({corpus})")
        throughput(subset(files, args.subset), args.rounds, args.kinetics_rounds)
        if args.skip_ingest:
            return 0
        rss, wall = peak_rss(corpus, Path(tmp) / "bench.duckdb")
        print(f"kinetics-sql ingest of {size:.1f} MB: {wall:.1f} s ({size / wall:.2f} MB/s end to end), "
              f"peak RSS {rss:.2f} GB (target < 1.5 GB: {'met' if rss < 1.5 else 'NOT met'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
