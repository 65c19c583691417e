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
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from kinetics_sql import catalog, limits, sqldeps, sqlfiles
from kinetics_sql.defaults import default_path
from kinetics_sql.errors import KineticsError
from kinetics_sql.facts import kinetics_names

if TYPE_CHECKING:
    import pyarrow as pa

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
        "plan": "pricing_plan",
        "trial_terms": "pricing_trial_terms",
    },
    "datasheet": {
        "frontier_points": "frontier_points_datasheet",
        "strategy_points": "strategy_points_datasheet",
        "frontier_cost": "frontier_cost_datasheet",
        "offload_points": "frontier_offload_points_none",
        "plan": "frontier_plan_none",
        "trial_terms": "frontier_no_terms",
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


def templates() -> dict[str, frozenset[str]]:
    """Per {placeholder} of a templated SQL file, every macro name POINTS_MACROS fills it with."""
    out: dict[str, set[str]] = {}
    for names in POINTS_MACROS.values():
        for key, value in names.items():
            out.setdefault(key, set()).add(value)
    return {k: frozenset(v) for k, v in out.items()}


@functools.cache
def macro_files() -> tuple[tuple[str, dict[str, str]], ...]:
    """Every TEMP macro file, in the order their ``-- requires:`` headers give (kinetics_sql.sqldeps), each templated
    file once per POINTS_MACROS instance that fills all its placeholders: (file, names to fill in)."""
    files = sqldeps.macro_files()
    out: list[tuple[str, dict[str, str]]] = []
    for name in sqldeps.creation_order([n for n, f in files.items() if f.defines], files):
        keys = files[name].placeholders
        if not keys:
            out.append((name, {}))
            continue
        out += [(name, {k: names[k] for k in sorted(keys)}) for names in POINTS_MACROS.values() if keys <= names.keys()]
    return tuple(out)


def connection_macros() -> tuple[tuple[str, dict[str, str]], ...]:
    """The macro files a connection opened with every macro gets (all but ON_DEMAND_MACROS), in creation order."""
    on_demand = set(ON_DEMAND_MACROS.values())
    return tuple((n, names) for n, names in macro_files() if n not in on_demand)


@functools.cache
def macro_index() -> dict[str, str]:
    """Macro name -> the file that defines it (templated files: every name POINTS_MACROS gives them)."""
    files = sqldeps.macro_files()
    out: dict[str, str] = {}
    for name, names in macro_files():
        for macro in files[name].defines:
            out[(names[macro[1:-1]] if macro.startswith("{") else macro).lower()] = name
    return out


def needed_files(query: str) -> set[str]:
    """The macro files a query needs: those defining a macro it names (outside its comments and strings: a comment
    that mentions a macro creates nothing), and every file they require."""
    index = macro_index()
    files = sqldeps.macro_files()
    todo = [index[w] for w in set(_WORD.findall(sqldeps.strip(query).lower())) if w in index]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [r for r in files[name].requires if r in files and files[r].defines]
    return seen


# TEMP macros created on a connection the first time a query names them (Warehouse.arrow / execute): creating
# frontier_tasks binds frontier_points_datasheet (~0.3 s), which most commands never call.
ON_DEMAND_MACROS: dict[str, str] = {"frontier_tasks": "frontier/tasks"}
_MIGRATION = re.compile(r"^(\d{3})_[a-z0-9_]+$")
_WORD = re.compile(r"\w+")
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


def store_source_facts(con: duckdb.DuckDBPyConnection, sources: Sequence[tuple[str, str | None]]) -> None:
    """Store the file-name facts (local window, run index, answer table) of ``sources`` (name, ingest format) on
    their rows: the one place the Kinetics file-name grammar reaches the warehouse (SQL reads the columns)."""
    if not sources:
        return
    import pyarrow as pa

    rows = pa.Table.from_pylist(
        [{"source": name, **kinetics_names.source_facts(name, fmt)} for name, fmt in sources],
        schema=pa.schema(
            [("source", pa.string()), ("local_window", pa.int32()), ("run_index", pa.int32()),
             ("answer_table", pa.bool_())]
        ),
    )
    con.register("source_facts_rows", rows)
    try:
        for table in kinetics_names.FACT_TABLES:
            con.execute(sqlfiles.render("ingest/source_facts", table=table))
    finally:
        con.unregister("source_facts_rows")


def _fill_source_facts(con: duckdb.DuckDBPyConnection) -> None:
    store_source_facts(con, [(str(s), f) for s, f in con.execute(sqlfiles.load("ingest/sources_formats")).fetchall()])


def _drop_stored_macros(con: duckdb.DuckDBPyConnection) -> None:
    for name, kind in con.execute(sqlfiles.load("warehouse/stored_macros")).fetchall():
        query = "warehouse/drop_table_macro" if kind == "table_macro" else "warehouse/drop_macro"
        con.execute(sqlfiles.render(query, macro=str(name)))


# Python steps of a migration, run right after its SQL in the same transaction (rows it must fill from Python).
BACKFILLS: dict[str, Callable[[duckdb.DuckDBPyConnection], None]] = {
    "060_source_facts": _fill_source_facts,
    "061_macros_on_open": _drop_stored_macros,
}


def backup(wh: Warehouse, out_dir: str | os.PathLike[str]) -> None:
    """DuckDB's EXPORT DATABASE of every table (schema and rows, Parquet) into ``out_dir`` (absent or empty). The file
    stores no macro (they are created on open), so :func:`restore` (IMPORT DATABASE) gives back the same warehouse."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise KineticsError(f"backup folder {out} exists and is not empty: give a new folder")
    try:
        wh.con.execute(sqlfiles.render_literals("warehouse/export_database", path=str(out)))
    except duckdb.Error as exc:
        raise KineticsError(f"cannot back up {wh.path} into {out}: {str(exc).splitlines()[0]}") from exc


def restore(path: str, backup_dir: str | os.PathLike[str]) -> None:
    """A new warehouse file ``path`` from a :func:`backup` folder (IMPORT DATABASE), then opened once read-write
    (migrated to this version's schema if the backup is older; every macro created on open)."""
    src = Path(backup_dir)
    if not (src / "schema.sql").is_file():
        raise KineticsError(f"{src} is not a backup folder (no schema.sql): write one with `export --backup DIR`")
    if path == ":memory:" or Path(path).exists():
        raise KineticsError(f"restore writes a new warehouse file: {path} exists (give --db NEW.duckdb)")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(path)
    try:
        con.execute(sqlfiles.render_literals("warehouse/import_database", path=str(src)))
    except duckdb.Error as exc:
        con.close()
        Path(path).unlink(missing_ok=True)
        raise KineticsError(f"cannot restore {src} into {path}: {str(exc).splitlines()[0]}") from exc
    con.close()
    Warehouse(path).close()


class Warehouse:
    """A kinetics-sql warehouse: one DuckDB database with the schema, catalog and macros.

    Opening one creates or migrates its schema (idempotently) and creates every macro on the connection.

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
        lazy_macros: bool = False,
    ) -> None:
        """Open (read-write: create, migrate, seed the catalog) or, with ``read_only``, attach an existing
        warehouse without writing to it. Either way the macros are TEMP macros of this connection.

        A file another process holds is retried for ``wait_s`` seconds (``on_wait`` gets one message
        when the wait begins), then refused with a clear error. ``read_only`` never creates a file or folder.
        ``resources``: DuckDB's memory limit and spill folder (default: half the machine, the system temp folder);
        a path that is not a DuckDB file (a folder, a CSV, a SQLite file) is refused before it is opened.
        ``lazy_macros`` (the CLI): create only the macros a query run through :meth:`df`, :meth:`arrow`,
        :meth:`named` or :meth:`execute` names, and the files they require, when it first runs; else every macro
        on open.
        """
        self.path = str(path) if path is not None else default_path()
        self.read_only = read_only and self.path != ":memory:"
        self.missing = False  # set by callers that stand a built-in catalog in for a warehouse that does not exist
        self.lazy_macros = lazy_macros
        self._created: set[str] = set()  # macro files created on this connection
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
            if not lazy_macros:
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
                if name in BACKFILLS:
                    BACKFILLS[name](con)
                con.execute(sqlfiles.load("warehouse/record_migration"), {"version": version, "name": name})
            applied.append(name)
        return applied

    def schema_version(self) -> int:
        row = self.con.execute(sqlfiles.load("warehouse/schema_version")).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def create_macros(self) -> None:
        """Every macro, as TEMP macros of this connection (none is stored in the file, so a backup of it is its
        tables: EXPORT DATABASE / IMPORT DATABASE round-trip): the cost macros of queries/macros, then the analysis
        (selection, pricing, frontier, fit features), each file after those its ``-- requires:`` header names."""
        for name, names in connection_macros():
            self.con.execute(sqlfiles.render(name, **names))
        self._created |= {name for name, _ in connection_macros()}

    def _create_on_demand(self, query: str) -> None:
        """Create the macro files ``query`` needs (:func:`needed_files`) that this connection lacks, in order."""
        wanted = needed_files(query) - self._created
        if not wanted:
            return
        for name, names in macro_files():
            if name in wanted:
                try:
                    self.con.execute(sqlfiles.render(name, **names))
                except duckdb.Error as exc:
                    raise KineticsError(f"cannot create the macros of queries/{name}.sql: {exc}") from exc
        self._created |= wanted

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
            import pyarrow as pa

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

    def _relation(self, query: str, params: Sequence[Any] | dict[str, Any] | None) -> duckdb.DuckDBPyRelation | None:
        self._create_on_demand(query)
        self.con.complete()  # finish any half-fetched execute() result (fetchone) first
        return self.con.sql(query, params=params)

    def arrow(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        import pyarrow as pa

        try:
            rel = self._relation(query, params)
            return pa.table({}) if rel is None else rel.to_arrow_table()
        except duckdb.Error as exc:
            raise KineticsError(str(exc)) from exc

    def df(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        """Run a query (with bind parameters) and return a polars DataFrame (the Arrow C stream: no pyarrow)."""
        try:
            rel = self._relation(query, params)
            return pl.DataFrame() if rel is None else pl.DataFrame(rel)
        except duckdb.Error as exc:
            raise KineticsError(str(exc)) from exc

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
