"""The docs' CLI reference, generated from `--help`: ``python -m kinetics_sql.clidoc [--check] [PAGE]``.

The text between ``<!-- cli:start -->`` and ``<!-- cli:end -->`` in docs/cli.md is a summary table and, for every
command and subcommand, its ``--help`` output (rendered at a fixed width, so it does not depend on the terminal).
Without ``--check`` the page is rewritten in place; with it, nothing is written and the exit status is 1 when
the page differs from ``--help`` (the test suite checks the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from kinetics_sql.cli import cli

START = "<!-- cli:start -->"
END = "<!-- cli:end -->"
PROG = "kinetics-sql"
WIDTH = 100
PAGE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
REGENERATE = "python -m kinetics_sql.clidoc"


def commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command and subcommand as (path, command), in the order ``--help`` lists them."""
    ctx = click.Context(group, info_name=PROG)
    out: list[tuple[tuple[str, ...], click.Command]] = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        out.append(((*prefix, name), cmd))
        if isinstance(cmd, click.Group):
            out.extend(commands(cmd, (*prefix, name)))
    return out


def help_text(path: tuple[str, ...]) -> str:
    """``kinetics-sql PATH --help`` as printed at a terminal ``WIDTH`` columns wide."""
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name=PROG, terminal_width=WIDTH)
    if result.exit_code != 0:
        raise RuntimeError(f"`{PROG} {' '.join(path)} --help` failed: {result.output}")
    return "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())


def render() -> str:
    """The generated reference: the text that belongs between the markers (markers excluded)."""
    cmds = commands()
    lines = [
        f"<!-- Generated from `{PROG} --help` by `{REGENERATE}`; edit the commands' help, not this text. -->",
        "",
        "| command | what |",
        "| --- | --- |",
    ]
    for path, cmd in cmds:
        summary = cmd.get_short_help_str(limit=300).replace("|", "\\|")
        lines.append(f"| `{PROG} {' '.join(path)}` | {summary} |")
    for path in [(), *(p for p, _ in cmds)]:
        title = " ".join((PROG, *path))
        lines += ["", f"## `{title}`", "", "```text", help_text(path), "```"]
    return "\n".join(lines)


def splice(readme: str, reference: str) -> str:
    """``readme`` (the page) with the text between the markers replaced by ``reference``."""
    if readme.count(START) != 1 or readme.count(END) != 1 or readme.index(START) > readme.index(END):
        raise ValueError(f"the CLI reference page needs one {START} line followed by one {END} line")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{reference}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("readme", nargs="?", type=Path, default=PAGE, help="page to update (default: docs/cli.md)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the page is out of date")
    args = parser.parse_args(argv)
    current = args.readme.read_text()
    wanted = splice(current, render())
    if current == wanted:
        print(f"{args.readme}: the CLI reference matches --help")
        return 0
    if args.check:
        print(f"{args.readme}: the CLI reference differs from --help; run `{REGENERATE}`", file=sys.stderr)
        return 1
    args.readme.write_text(wanted)
    print(f"{args.readme}: CLI reference regenerated from --help")
    return 0


if __name__ == "__main__":
    sys.exit(main())
