"""Loading runner measurements: the committed files (found by engine and device), validation errors,
idempotent re-ingest."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kinetics_sql.errors import InputError
from kinetics_sql.ingest import measurements as M
from kinetics_sql.runners.records import RecordWriter

ROOT = Path(__file__).resolve().parents[1]
MEASUREMENTS = ROOT / "warehouse" / "measurements"


def _record(**over: Any) -> dict[str, Any]:
    rec = {"kind": "decode", "run_id": "r1", "seq": 0, "engine": "llama.cpp", "engine_version": "x 1",
           "device": "NVIDIA H100 80GB HBM3", "host": "h", "model": "Qwen3-8B", "dtype": "f16", "n_layers": 36,
           "n_gpu_layers": 37, "layers_offloaded": 0, "offload_mode": "none", "offload_bytes": 0, "batch": 1,
           "prompt_tokens": 128, "gen_tokens": 64, "prefill_s": 0.01, "decode_s": 0.4, "total_s": 0.41,
           "tokens_per_s": 160.0, "attention": "dense", "repeat": 0, "command": "python -m x",
           "timestamp": "2026-11-22T16:00:00+00:00"}
    rec.update(over)
    return rec


def _write(path: Path, recs: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


def _device_of(name: str) -> str:
    m = re.search(r"-(h\d+)\.jsonl$", name)
    assert m, f"{name}: a committed measurement file names its device (e.g. torch-h200.jsonl)"
    return m.group(1).upper()


def test_committed_files_load_and_name_their_device(wh: Any) -> None:
    files = sorted(MEASUREMENTS.glob("*.jsonl"))
    assert {f.name for f in files} >= {"llamacpp-h100.jsonl", "torch-h100.jsonl", "attention-h100.jsonl",
                                       "vllm-h200.jsonl", "torch-h200.jsonl"}
    with wh.transaction():
        for f in files:
            M.load_measurements(wh, f, source=f.name)
    for f in files:  # every record names the device its file names, and its command
        for table in ("measurements", "attention_bench"):
            bad = wh.con.execute(
                f"SELECT count(*) FROM {table} WHERE source = ? AND (device NOT ILIKE ? OR command = '')",
                [f.name, f"%{_device_of(f.name)}%"],
            ).fetchone()
            assert bad == (0,), (f.name, table)
    assert wh.df("SELECT count(*) AS n FROM measurements WHERE model NOT IN (SELECT name FROM models)").item() == 0


def _by(wh: Any, engine: str, device: str, sql: str) -> Any:
    """A query over the measurements of one engine on one device (found by name, not by file)."""
    return wh.con.execute(f"WITH m AS (SELECT * FROM measurements WHERE engine = ? AND device ILIKE ?) {sql}",
                          [engine, f"%{device}%"]).fetchall()


@pytest.fixture
def committed(wh: Any) -> Any:
    """The in-memory warehouse with every committed measurement file (warehouse/measurements/*.jsonl) loaded."""
    with wh.transaction():
        for f in sorted(MEASUREMENTS.glob("*.jsonl")):
            M.load_measurements(wh, f, source=f.name)
    return wh


def test_committed_h100_measurements(committed: Any) -> None:
    wh = committed
    llama = _by(wh, "llama.cpp", "H100", "SELECT model, count(DISTINCT n_gpu_layers), count(DISTINCT gen_tokens) "
                "FROM m GROUP BY model ORDER BY model")
    assert {r[0] for r in llama} == {"Qwen3-1.7B", "Qwen3-4B", "Qwen3-8B", "Qwen3-14B"}
    assert min(r[1] for r in llama) >= 5 and min(r[2] for r in llama) >= 3
    torch_rows = _by(wh, "torch", "H100", "SELECT model, count(DISTINCT layers_offloaded) FROM m "
                     "WHERE prompt_tokens = 128 GROUP BY model")
    assert len(torch_rows) == 4 and min(r[1] for r in torch_rows) >= 3
    best = wh.df("SELECT max(speedup_vs_dense) FROM attention_bench WHERE context = 32768 AND budget = 1024 "
                 "AND device ILIKE '%H100%'").item()
    assert best >= 8
    dense = wh.df("SELECT max(roofline_fraction) FROM attention_bench WHERE method = 'dense'").item()
    assert dense >= 0.7


def test_committed_h200_measurements(committed: Any) -> None:
    wh = committed
    vllm = _by(wh, "vllm", "H200", "SELECT model, max(generation_tokens), min(kv_cache_tokens), bool_and(cuda_graphs) "
               "FROM m WHERE offload_requested_bytes = 0 GROUP BY model ORDER BY model")
    assert {r[0] for r in vllm} >= {"Qwen3-0.6B", "Qwen3-1.7B", "Qwen3-8B", "Qwen3-32B"}
    assert all(r[2] > 0 and r[3] for r in vllm)
    assert max(r[1] for r in vllm) >= 32768 and sorted(r[1] for r in vllm)[-2] >= 16384
    # the offloaded run states the offload the engine took (read back), beside the one requested
    off = _by(wh, "vllm", "H200", "SELECT offload_bytes, offload_requested_bytes, gpu_weight_bytes, weight_bytes "
              "FROM m WHERE offload_requested_bytes > 0")
    assert off and all(o > 0 and o + g <= w + (1 << 20) for o, _, g, w in off)
    # checkpoints of one generation: cumulative times grow with the tokens
    rows = _by(wh, "torch", "H200", "SELECT run_id, generation_tokens, list(decode_s ORDER BY gen_tokens) FROM m "
               "WHERE attention = 'dense' AND generation_tokens >= 4096 GROUP BY ALL")
    assert rows and all(t == sorted(t) for _, _, t in rows)
    sparse = _by(wh, "torch", "H200", "SELECT count(*) FROM m WHERE attention = 'blocktopk' AND budget = 1024")
    assert sparse[0][0] >= 4


def test_reingest_replaces_rows(wh: Any, tmp_path: Path) -> None:
    f = _write(tmp_path / "m.jsonl", [_record(seq=i) for i in range(3)])
    for _ in range(2):
        with wh.transaction():
            assert M.load_measurements(wh, f, source="m.jsonl") == {"measurements": 3, "attention_bench": 0}
    assert wh.df("SELECT count(*) FROM measurements").item() == 3
    _write(f, [_record(seq=0)])
    with wh.transaction():
        M.load_measurements(wh, f, source="m.jsonl")
    assert wh.df("SELECT count(*) FROM measurements").item() == 1


def test_writer_records_load(wh: Any, tmp_path: Path) -> None:
    w = RecordWriter(tmp_path / "w.jsonl", command="python -m kinetics_sql.runners.llamacpp --model Qwen3-8B")
    base = {k: v for k, v in _record().items() if k not in ("kind", "run_id", "seq", "host", "command", "timestamp")}
    w.write(base)
    w.write({**base, "gen_tokens": 128, "decode_s": 0.8})
    with wh.transaction():
        M.load_measurements(wh, w.path, source="w.jsonl")
    row = wh.df("SELECT max(seq) AS s, min(command) AS c FROM measurements").row(0)
    assert row == (1, "python -m kinetics_sql.runners.llamacpp --model Qwen3-8B")


@pytest.mark.parametrize(
    ("line", "field", "match"),
    [
        (_record(decode_s=-1.0), "decode_s", "positive"),
        (_record(batch="one"), "batch", "integer"),
        (_record(engine=None), "engine", "missing"),
        (_record(layers_offloaded=40), "layers_offloaded", "40 layers offloaded"),
        (_record(offload_mode="disk"), "offload_mode", "cpu_compute"),
        (_record(colour="red"), "colour", "unknown field"),
        (_record(kind="bogus"), "kind", "unknown record kind"),
        (_record(timestamp="yesterday"), "timestamp", "ISO 8601"),
        (_record(seq=0), "seq", "twice"),
    ],
)
def test_bad_record_names_file_line_field(wh: Any, tmp_path: Path, line: dict, field: str, match: str) -> None:
    f = _write(tmp_path / "bad.jsonl", [_record(), line])
    with pytest.raises(InputError, match=match) as err, wh.transaction():
        M.load_measurements(wh, f, source="bad.jsonl")
    assert err.value.line == 2 and err.value.field == field and err.value.path.endswith("bad.jsonl")
    assert wh.df("SELECT count(*) FROM measurements").item() == 0  # the outer transaction rolled back


def test_bad_json_and_empty(wh: Any, tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps(_record()) + "\n{not json\n")
    with pytest.raises(InputError, match="not valid JSON") as err:
        M.load_measurements(wh, f, source="x")
    assert err.value.line == 2
    f.write_text("\n")
    with pytest.raises(InputError, match="no records"):
        M.load_measurements(wh, f, source="x")


def test_detect() -> None:
    assert M.detect(Path("m.jsonl"), (json.dumps(_record()) + "\n").encode())
    assert not M.detect(Path("t.jsonl"), b'{"query": "q", "prediction": ["a"]}\n')
    assert not M.detect(Path("t.jsonl"), b"not json\n")
