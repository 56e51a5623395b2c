"""Writing one fetched batch of an app table into `raw.*`, through the landing validation.

The batch's rows are mapped onto landing documents (brandpulse.app.tables), validated by
the same SQL as file lines, de-duplicated by the same keys, and written in ONE DuckDB
transaction together with their rejected rows, the run's accounting (raw.load_audit) and
the table's cursor (raw.app_cursors). A crash at any point leaves data and cursor
consistent: the next run resumes from the last committed batch.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brandpulse.app.tables import AppTable, source_for
from brandpulse.db import transaction
from brandpulse.ingest.load import (
    CHILD_TABLES,
    _apply_definitions,
    insert_definitions_sql,
    insert_fresh_sql,
)
from brandpulse.ingest.sources import Field
from brandpulse.ingest.validate import typed_validation_sql, validation_sql


@dataclass
class TableRun:
    """The accounting of one extraction of one table: rows read = loaded + duplicate + rejected."""

    table: str
    raw_table: str
    audit_file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    rows_deleted: int = 0
    rows_removed: int = 0
    batches: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    started_at: datetime | None = None
    """The warehouse's clock when the run began (rows loaded since are this run's)."""
    raw_was_empty: bool = False
    """raw.<table> held no row when this (append) run began: every row it holds now was
    loaded by this run (see `_fresh_rows` and `_restamp_days_gained`)."""

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_duplicate + self.rows_rejected

    def as_metadata(self) -> dict[str, object]:
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_duplicate": self.rows_duplicate,
            "rows_rejected": self.rows_rejected,
            "rows_soft_deleted": self.rows_deleted,
            "memberships_removed": self.rows_removed,
            "batches": self.batches,
            "balanced": self.balanced,
            "rejected_by_reason": dict(sorted(self.reasons.items())),
        }


def _before_commit(con: duckdb.DuckDBPyConnection) -> None:
    """Hook called inside each batch transaction before COMMIT (tests inject failures here)."""


def _enum_reason(table: AppTable) -> str:
    """SQL: a reason for a value of an enum column the contract does not list (never NULL-ed);
    for tables with `enums` only."""
    whens = []
    for column, values in table.enums.items():
        listed = ", ".join(f"'{v}'" for v in values)
        whens.append(
            f'WHEN "{column}" IS NOT NULL AND CAST("{column}" AS VARCHAR) NOT IN ({listed}) '
            f"THEN 'unknown_enum: {table.name}.{column} holds a value the contract does not list'"
        )
    return "CASE " + " ".join(whens) + " END"


def _row_id(table: AppTable) -> str:
    return " || '/' || ".join(f'CAST("{k}" AS VARCHAR)' for k in table.key)


_SQL_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
    "object": "JSON",
    "array": "JSON",
}


def _as_landing_json(f: Field, expr: str) -> str:
    """A field's value as the landing document holds it (timestamps: ISO-8601 text with Z)."""
    if f.kind == "timestamp":
        return f"strftime(CAST({expr} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%gZ')"
    return expr


def stage_lines(con: duckdb.DuckDBPyConnection, table: AppTable, batch: pa.Table) -> None:
    """Temp view `_app_lines`: each app row with its line number, id, whether it is
    soft-deleted, and its landing form: the fields as typed columns, or, for definitions
    (parsed by the landing's Python grammar), the landing JSON document in `raw`.

    A view, not a table: the batch is not copied before validation (see `_validate`). The
    batch stays registered as `_app_batch` (line number in `_line`); row ids, enum checks
    and rejected rows are computed from it directly."""
    source = source_for(table.raw_table)
    fields = {f.name: f for f in source.fields}
    day = f'CAST("{table.partition_day}" AS DATE)' if table.partition_day else "CAST(NULL AS DATE)"
    deleted = f'"{table.deleted}" IS NOT NULL' if table.deleted else "false"
    if source.definition:
        doc = ", ".join(
            f"'{name}', {_as_landing_json(fields[name], expr) if name in fields else expr}"
            for name, expr in table.doc
        )
        landing = f"CAST(json_object({doc}) AS VARCHAR) AS raw"
    else:
        landing = ", ".join(
            f"CAST({expr} AS {_SQL_TYPES[fields[name].kind]}) AS {name}" for name, expr in table.doc
        )
    # numpy, not a Python range: 245,760 Python ints cost ~20 ms of the writer's time (and GIL)
    lines = pa.array(np.arange(1, batch.num_rows + 1, dtype=np.int64))
    numbered = batch.append_column("_line", lines)
    con.register("_app_batch", numbered)
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW _app_lines AS
            SELECT '{table.origin}' AS file, _line AS line, {landing},
                   {day} AS _partition_date, {deleted} AS is_deleted
            FROM _app_batch b"""
    )


def _app_row_json(table: AppTable) -> str:
    """SQL: an `_app_batch` row as JSON text with the app's column names."""
    fields = ", ".join(f'"{c}" := b."{c}"' for c in table.columns)
    return f"CAST(to_json(struct_pack({fields})) AS VARCHAR)"


VALIDATED_VIEW_FROM_ROWS = 50_000
"""Batches from this size on are validated through a view (never copied); smaller ones
(an incremental run's usual single batch) into a temp table, read by the insert and, when
a row was not written (the overlap's duplicates), by the rejection count: one validation
instead of two (~10 ms of a 10k-row incremental run)."""


def _validate(con: duckdb.DuckDBPyConnection, table: AppTable, rows: int) -> str:
    """`_validated`: the landing validation over the rows that carry a state to load (the
    JSON-document SQL for definitions, its typed-column form for everything else).

    A view for a large batch where the SQL decides every reason (the batch is not copied
    once more; the reasons are counted only when a row was not written); a table for a
    small batch (`VALIDATED_VIEW_FROM_ROWS`) or where reasons are added afterwards (enum
    values, definitions parsed in Python). Returns which.
    """
    source = source_for(table.raw_table)
    live = "true" if table.keep_deleted else "NOT is_deleted"
    small = rows < VALIDATED_VIEW_FROM_ROWS
    kind = "TABLE" if source.definition or table.enums or small else "VIEW"
    if source.definition:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW lines AS SELECT file, line, raw, "
            f"NULL::VARCHAR AS reader_reason, _partition_date FROM _app_lines WHERE {live}"
        )
        validation = validation_sql(source)
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW typed_lines AS SELECT * FROM _app_lines WHERE {live}"
        )
        validation = typed_validation_sql(source)
    con.execute(f"CREATE OR REPLACE TEMP {kind} _validated AS {validation}")
    if table.enums:
        con.execute(
            f"""UPDATE _validated v SET reason = e.reason
                FROM (SELECT _line, {_enum_reason(table)} AS reason FROM _app_batch) e
                WHERE e._line = v.line AND e.reason IS NOT NULL"""
        )
    return kind


def _fresh_rows(table: AppTable, run: TableRun, days: tuple[date, date] | None) -> str:
    """SQL: the good rows of `_validated` that are new to raw (any origin).

    Append tables de-duplicate by the source's key: the keys raw already holds are found by
    an inner join first (its hash table is built on the batch, the smaller side, and raw's
    key columns only stream past it), then the batch is anti-joined against those few
    keys; a NOT EXISTS straight against raw would hash the whole table for every batch.
    Within a batch a key repeats only when it is not the app's primary key (then the first
    line wins). Other kinds replace the app's rows, so every good row is written.

    When raw held nothing as the run began and the key holds the app's primary key, the
    join is skipped: the only rows raw holds are this run's earlier batches, and one run
    reads one snapshot in (cursor, id) keyset order, so no row, hence no key, comes twice
    (a full extraction into an empty warehouse: the join cost ~0.25 s of CPU per 1M rows).

    `days` (the batch's first and last arrival day, see `_batch_days`): raw's rows of this
    table's own origin are only looked at on those days, its other rows (landing files)
    everywhere. Parameters $first_day and $last_day.
    """
    good = "SELECT * EXCLUDE (raw, field_reason, reason) FROM _validated WHERE reason IS NULL"
    if table.kind != "append" or (run.raw_was_empty and table.key_unique_in_batch):
        return good
    keys = source_for(table.raw_table).dedup_key
    held_match = " AND ".join(f"e.{k} IS NOT DISTINCT FROM g.{k}" for k in keys)
    fresh_match = " AND ".join(f"h.{k} IS NOT DISTINCT FROM g.{k}" for k in keys)
    first_copy = (
        ""
        if table.key_unique_in_batch
        else f"QUALIFY row_number() OVER (PARTITION BY {', '.join(keys)} ORDER BY line) = 1"
    )
    columns = ", ".join(keys)
    held_rows = f"SELECT {columns} FROM raw.{table.raw_table}"
    if days is not None:
        held_rows = f"""{held_rows} WHERE _source_file = '{table.origin}'
                    AND _partition_date BETWEEN $first_day AND $last_day
                UNION ALL
                {held_rows} WHERE _source_file IS DISTINCT FROM '{table.origin}'"""
    return f"""WITH good AS ({good}),
            held AS (
                SELECT DISTINCT {", ".join(f"g.{k}" for k in keys)} FROM good g
                JOIN ({held_rows}) e ON {held_match}
            )
            SELECT * FROM good g
            WHERE NOT EXISTS (SELECT 1 FROM held h WHERE {fresh_match})
            {first_copy}"""


def _batch_days(table: AppTable, batch: pa.Table) -> tuple[date, date] | None:
    """The batch's first and last arrival day, when raw's copies of its rows can only be on
    those days: the table's cursor is its creation time (`createdAt`, append-only by the
    contract, CONTRACTS.md section 5), so a row read again has the arrival day it had when
    it was loaded. An incremental run then probes the days it touches instead of every key
    raw holds (1M events: ~0.06 s a run). None (probe everything) for any other table, or
    a batch with a row without the day."""
    if table.partition_day != "createdAt" or table.cursor != "createdAt" or not batch.num_rows:
        return None
    column = batch.column(table.partition_day)
    if column.null_count:
        return None
    bounds = pc.min_max(column).as_py()
    return bounds["min"].date(), bounds["max"].date()


def _insert_fresh(
    con: duckdb.DuckDBPyConnection, table: AppTable, run: TableRun, batch: pa.Table
) -> int:
    """Insert the batch's fresh rows in one statement; how many were inserted."""
    days = _batch_days(table, batch)
    source = f"({_fresh_rows(table, run, days)})"
    sql = insert_fresh_sql(table.raw_table, line="NULL", source=source)
    bound = "$first_day" in source  # the join on raw is skipped for some runs
    params = {"first_day": days[0], "last_day": days[1]} if bound and days else None
    return int(con.execute(sql, params).fetchone()[0])


def _insert_definitions(
    con: duckdb.DuckDBPyConnection, table: AppTable, tables: dict[str, pa.Table]
) -> None:
    for name, rows in tables.items():
        con.register("_defs", rows)
        con.execute(insert_definitions_sql(name, table.raw_table, rows, skip=("_line",)))
        con.unregister("_defs")


def _remove_current(con: duckdb.DuckDBPyConnection, table: AppTable) -> None:
    """Delete the warehouse's app rows of every id in this batch (and their derived rows)."""
    source = source_for(table.raw_table)
    id_col = source.dedup_key[-1]
    con.execute(
        f"""DELETE FROM raw.{table.raw_table} t WHERE t._source_file = ?
            AND t.{id_col} IN (SELECT {_row_id(table)} FROM _app_batch)""",
        [table.origin],
    )
    for child in CHILD_TABLES.get(table.raw_table, ()):
        con.execute(
            f"""DELETE FROM raw.{child} c WHERE NOT EXISTS (SELECT 1 FROM raw.{table.raw_table} p
                WHERE p.brand_id = c.brand_id AND p.{id_col} = c.{id_col})"""
        )


def _rejection_reasons(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many rows of the batch were rejected, by reason (its first word)."""
    return dict(
        con.execute(
            "SELECT split_part(reason, ':', 1), count(*) FROM _validated "
            "WHERE reason IS NOT NULL GROUP BY 1"
        ).fetchall()
    )


def _restamp_days_gained(con: duckdb.DuckDBPyConnection, run: TableRun) -> None:
    """Stamp the older rows of every day that gained events with this batch's load time.

    int_events_resolved treats a partition with newly loaded rows as reloaded (its rows
    missing from the new load are gone), so every row of such a day must carry a load time
    newer than what dbt consumed. The rows this transaction inserted carry now() (its
    start) already; rows loaded earlier in this same run are newer than anything dbt
    consumed too (dbt cannot open the warehouse while this run holds it), so only rows
    loaded before the run began are rewritten: a full extraction rewrites nothing, and a
    run that began on an empty raw.events has no such row (nothing to scan).

    Both times are bound as TIMESTAMP values: compared with now() (a TIMESTAMPTZ) every
    row's `_loaded_at` was converted through ICU's calendar, and a constant lets DuckDB skip
    row groups by their min/max.
    """
    if run.raw_was_empty:
        return
    (stamp,) = con.execute("SELECT CAST(now() AS TIMESTAMP)").fetchone()
    since = run.started_at if run.started_at is not None else stamp
    con.execute(
        """UPDATE raw.events SET _loaded_at = ?
           WHERE _loaded_at < ?
             AND _partition_date IN (
                 SELECT DISTINCT _partition_date FROM raw.events WHERE _loaded_at = ?)""",
        [stamp, since, stamp],
    )


def _write_rejected(con: duckdb.DuckDBPyConnection, table: AppTable, rejected: int) -> None:
    """Replace the rejections of these row ids: the row as the app holds it, its id, why."""
    held = con.execute(
        "SELECT count(*) FROM raw.rejected_rows WHERE source = ? AND file = ?",
        [table.raw_table, table.origin],
    ).fetchone()[0]
    if held:
        con.execute(
            f"""DELETE FROM raw.rejected_rows WHERE source = ? AND file = ?
               AND row_id IN (SELECT {_row_id(table)} FROM _app_batch)""",
            [table.raw_table, table.origin],
        )
    if not rejected:
        return
    con.execute(
        f"""INSERT INTO raw.rejected_rows
               (source, file, line, reason, raw, rejected_at, brand_id, _partition_date, row_id)
           SELECT ?, v.file, NULL, v.reason, {_app_row_json(table)}, now(),
                  v.brand_id, v._partition_date, {_row_id(table)}
           FROM (SELECT * FROM _validated WHERE reason IS NOT NULL) v
           JOIN _app_batch b ON b._line = v.line""",
        [table.raw_table],
    )


def _write_audit(con: duckdb.DuckDBPyConnection, run: TableRun) -> None:
    """The run's cumulative accounting, one raw.load_audit row per table and run."""
    con.execute(
        "DELETE FROM raw.load_audit WHERE source = ? AND file = ?", [run.raw_table, run.audit_file]
    )
    con.execute(
        """INSERT INTO raw.load_audit (source, _partition_date, file, rows_read, rows_loaded,
               rows_duplicate, rows_rejected, loaded_at) VALUES (?, NULL, ?, ?, ?, ?, ?, now())""",
        [
            run.raw_table,
            run.audit_file,
            run.rows_read,
            run.rows_loaded,
            run.rows_duplicate,
            run.rows_rejected,
        ],
    )


def _write_cursor(
    con: duckdb.DuckDBPyConnection, table: AppTable, cursor: tuple[datetime, str] | None
) -> None:
    if cursor is None:
        return
    con.execute("DELETE FROM raw.app_cursors WHERE app_table = ?", [table.name])
    con.execute(
        "INSERT INTO raw.app_cursors VALUES (?, ?, ?, now())", [table.name, cursor[0], cursor[1]]
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])


def load_batch(
    con: duckdb.DuckDBPyConnection,
    table: AppTable,
    batch: pa.Table,
    run: TableRun,
    cursor: tuple[datetime, str] | None,
    replace_all: bool = False,
) -> None:
    """Validate and write one batch, its accounting and `cursor`, in one transaction.

    `replace_all` (tables read whole, without a cursor): the app rows of the table are
    replaced by this batch.
    """
    stage_lines(con, table, batch)
    try:
        _write_batch(con, table, batch, run, cursor, replace_all)
    finally:
        _drop_batch_objects(con)


def _drop_batch_objects(con: duckdb.DuckDBPyConnection) -> None:
    """Drop a batch's temp objects, also after a failed batch: the connection may write
    again, `_validated` is a view or a table depending on the batch, and DuckDB does not
    replace one kind by the other. Errors are ignored (the wrong kind, a connection gone)."""
    statements = [f"DROP {kind} IF EXISTS _validated" for kind in ("TABLE", "VIEW")]
    statements += [f"DROP VIEW IF EXISTS {view}" for view in ("typed_lines", "lines", "_app_lines")]
    for statement in statements:
        with suppress(duckdb.Error):
            con.execute(statement)
    with suppress(duckdb.Error, KeyError):
        con.unregister("_app_batch")


def _write_batch(
    con: duckdb.DuckDBPyConnection,
    table: AppTable,
    batch: pa.Table,
    run: TableRun,
    cursor: tuple[datetime, str] | None,
    replace_all: bool,
) -> None:
    """The body of `load_batch` over the staged batch (`_app_batch`, `_app_lines`)."""
    _validate(con, table, batch.num_rows)
    source = source_for(table.raw_table)
    definitions = _apply_definitions(con, source) if source.definition else {}
    deleted = (
        _count(con, f'SELECT count(*) FROM _app_batch WHERE "{table.deleted}" IS NOT NULL')
        if table.deleted
        else 0
    )
    with transaction(con):
        if replace_all:
            con.execute(f"DELETE FROM raw.{table.raw_table} WHERE _source_file = ?", [table.origin])
            con.execute(
                "DELETE FROM raw.rejected_rows WHERE source = ? AND file = ?",
                [table.raw_table, table.origin],
            )
        elif table.kind == "current":
            _remove_current(con, table)
        if source.definition:
            _insert_definitions(con, table, definitions)
            loaded = _count(con, "SELECT count(*) FROM _validated WHERE reason IS NULL")
        else:
            loaded = _insert_fresh(con, table, run, batch)
        # a rejected row is never written: when every row was, none was rejected, and the
        # validation need not run a second time to count reasons (a full extraction's case)
        reasons = {} if loaded == batch.num_rows else _rejection_reasons(con)
        rejected = sum(reasons.values())
        if table.raw_table == "events" and loaded:
            _restamp_days_gained(con, run)
        if table.kind != "append" and not table.keep_deleted:
            loaded += deleted  # a soft delete applied is the row's state loaded
        run.rows_read += batch.num_rows
        run.rows_loaded += loaded
        run.rows_rejected += rejected
        run.rows_duplicate += batch.num_rows - loaded - rejected
        run.rows_deleted += deleted
        run.batches += 1
        for reason, n in reasons.items():
            run.reasons[reason] = run.reasons.get(reason, 0) + n
        _write_rejected(con, table, rejected)
        _write_audit(con, run)
        _write_cursor(con, table, cursor)
        _before_commit(con)


MEMBERSHIP_DOC = (
    ("collection_id", '"collectionId"'),
    ("generation_id", '"generationId"'),
    ("brand_id", '"brandId"'),
    ("action", '"action"'),
    ("occurred_at", '"occurredAt"'),
)


def membership_changes(
    con: duckdb.DuckDBPyConnection, table: AppTable, keys: pa.Table, seen_at: datetime
) -> tuple[pa.Table, int]:
    """Add/remove records from the join table's current keys and the warehouse's state.

    A key the warehouse does not hold as a member is an `add` (at the app's addedAt); a
    member whose key is gone from the app is a `remove` (at `seen_at`: the app keeps no
    time for a hard delete). Returns the records and how many keys were unchanged.
    """
    con.register("_app_keys", keys)
    members = f"""SELECT collection_id, generation_id, brand_id FROM raw.{table.raw_table}
        WHERE _source_file = '{table.origin}'
        QUALIFY row_number() OVER (PARTITION BY collection_id, generation_id
                                   ORDER BY occurred_at DESC, action) = 1 AND action = 'add'"""
    changes = con.execute(
        f"""WITH members AS ({members})
            SELECT k."collectionId", k."generationId", k."brandId", 'add' AS "action",
                   k."addedAt" AS "occurredAt"
            FROM _app_keys k ANTI JOIN members m
                ON m.collection_id = k."collectionId" AND m.generation_id = k."generationId"
            UNION ALL
            SELECT m.collection_id, m.generation_id, m.brand_id, 'remove', CAST(? AS TIMESTAMP)
            FROM members m ANTI JOIN _app_keys k
                ON m.collection_id = k."collectionId" AND m.generation_id = k."generationId"
            ORDER BY 1, 2""",
        [seen_at],
    ).arrow()
    if isinstance(changes, pa.RecordBatchReader):
        changes = changes.read_all()
    unchanged = con.execute(
        f"""WITH members AS ({members})
            SELECT count(*) FROM _app_keys k SEMI JOIN members m
                ON m.collection_id = k."collectionId" AND m.generation_id = k."generationId" """
    ).fetchone()[0]
    con.unregister("_app_keys")
    return changes, int(unchanged)


def load_memberships(
    con: duckdb.DuckDBPyConnection,
    table: AppTable,
    keys: pa.Table,
    run: TableRun,
    seen_at: datetime,
) -> None:
    """Diff the join table's keys into add/remove records and write them like any batch.

    Accounting counts the keys read: an added key is loaded, an unchanged one a duplicate;
    removals are records the warehouse derives, counted apart (`rows_removed`).
    """
    changes, unchanged = membership_changes(con, table, keys, seen_at)
    as_records = replace(
        table,
        doc=MEMBERSHIP_DOC,
        key=("collectionId", "generationId", "action"),
        columns=("collectionId", "generationId", "brandId", "action", "occurredAt"),
    )
    removed = sum(1 for a in changes.column("action").to_pylist() if a == "remove")
    before = run.rows_read
    load_batch(con, as_records, changes, run, cursor=None)
    run.rows_read = before + keys.num_rows
    run.rows_duplicate += unchanged
    run.rows_removed += removed
    run.rows_loaded -= removed
    with transaction(con):
        _write_audit(con, run)
