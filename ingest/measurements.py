"""Runner measurement records (JSONL from runners/*.py) into ``measurements`` and ``attention_bench``.

Every line is one JSON object; ``kind`` says which table it belongs to (``decode``, the default,
or ``attention``). Each record is checked against the runners' schema
(:data:`kinetics_sql.runners.records.KINDS`): required fields present, types right, times positive,
counts consistent. The first bad record stops the load with an :class:`InputError` naming the file,
the line and the field. Loading deletes the rows of the same ``source`` first, so re-ingesting a
file replaces its rows; it runs inside the caller's transaction (no BEGIN/COMMIT here).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from kinetics_sql import sqlfiles
from kinetics_sql.errors import InputError
from kinetics_sql.facts.records import KINDS
from kinetics_sql.ingest.rows import insert_rows

if TYPE_CHECKING:
    from kinetics_sql.ingest.context import LoadContext
    from kinetics_sql.warehouse import Warehouse

TABLES = {"decode": "measurements", "attention": "attention_bench"}
_DELETE = ("ingest/measurements_delete", "ingest/attention_delete")
_ARROW = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "json": pa.string()}
# fields that must be > 0 (times and sizes), and those that must be >= 0
_POSITIVE = {"decode_s", "total_s", "tokens_per_s", "batch", "gen_tokens", "n_layers", "time_s", "bytes_moved",
             "bytes_per_s", "context", "hq", "hkv", "head_dim",
             "tensor_parallel_size"}
_NON_NEGATIVE = {"seq", "prefill_s", "prompt_tokens", "layers_offloaded", "offload_bytes", "n_gpu_layers", "repeat",
                 "weight_bytes", "peak_vram_bytes", "budget", "block_size", "topk_blocks", "prefill_batch",
                 "prefill_tokens_per_s", "speedup_vs_dense", "max_rel_error", "roofline_fraction",
                 "roofline_bytes_per_s", "gpu_weight_bytes", "offload_requested_bytes"}
_POSITIVE |= {"generation_tokens", "kv_cache_tokens"}


def detect(path: Path, head: bytes) -> bool:
    """A JSONL file whose first record carries a runner record's kind and run_id."""
    for raw in head.splitlines():
        if not raw.strip():
            continue
        try:
            first = json.loads(raw)
        except ValueError:
            return False
        if not isinstance(first, dict) or "run_id" not in first:
            return False
        fields = KINDS.get(first.get("kind", "decode"))
        # a record short of a required field is still a record: the load names the field it lacks
        return fields is not None and len(set(first) & set(fields)) >= 3
    return False


# integer fields stored as BIGINT; every other integer field is a 32-bit INTEGER column
_BIGINT = {"offload_bytes", "weight_bytes", "peak_vram_bytes", "bytes_moved", "gpu_weight_bytes",
           "offload_requested_bytes", "kv_cache_tokens"}  # fmt: skip
_INT_MAX = {True: 2**63 - 1, False: 2**31 - 1}


def _check_value(path: str, line: int, name: str, kind: str, value: Any) -> Any:
    def bad(msg: str) -> InputError:
        return InputError(path, msg, line=line, field=name)

    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise bad(f"expected a non-empty string, got {value!r}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise bad(f"expected an integer, got {value!r}")
        limit = _INT_MAX[name in _BIGINT]
        if abs(value) > limit:
            raise bad(f"{value!r} is out of range (at most {limit})")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad(f"expected a number, got {value!r}")
        value = float(value)
        if not math.isfinite(value):
            raise bad(f"expected a finite number, got {value!r}")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise bad(f"expected true or false, got {value!r}")
        return value
    elif kind == "json":
        return json.dumps(value)
    if name in _POSITIVE and value <= 0:
        raise bad(f"must be positive, got {value!r}")
    if name in _NON_NEGATIVE and value < 0:
        raise bad(f"must not be negative, got {value!r}")
    return value


def validate(path: str, line: int, rec: Any) -> tuple[str, dict[str, Any]]:
    """(kind, the record with typed values); raises InputError naming the line and field."""
    if not isinstance(rec, dict):
        raise InputError(path, f"expected a JSON object, got {type(rec).__name__}", line=line)
    kind = rec.get("kind", "decode")
    if kind not in KINDS:
        raise InputError(path, f"unknown record kind {kind!r} (expected {', '.join(KINDS)})", line=line, field="kind")
    fields = KINDS[kind]
    unknown = sorted(k for k in rec if k != "kind" and k not in fields)
    if unknown:
        raise InputError(path, f"unknown field (a {kind} record has {', '.join(fields)})", line=line, field=unknown[0])
    out: dict[str, Any] = {}
    for name, (typ, required) in fields.items():
        value = rec.get(name)
        if value is None:
            if required:
                raise InputError(path, f"required field is missing or null in a {kind} record", line=line, field=name)
            out[name] = None
            continue
        out[name] = _check_value(path, line, name, typ, value)
    try:
        stamp = dt.datetime.fromisoformat(out["timestamp"])
    except ValueError:
        raise InputError(path, f"not an ISO 8601 time: {out['timestamp']!r}", line=line, field="timestamp") from None
    if stamp.tzinfo is None:
        out["timestamp"] = stamp.replace(tzinfo=dt.UTC).isoformat()
    if kind == "decode":
        if out["layers_offloaded"] > out["n_layers"]:
            raise InputError(path, f"{out['layers_offloaded']} layers offloaded of a {out['n_layers']}-layer model",
                             line=line, field="layers_offloaded")
        if out["generation_tokens"] is not None and out["gen_tokens"] > out["generation_tokens"]:
            raise InputError(path, f"a checkpoint of {out['gen_tokens']} tokens in a generation of "
                             f"{out['generation_tokens']}", line=line, field="gen_tokens")
        if out["offload_mode"] not in ("none", "cpu_compute", "stream"):
            raise InputError(
                path,
                f"expected none, cpu_compute or stream, got {out['offload_mode']!r}",
                line=line,
                field="offload_mode",
            )
    elif out["method"] == "blocktopk" and (out["budget"] is None or out["block_size"] is None):
        raise InputError(
            path,
            "a blocktopk record needs budget and block_size",
            line=line,
            field="budget" if out["budget"] is None else "block_size",
        )
    return kind, out


def read(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Validated records of a file, grouped by kind."""
    name = str(path)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    seen: set[tuple[str, int]] = set()
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror or exc}") from exc
    with fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except ValueError as exc:
                raise InputError(name, f"not valid JSON: {exc}", line=line_no) from None
            kind, out = validate(name, line_no, rec)
            key = (out["run_id"], out["seq"])
            if key in seen:
                raise InputError(name, f"run {out['run_id']} has record {out['seq']} twice", line=line_no, field="seq")
            seen.add(key)
            out["_line"] = line_no
            rows[kind].append(out)
    if not any(rows.values()):
        raise InputError(name, "no records in the file", line=1)
    return rows


def check_models(wh: Warehouse, path: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Every record's model is a catalog model (its costs and fits need the shapes), named as the catalog does."""
    known = {r[0] for r in wh.con.execute(sqlfiles.load("catalog/model_names_all")).fetchall()}
    by_lower = {k.lower(): k for k in known}
    for recs in rows.values():
        for r in recs:
            model = r.get("model")
            if model is None or model in known:
                continue
            hint = (
                f"the catalog spells it {by_lower[model.lower()]!r}"
                if model.lower() in by_lower
                else "add it with `kinetics-sql models add CONFIG_JSON|HF_REPO_ID` (--allow-implausible: a toy model)"
            )
            msg = f"model {model!r} is not in the catalog: {hint}"
            raise InputError(str(path), msg, line=r["_line"], field="model")


def load_measurements(wh: Warehouse, path: Path, *, source: str, allow_unknown_models: bool = False) -> dict[str, int]:
    """Validate and load a runner JSONL file; returns rows per table. Runs in the caller's transaction."""
    rows = read(Path(path))
    if not allow_unknown_models:
        check_models(wh, Path(path), rows)
    con = wh.con
    for q in _DELETE:
        con.execute(sqlfiles.load(q), {"source": source})
    counts: dict[str, int] = {}
    for kind, recs in rows.items():
        counts[TABLES[kind]] = len(recs)
        if not recs:
            continue
        fields = KINDS[kind]
        columns = {"source": pa.array([source] * len(recs), pa.string())}
        for name, (typ, _) in fields.items():
            columns[name] = pa.array([r[name] for r in recs], _ARROW[typ])
        # by column name; DuckDB casts the ISO timestamp and the JSON text to the table's types
        insert_rows(con, TABLES[kind], pa.table(columns))
    return counts


def load(ctx: LoadContext) -> dict[str, int]:
    """Entry point of ``kinetics-sql ingest`` (format ``measurements``)."""
    return load_measurements(
        ctx.wh, ctx.path, source=ctx.source.name, allow_unknown_models=ctx.options.allow_implausible
    )
