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
from kinetics_sql.commands.context import DEFAULT_WAIT_S, State
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
            state = ctx.find_object(State)
            wh = state._wh if state is not None else None
            note = f" (note: there is no warehouse at {wh.path}; nothing was created)" if wh and wh.missing else ""
            raise click.ClickException(f"{exc}{note}") from exc


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    envvar="KINETICS_SQL_DB",
    default=default_path,
    show_default="warehouse/kinetics.duckdb, or $KINETICS_SQL_DB",
    help="Warehouse file (DuckDB); ':memory:' for a throw-away one.",
)
@click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(min=0),
    default=DEFAULT_WAIT_S,
    show_default=True,
    help="Seconds to wait (with a message) for a warehouse another process holds, then fail.",
)
@click.version_option(__version__, prog_name="kinetics-sql")
@click.pass_context
def cli(ctx: click.Context, db: str, wait_s: float) -> None:
    """Test-time scaling costs as SQL: which model, how many samples, how long a chain of
    thought, dense or sparse attention, offloaded or not, gives the most accuracy per second.

    Commands that write (init, ingest, models add, hardware add, fit, sql --write) create or migrate
    the warehouse and (re)create the cost macros; the others open it read-only and create nothing.
    """
    state = State(db, wait_s)
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
