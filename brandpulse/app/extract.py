"""Incremental extraction of the app tables into `raw.*`.

Per table, one read-only REPEATABLE READ transaction (brandpulse.app.scanner: DuckDB's
postgres scanner, one snapshot for the whole extraction) walks the table's (cursor, id)
index in keyset order from the stored cursor minus an overlap window (rows committed
late carry an earlier cursor value), `batch_rows` rows per query, straight into Arrow,
the next batch read while the previous one is written. Each batch is written with the cursor it
reached in one warehouse transaction (brandpulse.app.load), so memory stays one batch
and a crash loses nothing: the rerun re-reads from the last committed cursor, and the
rows it reads again are duplicates by key.

Small tables without `updatedAt` (Team, TeamMember) are read whole and replaced; the
hard-deleted join table AICollectionGeneration is read as its key set (two ids and a
time per row) and diffed against the warehouse into add/remove records.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import psycopg
import pyarrow as pa

from brandpulse.app.connection import AppDatabaseUnavailable, read_snapshot
from brandpulse.app.load import TableRun, load_batch, load_memberships
from brandpulse.app.scanner import ScannerSnapshot
from brandpulse.app.tables import APP_TABLES, AppTable
from brandpulse.raw_schema import ensure_ai_schema, ensure_raw_schema

EPOCH = datetime(1970, 1, 1)


class AppSchemaError(RuntimeError):
    """The app database does not have a table or column the contract describes."""


DUCKDB_ROW_GROUP_ROWS = 122_880
"""DuckDB's row group size (its default `row_group_size`)."""


@dataclass(frozen=True)
class ExtractOptions:
    batch_rows: int = 2 * DUCKDB_ROW_GROUP_ROWS
    """Rows per query and per warehouse transaction. A whole number of DuckDB row groups:
    each commit writes its rows as new row groups, so a batch that ends mid-group leaves a
    partial one that a later checkpoint merges and compresses again (250,000-row batches:
    ~1.3 s more at the checkpoint after a 1M-row extraction, and a 36 MB file, not 25 MB)."""
    statement_timeout_ms: int = 60_000
    overlap: timedelta = timedelta(minutes=10)
    full: bool = False
    """Ignore the stored cursor: re-read the whole table (a full re-sync)."""


_ARROW_TYPES = {
    "timestamp without time zone": pa.timestamp("ms"),
    "integer": pa.int64(),
    "bigint": pa.int64(),
    "smallint": pa.int64(),
    "boolean": pa.bool_(),
    "double precision": pa.float64(),
    "date": pa.date32(),
}


def column_types(pg: psycopg.Connection, table: AppTable) -> dict[str, str]:
    """The app table's column types; AppSchemaError naming the table and any missing column."""
    rows = pg.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = %s""",
        [table.name],
    ).fetchall()
    if not rows:
        raise AppSchemaError(f'app table "{table.name}" does not exist (CONTRACTS.md section 5)')
    types = dict(rows)
    missing = [c for c in table.own_columns if c not in types]
    if missing:
        raise AppSchemaError(
            f'app table "{table.name}" has no column '
            + ", ".join(f'"{c}"' for c in missing)
            + " (renamed or dropped? CONTRACTS.md section 5 lists it); nothing was extracted"
        )
    if table.cursor and types[table.cursor] != "timestamp without time zone":
        raise AppSchemaError(
            f'app table "{table.name}" column "{table.cursor}" is {types[table.cursor]}, '
            "not timestamp(3)"
        )
    return types


def _select(table: AppTable, after: bool) -> str:
    """The batch query (code-defined names; cursor values and the limit are parameters)."""
    cols = ", ".join(f'"{c}"' for c in table.columns)
    source = table.select_sql or f'"{table.name}"'
    conditions = [table.where] if table.where else []
    if table.cursor:
        if after:
            conditions.append(f'("{table.cursor}", "id") > (%s, %s)')
        order = f'"{table.cursor}", "id"'
    else:
        if after:
            keys = ", ".join(f'"{k}"' for k in table.key)
            conditions.append(f"({keys}) > ({', '.join(['%s'] * len(table.key))})")
        order = ", ".join(f'"{k}"' for k in table.key)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {cols} FROM {source}{where} ORDER BY {order} LIMIT %s"  # noqa: S608


def _scan_select(table: AppTable, types: dict[str, str], after: bool) -> str:
    """The batch query with every column in the type Arrow receives: the types without an
    exact Arrow twin (jsonb, numeric(65,30), enums, text) as PostgreSQL's text form, on
    purpose (jsonb stays the document's text, a 30-digit decimal is never rounded by a
    float), integers widened to bigint."""
    casts = []
    for c in table.columns:
        kind = types.get(c, "text")
        if kind not in _ARROW_TYPES:
            casts.append(f'q."{c}"::text AS "{c}"')
        elif _ARROW_TYPES[kind] == pa.int64():
            casts.append(f'q."{c}"::bigint AS "{c}"')
        else:
            casts.append(f'q."{c}"')
    return f"SELECT {', '.join(casts)} FROM ({_select(table, after)}) q"  # noqa: S608


def _arrow_schema(table: AppTable, types: dict[str, str]) -> pa.Schema:
    return pa.schema(
        [(c, _ARROW_TYPES.get(types.get(c, "text"), pa.string())) for c in table.columns]
    )


def fetch_batch(
    snapshot: ScannerSnapshot,
    table: AppTable,
    types: dict[str, str],
    after: tuple | None,
    limit: int,
) -> pa.Table:
    """One keyset batch through the postgres scanner, as typed Arrow (text for everything
    without an exact Arrow type, timestamp(3) as ms, integers int64)."""
    params = [*(after or ()), limit]
    batch = snapshot.query(
        _scan_select(table, types, after is not None), params, f'reading "{table.name}"'
    )
    return batch.cast(_arrow_schema(table, types))


def _typed_empty(table: AppTable, types: dict[str, str]) -> pa.Table:
    return _arrow_schema(table, types).empty_table()


def stored_cursor(con: duckdb.DuckDBPyConnection, table: AppTable) -> tuple[datetime, str] | None:
    row = con.execute(
        "SELECT cursor_at, cursor_id FROM raw.app_cursors WHERE app_table = ?", [table.name]
    ).fetchone()
    return (row[0], row[1]) if row and row[0] is not None else None


def _last_key(batch: pa.Table, columns: Iterable[str]) -> tuple:
    return tuple(batch.column(c)[batch.num_rows - 1].as_py() for c in columns)


def extract_table(
    pg: psycopg.Connection,
    con: duckdb.DuckDBPyConnection,
    table: AppTable,
    options: ExtractOptions,
    run_stamp: str,
    log: Callable[[str], None] = lambda _: None,
) -> TableRun:
    """Extract one table (incrementally unless `options.full`) into raw.*; its accounting."""
    ensure_raw_schema(con)
    ensure_ai_schema(con)
    run = TableRun(table.name, table.raw_table, f"{table.origin}@{run_stamp}")
    run.started_at = con.execute("SELECT CAST(now() AS TIMESTAMP)").fetchone()[0]
    where = f"{pg.info.host}:{pg.info.port}/{pg.info.dbname}"
    try:
        with read_snapshot(pg, options.statement_timeout_ms):
            types = column_types(pg, table)
        with ScannerSnapshot(pg, options.statement_timeout_ms) as snapshot:
            if table.kind in ("snapshot", "membership"):
                _extract_whole(snapshot, con, table, types, options, run)
            else:
                _extract_incremental(snapshot, con, table, types, options, run, log)
    except AppDatabaseUnavailable as exc:
        raise AppDatabaseUnavailable(f"{exc} (after {run.batches} committed batch(es))") from None
    except psycopg.OperationalError as exc:
        # the server went away mid-read (or a statement timed out): batches committed so
        # far stand with their cursor; the rerun resumes there
        first = (str(exc).strip().splitlines() or [""])[0]
        raise AppDatabaseUnavailable(
            f"app database {where} failed while reading "
            f'"{table.name}" after {run.batches} committed batch(es): {first}'
        ) from None
    return run


def _extract_whole(snapshot, con, table, types, options, run) -> None:
    batches, after = [], None
    while True:
        batch = fetch_batch(snapshot, table, types, after, options.batch_rows)
        if batch.num_rows == 0:
            break
        batches.append(batch)
        after = _last_key(batch, table.key)
    whole = pa.concat_tables(batches) if batches else _typed_empty(table, types)
    if table.kind == "membership":
        seen_at = datetime.now(UTC).replace(tzinfo=None)
        load_memberships(con, table, whole, run, seen_at)
    else:
        load_batch(con, table, whole, run, cursor=None, replace_all=True)


FIRST_BATCH_ROWS = DUCKDB_ROW_GROUP_ROWS // 5


def _read_ahead(
    snapshot: ScannerSnapshot,
    table: AppTable,
    types: dict[str, str],
    after: tuple | None,
    batch_rows: int,
) -> Iterator[pa.Table]:
    """The table's keyset batches from `after` on, each fetched while the previous one is
    written: a reader thread stays at most one batch ahead (memory stays three batches).

    The PostgreSQL read (server and scanner) and the DuckDB write release the GIL, so on
    two cores a full extraction takes about the longer of the two, not their sum. The
    first batch is small (FIRST_BATCH_ROWS) so the writer starts early instead of waiting
    for a whole batch; an incremental run is usually that one small batch.
    A read error is raised here, in the writer's thread; closing the iterator early (a
    write failed) stops the reader after the batch in flight.
    """
    handoff: queue.Queue[pa.Table | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def read() -> None:
        position, limit = after, min(batch_rows, FIRST_BATCH_ROWS)
        try:
            while not stop.is_set():
                batch = fetch_batch(snapshot, table, types, position, limit)
                if batch.num_rows:
                    handoff.put(batch)
                if batch.num_rows < limit:
                    break
                position, limit = _last_key(batch, (table.cursor, "id")), batch_rows
        except BaseException as exc:  # noqa: BLE001 - handed to the writer, raised there
            handoff.put(exc)
            return
        handoff.put(None)

    reader = threading.Thread(target=read, name=f"read {table.name}", daemon=True)
    reader.start()
    try:
        while (item := handoff.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting to hand over a batch
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.1)
        reader.join()


@contextlib.contextmanager
def _one_core_left_for_the_reader(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the writer with one DuckDB thread fewer than configured while the reader reads.

    The reader thread and PostgreSQL's backend keep one core busy during the whole
    extraction; a DuckDB worker on that core only competes with them (on this 2-core box
    the writer's INSERTs with 2 threads took 3.2-5.7 s of CPU for 1M rows, with 1 thread
    2.6-2.8 s, and the extraction got faster: bench/README.md). `threads` is the database
    instance's setting, so it is put back afterwards, even on failure.
    """
    (threads,) = con.execute("SELECT current_setting('threads')").fetchone()
    threads = int(threads)
    con.execute(f"SET threads = {max(1, threads - 1)}")
    try:
        yield
    finally:
        con.execute(f"SET threads = {threads}")


def _holds_no_rows(con: duckdb.DuckDBPyConnection, raw_table: str) -> bool:
    return not con.execute(f"SELECT 1 FROM raw.{raw_table} LIMIT 1").fetchall()  # noqa: S608


def _extract_incremental(snapshot, con, table, types, options, run, log) -> None:
    cursor = None if options.full else stored_cursor(con, table)
    after = (cursor[0] - options.overlap, "") if cursor else None
    run.raw_was_empty = table.kind == "append" and _holds_no_rows(con, table.raw_table)
    with _one_core_left_for_the_reader(con):
        for batch in _read_ahead(snapshot, table, types, after, options.batch_rows):
            reached = _last_key(batch, (table.cursor, "id"))
            if cursor is not None and reached < cursor:
                reached = cursor
            load_batch(con, table, batch, run, cursor=reached)
            cursor = reached
            log(
                f"{table.name}: batch {run.batches}, read {run.rows_read:,}, "
                f"loaded {run.rows_loaded:,}, duplicates {run.rows_duplicate:,}, "
                f"rejected {run.rows_rejected:,}"
            )
    if run.batches == 0:  # the run's accounting row exists even when nothing changed
        load_batch(con, table, _typed_empty(table, types), run, cursor=None)


def extract_all(
    pg: psycopg.Connection,
    con: duckdb.DuckDBPyConnection,
    options: ExtractOptions,
    tables: Iterable[AppTable] = APP_TABLES,
    log: Callable[[str], None] = lambda _: None,
) -> list[TableRun]:
    """Extract every app table in dependency order (brands first: rows check their brand)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [extract_table(pg, con, t, options, stamp, log) for t in tables]
