"""Issue 13: every bad input ends in a clear error (file, line, field, what was expected) with the warehouse
unchanged, legitimate input behaves correctly, read-only commands write nothing, and no command prints a
traceback. Each case runs through the CLI on a copy of a warehouse holding the bundled tables and the
committed measurements; "unchanged" is every table's row count and row hash."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner, Result

from kinetics_sql.cli import cli

ROOT = Path(__file__).parents[1]
MEASUREMENTS = ROOT / "warehouse" / "measurements"
M_RECORD = json.loads((MEASUREMENTS / "llamacpp-h100.jsonl").read_text().splitlines()[0])
TRIALS = ["--task", "mine", "--model", "Qwen3-8B", "--problem-col", "p", "--gen-tokens-col", "g"]


def snapshot(db: str) -> dict[str, Any]:
    """Row count and an order-independent hash of the rows of every table."""
    con = duckdb.connect(db, read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT count(*), sum(hash(x))::HUGEINT FROM "{t}" x').fetchall()[0] for t in tables}
    finally:
        con.close()


def sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def db(demo_db: str, tmp_path: Path) -> str:
    """A copy of the session's demo warehouse (the bundled tables and the measurements: conftest.demo_db)."""
    path = str(tmp_path / "w.duckdb")
    shutil.copy(demo_db, path)
    return path


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args])


def fails(db: str, args: list[str], *needles: str) -> Result:
    """The command fails with a clean message holding every needle, and the warehouse is unchanged."""
    before = snapshot(db)
    res = run(db, *args)
    assert res.exit_code in (1, 2), res.output
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), res.exception
    for n in needles:
        assert n in res.output, (n, res.output)
    assert "Traceback" not in res.output
    assert snapshot(db) == before
    return res


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return str(p)


# -- token counts that do not fit -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e15", "1e30", "99999999999999999999"])
def test_huge_token_count_in_trials_csv(db: str, tmp_path: Path, value: str) -> None:
    f = write(tmp_path, "t.csv", f"p,g\n1,500\n2,{value}\n")
    fails(db, ["ingest", f, *TRIALS], "t.csv:3:", "field 'g'", "2147483647")


@pytest.mark.parametrize("value", [1e15, 1e30, 99999999999999999999])
def test_huge_token_count_in_measurements(db: str, tmp_path: Path, value: float) -> None:
    rec = {**M_RECORD, "gen_tokens": value}
    f = write(tmp_path, "m.jsonl", json.dumps(M_RECORD) + "\n" + json.dumps({**rec, "seq": 1}) + "\n")
    fails(db, ["ingest", f], "m.jsonl:2:", "field 'gen_tokens'", "out of range")


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_token_count_beyond_the_context_length(db: str, tmp_path: Path) -> None:
    f = write(tmp_path, "t.csv", "p,g\n1,500\n2,2000000000\n")
    fails(db, ["ingest", f, *TRIALS], "t.csv:3:", "field 'g'", "context length 40960", "--allow-implausible")
    res = run(db, "ingest", f, *TRIALS, "--allow-implausible")
    assert res.exit_code == 0, res.output


def test_negative_prompt_length_on_a_later_row(db: str, tmp_path: Path) -> None:
    f = write(tmp_path, "t.csv", "p,g,l\n1,5,100\n1,6,100\n2,7,100\n2,8,-100\n")
    fails(db, ["ingest", f, *TRIALS, "--prompt-tokens-col", "l"], "t.csv:5:", "field 'l'", "non-negative integer")


def test_prompt_length_differing_within_a_problem(db: str, tmp_path: Path) -> None:
    f = write(tmp_path, "t.csv", "p,g,l\n1,5,100\n1,6,100\n2,7,100\n2,8,50\n")
    fails(db, ["ingest", f, *TRIALS, "--prompt-tokens-col", "l"], "t.csv:5:", "differ from 100 on line 4")


def test_cut_off_last_line(db: str, tmp_path: Path) -> None:
    f = write(tmp_path, "t.csv", "p,t,g,c\n1,0,100,1\n1,1,200,0\n2,0,300,0\n2,1,4")
    fails(db, ["ingest", f, *TRIALS, "--trial-col", "t", "--correct-col", "c"], "t.csv:5:", "3 fields", "cut off")


def test_value_of_another_type_far_down_a_csv(db: str, tmp_path: Path) -> None:
    rows = "".join(f"{i},{100 + i}\n" for i in range(12_000))
    f = write(tmp_path, "t.csv", "p,g\n" + rows + "x,abc\n")
    fails(db, ["ingest", f, *TRIALS], "t.csv:12002:", "field 'g'", "'abc'")


def test_nan_in_jsonl_names_its_line(db: str, tmp_path: Path) -> None:
    f = write(tmp_path, "t.jsonl", '{"p": 1, "g": 5}\n{"p": 2, "g": NaN}\n')
    fails(db, ["ingest", f, *TRIALS], "t.jsonl:2:", "NaN is not valid JSON")


@pytest.mark.parametrize("content", [b"\xff\xfep\x00,\x00g\x00", b"PK\x03\x04\x00\x00binary"])
def test_binary_or_utf16_input(db: str, tmp_path: Path, content: bytes) -> None:
    f = write(tmp_path, "t.csv", content)
    res = fails(db, ["ingest", f, *TRIALS], "t.csv:1:", "not a UTF-8 text file")
    assert "\\x" not in res.output


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_measurement_of_a_model_not_in_the_catalog(db: str, tmp_path: Path) -> None:
    f = write(tmp_path, "m.jsonl", json.dumps({**M_RECORD, "model": "Qwen9-1T"}) + "\n")
    fails(db, ["ingest", f], "m.jsonl:1:", "field 'model'", "not in the catalog")
    assert run(db, "ingest", f, "--allow-implausible").exit_code == 0


# -- catalog and cost --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--link", "-5"], "--link"),
        (["--vram", "0"], "--vram"),
        (["--vram", "-1e9"], "--vram"),
        (["--peak-flops", "nan"], "--peak-flops"),
        (["--hbm", "inf"], "--hbm"),
        (["--host-mem", "-1"], "--host-mem"),
    ],
)
def test_hardware_add_refuses_implausible_values(db: str, args: list[str], needle: str) -> None:
    base = {"--peak-flops": "1e14", "--hbm": "1e12"}
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    flat = [x for kv in base.items() for x in kv]
    fails(db, ["hardware", "add", "gpu-x", *flat], needle, "finite")


def test_hardware_add_refuses_an_empty_name(db: str) -> None:
    fails(db, ["hardware", "add", "", "--peak-flops", "1e14", "--hbm", "1e12"], "non-empty name")


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--n", "0"], "--n"),
        (["--n", "-2"], "--n"),
        (["--lout", "-5"], "--lout"),
        (["--lout", "5", "--lin", "-1"], "--lin"),
        (["--lout", "1e10"], "context length 40960"),
        (["--lout", "nan"], "--lout"),
    ],
)
def test_cost_refuses_bad_lengths(db: str, args: list[str], needle: str) -> None:
    fails(db, ["cost", "--model", "Qwen3-8B", *args], needle)


def test_cost_beyond_the_context_with_the_escape(db: str) -> None:
    res = run(db, "cost", "--model", "Qwen3-8B", "--lout", "1e10", "--allow-implausible", "-f", "csv")
    assert res.exit_code == 0, res.output
    assert ",10000000000," in res.output


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_hardware_override_of_a_builtin_persists(db: str) -> None:
    res = run(db, "hardware", "add", "RTX-4090", "--peak-flops", "1.65e14", "--hbm", "1.008e12", "--vram", "24e9",
              "--link", "25e9", "--host-mem", "61e9")  # fmt: skip
    assert res.exit_code == 0 and "overrides the built-in profile" in res.output
    assert run(db, "init").exit_code == 0  # a later open re-seeds the built-ins
    res = run(db, "hardware", "-f", "json")
    row = next(r for r in json.loads(res.output) if r["name"].lower() == "rtx-4090")
    assert row["host_mem_bytes_per_s"] == 61e9 and row["origin"] == "user (overrides built-in)"
    assert sum(r["name"].lower() == "rtx-4090" for r in json.loads(res.output)) == 1


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_model_override_of_a_builtin_persists(db: str, tmp_path: Path) -> None:
    from kinetics_sql import catalog

    cfg = dict(catalog.builtin_model("Qwen3-8B").config, max_position_embeddings=131072)
    f = write(tmp_path, "config.json", json.dumps(cfg))
    res = run(db, "models", "add", f, "--name", "qwen3-8b")
    assert res.exit_code == 0 and "overrides the built-in model" in res.output
    assert run(db, "init").exit_code == 0
    rows = json.loads(run(db, "models", "-f", "json").output)
    mine = [r for r in rows if r["name"].lower() == "qwen3-8b"]
    assert len(mine) == 1 and mine[0]["context"] == 131072 and mine[0]["origin"] == "user (overrides built-in)"


# -- analysis commands -------------------------------------------------------------------------------


@pytest.mark.parametrize("cmd", [["frontier"], ["compare"], ["frontier", "--strategy", "long-cot"]])
def test_unknown_task_is_an_error(db: str, cmd: list[str]) -> None:
    fails(db, [*cmd, "--task", "aime25"], "no ", "'aime25'")


@pytest.mark.parametrize("task", ["aime25", "aime24'", 'x"; DROP TABLE trials; --'])
def test_report_on_an_unknown_task_writes_nothing(db: str, tmp_path: Path, task: str) -> None:
    out = tmp_path / "rep"
    fails(db, ["report", "--task", task, "--out", str(out), "--no-png"], "no best-of-n data for task")
    assert not out.exists() and list(tmp_path.iterdir()) == [Path(db)]


def test_report_on_an_empty_warehouse(tmp_path: Path) -> None:
    empty = str(tmp_path / "e.duckdb")
    assert run(empty, "init").exit_code == 0
    out = tmp_path / "rep"
    fails(empty, ["report", "--out", str(out), "--no-png"], "holds no traces")
    assert not out.exists()


def test_unknown_source_is_an_error(db: str) -> None:
    fails(db, ["frontier", "--source", "nosuch.csv"], "no best-of-n data from source 'nosuch.csv'")


# -- data identity ----------------------------------------------------------------------------------


def test_pooling_two_sources_warns_and_source_selects(db: str, tmp_path: Path) -> None:
    rows = "".join(f"{p},{t},{800 + 10 * t},{int(t % 2 == 0)}\n" for p in range(30) for t in range(4))
    f = write(tmp_path, "mine.csv", "p,t,g,c\n" + rows)
    res = run(db, "ingest", f, "--task", "aime24", "--model", "Qwen3-8B", "--problem-col", "p", "--trial-col", "t",
              "--gen-tokens-col", "g", "--correct-col", "c")  # fmt: skip
    assert res.exit_code == 0
    assert "mine.csv: aime24 / Qwen3-8B dense (problems) pools with source(s) aime24_qwen3-8b_dense" in res.output
    bundled = "aime24_qwen3-8b_dense_numTrials_tradeoff.csv"
    one = run(db, "frontier", "--model", "Qwen3-8B", "--method", "dense", "--source", bundled, "-f", "json")
    assert one.exit_code == 0, one.output
    n1 = [r for r in json.loads(one.output) if r["setting"] == 1]
    assert n1 and all(r["config"] == "Qwen3-8B dense" for r in n1)


def test_identical_file_under_a_second_name_is_skipped(db: str, tmp_path: Path) -> None:
    src = ROOT / "kinetics_sql" / "data" / "kinetics-aime24" / "dense" / "aime24_qwen3-8b_dense_numTrials_tradeoff.csv"
    copy = tmp_path / "renamed.csv"
    shutil.copy(src, copy)
    before = snapshot(db)
    res = run(db, "ingest", str(copy))
    assert res.exit_code == 0
    assert "renamed.csv: same content (sha256) as source aime24_qwen3-8b_dense_numTrials_tradeoff.csv" in res.output
    assert snapshot(db) == before


# -- read-only use -----------------------------------------------------------------------------------


READ_ONLY = [
    ["frontier", "--by", "model"],
    ["compare", "sparse-vs-dense"],
    ["cost", "--model", "Qwen3-8B", "--lout", "1000"],
    ["models"],
    ["hardware"],
    ["coefficients"],
    ["sql", "SELECT count(*) FROM trials"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: a[0])
def test_read_only_commands_write_nothing_and_work_on_a_read_only_file(db: str, args: list[str]) -> None:
    os.chmod(db, 0o444)
    digest = sha(db)
    res = run(db, *args)
    assert res.exit_code == 0, res.output
    assert sha(db) == digest and not Path(db + ".wal").exists()


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: a[0])
def test_read_only_commands_create_no_folder(tmp_path: Path, args: list[str]) -> None:
    typo = tmp_path / "typo" / "dir" / "x.duckdb"
    res = run(str(typo), *args)
    assert not (tmp_path / "typo").exists()
    assert "Traceback" not in res.output
    if args[0] in ("frontier", "compare"):
        assert res.exit_code == 1 and "there is no warehouse at" in res.output


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_sql_writes_only_with_write(db: str) -> None:
    fails(db, ["sql", "CREATE TABLE mine AS SELECT 1 AS x"], "read-only")
    assert run(db, "sql", "--write", "CREATE TABLE mine AS SELECT 1 AS x").exit_code == 0


# -- no traceback, whatever the input ---------------------------------------------------------------


def bad_corpus(tmp_path: Path) -> list[list[str]]:
    f = {
        "empty": write(tmp_path, "empty.csv", ""),
        "utf16": write(tmp_path, "u16.csv", "p,g\n1,2\n".encode("utf-16")),
        "binary": write(tmp_path, "bin.parquet", b"PAR1\x00\x01garbage"),
        "json": write(tmp_path, "bad.jsonl", '{"p": 1,\n'),
        "ragged": write(tmp_path, "rag.csv", "p,g\n1,2,3,4\n"),
        "config": write(tmp_path, "config.json", '{"num_hidden_layers": -1}'),
        "notjson": write(tmp_path, "nj.json", "{{{"),
    }
    cases: list[list[str]] = []
    for name in f.values():
        cases += [["ingest", name], ["ingest", name, *TRIALS], ["ingest", "--format", "measurements", name]]
        cases += [["models", "add", name]]
    cases += [
        ["ingest", str(tmp_path / "missing.csv")],
        ["ingest"],
        ["ingest", "--gen-budgets", "0:-5:x", f["ragged"]],
        ["sql", "SELEC nonsense"],
        ["sql", "SELECT * FROM no_such_table"],
        ["cost", "--model", "NoSuchModel", "--lout", "10"],
        ["cost", "--model", "Qwen3-8B", "--lout", "10", "--hardware", "nope"],
        ["cost", "--model", "Qwen3-8B", "--lout", "10", "--method", "topk"],
        ["cost", "--model", "Qwen3-8B", "--lout", "1e400"],
        ["frontier", "--model", "nope"],
        ["frontier", "--hardware", "nope"],
        ["frontier", "--grid", "1"],
        ["frontier", "--smooth", "2"],
        ["frontier", "--cost", "latency", "--engine", "nope"],
        ["frontier", "--cost", "rflops", "--vram-gb", "-3"],
        ["frontier", "--task", "\x00"],
        ["frontier", "--out", str(tmp_path / "no" / "such" / "dir" / "f.xyz")],
        ["compare", "--task", ""],
        ["compare", "flops-vs-eflops", "--by", "arm", "--kind", "deployable", "--model", "Qwen3-999B"],
        ["report", "--task", "nope", "--out", str(tmp_path / "r")],
        ["report", "--bootstrap", "-1", "--out", str(tmp_path / "r")],
        ["hardware", "add", "h", "--peak-flops", "x", "--hbm", "1"],
        ["models", "add", "not/a-real-repo-xyz-123"],
        ["fit", "--engine", "nope"],
        ["coefficients", "--engine", "nope"],
        ["export", "--parquet", f["empty"]],
    ]
    return cases


@pytest.mark.slow  # seconds of CPU each: `make test` and CI run it, a plain pytest does not
def test_no_command_prints_a_traceback(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    before = snapshot(db)
    for args in bad_corpus(tmp_path):
        res = run(db, *args)
        where = f"{args}: {res.output[-500:]}"
        assert res.exit_code in (0, 1, 2), where
        assert res.exception is None or isinstance(res.exception, SystemExit), (where, repr(res.exception))
        assert "Traceback" not in res.output, where
    assert snapshot(db) == before


# -- faults: kill -9, two writers, a reader during a writer (processes) --------------------------------


def cli_proc(db: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "kinetics_sql", "--db", db, *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip


HOLD = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(float(sys.argv[2]))"  # noqa: E501


def hold_lock(db: str, seconds: float) -> subprocess.Popen[str]:
    p = subprocess.Popen([sys.executable, "-c", HOLD, db, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "held"
    return p


@pytest.mark.slow
def test_writer_waits_for_a_locked_warehouse_then_proceeds(db: str, tmp_path: Path) -> None:
    f = write(tmp_path, "t.csv", "p,g\n1,500\n2,600\n")
    holder = hold_lock(db, 2.0)
    t0 = time.perf_counter()
    out, _ = cli_proc(db, "--wait", "20", "ingest", f, *TRIALS).communicate(timeout=60)
    holder.wait()
    assert "is locked by process" in out and "waiting up to 20 s" in out and "ingested 1 of 1" in out, out
    assert time.perf_counter() - t0 >= 1.5


@pytest.mark.slow
def test_writer_gives_up_after_the_wait(db: str, tmp_path: Path) -> None:
    f = write(tmp_path, "t.csv", "p,g\n1,500\n")
    holder = hold_lock(db, 6.0)
    try:
        proc = cli_proc(db, "--wait", "1", "ingest", f, *TRIALS)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 1 and "gave up after 1 s" in out and "Traceback" not in out, out
        reader = cli_proc(db, "--wait", "0", "frontier")  # a reader during a writer: a clear refusal
        rout, _ = reader.communicate(timeout=60)
        assert reader.returncode == 1 and "is locked by process" in rout and "Traceback" not in rout, rout
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_two_readers_side_by_side(db: str) -> None:
    procs = [cli_proc(db, "--wait", "0", "frontier", "--by", "model", "-f", "csv") for _ in range(2)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert outs[0] == outs[1]


@pytest.mark.slow
def test_kill_9_mid_ingest_leaves_the_warehouse_whole(db: str, tmp_path: Path) -> None:
    rows = "".join(f"{p},{t},{500 + t}\n" for p in range(25_000) for t in range(40))
    f = write(tmp_path, "big.csv", "p,t,g\n" + rows)
    before = snapshot(db)
    proc = cli_proc(db, "ingest", f, *TRIALS, "--trial-col", "t")
    time.sleep(2.0)
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = snapshot(db)
    if finished:  # the ingest won the race: it is all there
        assert after["trials"][0] == before["trials"][0] + 1_000_000
    else:
        assert after == before
