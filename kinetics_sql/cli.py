"""The `kinetics-sql` command line: thin click wrappers over the library API."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from kinetics_sql import __version__, limits
from kinetics_sql.commands import index
from kinetics_sql.commands.context import DEFAULT_WAIT_S, CommandGroup, State
from kinetics_sql.defaults import default_path
from kinetics_sql.errors import KineticsError

_INDEX = {name: module for name, module, _ in index.COMMANDS}


class Group(CommandGroup):
    """The `kinetics-sql` group: every error is `Error: ...` on stderr, never a traceback.

    Exit status 2 for a usage error (an unknown option or command, a bad choice or number, a missing or
    out-of-range value, options that contradict each other), as click ends them, after the usage line;
    1 for every other error (bad data, a warehouse that cannot be opened, a file that cannot be written).
    `--help` and `--version` exit 0; Ctrl-C prints "Aborted!" and exits 1.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            # Not standalone, click returns the status of a `ctx.exit()` (0 for --help and --version) and
            # raises every error for the handlers below; invoke() returns None when a command completes.
            status = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except (click.Abort, KeyboardInterrupt, EOFError):  # Ctrl-C, or end of input at a prompt
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except click.ClickException as exc:  # a UsageError's exit_code is 2, the others' 1
            exc.show()
            sys.exit(exc.exit_code)
        except KineticsError as exc:  # raised outside a command's invoke (closing the warehouse)
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_INDEX)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, its module imported now (kinetics_sql.commands.index names them all)."""
        module = _INDEX.get(cmd_name)
        if module is None:
            return None
        commands = importlib.import_module(f"kinetics_sql.commands.{module}").COMMANDS
        return next((c for c in commands if c.name == cmd_name), None)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` from the index: no command module is imported to print it."""
        rows = sorted((name, short) for name, _, short in index.COMMANDS)
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            # a stand-in command of that help text: click's own shortening, and nothing imported
            formatter.write_dl([(n, click.Command(n, help=short).get_short_help_str(limit)) for n, short in rows])

    def invoke(self, ctx: click.Context) -> Any:
        """Turns KineticsError into a clean `Error: ...` message; returns None (see main)."""
        try:
            super().invoke(ctx)
        except KineticsError as exc:
            state = ctx.find_object(State)
            wh = state._wh if state is not None else None
            note = f" (note: there is no warehouse at {wh.path}; nothing was created)" if wh and wh.missing else ""
            raise click.ClickException(f"{exc}{note}") from exc
        except OSError as exc:  # a file that cannot be read or written (a full disk, /proc, a FIFO)
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from exc
        return None


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
@click.option(
    "--memory-limit",
    envvar="KINETICS_SQL_MEMORY_LIMIT",
    default=None,
    show_default="half the machine's memory, or $KINETICS_SQL_MEMORY_LIMIT",
    help="DuckDB's memory limit, e.g. 2GB; a larger query spills to --temp-dir and slows down instead.",
)
@click.option(
    "--temp-dir",
    envvar="KINETICS_SQL_TEMP_DIR",
    type=click.Path(file_okay=False),
    default=None,
    show_default="kinetics-sql-spill under the system's temp folder, or $KINETICS_SQL_TEMP_DIR",
    help="Where DuckDB spills what does not fit --memory-limit.",
)
@click.version_option(__version__, prog_name="kinetics-sql")
@click.pass_context
def cli(ctx: click.Context, db: str, wait_s: float, memory_limit: str | None, temp_dir: str | None) -> None:
    """Test-time scaling costs as SQL: which model, how many samples, how long a chain of
    thought, dense or sparse attention, offloaded or not, gives the most accuracy per second.

    Commands that write (init, ingest, models add, hardware add, fit, sql --write) create or migrate
    the warehouse and (re)create the cost macros; the others open it read-only and create nothing.
    """
    try:
        resources = limits.Resources.from_options(memory_limit, temp_dir)
    except KineticsError as exc:
        raise click.BadParameter(str(exc), param_hint="--memory-limit") from exc
    state = State(db, wait_s, resources)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main() -> None:
    """The `kinetics-sql` command (and `python -m kinetics_sql`); exits 0 on success, 2 on a usage error, 1 on
    any other error."""
    cli.main(prog_name="kinetics-sql")
