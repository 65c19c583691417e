"""Loading runner measurements: the committed H100 files, validation errors, idempotent re-ingest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kinetics_sql.errors import InputError
from kinetics_sql.ingest import measurements as M
from kinetics_sql.runners.records import RecordWriter

ROOT = Path(__file__).resolve().parents[1]
H100 = ROOT / "warehouse" / "measurements"


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


def test_committed_h100_files_load(wh: Any) -> None:
    files = sorted(H100.glob("*.jsonl"))
    assert {f.name for f in files} >= {"llamacpp-h100.jsonl", "torch-h100.jsonl", "attention-h100.jsonl"}
    with wh.transaction():
        for f in files:
            M.load_measurements(wh, f, source=f.name)
    llama = wh.df("SELECT model, count(DISTINCT n_gpu_layers) AS depths, count(DISTINCT gen_tokens) AS gens "
                  "FROM measurements WHERE engine = 'llama.cpp' GROUP BY model ORDER BY model")
    assert set(llama["model"]) == {"Qwen3-1.7B", "Qwen3-4B", "Qwen3-8B", "Qwen3-14B"}
    assert min(llama["depths"]) >= 5 and min(llama["gens"]) >= 3
    torch_rows = wh.df("SELECT model, count(DISTINCT layers_offloaded) AS k FROM measurements "
                       "WHERE engine = 'torch' AND source = 'torch-h100.jsonl' GROUP BY model")
    assert len(torch_rows) == 4 and min(torch_rows["k"]) >= 3
    # every model resolves in the catalog, every record names an H100 and its command
    assert wh.df("SELECT count(*) AS n FROM measurements WHERE model NOT IN (SELECT name FROM models)").item() == 0
    assert wh.df("SELECT count(*) FROM measurements WHERE device NOT LIKE '%H100%' OR command = ''").item() == 0
    best = wh.df("SELECT max(speedup_vs_dense) FROM attention_bench WHERE context = 32768 AND budget = 1024").item()
    assert best >= 8
    dense = wh.df("SELECT max(roofline_fraction) FROM attention_bench WHERE method = 'dense'").item()
    assert dense >= 0.7


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
