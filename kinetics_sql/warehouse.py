"""The DuckDB warehouse: schema migrations, catalog seeding, cost macros, queries as polars."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from kinetics_sql import catalog, sqlfiles
from kinetics_sql.errors import KineticsError

DEFAULT_DB = Path("warehouse") / "kinetics.duckdb"
# TEMP macros (and the offload scratch tables) every connection gets, in dependency order.
CONNECTION_MACROS = (
    "fit/macros",
    "fit/offload",
    "pricing/macros",
    "frontier/arms",
    "frontier/strategies",
    "frontier/macros",
)
_MIGRATION = re.compile(r"^(\d{3})_[a-z0-9_]+$")


def default_path() -> str:
    """``$KINETICS_SQL_DB`` or ``warehouse/kinetics.duckdb`` under the working directory."""
    return os.environ.get("KINETICS_SQL_DB") or str(DEFAULT_DB)


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table, *, replace: bool = False) -> int:
    """Insert an Arrow table into ``table``, matching columns by name (``INSERT ... BY NAME``); returns the row
    count. Columns of ``table`` that ``rows`` lacks get their defaults (or NULL). ``replace``: rows whose primary
    key exists replace the stored ones (``INSERT OR REPLACE``)."""
    if rows.num_rows == 0:
        return 0
    con.register("_insert_rows", rows)
    try:
        con.execute(sqlfiles.render("warehouse/upsert_by_name" if replace else "warehouse/insert_by_name", table=table))
    finally:
        con.unregister("_insert_rows")
    return int(rows.num_rows)


class Warehouse:
    """A kinetics-sql warehouse: one DuckDB database with the schema, catalog and macros.

    Opening one creates or migrates its schema (idempotently) and (re)creates every macro.

    >>> wh = Warehouse(":memory:")
    >>> wh.df("SELECT eflops_tera FROM model_cost('Qwen3-8B', 'b200', 'dense', 155, 1000, 1)").item() > 0
    True
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.path = str(path) if path is not None else default_path()
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise KineticsError(f"cannot open warehouse {self.path}: {exc}") from exc
        if not read_only:
            self.migrate()
            self.seed_catalog()
        self.create_macros()

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: commit on success, roll back everything on any exception."""
        self.con.begin()
        try:
            yield self.con
        except BaseException:
            self.con.rollback()
            raise
        else:
            self.con.commit()

    # -- schema ----------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply the migrations in queries/migrations not yet recorded; returns those applied."""
        self.con.execute(sqlfiles.load("warehouse/schema_version_table"))
        done = {r[0] for r in self.con.execute(sqlfiles.load("warehouse/migrations_applied")).fetchall()}
        applied = []
        for name in sqlfiles.listing("migrations"):
            m = _MIGRATION.match(name)
            if not m:
                raise KineticsError(f"migration file queries/migrations/{name}.sql is not named NNN_name.sql")
            version = int(m.group(1))
            if version in done:
                continue
            with self.transaction() as con:
                con.execute(sqlfiles.load(f"migrations/{name}"))
                con.execute(sqlfiles.load("warehouse/record_migration"), {"version": version, "name": name})
            applied.append(name)
        return applied

    def schema_version(self) -> int:
        row = self.con.execute(sqlfiles.load("warehouse/schema_version")).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def create_macros(self) -> None:
        """The cost macros (queries/macros, in file order), then the connection's TEMP macros of the
        analysis: latency features, offload costs and their scratch tables, frontier building blocks."""
        for name in sqlfiles.listing("macros"):
            self.con.execute(sqlfiles.load(f"macros/{name}"))
        for name in CONNECTION_MACROS:
            self.con.execute(sqlfiles.load(name))

    def seed_catalog(self) -> None:
        """Insert or refresh the built-in models and hardware profiles (user rows are kept)."""
        with self.transaction():
            self._upsert("models", [{**spec.row(), "builtin": True} for spec in catalog.builtin_models()])
            user = set(self.named("catalog/hardware_user_names")["name"].to_list())  # e.g. their own price
            self._upsert(
                "hardware",
                [{**asdict(hw), "builtin": True} for hw in catalog.builtin_hardware() if hw.name not in user],
            )

    # -- catalog ---------------------------------------------------------------------------

    def _upsert(self, table: str, rows: list[dict[str, Any]]) -> None:
        insert_arrow(self.con, table, pa.Table.from_pylist(rows), replace=True)

    def upsert_model(self, spec: catalog.ModelSpec, *, builtin: bool = False) -> None:
        self._upsert("models", [{**spec.row(), "builtin": builtin}])

    def upsert_hardware(self, hw: catalog.HardwareSpec, *, builtin: bool = False) -> None:
        """Insert or replace a profile (a user's row of a built-in name survives :meth:`seed_catalog`)."""
        self._upsert("hardware", [{**asdict(hw), "builtin": builtin}])

    def hardware_spec(self, name: str) -> catalog.HardwareSpec:
        """The stored profile ``name`` (resolved case-insensitively)."""
        row = self.named("catalog/hardware_spec", {"name": self.resolve_hardware(name)}).row(0, named=True)
        return catalog.HardwareSpec(**row)

    def model_names(self) -> list[str]:
        return [r[0] for r in self.con.execute(sqlfiles.load("catalog/model_names")).fetchall()]

    def resolve_model(self, name: str) -> str:
        """The catalog's spelling of a model name, matched case-insensitively.

        Also accepts the Kinetics file spelling (``qwen3-1-7b`` for ``Qwen3-1.7B``).
        """
        key = name.strip().lower()
        for known in self.model_names():
            k = known.lower()
            if key in (k, k.replace(".", "-")):
                return known
        raise KineticsError(
            f"unknown model {name!r}: add it with `kinetics-sql models add CONFIG_JSON|HF_REPO_ID --name {name}` "
            f"(known: {', '.join(self.model_names())})"
        )

    def resolve_hardware(self, name: str) -> str:
        rows = self.con.execute(sqlfiles.load("catalog/hardware_named"), {"name": name}).fetchall()
        if not rows:
            known = [r[0] for r in self.con.execute(sqlfiles.load("catalog/hardware_names")).fetchall()]
            raise KineticsError(
                f"unknown hardware {name!r}: add it with `kinetics-sql hardware add` (known: {', '.join(known)})"
            )
        return str(rows[0][0])

    # -- queries ---------------------------------------------------------------------------

    def arrow(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        try:
            self.con.complete()  # finish any half-fetched execute() result (fetchone) first
            rel = self.con.sql(query, params=params)
            if rel is None:
                return pa.table({})
            return rel.to_arrow_table()
        except duckdb.Error as exc:
            raise KineticsError(str(exc)) from exc

    def df(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        """Run a query (with bind parameters) and return a polars DataFrame."""
        return pl.from_arrow(self.arrow(query, params))  # type: ignore[return-value]

    def named(self, name: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        """Run ``queries/<name>.sql`` with bind parameters."""
        return self.df(sqlfiles.load(name), params)

    def execute(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        try:
            if params is None:
                self.con.execute(query)
            else:
                self.con.execute(query, params)
        except duckdb.Error as exc:
            raise KineticsError(str(exc)) from exc
