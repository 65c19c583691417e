"""What every command shares: the per-invocation state (the warehouse, opened on first use)."""

from __future__ import annotations

import click

from kinetics_sql.warehouse import Warehouse


class State:
    """Per-invocation state: the warehouse path, opened on first use."""

    def __init__(self, db: str) -> None:
        self.db = db
        self._wh: Warehouse | None = None

    @property
    def wh(self) -> Warehouse:
        if self._wh is None:
            self._wh = Warehouse(self.db)
        return self._wh

    def close(self) -> None:
        if self._wh is not None:
            self._wh.close()
            self._wh = None


pass_state = click.make_pass_decorator(State)
