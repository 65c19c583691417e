"""The Kinetics file-name grammar: the configuration a published table or a trace file is named for.

    <task>_<model>_dense[_numTrials]_tradeoff.csv                           dense
    <task>_<model>_local<L>_topk<K>[_<run>][_numTrials]_tradeoff.csv        topk, budget = L + K
    <task>_<model>_local<L>_block<S>_blocktopk<K>[_numTrials]_tradeoff.csv  blocktopk, budget = L + S * K
    <task>_<model>_<config>.jsonl                                          the same <config> words, any order

Both loaders (``ingest/kinetics_tables.py``, ``ingest/kinetics_jsonl.py``) parse names here and only here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BASE = re.compile(
    r"^(?P<task>[A-Za-z0-9]+)_(?P<model>[A-Za-z0-9.\-]+?)_(?P<rest>.+?)"
    r"(?P<table>(?:_numTrials)?_tradeoff)?\.(?P<ext>csv|jsonl|json|ndjson)$"
)
_LOCAL = re.compile(r"(?:^|_)local(\d+)(?:_|$)")
_BLOCKTOPK = re.compile(r"(?:^|_)blocktopk(\d+)(?:_|$)")
_BLOCK = re.compile(r"(?:^|_)block(\d+)(?:_|$)")
_TOPK = re.compile(r"(?:^|_)topk(\d+)(?:_(\d+))?(?:_|$)")
_DENSE = re.compile(r"(?:^|_)dense(?:_|$)")


@dataclass(frozen=True)
class KineticsName:
    task: str
    model: str  # as spelled in the file name (qwen3-8b); the warehouse resolves it
    method: str | None  # None where the name does not say
    budget: int | None  # total KV budget: local + topk, or local + block_size * block_topk
    block_size: int | None
    local: int | None
    run: int | None  # a repeated run of one configuration (local128_topk32_1 -> 1)
    table: bool  # a published trade-off table (..._tradeoff.csv)


def parse(name: str) -> KineticsName | None:
    """The configuration in a file name (the part after the last '/'), or None if it is not one."""
    m = _BASE.match(name.rsplit("/", 1)[-1])
    if not m or (m["ext"] == "csv") != bool(m["table"]):
        return None
    rest = m["rest"]
    local_m = _LOCAL.search(rest)
    local = int(local_m[1]) if local_m else None
    btk, bs, topk = _BLOCKTOPK.search(rest), _BLOCK.search(rest), _TOPK.search(rest)
    method: str | None = None
    budget = block_size = run = None
    if _DENSE.search(rest):
        method = "dense"
    elif btk and bs:
        method, block_size = "blocktopk", int(bs[1])
        budget = (local or 0) + block_size * int(btk[1])
    elif topk:
        method, budget = "topk", (local or 0) + int(topk[1])
        run = int(topk[2]) if topk[2] else None
    return KineticsName(m["task"], m["model"], method, budget, block_size, local, run, bool(m["table"]))


FACT_TABLES = ("problems", "trials", "trial_budgets", "published_costs")  # the tables that carry source_facts


def source_facts(name: str, fmt: str | None) -> dict[str, int | bool | None]:
    """The facts of a source's file name that the warehouse stores as columns (queries/migrations/060_source_facts.sql):
    its local window, the index of a repeated run, and whether it is a Best-of-Infinity answer table (format boinf)."""
    parsed = parse(name)
    return {
        "local_window": parsed.local if parsed else None,
        "run_index": parsed.run if parsed else None,
        "answer_table": fmt == "boinf",
    }
