"""Adaptive voting over answer tables: stop sampling when the vote is settled (table adaptive_votes).

Two stopping rules, each over a problem's M samples drawn without replacement in a uniformly random
order, in batches of b (the rule looks only after a whole batch); a sample without an answer is drawn
but does not vote; the decision is the plurality answer of every vote drawn, a tie at the top broken
uniformly; no vote at all is wrong. Sampling stops at ``max_n`` samples (None: all M) in any case.

- ``margin`` (strategy ``adaptive-majority``, setting K): stop as soon as the leading answer is at least
  K votes ahead of every other answer (with a single answer voted, K votes ahead of none).
- ``esc`` (strategy ``adaptive-esc``, setting w): Early-Stopping Self-Consistency (Li et al., "Escape
  Sky-high Cost: Early-stopping Self-Consistency for Multi-step Reasoning", ICLR 2024): samples are drawn
  in windows of w (the batch is the window); stop after the first window whose w samples all carry the
  same answer (a sample without an answer breaks the window); the decision is the plurality of all
  samples drawn.

Why Python, not SQL like majority_build.sql: a stopping rule is a first-passage time over each random
order's running per-answer counts, for every (rule, setting, batch, max_n); in SQL that is R x M x classes
rows of running counts per problem (some problems have 50 answer classes) before any stop is found,
where numpy walks the R orders in step, M vector steps per problem.

Estimates are unbiased over R uniformly random orders per problem (numpy's PCG64 seeded with the
seed and the problem's position, so an ingest is reproducible): ``accuracy`` is the mean of the
Rao-Blackwellised score (1 if gold leads alone, 1 / (1 + t) if it ties t others at the top, else 0),
``mean_samples`` the mean number of samples drawn; ``*_se`` their standard errors (standard deviation
over the orders / sqrt(R)). Every rule and setting of a problem uses the same orders (common random
numbers), so differences between settings are sharper than the standard errors say.

Cost weights, for pricing on the problem's own sample lengths (queries/frontier/strategies.sql):
``drawn[i]`` = P(the i-th sample, by trial number, is drawn); ``longest[i]`` = the expected number of
batches drawn whose longest sample is the i-th (a tie in length goes to the later sample). In the
latency regime a batch runs until its longest sample ends, so E[seconds] = sum_i longest[i] * seconds
of a batch of b sequences of that sample's length; priced per sample drawn, E[cost] = sum_i drawn[i] *
the cost of the i-th sample. Both are unbiased (linearity of expectation over the same orders). A last
batch cut short by max_n (when b does not divide it) is priced as a full batch of b.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy and pyarrow load when an ingest builds the table, not when the CLI starts
    import numpy as np

    from kinetics_sql.warehouse import Warehouse

RULES = {"adaptive-majority": "margin", "adaptive-esc": "esc"}  # strategy -> rule
MARGINS = tuple(range(1, 9))  # K of the margin rule
BATCHES = (1, 8)  # b of the margin rule (the esc rule's batch is its window)
WINDOWS = (2, 4, 8)  # w of the esc rule
MAX_NS: tuple[int | None, ...] = (None, 32)  # None: all samples of the table
REPLICATES = 1000  # random orders per problem
SEED = 23


@dataclass(frozen=True)
class Config:
    rule: str  # margin | esc
    setting: int  # K | w
    batch: int
    max_n: int | None


def configs() -> list[Config]:
    """Every (rule, setting, batch, max_n) an ingest computes."""
    out = [Config("margin", k, b, m) for m in MAX_NS for b in BATCHES for k in MARGINS]
    out += [Config("esc", w, w, m) for m in MAX_NS for w in WINDOWS]
    return out


@dataclass(frozen=True)
class Estimate:
    accuracy: float
    accuracy_se: float
    mean_samples: float
    mean_samples_se: float
    drawn: list[float]
    longest: list[float]


def classes(answers: Sequence[str | None], gold: Sequence[bool]) -> np.ndarray:
    """Vote class per sample: 0 gold, 1..k the other answers, -1 no answer."""
    import numpy as np

    names: dict[str, int] = {}
    out = np.empty(len(answers), dtype=np.int64)
    for i, (a, ok) in enumerate(zip(answers, gold, strict=True)):
        if a is None:
            out[i] = -1
        elif ok:
            out[i] = 0
        else:
            out[i] = names.setdefault(a, len(names) + 1)
    return out


def estimate(
    cls: np.ndarray, lengths: np.ndarray, cfgs: Sequence[Config], replicates: int, rng: np.random.Generator
) -> list[Estimate]:
    """Unbiased estimates for one problem (vote classes ``cls``, sample lengths) under every config."""
    import numpy as np

    m = len(cls)
    r = replicates
    n_cls = int(cls.max(initial=0)) + 1
    perm = np.argsort(rng.random((r, m)), axis=1)  # row: a uniformly random order of the samples
    seq = cls[perm]  # the class drawn at each step
    pos = np.empty_like(perm)
    np.put_along_axis(pos, perm, np.arange(m)[None, :].repeat(r, axis=0), axis=1)  # step at which each sample is drawn
    rows = np.arange(r)
    counts = np.zeros((r, n_cls), dtype=np.int64)
    top1 = np.zeros(r, dtype=np.int64)
    top2 = np.zeros(r, dtype=np.int64)
    leader = np.full(r, -1, dtype=np.int64)
    margin = np.zeros((r, m + 1), dtype=np.int64)  # leader's lead after t samples
    score = np.zeros((r, m + 1))  # Rao-Blackwellised P(gold wins) if the vote stopped after t samples
    for t in range(m):
        c = seq[:, t]
        voted = c >= 0
        cv = np.where(voted, c, 0)
        counts[rows[voted], cv[voted]] += 1
        new = counts[rows, cv]
        same = voted & (cv == leader)
        ahead = voted & ~same & (new > top1)
        second = voted & ~same & ~ahead & (new > top2)
        top2 = np.where(ahead, top1, np.where(second, new, top2))
        top1 = np.where(same | ahead, new, top1)
        leader = np.where(ahead, cv, leader)
        margin[:, t + 1] = top1 - top2
        top = counts.max(axis=1)
        ties = (counts == top[:, None]).sum(axis=1)
        score[:, t + 1] = np.where((counts[:, 0] == top) & (top > 0), 1.0 / ties, 0.0)
    out = []
    for cfg in cfgs:
        cap = m if cfg.max_n is None else min(cfg.max_n, m)
        ends = sorted({*range(cfg.batch, cap, cfg.batch), cap})  # after each batch (the last one may be short)
        stop = np.full(r, cap, dtype=np.int64)
        done = np.zeros(r, dtype=bool)
        for end in ends:
            if cfg.rule == "margin":
                hit = margin[:, end] >= cfg.setting
            else:
                win = seq[:, max(0, end - cfg.batch) : end]
                hit = (end - max(0, end - cfg.batch) == cfg.batch) & (win[:, :1] >= 0).ravel()
                hit &= (win == win[:, :1]).all(axis=1)
            new_stop = hit & ~done
            stop[new_stop] = end
            done |= hit
        acc = score[rows, stop]
        drawn = (pos < stop[:, None]).mean(axis=0)
        if cfg.batch == 1:
            longest = drawn
        else:
            nb = -(-m // cfg.batch)
            pad = nb * cfg.batch - m
            order = np.concatenate([perm, np.full((r, pad), -1)], axis=1).reshape(r, nb, cfg.batch)
            lens = np.where(order >= 0, lengths[np.maximum(order, 0)] * (m + 1) + np.maximum(order, 0), -1)
            win_trial = np.take_along_axis(order, lens.argmax(axis=2)[:, :, None], axis=2)[:, :, 0]  # r x nb
            used = np.arange(nb)[None, :] * cfg.batch < stop[:, None]
            longest = np.bincount(win_trial[used], minlength=m) / r
        out.append(
            Estimate(
                accuracy=float(acc.mean()),
                accuracy_se=float(acc.std(ddof=1) / np.sqrt(r)) if r > 1 else 0.0,
                mean_samples=float(stop.mean()),
                mean_samples_se=float(stop.std(ddof=1) / np.sqrt(r)) if r > 1 else 0.0,
                drawn=drawn.tolist(),
                longest=np.asarray(longest, dtype=float).tolist(),
            )
        )
    return out


def build(wh: Warehouse, source: str, replicates: int = REPLICATES, seed: int = SEED) -> int:
    """Fill adaptive_votes for one source's samples (trials with an answer column); returns the rows added."""
    import numpy as np
    import pyarrow as pa

    rows = wh.named("strategies/adaptive_samples", {"source": source}).rows(named=True)
    cfgs = configs()
    out: dict[str, list[Any]] = {k: [] for k in _COLUMNS}
    for i, p in enumerate(rows):
        trials = p["trials"]
        if list(trials) != list(range(len(trials))):  # the weights are indexed by trial number
            raise ValueError(f"{source} problem {p['problem_id']}: trials are not numbered 0..{len(trials) - 1}")
        cls = classes(p["answers"], p["correct"])
        lengths = np.asarray(p["lengths"], dtype=np.int64)
        rng = np.random.default_rng([seed, i])
        for cfg, e in zip(cfgs, estimate(cls, lengths, cfgs, replicates, rng), strict=True):
            for key in ("source", "task", "model", "method", "budget", "block_size", "problem_id"):
                out[key].append(p[key])
            out["rule"].append(cfg.rule)
            out["setting"].append(cfg.setting)
            out["batch"].append(cfg.batch)
            out["max_n"].append(cfg.max_n)
            out["accuracy"].append(e.accuracy)
            out["accuracy_se"].append(e.accuracy_se)
            out["mean_samples"].append(e.mean_samples)
            out["mean_samples_se"].append(e.mean_samples_se)
            out["replicates"].append(replicates)
            out["drawn"].append(e.drawn)
            out["longest"].append(None if cfg.batch == 1 else e.longest)
    if not out["source"]:
        return 0
    from kinetics_sql.ingest.rows import insert_rows

    return insert_rows(wh.con, "adaptive_votes", pa.table(out))


_COLUMNS = (
    "source", "task", "model", "method", "budget", "block_size", "problem_id", "rule", "setting", "batch", "max_n",
    "accuracy", "accuracy_se", "mean_samples", "mean_samples_se", "replicates", "drawn", "longest",
)  # fmt: skip
