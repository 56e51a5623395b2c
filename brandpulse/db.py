"""The one way brandpulse opens DuckDB: same settings for every writer and reader."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from brandpulse.config import get_settings


def connect(
    path: Path | str | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (or `path`) with bounded threads and memory, UTC session time.

    `memory_limit` leaves room for Dagster and prophet on the 24 GiB box, and
    `preserve_insertion_order=false` lets bulk loads stream.
    """
    settings = get_settings()
    target = Path(path) if path is not None else settings.warehouse_path
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(target),
        read_only=read_only,
        config={
            "threads": settings.duckdb_threads,
            "memory_limit": settings.duckdb_memory_limit,
            "preserve_insertion_order": False,
        },
    )
    con.execute("SET TimeZone = 'UTC'")
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: all of it commits, or none of it does."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
