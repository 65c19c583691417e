# ruff: noqa: E501 - the corpus is a table, a case a line
"""Issue 24 (round 3): the bad-input corpus. One row per case: the command, the exit status (2 for a usage error, as
click ends them; 1 for any other error; 0 where the input is fine and the behaviour is now right), a fragment of
the message, and whether the warehouse must be unchanged (every table's row count and row hash). Each case runs on a
copy of a warehouse holding the bundled data and the committed measurements (``demo_db``, tests/conftest.py).
Beside it, the round-2 corpus in tests/test_robustness.py; below, a sweep of every command over bad input that
fails on a traceback."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from test_robustness import snapshot

from kinetics_sql import catalog
from kinetics_sql.cli import cli

ROOT = Path(__file__).parents[1]
M_RECORD = json.loads((ROOT / "warehouse" / "measurements" / "llamacpp-h100.jsonl").read_text().splitlines()[0])
TRACE = ROOT / "tests" / "fixtures" / "kinetics" / "aime24_qwen3-8b_local0_topk128.jsonl"
MAP = ["--task", "mine", "--model", "Qwen3-8B", "--problem-col", "p", "--gen-tokens-col", "g"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The corpus's input files, by name."""
    d = tmp_path_factory.mktemp("corpus")
    f: dict[str, Path] = {
        "ok.csv": d / "ok.csv",
        "blank.csv": d / "blank.csv",
        "nul.csv": d / "nul.csv",
        "notgz.jsonl.gz": d / "notgz.jsonl.gz",
        "cut.jsonl.gz": d / "cut.jsonl.gz",
        "noengine.jsonl": d / "noengine.jsonl",
        "vocab.json": d / "vocab.json",
        "config.json": d / "config.json",
        "results.csv": d / "results.csv",
        "x.sqlite": d / "x.sqlite",
        "folder": d / "folder",
        "fifo": d / "fifo",
    }
    f["ok.csv"].write_text("p,g\n1,500\n2,600\n")
    f["blank.csv"].write_text("p,g\n1,500\n2,600\n\n")
    f["nul.csv"].write_text("p,g\n" + "".join(f"{i},{500 + i}\n" for i in range(10)) + "1\x002,5\n")
    f["notgz.jsonl.gz"].write_bytes(b"garbage, not gzip")
    f["cut.jsonl.gz"].write_bytes(gzip.compress(TRACE.read_bytes())[:300])
    rec = {k: v for k, v in M_RECORD.items() if k != "engine"}
    f["noengine.jsonl"].write_text(json.dumps(rec) + "\n")
    cfg = dict(catalog.builtin_model("Qwen3-8B").config)
    f["vocab.json"].write_text(json.dumps({**cfg, "vocab_size": 10**12}))
    f["config.json"].write_text(json.dumps(cfg))
    f["results.csv"].write_text("a,b\n1,2\n")
    con = sqlite3.connect(f["x.sqlite"])
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    f["folder"].mkdir()
    os.mkfifo(f["fifo"])
    return {k: str(v) for k, v in f.items()}


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]  # '{name}' is replaced by the path of files[name]
    exit: int
    fragment: str
    unchanged: bool = True  # the warehouse's rows (every table's count and hash) are as before
    db: str | None = None  # run against files[db] instead of the warehouse copy (its bytes must not change)


def C(id: str, command: str | list[str], exit: int, fragment: str, **kw: object) -> pytest.ParameterSet:
    args = tuple(command.split()) if isinstance(command, str) else tuple(command)
    return pytest.param(Case(id, args, exit, fragment, **kw), id=id)  # type: ignore[arg-type]


R4090 = "recommend --hardware rtx-4090"
CSV = "ingest {ok.csv} " + " ".join(MAP)
CORPUS = [
    # -- tracebacks from recommend, frontier --out, -o /dev/full, models add -----------------------------------------
    C("recommend-boinf-model", f"{R4090} --budget-s 100000 --model Phi-4-reasoning", 0, "model          Phi-4-reasoning"),
    C("recommend-budget-nan", f"{R4090} --budget-s nan", 2, "'--budget-s': expected a finite number > 0"),
    C("recommend-budget-inf", f"{R4090} --budget-s inf", 2, "'--budget-s': expected a finite number > 0"),
    C("recommend-vram-0.1", f"{R4090} --budget-s 60 --vram-gb 0.1", 1, "leaves nothing of the 0.1 GB VRAM"),
    C("recommend-reserve-above-vram", f"{R4090} --budget-s 60 --reserve-gb 30", 1, "--reserve-gb 30 leaves nothing"),
    C("recommend-two-tasks", f"{R4090} --budget-s 1000 --task aime24 --task math500", 0, "Recommendation for aime24, math500"),
    C("frontier-out-proc", "frontier --out /proc/x.html", 1, "cannot write /proc/x.html"),
    C("frontier-dev-full", "frontier -f csv -o /dev/full", 1, "cannot write /dev/full: No space left on device"),
    C("models-add-vocab-1e12", "models add {vocab.json}", 1, "field 'vocab_size' must be a positive integer up to"),
    # -- no bound on work or memory ----------------------------------------------------------------------------------
    C("frontier-grid-1e9", "frontier --grid 1000000000", 2, "2<=x<=10000"),
    C("frontier-bootstrap-1e8", "frontier --bootstrap 100000000", 2, "0<=x<=2000"),
    C("report-bootstrap-1e5", "report --bootstrap 100000 --no-png", 2, "0<=x<=2000"),
    C("recommend-bootstrap-1e5", f"{R4090} --budget-s 60 --bootstrap 100000", 2, "1<=x<=2000"),
    C("ingest-gen-budgets-1e8", [*CSV.split(), "--gen-budgets", "1:100000000:1"], 2, "at most 1,024"),
    C("ingest-gen-budgets-step-0", [*CSV.split(), "--gen-budgets", "1:100:0"], 2, "STEP must be > 0"),
    # -- a file that is not a warehouse ------------------------------------------------------------------------------
    C("db-csv-ingest", CSV, 1, "is not a DuckDB database", db="results.csv"),
    C("db-sqlite", "models", 1, "is a SQLite database", db="x.sqlite"),
    C("db-folder-models", "models", 1, "is a folder, not a warehouse", db="folder"),
    C("db-folder-ingest", CSV, 1, "is a folder, not a warehouse", db="folder"),
    # -- impossible method parameters: ingest and cost refuse them alike (one check) ---------------------------------
    C("ingest-topk-budget-neg", f"{CSV} --method topk --budget -1", 2, "expected a whole number of tokens"),
    C("cost-topk-budget-neg", "cost --model Qwen3-8B --lout 9 --method topk --budget -1", 2, "expected a whole number of tokens"),
    C("ingest-topk-budget-0", f"{CSV} --method topk --budget 0", 2, "topk needs a KV budget > 0"),
    C("cost-topk-budget-0", "cost --model Qwen3-8B --lout 9 --method topk --budget 0", 2, "topk needs a KV budget > 0"),
    C("ingest-block-0", f"{CSV} --method blocktopk --budget 64 --block-size 0", 2, "blocktopk needs a block size > 0"),
    C("cost-block-0", "cost --model Qwen3-8B --lout 9 --method blocktopk --budget 64 --block-size 0", 2, "blocktopk needs a block size > 0"),
    C("ingest-budget-below-block", f"{CSV} --method blocktopk --budget 8 --block-size 16", 2, "smaller than one block of 16"),
    C("cost-budget-below-block", "cost --model Qwen3-8B --lout 9 --method blocktopk --budget 8 --block-size 16", 2, "smaller than one block of 16"),
    C("ingest-dense-budget", f"{CSV} --method dense --budget 999", 2, "it takes no --budget"),
    C("cost-dense-budget", "cost --model Qwen3-8B --lout 9 --method dense --budget 999", 2, "it takes no --budget"),
    # -- accepted without complaint ----------------------------------------------------------------------------------
    C("recommend-vram-inf", f"{R4090} --budget-s 60 --vram-gb inf", 2, "'--vram-gb': expected a finite number"),
    C("recommend-vram-1e30", f"{R4090} --budget-s 60 --vram-gb 1e30", 2, "<= 1e+06"),
    C("frontier-vram-inf", "frontier --cost latency --vram-gb inf", 2, "'--vram-gb': expected a finite number"),
    C("frontier-grid-min-nan", "frontier --grid 10 --grid-min nan", 2, "'--grid-min': expected a finite number"),
    C("hardware-add-1e308", "hardware add big --peak-flops 1e308 --hbm 1e308", 2, "at most 1e+19"),
    C("recommend-reserve-100", f"{R4090} --budget-s 60 --reserve-gb 100", 1, "leaves nothing of the 24 GB VRAM"),
    C("frontier-reserve-100", "frontier --cost latency --hardware rtx-4090 --reserve-gb 100", 1, "leaves nothing of the 24 GB"),
    C("cost-lin-2^53+1", "cost --model Qwen3-8B --lout 9 --lin 9007199254740993", 2, "from 0 to 2^53"),
    C("models-add-name-newline", ["models", "add", "{config.json}", "--name", "a\nb"], 2, "control characters"),
    C("fit-few-points", "fit --engine llama.cpp --device H100 --model Qwen3-4B --holdout 0.7 --no-store", 0, "training points for the plain form's"),
    C("frontier-engine-eflops", "frontier --engine llama.cpp", 2, "--engine only applies with --cost rflops"),
    C("compare-vram-eflops", "compare flops-vs-eflops --vram-gb 24", 2, "--vram-gb only applies with --cost"),
    C("frontier-smooth-no-grid", "frontier --smooth 3", 2, "--smooth only applies with --grid"),
    C("frontier-grid-min-no-grid", "frontier --grid-min 1e9", 2, "--grid-min only applies with --grid"),
    C("recommend-minimize-no-target", f"{R4090} --budget-s 60 --minimize dollars", 2, "--minimize only applies with --target-accuracy"),
    C("recommend-regime-no-dollars", f"{R4090} --budget-s 60 --regime latency", 2, "--regime only applies with --budget-dollars"),
    C("frontier-grid-min-above-max", "frontier --grid 10 --grid-min 1e20 --grid-max 1e10", 2, "must be below --grid-max"),
    # -- benign input refused or misdiagnosed ------------------------------------------------------------------------
    C("ingest-trailing-blank-line", "ingest {blank.csv} " + " ".join(MAP), 0, "ingested 1 of 1", unchanged=False),
    C("ingest-not-gzip", "ingest {notgz.jsonl.gz}", 1, "named .gz but not gzip-compressed"),
    C("ingest-cut-gzip", "ingest {cut.jsonl.gz}", 1, "a damaged gzip file (cut off?)"),
    C("ingest-dev-null", "ingest /dev/null", 1, "/dev/null: not a regular file"),
    C("ingest-fifo", "ingest {fifo}", 1, "not a regular file (a device or a pipe)"),
    C("ingest-nul-line-12", "ingest {nul.csv} " + " ".join(MAP), 1, "nul.csv:12: a NUL byte"),
    C("ingest-measurement-no-engine", "ingest {noengine.jsonl}", 1, "noengine.jsonl:1: field 'engine'"),
    # -- contradictions -------------------------------------------------------------------------------------------
    C("compare-pools-says-what", "compare sparse-vs-dense -f csv", 0, "pools 9 model(s) with dense data only"),
    C("compare-dense-best-why", "compare sparse-vs-dense -f csv", 0, "below dense's best"),
    C("cost-hf-repo-id", "cost --model Qwen/Qwen3-8B --lout 100 -f csv", 0, "Qwen3-8B,b200,dense"),
    C("fit-units", "fit --engine llama.cpp --device H100 --no-store", 0, "s per HBM byte"),
]  # fmt: skip


def run(db: str, args: list[str]) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], env={"HF_HUB_OFFLINE": "1"})


def _fill(arg: str, files: dict[str, str]) -> str:
    for name, path in files.items():
        arg = arg.replace("{" + name + "}", path)
    return arg


def _sha(path: str) -> str:
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder:" + ",".join(os.listdir(p))


@pytest.mark.parametrize("case", CORPUS)
def test_corpus(case: Case, demo_db: str, files: dict[str, str], tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    shutil.copy(demo_db, db)
    target = files[case.db] if case.db else db
    args = [_fill(a, files) for a in case.args]
    before = snapshot(db)
    digest = _sha(target)
    res = run(target, args)
    where = f"{case.id}: {args}\n{res.output[-2000:]}"
    assert res.exit_code == case.exit, where
    assert res.exception is None or isinstance(res.exception, SystemExit), (where, repr(res.exception))
    assert "Traceback" not in res.output, where
    assert case.fragment in res.output, where
    if case.unchanged:
        assert snapshot(db) == before, where
    if case.db:
        assert _sha(target) == digest, where  # a file that is not a warehouse is left as it was


def test_fit_twice_stores_once(demo_db: str, tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    shutil.copy(demo_db, db)
    first = run(db, ["fit", "--engine", "llama.cpp", "--device", "H100"])
    assert first.exit_code == 0, first.output
    after_first = snapshot(db)
    second = run(db, ["fit", "--engine", "llama.cpp", "--device", "H100"])
    assert second.exit_code == 0 and "stored already as" in second.output, second.output
    assert snapshot(db) == after_first
    rows = json.loads(run(db, ["coefficients", "-f", "json"]).output)
    assert len(rows) == 1


def test_ingest_and_cost_share_one_method_check() -> None:
    """The same (method, budget, block) verdicts for both: the check is one function."""
    from kinetics_sql.commands import cost_cmd, ingest_cmd
    from kinetics_sql.facts import methods

    assert cost_cmd.check_params is methods.check_params is ingest_cmd.check_params
    assert methods.check_params("dense", None, None) is None
    assert methods.check_params("blocktopk", 64, 16) is None
    assert "smaller than one block" in (methods.check_params("blocktopk", 8, 16) or "")


# -- every command over bad input: never a traceback ----------------------------------------------------------------


def _commands() -> list[list[str]]:
    """Every command of the CLI, groups' subcommands included (as --help lists them: the CLI loads commands lazily)."""
    from kinetics_sql.clidoc import commands

    return [list(path) for path, _ in commands()]


BAD_FILES = ("blank.csv", "nul.csv", "notgz.jsonl.gz", "cut.jsonl.gz", "noengine.jsonl", "vocab.json", "results.csv")
BAD_OPTIONS = (["-o", "/dev/full"], ["--task", "\x00"], ["--bootstrap", "nan"], ["--vram-gb", "-inf"])


def test_every_command_over_the_bad_corpus_prints_no_traceback(
    demo_db: str, files: dict[str, str], tmp_path: Path
) -> None:
    db = str(tmp_path / "w.duckdb")
    shutil.copy(demo_db, db)
    commands = _commands()
    assert {"recommend", "frontier", "compare", "report", "ingest", "export", "fit", "cost"} <= {c[0] for c in commands}
    tried = 0
    for cmd in commands:
        out = ["--out", str(tmp_path / "out")] if cmd == ["report"] else []
        for args in [*([files[n]] for n in BAD_FILES), *BAD_OPTIONS]:
            if cmd == ["sql"] and args[0].startswith("/"):
                args = [f"SELECT * FROM '{args[0]}'"]  # a query over a bad file
            res = run(db, [*cmd, *args, *out])
            tried += 1
            where = f"{cmd + args}: {res.output[-800:]}"
            assert res.exit_code in (0, 1, 2), where
            assert res.exception is None or isinstance(res.exception, SystemExit), (where, repr(res.exception))
            assert "Traceback" not in res.output, where
    assert tried == len(commands) * (len(BAD_FILES) + len(BAD_OPTIONS))
