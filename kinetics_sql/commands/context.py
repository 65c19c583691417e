"""What every command shares: the per-invocation state (the warehouse, opened on first use)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kinetics_sql.limits import Resources

if TYPE_CHECKING:
    from kinetics_sql.warehouse import Warehouse

DEFAULT_WAIT_S = 30.0


def _say(message: str) -> None:
    click.echo(message, err=True)


class State:
    """Per-invocation state: the warehouse path, opened on first use.

    Commands that only read use :attr:`reader` (read-only: no file or folder is created, nothing is
    written, several run side by side); commands that write use :attr:`wh`. Either waits up to
    ``wait_s`` seconds for a warehouse another process holds, with a message, then fails clearly.
    """

    def __init__(self, db: str, wait_s: float = DEFAULT_WAIT_S, resources: Resources | None = None) -> None:
        self.db = db
        self.wait_s = wait_s
        self.resources = resources
        self._wh: Warehouse | None = None

    @property
    def wh(self) -> Warehouse:
        """The warehouse opened read-write (created and migrated if needed)."""
        if self._wh is not None and self._wh.read_only:
            self.close()
        if self._wh is None:
            from kinetics_sql.warehouse import Warehouse

            self._wh = Warehouse(
                self.db, wait_s=self.wait_s, on_wait=_say, resources=self.resources, lazy_macros=True
            )
        return self._wh

    @property
    def reader(self) -> Warehouse:
        """The warehouse opened read-only; where no file exists, the built-in catalog in memory (errors then
        say that the warehouse does not exist; nothing is created)."""
        if self._wh is None:
            from kinetics_sql.warehouse import Warehouse, check_warehouse_path

            check_warehouse_path(self.db)  # a folder, a CSV or a SQLite file is refused, not taken for "missing"
            if self.db != ":memory:" and not Path(self.db).is_file():
                self._wh = Warehouse(":memory:", resources=self.resources, lazy_macros=True)
                self._wh.path = self.db
                self._wh.missing = True
            else:
                self._wh = Warehouse(
                    self.db, read_only=True, wait_s=self.wait_s, on_wait=_say, resources=self.resources,
                    lazy_macros=True,
                )
        return self._wh

    def close(self) -> None:
        if self._wh is not None:
            self._wh.close()
            self._wh = None


pass_state = click.make_pass_decorator(State)


class CommandGroup(click.Group):
    """A group whose subcommands' usage errors show that subcommand's usage line.

    click raises some parse errors without a context (`frontier --task` with no value), and then prints only
    `Error: ...`, without `Usage: ...` and `Try '... --help'`; this gives them the failing command's.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if exc.ctx is None:
                exc.ctx = ctx
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            name = ctx.invoked_subcommand
            cmd = self.get_command(ctx, name) if exc.ctx is None and name else None
            if cmd is not None and name is not None:
                exc.ctx = click.Context(cmd, info_name=name, parent=ctx)
            raise
