"""Exit codes through the entry point: 0 on success, --help and --version; 2 on a usage error, as click ends
them; 1 on any other error.

click's CliRunner calls the `cli` group; these go through `main()` (what the `kinetics-sql` script runs) and
`python -m kinetics_sql`, so the contract holds for the command a user types.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kinetics_sql import __version__
from kinetics_sql.cli import cli, main
from kinetics_sql.commands.context import State

# argv, the usage line printed first, then the `Error: ...` that names the option and what was expected
FRONTIER = "Usage: kinetics-sql frontier [OPTIONS]"
TOP = "Usage: kinetics-sql [OPTIONS] COMMAND [ARGS]..."
USAGE_ERRORS = [
    pytest.param(argv, usage, error, id=name)
    for name, argv, usage, error in [
        ("unknown-option", ["frontier", "--bogus"], FRONTIER, "Error: No such option '--bogus'."),
        ("bad-choice", ["frontier", "--cost", "nope"], FRONTIER,
         "Error: Invalid value for '--cost': 'nope' is not one of 'flops', 'eflops'"),
        ("bad-number", ["cost", "--n", "abc"], "Usage: kinetics-sql cost [OPTIONS]",
         "Error: Invalid value for '--n': 'abc' is not a valid integer"),
        ("missing-value", ["frontier", "--task"], FRONTIER, "Error: Option '--task' requires an argument."),
        ("missing-value-nested", ["models", "add", "--name"], "Usage: kinetics-sql models add [OPTIONS] CONFIG",
         "Error: Option '--name' requires an argument."),
        ("missing-value-global", ["--wait"], TOP, "Error: Option '--wait' requires an argument."),
        ("unknown-command", ["nosuchcommand"], TOP, "Error: No such command 'nosuchcommand'."),
    ]
]  # fmt: skip

def run_main(monkeypatch: pytest.MonkeyPatch, argv: list[str], code: int) -> None:
    monkeypatch.setenv("KINETICS_SQL_DB", ":memory:")
    monkeypatch.setattr(sys, "argv", ["kinetics-sql", *argv])
    with pytest.raises(SystemExit, match=f"^{code}$"):
        main()


@pytest.mark.parametrize(("argv", "usage", "error"), USAGE_ERRORS)
def test_usage_errors_exit_2_with_usage_and_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], usage: str, error: str
) -> None:
    run_main(monkeypatch, argv, 2)
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(usage), err
    assert "Try '" in err and "--help' for help." in err
    assert error in err and "Traceback" not in err


@pytest.mark.parametrize(("argv", "usage", "error"), USAGE_ERRORS)
def test_cli_runner_sees_the_same_exit_code(argv: list[str], usage: str, error: str) -> None:
    result = CliRunner().invoke(cli, argv, prog_name="kinetics-sql", env={"KINETICS_SQL_DB": ":memory:"})
    assert result.exit_code == 2, result.output
    assert usage in result.stderr and error in result.stderr


def test_no_command_prints_help_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_main(monkeypatch, [], 2)
    assert "Commands:" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["frontier", "--help"], ["models", "add", "--help"]])
def test_help_exits_0(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    run_main(monkeypatch, argv, 0)
    out, err = capsys.readouterr()
    assert out.startswith("Usage: kinetics-sql") and err == ""


def test_version_exits_0(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run_main(monkeypatch, ["--version"], 0)
    assert capsys.readouterr().out == f"kinetics-sql, version {__version__}\n"


def test_success_exits_0(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run_main(monkeypatch, ["models", "-f", "csv"], 0)
    assert "Qwen3-8B" in capsys.readouterr().out


def test_a_tool_error_exits_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run_main(monkeypatch, ["cost", "--model", "no-such-model", "--lout", "10"], 1)
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "no-such-model" in err and "Traceback" not in err


def test_ctrl_c_prints_aborted_and_exits_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(self: State) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(State, "reader", property(interrupted))
    run_main(monkeypatch, ["models"], 1)
    err = capsys.readouterr().err
    assert err.endswith("Aborted!\n") and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["frontier", "--cost", "nope"], 2, "Error: Invalid value for '--cost'"),
        (["nosuchcommand"], 2, "Error: No such command 'nosuchcommand'."),
        (["--db", "/", "models"], 1, "Error: --db / is a folder, not a warehouse"),
        (["--version"], 0, f"kinetics-sql, version {__version__}"),
    ],
)
def test_python_dash_m_goes_through_main(argv: list[str], code: int, needle: str) -> None:
    env = {**os.environ, "KINETICS_SQL_DB": ":memory:"}
    res = subprocess.run([sys.executable, "-m", "kinetics_sql", *argv], capture_output=True, text=True, env=env)
    assert res.returncode == code, res.stderr
    assert needle in res.stdout + res.stderr and "Traceback" not in res.stderr
