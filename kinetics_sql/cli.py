"""The `kinetics-sql` command line: thin click wrappers over the library API."""

from __future__ import annotations

import sys
from typing import Any

import click

from kinetics_sql import __version__
from kinetics_sql.commands import (
    catalog_cmds,
    cost_cmd,
    fit_cmd,
    frontier_cmds,
    ingest_cmd,
    recommend_cmd,
    warehouse_cmds,
)
from kinetics_sql.commands.context import State
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import default_path

# Every command family, in the order `--help` lists them.
COMMAND_MODULES = (warehouse_cmds, catalog_cmds, cost_cmd, ingest_cmd, frontier_cmds, fit_cmd, recommend_cmd)


class Group(click.Group):
    """Turns KineticsError into a clean `Error: ...` message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KineticsError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    envvar="KINETICS_SQL_DB",
    default=default_path,
    show_default="warehouse/kinetics.duckdb, or $KINETICS_SQL_DB",
    help="Warehouse file (DuckDB); ':memory:' for a throw-away one.",
)
@click.version_option(__version__, prog_name="kinetics-sql")
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """Test-time scaling costs as SQL: which model, how many samples, how long a chain of
    thought, dense or sparse attention, offloaded or not, gives the most accuracy per second.

    Opening a warehouse creates or migrates its schema and (re)creates the cost macros.
    """
    state = State(db)
    ctx.obj = state
    ctx.call_on_close(state.close)


for _module in COMMAND_MODULES:
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    try:
        cli(prog_name="kinetics-sql")
    except KineticsError as exc:  # errors raised outside a command's invoke
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
