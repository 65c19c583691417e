"""`init` and `sql`: open a warehouse, run ad-hoc SQL over it."""

from __future__ import annotations

import sys

import click

from kinetics_sql.commands.context import State, pass_state
from kinetics_sql.commands.output import emit, output_options


@click.command()
@pass_state
def init(state: State) -> None:
    """Create (or migrate) the warehouse and print its schema version and tables."""
    wh = state.wh
    tables = wh.named("warehouse/tables")["table_name"].to_list()
    click.echo(f"{wh.path}: schema version {wh.schema_version()}; tables: {', '.join(tables)}")


@click.command()
@click.argument("query")
@click.option("--write", is_flag=True, help="Open the warehouse read-write (INSERT, UPDATE, CREATE ...).")
@output_options
@pass_state
def sql(state: State, query: str, write: bool, fmt: str, output: str | None) -> None:
    """Run QUERY (or '-' to read it from standard input) against the warehouse and print the rows.

    The warehouse is opened read-only unless --write. All macros are available, e.g.

        kinetics-sql sql "SELECT * FROM model_cost('Qwen3-8B', 'b200', 'dense', 155, 16384, 8)"
    """
    if query == "-":
        query = sys.stdin.read()
    emit((state.wh if write else state.reader).df(query), fmt, output)


COMMANDS = [init, sql]
