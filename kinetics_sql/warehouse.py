"""The DuckDB warehouse: schema migrations, catalog seeding, cost macros, queries as polars."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from kinetics_sql import catalog, sqlfiles
from kinetics_sql.errors import KineticsError

DEFAULT_DB = Path("warehouse") / "kinetics.duckdb"
_MIGRATION = re.compile(r"^(\d{3})_[a-z0-9_]+$")
_PERSISTENT_MACRO = re.compile(r"CREATE\s+OR\s+REPLACE\s+MACRO", re.IGNORECASE)
_LOCKED = ("Could not set lock", "Conflicting lock")


def _connect(
    path: str, read_only: bool, wait_s: float, on_wait: Callable[[str], None] | None
) -> duckdb.DuckDBPyConnection:
    """Connect, retrying while another process holds a conflicting lock (up to ``wait_s`` seconds)."""
    deadline = time.monotonic() + max(wait_s, 0.0)
    told = False
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
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
    ) -> None:
        """Open (read-write: create, migrate, seed the catalog) or, with ``read_only``, attach an existing
        warehouse without writing to it (its macros become TEMP macros of this connection).

        A file another process holds is retried for ``wait_s`` seconds (``on_wait`` gets one message
        when the wait begins), then refused with a clear error. ``read_only`` never creates a file or folder.
        """
        self.path = str(path) if path is not None else default_path()
        self.read_only = read_only and self.path != ":memory:"
        self.missing = False  # set by callers that stand a built-in catalog in for a warehouse that does not exist
        if self.path != ":memory:":
            if self.read_only:
                if not Path(self.path).is_file():
                    raise KineticsError(
                        f"no warehouse at {self.path} (nothing was created): give --db PATH of an existing one, "
                        "or create it with `kinetics-sql init` or `kinetics-sql ingest`"
                    )
            else:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.con = _connect(self.path, self.read_only, wait_s, on_wait)
        # The frontier comparisons ASOF-join frontier curves whose sizes DuckDB cannot estimate through the table
        # macros (it guesses a few rows); below this threshold it plans a nested loop, quadratic at 100K breakpoints.
        self.con.execute("SET asof_loop_join_threshold = 0")
        try:
            if self.read_only:
                self._check_schema()
                self.create_macros(temp=True)
            else:
                self.migrate()
                self.seed_catalog()
                self.create_macros()
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
        """All-or-nothing: commit on success, roll back everything on any exception."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # -- schema ----------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply the migrations in queries/migrations not yet recorded; returns those applied."""
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
        )
        done = {r[0] for r in self.con.execute("SELECT version FROM schema_version").fetchall()}
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
                con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, name])
            applied.append(name)
        return applied

    def schema_version(self) -> int:
        row = self.con.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def create_macros(self, *, temp: bool = False) -> None:
        """(Re)create every macro of queries/macros; ``temp``: on this connection only (read-only files)."""
        for name in sqlfiles.listing("macros"):
            text = sqlfiles.load(f"macros/{name}")
            if temp:
                text = _PERSISTENT_MACRO.sub("CREATE OR REPLACE TEMP MACRO", text)
            self.con.execute(text)

    def _check_schema(self) -> None:
        """A read-only warehouse must already have every migration: it cannot be migrated here."""
        try:
            done = {r[0] for r in self.con.execute("SELECT version FROM schema_version").fetchall()}
        except duckdb.Error:
            raise KineticsError(f"{self.path} is not a kinetics-sql warehouse (no schema_version table)") from None
        wanted = {int(n[:3]) for n in sqlfiles.listing("migrations")}
        missing = sorted(wanted - done)
        if missing:
            raise KineticsError(
                f"warehouse {self.path} lacks schema migrations {', '.join(map(str, missing))} and is opened "
                "read-only: migrate it once with `kinetics-sql --db PATH init`"
            )

    def seed_catalog(self) -> None:
        """Insert the built-in models and hardware profiles where absent, refresh built-in rows; a user's row
        (added, or overriding a built-in of the same name) is never touched."""
        user_models = {r[0] for r in self.con.execute("SELECT lower(name) FROM models WHERE NOT builtin").fetchall()}
        user_hw = {r[0] for r in self.con.execute("SELECT lower(name) FROM hardware WHERE NOT builtin").fetchall()}
        with self.transaction():
            for spec in catalog.builtin_models():
                if spec.name.lower() not in user_models:
                    self.upsert_model(spec, builtin=True)
            for hw in catalog.builtin_hardware():
                if hw.name.lower() not in user_hw:
                    self.upsert_hardware(hw, builtin=True)

    # -- catalog ---------------------------------------------------------------------------

    def upsert_model(self, spec: catalog.ModelSpec, *, builtin: bool = False) -> bool:
        """Insert or replace a model; a user's model named like a built-in (case-insensitively) replaces it,
        takes its spelling and is recorded as an override. Returns whether it overrides a built-in."""
        builtin_names = _builtin_names()[0]
        override = not builtin and spec.name.lower() in builtin_names
        if override:
            spec = dataclasses.replace(spec, name=builtin_names[spec.name.lower()])
        self.con.execute("DELETE FROM models WHERE lower(name) = lower(?) AND name <> ?", [spec.name, spec.name])
        row = spec.row()
        row["builtin"] = builtin
        row["overrides_builtin"] = override
        cols = list(row)
        self.con.execute(
            f"INSERT OR REPLACE INTO models ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [row[c] for c in cols],
        )
        return override

    def upsert_hardware(self, hw: catalog.HardwareSpec, *, builtin: bool = False) -> bool:
        """Insert or replace a hardware profile (as :meth:`upsert_model`); returns whether it overrides a built-in."""
        builtin_names = _builtin_names()[1]
        override = not builtin and hw.name.lower() in builtin_names
        if override:
            hw = dataclasses.replace(hw, name=builtin_names[hw.name.lower()])
        self.con.execute("DELETE FROM hardware WHERE lower(name) = lower(?) AND name <> ?", [hw.name, hw.name])
        self.con.execute(
            "INSERT OR REPLACE INTO hardware (name, peak_flops, hbm_bytes_per_s, vram_bytes, link_bytes_per_s,"
            " host_mem_bytes_per_s, notes, builtin, overrides_builtin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                hw.name,
                hw.peak_flops,
                hw.hbm_bytes_per_s,
                hw.vram_bytes,
                hw.link_bytes_per_s,
                hw.host_mem_bytes_per_s,
                hw.notes,
                builtin,
                override,
            ],
        )
        return override

    def model_names(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT name FROM models ORDER BY params").fetchall()]

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
        rows = self.con.execute("SELECT name FROM hardware WHERE lower(name) = lower(?)", [name]).fetchall()
        if not rows:
            known = [r[0] for r in self.con.execute("SELECT name FROM hardware ORDER BY name").fetchall()]
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
