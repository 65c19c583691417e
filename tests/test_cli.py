"""The CLI: every command has help text and an entry in docs/cli.md; sql, models, hardware, cost work."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import polars as pl
import pytest
from click.testing import CliRunner

from kinetics_sql import Warehouse, clidoc
from kinetics_sql.cli import cli

CLI_PAGE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out.extend(all_commands(cmd, full + " "))
    return out


def test_every_command_has_help_and_is_in_the_cli_page(runner: CliRunner) -> None:
    section = CLI_PAGE.read_text()
    for name, cmd in all_commands(cli):
        assert cmd.help and cmd.help.strip(), f"`{name}` has no help text"
        result = runner.invoke(cli, [*name.split(), "--help"])
        assert result.exit_code == 0, result.output
        missing = f"`kinetics-sql {name}` is missing from docs/cli.md"
        assert f"## `kinetics-sql {name}`" in section, missing


def test_cli_reference_is_generated_from_help() -> None:
    readme = CLI_PAGE.read_text()
    assert clidoc.splice(readme, clidoc.render()) == readme, (
        "docs/cli.md's CLI reference differs from `kinetics-sql --help`:"
        " regenerate it with `python -m kinetics_sql.clidoc`"
    )


def test_clidoc_check_catches_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / "cli.md"
    old = "| `kinetics-sql frontier` | old text |"
    readme.write_text(f"# x\n\n## CLI\n\n<!-- cli:start -->\n{old}\n<!-- cli:end -->\n\nafter\n")
    assert clidoc.main(["--check", str(readme)]) == 1
    assert "differs from --help; run `python -m kinetics_sql.clidoc`" in capsys.readouterr().err
    assert clidoc.main([str(readme)]) == 0
    text = readme.read_text()
    assert "old text" not in text and text.endswith("<!-- cli:end -->\n\nafter\n")
    assert "  --strategy [best-of-n|long-cot|majority|majority-budget|adaptive-majority|adaptive-esc]" in text
    assert clidoc.main(["--check", str(readme)]) == 0
    readme.write_text("no markers\n")
    with pytest.raises(ValueError, match="the CLI reference page needs one <!-- cli:start --> line followed by one"):
        clidoc.main(["--check", str(readme)])


def test_sql_formats(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    q = "SELECT name, layers FROM models WHERE family = 'qwen3' ORDER BY params"
    res = runner.invoke(cli, ["--db", db_path, "sql", q, "--format", "csv"], catch_exceptions=False)
    assert res.exit_code == 0
    assert res.output.splitlines()[0] == "name,layers"
    assert res.output.splitlines()[1] == "Qwen3-0.6B,28"
    res = runner.invoke(cli, ["--db", db_path, "sql", q, "--format", "json"], catch_exceptions=False)
    rows = json.loads(res.output)
    assert rows[-1] == {"name": "Qwen3-32B", "layers": 64}
    out = tmp_path / "x.parquet"
    res = runner.invoke(cli, ["--db", db_path, "sql", q, "-f", "parquet", "-o", str(out)], catch_exceptions=False)
    assert pl.read_parquet(out).height == 6
    res = runner.invoke(cli, ["--db", db_path, "sql", "-"], input=q, catch_exceptions=False)
    assert "Qwen3-14B" in res.output


def test_sql_error_is_clean(runner: CliRunner, db_path: str) -> None:
    res = runner.invoke(cli, ["--db", db_path, "sql", "SELECT compute_flops('sparse', 1, 1, 1, 1, 1, 1)"])
    assert res.exit_code == 1
    assert "unknown attention method 'sparse'" in res.output
    assert "Traceback" not in res.output


def test_env_var_selects_db(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "env.duckdb"
    res = runner.invoke(cli, ["init"], env={"KINETICS_SQL_DB": str(db)}, catch_exceptions=False)
    assert res.exit_code == 0 and db.exists()
    assert "schema version" in res.output


def test_cost_command_published_figure(runner: CliRunner, db_path: str) -> None:
    """Per-trial rows and their mean; the mean of query 0's lengths is the published 10390.378 Tera."""
    lengths = [8253, 12777, 8502, 11134, 10950, 9364, 13403, 14893, 10085, 10553, 29481, 19360, 10311, 15844,
               17722, 30719, 10485, 13003, 25976, 10114, 15756, 12063, 24963, 9307, 12267, 12365, 13096, 11417,
               10001, 4870, 19562, 16167]  # fmt: skip
    args = ["--db", db_path, "cost", "--model", "qwen3-8b", "--variant", "published", "--lin", "155", "-f", "json"]
    for g in lengths:
        args += ["--lout", str(g)]
    res = runner.invoke(cli, args, catch_exceptions=False)
    rows = json.loads(res.output)
    assert len(rows) == 33
    mean = rows[-1]
    assert mean["row"] == "mean" and mean["lout"] is None
    assert [r["lout"] for r in rows[:-1]] == lengths and {r["row"] for r in rows[:-1]} == {"trial"}  # numbers
    assert mean["eflops_tera"] == pytest.approx(10390.378071811176, rel=1e-12)
    # seconds: the roofline (compute at peak, KV bytes at HBM); kinetics_seconds: the paper's Tera-eFLOPs / 4500
    assert mean["seconds"] == pytest.approx(mean["compute_flops"] / 2.25e15 + mean["kv_reads"] / 8e12, rel=1e-12)
    assert mean["kinetics_seconds"] == pytest.approx(mean["eflops_tera"] / 4500, rel=1e-12)


def test_cost_unknown_model_says_how_to_add(runner: CliRunner, db_path: str) -> None:
    res = runner.invoke(cli, ["--db", db_path, "cost", "--model", "Llama-9B", "--lout", "100"])
    assert res.exit_code == 1
    assert "kinetics-sql models add" in res.output


def test_hardware_add_and_list(runner: CliRunner, db_path: str) -> None:
    res = runner.invoke(
        cli,
        ["--db", db_path, "hardware", "add", "my-gpu", "--peak-flops", "1e14", "--hbm-bytes-per-s", "1e12",
         "--vram-gb", "24"],
        catch_exceptions=False,
    )  # fmt: skip
    assert "i = 200.0" in res.output
    listed = {r["name"]: r for r in json.loads(runner.invoke(cli, ["--db", db_path, "hardware", "-f", "json"]).stdout)}
    assert listed["my-gpu"]["vram_bytes"] == 24e9  # GB, as --vram-gb of every other command
    res = runner.invoke(cli, ["--db", db_path, "hardware", "add", "my-gpu", "--vram", "16e9"], catch_exceptions=False)
    assert "--vram takes bytes and is deprecated; use --vram-gb" in res.output  # the old option still works
    listed = {r["name"]: r for r in json.loads(runner.invoke(cli, ["--db", db_path, "hardware", "-f", "json"]).stdout)}
    assert listed["my-gpu"]["vram_bytes"] == 16e9
    res = runner.invoke(cli, ["--db", db_path, "hardware", "-f", "csv"], catch_exceptions=False)
    assert "my-gpu" in res.output and "h100-sxm" in res.output
    res = runner.invoke(cli, ["--db", db_path, "hardware", "add", "bad", "--peak-flops", "0", "--hbm", "1"])
    assert res.exit_code != 0 and "must be > 0" in res.output


def test_models_add_from_local_config(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    cfg = {
        "model_type": "llama",
        "num_hidden_layers": 32,
        "hidden_size": 4096,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "intermediate_size": 14336,
        "vocab_size": 128256,
        "tie_word_embeddings": False,
    }
    folder = tmp_path / "Llama-3.1-8B"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(cfg))
    res = runner.invoke(cli, ["--db", db_path, "models", "add", str(folder)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "8.030B params" in res.output  # Llama-3.1-8B: 8,030,261,248 parameters
    with Warehouse(db_path) as w:
        row = w.df("SELECT params, kv_bytes_per_token FROM models WHERE name = 'Llama-3.1-8B'").row(0)
    assert row == (8030261248.0, 2 * 32 * 8 * 128 * 2)


def test_models_add_bad_config(runner: CliRunner, db_path: str, tmp_path: Path) -> None:
    p = tmp_path / "config.json"
    p.write_text(json.dumps({"num_hidden_layers": 2, "hidden_size": "big"}))
    res = runner.invoke(cli, ["--db", db_path, "models", "add", str(p)])
    assert res.exit_code == 1
    assert "field 'hidden_size' must be a positive integer" in res.output
    p.write_text("{not json")
    res = runner.invoke(cli, ["--db", db_path, "models", "add", str(p)])
    assert res.exit_code == 1 and re.search(r"config.json:1: not valid JSON", res.output)


def test_models_add_from_offline_hub_cache(
    runner: CliRunner, db_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repo id resolves through huggingface-hub's cache with HF_HUB_OFFLINE=1 (no network)."""
    cache = tmp_path / "hub"
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / "models--acme--Tiny-Qwen3"
    snap = repo / "snapshots" / commit
    snap.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    cfg = {
        "model_type": "qwen3",
        "num_hidden_layers": 2,
        "hidden_size": 64,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "intermediate_size": 128,
        "vocab_size": 1000,
        "tie_word_embeddings": True,
    }
    (snap / "config.json").write_text(json.dumps(cfg))
    env = {"HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    res = runner.invoke(cli, ["--db", db_path, "models", "add", "acme/Tiny-Qwen3"], env=env, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    with Warehouse(db_path) as w:
        hf_repo, layers = w.df("SELECT hf_repo, layers FROM models WHERE name = 'Tiny-Qwen3'").row(0)
    assert (hf_repo, layers) == ("acme/Tiny-Qwen3", 2)
    res = runner.invoke(cli, ["--db", db_path, "models", "add", "acme/Missing"], env=env)
    assert res.exit_code == 1 and "could not fetch config.json" in res.output
