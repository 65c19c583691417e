"""The DuckDB warehouse: schema migrations, catalog seeding, cost macros, queries as polars."""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from kinetics_sql import catalog, limits, sqlfiles
from kinetics_sql.errors import KineticsError

DEFAULT_DB = Path("warehouse") / "kinetics.duckdb"
# frontier_points comes in three instances, rendered from one text (queries/frontier/points_macro.sql, and
# strategies.sql for the strategies over answer tables): for every cost model and strategy; for the datasheet cost
# models alone; for those and best-of-N alone. DuckDB binds and plans every part of a macro at every query even
# where a constant filter leaves it empty, so each leaves out what its costs and strategy cannot need (the offload
# pricing, the answer-table strategies, frontier_cost's offload look-ups): ~0.5 s less per query at 2M trials.
DATASHEET_COSTS = ("flops", "eflops")
POINTS_MACROS: dict[str, dict[str, str]] = {
    "all": {
        "frontier_points": "frontier_points",
        "strategy_points": "strategy_points",
        "frontier_cost": "frontier_cost",
        "offload_points": "frontier_offload_points",
    },
    "datasheet": {
        "frontier_points": "frontier_points_datasheet",
        "strategy_points": "strategy_points_datasheet",
        "frontier_cost": "frontier_cost_datasheet",
        "offload_points": "frontier_offload_points_none",
    },
    "best-of-n datasheet": {
        "frontier_points": "frontier_points_bon_datasheet",
        "strategy_points": "strategy_points_none",  # queries/frontier/parts.sql
        "offload_points": "frontier_offload_points_none",
    },
}


def points_macro(cost: str, strategy: str) -> str:
    """The frontier_points instance that prices ``cost`` under ``strategy`` with the least to plan."""
    key = "all" if cost not in DATASHEET_COSTS else "best-of-n datasheet" if strategy == "best-of-n" else "datasheet"
    return POINTS_MACROS[key]["frontier_points"]


def _names(names: dict[str, str], *keys: str) -> dict[str, str]:
    return {k: names[k] for k in keys}


# TEMP macros (and the offload scratch tables) every connection gets, in dependency order: (file, names to fill in).
CONNECTION_MACROS: tuple[tuple[str, dict[str, str]], ...] = (
    ("fit/macros", {}),
    ("fit/offload", {}),
    ("pricing/macros", {}),
    ("frontier/arms", {}),
    ("frontier/parts", {}),
    ("frontier/offload_points", {}),
    *(("frontier/strategies", _names(n, "strategy_points", "frontier_cost")) for n in POINTS_MACROS.values()
      if "frontier_cost" in n),
    *(("frontier/points_macro", _names(n, "frontier_points", "strategy_points", "offload_points"))
      for n in POINTS_MACROS.values()),
    ("frontier/macros", {}),
)
# TEMP macros created on a connection the first time a query names them (Warehouse.arrow / execute): creating
# frontier_tasks binds frontier_points_datasheet (~0.3 s), which most commands never call.
ON_DEMAND_MACROS: dict[str, str] = {"frontier_tasks": "frontier/tasks"}
_MIGRATION = re.compile(r"^(\d{3})_[a-z0-9_]+$")
# sql-fragment: a read-only warehouse gets queries/macros as TEMP macros (the keyword rewritten on load)
_PERSISTENT_MACRO = re.compile(r"CREATE\s+OR\s+REPLACE\s+MACRO", re.IGNORECASE)  # sql-fragment: see above
_LOCKED = ("Could not set lock", "Conflicting lock")


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def check_warehouse_path(path: str) -> None:
    """Refuse, before any work, a ``--db`` that is neither a DuckDB file nor a new path: a folder, a CSV, a SQLite
    file (DuckDB would open a CSV as an empty in-memory database and fetch an extension for SQLite)."""
    if path == ":memory:":
        return
    p = Path(path)
    if p.is_dir():
        example = p / "kinetics.duckdb"
        raise KineticsError(f"--db {path} is a folder, not a warehouse: give a DuckDB file, e.g. {example}")
    if not p.exists():
        if p.is_symlink():
            raise KineticsError(f"--db {path} is a dangling symbolic link")
        return
    if not p.is_file():
        raise KineticsError(f"--db {path} is not a regular file (a device or a pipe), not a warehouse")
    try:
        with p.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise KineticsError(f"cannot read --db {path}: {exc.strerror or exc}") from None
    if head[8:12] != DUCKDB_MAGIC:
        what = (
            "a SQLite database" if head.startswith(b"SQLite format 3")
            else "an empty file" if not head
            else "not a DuckDB database"
        )
        raise KineticsError(
            f"--db {path} is {what}: a warehouse is a DuckDB file (or a new path, which ingest or init creates); "
            "load data files with `kinetics-sql ingest FILE`"
        )


def _connect(
    path: str,
    read_only: bool,
    wait_s: float,
    on_wait: Callable[[str], None] | None,
    resources: limits.Resources | None = None,
) -> duckdb.DuckDBPyConnection:
    """Connect under ``resources`` (a memory limit, a spill folder, no extension fetched or loaded on its own),
    retrying while another process holds a conflicting lock (up to ``wait_s`` seconds)."""
    deadline = time.monotonic() + max(wait_s, 0.0)
    told = False
    config = (resources or limits.Resources.from_options()).config()
    while True:
        try:
            return duckdb.connect(path, read_only=read_only, config=config)
        except duckdb.Error as exc:
            msg = str(exc)
            if not any(k in msg for k in _LOCKED):
                raise KineticsError(f"cannot open warehouse {path}: {msg.splitlines()[0]}") from None
            holder = re.search(r"\(PID (\d+)\)", msg)
            who = f"process {holder.group(1)}" if holder else "another process"
            if time.monotonic() >= deadline:
                raise KineticsError(
                    f"warehouse {path} is locked by {who} ({'a writer' if read_only else 'a reader or writer'}); "
                    f"gave up after {wait_s:g} s: wait for it to finish, or raise --wait SECONDS"
                ) from None
            if not told and on_wait is not None:
                on_wait(f"warehouse {path} is locked by {who}; waiting up to {wait_s:g} s (--wait) ...")
                told = True
            time.sleep(0.2)


@functools.cache
def _builtin_names() -> tuple[dict[str, str], dict[str, str]]:
    """Lower-cased name -> spelling of the built-in models and of the built-in hardware profiles."""
    return (
        {m.name.lower(): m.name for m in catalog.builtin_models()},
        {h.name.lower(): h.name for h in catalog.builtin_hardware()},
    )


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

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        read_only: bool = False,
        wait_s: float = 0.0,
        on_wait: Callable[[str], None] | None = None,
        resources: limits.Resources | None = None,
    ) -> None:
        """Open (read-write: create, migrate, seed the catalog) or, with ``read_only``, attach an existing
        warehouse without writing to it (its cost macros become TEMP macros of this connection).

        A file another process holds is retried for ``wait_s`` seconds (``on_wait`` gets one message
        when the wait begins), then refused with a clear error. ``read_only`` never creates a file or folder.
        ``resources``: DuckDB's memory limit and spill folder (default: half the machine, the system temp folder);
        a path that is not a DuckDB file (a folder, a CSV, a SQLite file) is refused before it is opened.
        """
        self.path = str(path) if path is not None else default_path()
        self.read_only = read_only and self.path != ":memory:"
        self.missing = False  # set by callers that stand a built-in catalog in for a warehouse that does not exist
        self._on_demand: set[str] = set()  # ON_DEMAND_MACROS created on this connection
        check_warehouse_path(self.path)
        if self.path != ":memory:":
            if self.read_only:
                if not Path(self.path).is_file():
                    raise KineticsError(
                        f"no warehouse at {self.path} (nothing was created): give --db PATH of an existing one, "
                        "or create it with `kinetics-sql init` or `kinetics-sql ingest`"
                    )
            else:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(self.path, self.read_only, wait_s, on_wait, resources)
        try:
            self.con.execute(sqlfiles.load("warehouse/session"))
            if self.read_only:
                self._check_schema()
            else:
                self.migrate()
                self.seed_catalog()
            self.create_macros(temp=self.read_only)
        except BaseException:
            self.con.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: commit on success, roll back everything on any exception. A write the disk refuses (full,
        or a file-size limit) during the work or at the commit is a KineticsError saying the warehouse is unchanged."""
        self.con.begin()
        try:
            yield self.con
        except duckdb.Error as exc:
            self._rollback()
            raise KineticsError(self._unwritten(exc)) from exc
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.con.commit()
            except duckdb.Error as exc:  # DuckDB rolls a failed commit back: nothing of it reaches the file
                self._rollback()
                raise KineticsError(self._unwritten(exc)) from exc

    def _rollback(self) -> None:
        with suppress(duckdb.Error):  # already rolled back (a failed commit), or the connection is gone
            self.con.rollback()

    def _unwritten(self, exc: duckdb.Error) -> str:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return (
            f"{first}; nothing of this command was written: the warehouse {self.path} is as it was before "
            "(one transaction, rolled back)"
        )

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

    def create_macros(self, *, temp: bool = False) -> None:
        """The cost macros (queries/macros, in file order; ``temp``: on this connection only, for a read-only
        warehouse), then the connection's TEMP macros of the analysis: latency features, offload costs and
        their scratch tables, frontier building blocks."""
        for name in sqlfiles.listing("macros"):
            text = sqlfiles.load(f"macros/{name}")
            temp_text = _PERSISTENT_MACRO.sub("CREATE OR REPLACE TEMP MACRO", text)  # sql-fragment: read-only
            self.con.execute(temp_text if temp else text)
        for name, names in CONNECTION_MACROS:
            self.con.execute(sqlfiles.render(name, **names))

    def _create_on_demand(self, query: str) -> None:
        """Create the ON_DEMAND_MACROS that ``query`` names and this connection lacks."""
        for macro, name in ON_DEMAND_MACROS.items():
            if macro not in self._on_demand and macro in query.lower():
                try:
                    self.con.execute(sqlfiles.load(name))
                except duckdb.Error as exc:
                    raise KineticsError(f"cannot create {macro} (queries/{name}.sql): {exc}") from exc
                self._on_demand.add(macro)

    def _check_schema(self) -> None:
        """A read-only warehouse must already have every migration: it cannot be migrated here."""
        try:
            done = {r[0] for r in self.con.execute(sqlfiles.load("warehouse/migrations_recorded")).fetchall()}
        except duckdb.Error:
            raise KineticsError(f"{self.path} is not a kinetics-sql warehouse (no schema_version table)") from None
        missing = sorted({int(n[:3]) for n in sqlfiles.listing("migrations")} - done)
        if missing:
            raise KineticsError(
                f"warehouse {self.path} lacks schema migrations {', '.join(map(str, missing))} and is opened "
                "read-only: migrate it once with `kinetics-sql --db PATH init`"
            )

    def _user_names(self, table: str) -> set[str]:
        return {r[0] for r in self.con.execute(sqlfiles.render("catalog/user_names", table=table)).fetchall()}

    def seed_catalog(self) -> None:
        """Insert the built-in models and hardware profiles where absent and refresh built-in rows; a user's row
        (added, or overriding a built-in of the same name in any letter case) is never touched."""
        user_models, user_hw = self._user_names("models"), self._user_names("hardware")
        with self.transaction():
            self._upsert(
                "models",
                [{**s.row(), "builtin": True} for s in catalog.builtin_models() if s.name.lower() not in user_models],
            )
            self._upsert(
                "hardware",
                [{**asdict(h), "builtin": True} for h in catalog.builtin_hardware() if h.name.lower() not in user_hw],
            )

    # -- catalog ---------------------------------------------------------------------------

    def _upsert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            insert_arrow(self.con, table, pa.Table.from_pylist(rows), replace=True)

    def _user_row(self, table: str, row: dict[str, Any], builtin: bool, builtins: dict[str, str]) -> bool:
        """Store a row; a user's row named like a built-in takes its spelling and is recorded as overriding it."""
        override = not builtin and row["name"].lower() in builtins
        if override:
            row = {**row, "name": builtins[row["name"].lower()]}
        self.con.execute(sqlfiles.render("catalog/delete_other_spelling", table=table), {"name": row["name"]})
        self._upsert(table, [{**row, "builtin": builtin, "overrides_builtin": override}])
        return override

    def upsert_model(self, spec: catalog.ModelSpec, *, builtin: bool = False) -> bool:
        """Insert or replace a model (kept across opens); returns whether it overrides a built-in model."""
        return self._user_row("models", spec.row(), builtin, _builtin_names()[0])

    def upsert_hardware(self, hw: catalog.HardwareSpec, *, builtin: bool = False) -> bool:
        """Insert or replace a profile (kept across opens); returns whether it overrides a built-in profile."""
        return self._user_row("hardware", asdict(hw), builtin, _builtin_names()[1])

    def hardware_spec(self, name: str) -> catalog.HardwareSpec:
        """The stored profile ``name`` (resolved case-insensitively)."""
        row = self.named("catalog/hardware_spec", {"name": self.resolve_hardware(name)}).row(0, named=True)
        return catalog.HardwareSpec(**row)

    def model_names(self) -> list[str]:
        return [r[0] for r in self.con.execute(sqlfiles.load("catalog/model_names")).fetchall()]

    def resolve_model(self, name: str) -> str:
        """The catalog's spelling of a model name, matched case-insensitively.

        Also accepts the Kinetics file spelling (``qwen3-1-7b`` for ``Qwen3-1.7B``) and the Hugging Face repo id
        (``Qwen/Qwen3-8B``), as ingest does.
        """
        key = name.strip().lower()
        for known in self.model_names():
            k = known.lower()
            if key in (k, k.replace(".", "-")):
                return known
        if "/" in key:
            rows = self.con.execute(sqlfiles.load("catalog/model_by_repo"), {"repo": name.strip()}).fetchall()
            if rows:
                return str(rows[0][0])
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
        self._create_on_demand(query)
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
        self._create_on_demand(query)
        try:
            if params is None:
                self.con.execute(query)
            else:
                self.con.execute(query, params)
        except duckdb.Error as exc:
            raise KineticsError(str(exc)) from exc
