"""The one way brandpulse opens DuckDB: same settings for every writer and reader."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psutil

from brandpulse.config import get_settings


class WarehouseLocked(RuntimeError):
    """Another process held the warehouse file's lock for longer than the wait bound."""


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")


def describe_lock_holder(error: str) -> str:
    """The process named in DuckDB's lock error, with its command line when it still runs."""
    match = _LOCK_HOLDER.search(error)
    if not match:
        return "another process"
    pid = int(match["pid"])
    try:
        command = " ".join(psutil.Process(pid).cmdline())[:200]
    except psutil.Error:
        command = match["exe"]
    return f"PID {pid} ({command})"


def connect(
    path: Path | str | None = None,
    *,
    read_only: bool = False,
    wait_seconds: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (or `path`) with bounded threads and memory, UTC session time.

    `memory_limit` leaves room for Dagster and prophet on the 24 GiB box, and
    `preserve_insertion_order=false` lets bulk loads stream.

    When another process holds the file's lock (a run, or a reader that opened the live
    file instead of the published snapshot), the open is retried for up to `wait_seconds`,
    telling `on_wait` who holds it; then WarehouseLocked names the holder.
    """
    settings = get_settings()
    target = Path(path) if path is not None else settings.warehouse_path
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    next_report = started
    while True:
        try:
            con = duckdb.connect(
                str(target),
                read_only=read_only,
                config={
                    "threads": settings.duckdb_threads,
                    "memory_limit": settings.duckdb_memory_limit,
                    "preserve_insertion_order": False,
                },
            )
            break
        except duckdb.IOException as exc:
            if "Could not set lock" not in str(exc):
                raise
            waited = time.monotonic() - started
            holder = describe_lock_holder(str(exc))
            if waited >= wait_seconds:
                raise WarehouseLocked(
                    f"The warehouse {target} is locked by {holder}; gave up after {waited:.0f} s "
                    "(BRANDPULSE_WAREHOUSE_LOCK_WAIT_SECONDS). Readers should open the published "
                    "snapshot (brandpulse query, data/published/current.duckdb), never the live file."
                ) from None
            if on_wait and time.monotonic() >= next_report:
                on_wait(
                    f"The warehouse {target} is locked by {holder}: waited {waited:.0f} s "
                    f"of at most {wait_seconds:.0f} s."
                )
                next_report = time.monotonic() + 15
            time.sleep(min(1.0, max(0.05, wait_seconds - waited)))
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
