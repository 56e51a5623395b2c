"""Writing one fetched batch of an app table into `raw.*`, through the landing validation.

The batch's rows are mapped onto landing documents (brandpulse.app.tables), validated by
the same SQL as file lines, de-duplicated by the same keys, and written in ONE DuckDB
transaction together with their rejected rows, the run's accounting (raw.load_audit) and
the table's cursor (raw.app_cursors). A crash at any point leaves data and cursor
consistent: the next run resumes from the last committed batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

import duckdb
import pyarrow as pa

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
    """SQL: a reason for a value of an enum column the contract does not list (never NULL-ed)."""
    if not table.enums:
        return "CAST(NULL AS VARCHAR)"
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
    """Temp table `_app_lines`: each app row with its line number, id, an enum reason,
    whether it is soft-deleted, and its landing form: the fields as typed columns, or, for
    definitions (parsed by the landing's Python grammar), the landing JSON document in `raw`.
    The batch stays registered as `_app_batch` (line number in `_line`) for rejected rows."""
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
    numbered = batch.append_column("_line", pa.array(range(1, batch.num_rows + 1), pa.int64()))
    con.register("_app_batch", numbered)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _app_lines AS
            SELECT '{table.origin}' AS file, _line AS line, {landing},
                   {day} AS _partition_date, {_row_id(table)} AS row_id,
                   {_enum_reason(table)} AS enum_reason, {deleted} AS is_deleted
            FROM _app_batch b"""
    )


def _app_row_json(table: AppTable) -> str:
    """SQL: an `_app_batch` row as JSON text with the app's column names."""
    fields = ", ".join(f'"{c}" := b."{c}"' for c in table.columns)
    return f"CAST(to_json(struct_pack({fields})) AS VARCHAR)"


def _validate(con: duckdb.DuckDBPyConnection, table: AppTable) -> None:
    """`_validated`: the landing validation over the rows that carry a state to load (the
    JSON-document SQL for definitions, its typed-column form for everything else)."""
    source = source_for(table.raw_table)
    live = "true" if table.keep_deleted else "NOT is_deleted"
    if source.definition:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW lines AS SELECT file, line, raw, "
            f"NULL::VARCHAR AS reader_reason, _partition_date FROM _app_lines WHERE {live}"
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE _validated AS {validation_sql(source)}")
        con.execute("DROP VIEW lines")
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW typed_lines AS SELECT * FROM _app_lines WHERE {live}"
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE _validated AS {typed_validation_sql(source)}")
        con.execute("DROP VIEW typed_lines")
    con.execute(
        """UPDATE _validated v SET reason = l.enum_reason
           FROM _app_lines l WHERE l.line = v.line AND l.enum_reason IS NOT NULL"""
    )


def _fresh_append(con: duckdb.DuckDBPyConnection, table: AppTable) -> None:
    """`_fresh`: good rows whose key is new to raw (any origin), first copy within the batch.

    The keys raw already holds are found by an inner join first (its hash table is built
    on the batch, the smaller side, and raw's key columns only stream past it), then the
    batch is anti-joined against those few keys: a NOT EXISTS straight against raw would
    hash the whole table again for every batch, which grows with each batch of a full
    extraction.
    """
    source = source_for(table.raw_table)
    keys = ", ".join(source.dedup_key)
    held_match = " AND ".join(f"e.{k} IS NOT DISTINCT FROM g.{k}" for k in source.dedup_key)
    fresh_match = " AND ".join(f"h.{k} IS NOT DISTINCT FROM g.{k}" for k in source.dedup_key)
    batch_keys = ", ".join(f"g.{k}" for k in source.dedup_key)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _fresh AS
            WITH good AS (
                SELECT * EXCLUDE (raw, field_reason, reason) FROM _validated WHERE reason IS NULL
            ),
            held AS (
                SELECT DISTINCT {batch_keys} FROM good g
                JOIN (SELECT {keys} FROM raw.{table.raw_table}) e ON {held_match}
            )
            SELECT * FROM good g
            WHERE NOT EXISTS (SELECT 1 FROM held h WHERE {fresh_match})
            QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY line) = 1"""
    )


def _fresh_all(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _fresh AS
           SELECT * EXCLUDE (raw, field_reason, reason) FROM _validated WHERE reason IS NULL"""
    )


def _insert_fresh(con: duckdb.DuckDBPyConnection, table: AppTable) -> None:
    con.execute(insert_fresh_sql(table.raw_table, line="NULL"))


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
            AND t.{id_col} IN (SELECT row_id FROM _app_lines)""",
        [table.origin],
    )
    for child in CHILD_TABLES.get(table.raw_table, ()):
        con.execute(
            f"""DELETE FROM raw.{child} c WHERE NOT EXISTS (SELECT 1 FROM raw.{table.raw_table} p
                WHERE p.brand_id = c.brand_id AND p.{id_col} = c.{id_col})"""
        )


def _write_rejected(con: duckdb.DuckDBPyConnection, table: AppTable) -> None:
    """Replace the rejections of these row ids: the row as the app holds it, its id, why."""
    held = con.execute(
        "SELECT count(*) FROM raw.rejected_rows WHERE source = ? AND file = ?",
        [table.raw_table, table.origin],
    ).fetchone()[0]
    if held:
        con.execute(
            """DELETE FROM raw.rejected_rows WHERE source = ? AND file = ?
               AND row_id IN (SELECT row_id FROM _app_lines)""",
            [table.raw_table, table.origin],
        )
    con.execute(
        f"""INSERT INTO raw.rejected_rows
               (source, file, line, reason, raw, rejected_at, brand_id, _partition_date, row_id)
           SELECT ?, v.file, NULL, v.reason, {_app_row_json(table)}, now(),
                  v.brand_id, v._partition_date, l.row_id
           FROM _validated v JOIN _app_lines l ON l.line = v.line
           JOIN _app_batch b ON b._line = v.line
           WHERE v.reason IS NOT NULL""",
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
    _validate(con, table)
    source = source_for(table.raw_table)
    definitions = _apply_definitions(con, source) if source.definition else {}
    if table.kind == "append":
        _fresh_append(con, table)
    else:
        _fresh_all(con)
    read = _count(con, "SELECT count(*) FROM _app_lines")
    deleted = _count(con, "SELECT count(*) FROM _app_lines WHERE is_deleted")
    rejected = _count(con, "SELECT count(*) FROM _validated WHERE reason IS NOT NULL")
    loaded = _count(con, "SELECT count(*) FROM _fresh")
    if table.kind != "append" and not table.keep_deleted:
        loaded += deleted  # a soft delete applied is the row's state loaded
    reasons = dict(
        con.execute(
            "SELECT split_part(reason, ':', 1), count(*) FROM _validated "
            "WHERE reason IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    run.rows_read += read
    run.rows_loaded += loaded
    run.rows_rejected += rejected
    run.rows_duplicate += read - loaded - rejected
    run.rows_deleted += deleted
    run.batches += 1
    for reason, n in reasons.items():
        run.reasons[reason] = run.reasons.get(reason, 0) + n
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
        else:
            _insert_fresh(con, table)
        if table.raw_table == "events":
            # int_events_resolved treats a partition with newly loaded rows as reloaded:
            # every row of a day that gained events carries the new load time.
            # (rows inserted by this transaction already carry now(): not rewritten)
            con.execute(
                """UPDATE raw.events SET _loaded_at = now() WHERE _loaded_at < now()
                   AND _partition_date IN (SELECT DISTINCT _partition_date FROM _fresh)"""
            )
        _write_rejected(con, table)
        _write_audit(con, run)
        _write_cursor(con, table, cursor)
        _before_commit(con)
    con.unregister("_app_batch")
    for temp in ("_app_lines", "_validated", "_fresh"):
        con.execute(f"DROP TABLE IF EXISTS {temp}")


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
