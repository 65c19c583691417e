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

Why Python, not SQL (as majority_classes.sql): a stopping rule is a first-passage time over each random
order's running per-answer counts, for every (rule, setting, batch, max_n); in SQL that is R x M x classes
rows of running counts per problem (some problems have 50 answer classes) before any stop is found,
where numpy walks the R orders in step, M vector steps per problem.

Where every sample carries the same answer the estimates are exact (replicates 0, standard errors 0: the stop
is fixed). Otherwise they are unbiased over R uniformly random orders per problem (numpy's PCG64 seeded with the
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

from kinetics_sql.errors import KineticsError

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
    if m and cls[0] >= 0 and bool((cls == cls[0]).all()):
        return _unanimous(cls[0] == 0, lengths, cfgs)
    r = replicates
    n_cls = int(cls.max(initial=0)) + 1
    perm = np.argsort(rng.random((r, m)), axis=1)  # row: a uniformly random order of the samples
    seq = cls[perm]  # the class drawn at each step
    pos = np.empty_like(perm)
    np.put_along_axis(pos, perm, np.arange(m)[None, :].repeat(r, axis=0), axis=1)  # step at which each sample is drawn
    pos = pos.astype(np.int16)
    rows = np.arange(r)
    # running votes per answer after t samples: cum[:, t, c] (a sample without an answer adds to none)
    cum = np.zeros((r, m + 1, n_cls), dtype=np.int16)
    np.cumsum(seq[:, :, None] == np.arange(n_cls, dtype=seq.dtype), axis=1, dtype=np.int16, out=cum[:, 1:, :])
    top1 = np.zeros(r, dtype=np.int16)
    top2 = np.zeros(r, dtype=np.int16)
    leader = np.full(r, -1, dtype=np.int64)
    margin = np.zeros((r, m + 1), dtype=np.int16)  # leader's lead after t samples
    for t in range(m):
        c = seq[:, t]
        voted = c >= 0
        new = cum[rows, t + 1, np.maximum(c, 0)]
        same = voted & (c == leader)
        ahead = voted & ~same & (new > top1)
        second = voted & ~same & ~ahead & (new > top2)
        top2 = np.where(ahead, top1, np.where(second, new, top2))
        top1 = np.where(same | ahead, new, top1)
        leader = np.where(ahead, c, leader)
        margin[:, t + 1] = top1 - top2
    longest_of: dict[int, np.ndarray] = {}  # batch size -> per order and batch, the sample that runs longest
    unanimous: dict[int, np.ndarray] = {}  # window -> per order and full window, whether its samples all agree
    out = []
    for cfg in cfgs:
        cap = m if cfg.max_n is None else min(cfg.max_n, m)
        ends = np.array(sorted({*range(cfg.batch, cap, cfg.batch), cap}))  # after each batch (the last may be short)
        if cfg.rule == "margin":
            hit = margin[:, ends] >= cfg.setting
        else:
            if cfg.batch not in unanimous:
                full = (m // cfg.batch) * cfg.batch
                win = seq[:, :full].reshape(r, -1, cfg.batch)
                unanimous[cfg.batch] = (win[:, :, :1] >= 0)[:, :, 0] & (win == win[:, :, :1]).all(axis=2)
            n_full = int(np.sum(ends % cfg.batch == 0))  # windows that end at a multiple of w are full
            hit = np.zeros((r, len(ends)), dtype=bool)
            hit[:, :n_full] = unanimous[cfg.batch][:, :n_full]
        stop = np.where(hit.any(axis=1), ends[hit.argmax(axis=1)], cap).astype(np.int16)
        votes = cum[rows, stop]  # r x classes at the stop: Rao-Blackwellised P(gold wins)
        top = votes.max(axis=1)
        acc = np.where((votes[:, 0] == top) & (top > 0), 1.0 / (votes == top[:, None]).sum(axis=1), 0.0)
        drawn = np.count_nonzero(pos < stop[:, None], axis=0) / r
        if cfg.batch == 1:
            longest = drawn
        else:
            nb = -(-m // cfg.batch)
            if cfg.batch not in longest_of:
                pad = nb * cfg.batch - m
                order = np.concatenate([perm, np.full((r, pad), -1)], axis=1).reshape(r, nb, cfg.batch)
                lens = np.where(order >= 0, lengths[np.maximum(order, 0)] * (m + 1) + np.maximum(order, 0), -1)
                longest_of[cfg.batch] = np.take_along_axis(order, lens.argmax(axis=2)[:, :, None], axis=2)[:, :, 0]
            used = np.arange(nb)[None, :] * cfg.batch < stop[:, None]
            longest = np.bincount(longest_of[cfg.batch][used], minlength=m) / r
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


def _unanimous(gold: bool, lengths: np.ndarray, cfgs: Sequence[Config]) -> list[Estimate]:
    """Exact estimates when every sample carries the same answer: the margin after t samples is t and every window
    is unanimous, so the stop is fixed; each batch is a uniformly random subset of its size s, whose longest is the
    sample of rank k (k samples shorter, ties to the later sample) with probability C(k, s - 1) / C(M, s)."""
    from math import comb

    m = len(lengths)
    rank = sorted(range(m), key=lambda i: (int(lengths[i]), i))
    below = [0] * m
    for k, i in enumerate(rank):
        below[i] = k
    out = []
    for cfg in cfgs:
        cap = m if cfg.max_n is None else min(cfg.max_n, m)
        ends = sorted({*range(cfg.batch, cap, cfg.batch), cap})
        need = cfg.setting if cfg.rule == "margin" else cfg.batch  # votes ahead, or one full window
        stop = next((e for e in ends if e >= need), cap)
        drawn = [stop / m] * m
        if cfg.batch == 1:  # every sample drawn is its batch's longest
            longest = drawn
        else:
            sizes = [cfg.batch] * (stop // cfg.batch) + ([stop % cfg.batch] if stop % cfg.batch else [])
            longest = [sum(comb(below[i], s - 1) / comb(m, s) for s in sizes) for i in range(m)]
        out.append(Estimate(accuracy=1.0 if gold else 0.0, accuracy_se=0.0, mean_samples=float(stop),
                            mean_samples_se=0.0, drawn=drawn, longest=longest))  # fmt: skip
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
            raise KineticsError(f"{source} problem {p['problem_id']}: trials are not numbered 0..{len(trials) - 1}")
        cls = classes(p["answers"], p["correct"])
        lengths = np.asarray(p["lengths"], dtype=np.int64)
        rng = np.random.default_rng([seed, i])
        exact = bool(len(cls)) and cls[0] >= 0 and bool((cls == cls[0]).all())
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
            out["replicates"].append(0 if exact else replicates)
            out["drawn"].append(e.drawn)
            out["longest"].append(None if cfg.batch == 1 else e.longest)
    if not out["source"]:
        return 0
    from kinetics_sql.warehouse import insert_arrow

    return insert_arrow(wh.con, "adaptive_votes", pa.table(out))


_COLUMNS = (
    "source", "task", "model", "method", "budget", "block_size", "problem_id", "rule", "setting", "batch", "max_n",
    "accuracy", "accuracy_se", "mean_samples", "mean_samples_se", "replicates", "drawn", "longest",
)  # fmt: skip
