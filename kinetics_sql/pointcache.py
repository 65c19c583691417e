"""A cache of recommend's priced points across runs: pricing every trial (queries/recommend/points.sql) is most of a
`recommend`'s start-up, and its rows depend only on the warehouse's data, the pricing context and the SQL.

Each (task, strategy) fill is kept as a Parquet file named by a hash of the warehouse file's state (path, size,
modification time, inode, and its write-ahead log's: any write to the warehouse changes it), the bind parameters
(the pricing context included) and the text of the query and every macro file it needs, in ``$KINETICS_SQL_CACHE``
(default ``$XDG_CACHE_HOME/kinetics-sql``, else ``~/.cache/kinetics-sql``; ``off``: no cache). An ingest, a price,
a fit or a changed formula changes the name; a file that cannot be read is priced again. In-memory warehouses are
not cached."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from kinetics_sql import sqlfiles
from kinetics_sql.errors import KineticsError
from kinetics_sql.warehouse import Warehouse, needed_files


def cache_dir() -> Path | None:
    """Where the cache lives; None when ``KINETICS_SQL_CACHE=off``."""
    configured = os.environ.get("KINETICS_SQL_CACHE", "")
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kinetics-sql"


def _file_state(path: str) -> list[Any]:
    """The warehouse file and its write-ahead log as they are now: any write to either changes this."""
    state: list[Any] = [os.path.realpath(path)]
    for p in (path, path + ".wal"):
        with contextlib.suppress(OSError):
            st = os.stat(p)
            state += [p, st.st_size, st.st_mtime_ns, st.st_ino]
    return state


def _key(wh: Warehouse, name: str, params: dict[str, Any]) -> str:
    query = sqlfiles.load(name)
    texts = [sqlfiles.load(f) for f in sorted(needed_files(query))]
    state = _file_state(wh.path)
    blob = json.dumps([name, query, sqlfiles.load("recommend/tables"), texts, params, state], default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:24]


def fill(wh: Warehouse, name: str, params: dict[str, Any]) -> None:
    """Run ``queries/<name>.sql`` (an INSERT INTO recommend_points of one task and strategy) with ``params``, or
    insert the rows an earlier run kept for the same data, parameters and SQL."""
    folder = cache_dir()
    if folder is None or wh.path == ":memory:":
        wh.execute(sqlfiles.load(name), params)
        return
    path = folder / f"points-{_key(wh, name, params)}.parquet"
    if path.is_file():
        try:
            wh.execute(sqlfiles.render_literals("recommend/cache_read", path=str(path)))
            return
        except KineticsError:
            pass  # unreadable (truncated by a crash, another version): price again and replace it
    wh.execute(sqlfiles.load(name), params)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        wh.execute(
            sqlfiles.render_literals(
                "recommend/cache_write", task=params["task"], strategy=params["strategy"], path=str(tmp)
            )
        )
        os.replace(tmp, path)
    except (KineticsError, OSError):
        with contextlib.suppress(OSError):
            tmp.unlink()
