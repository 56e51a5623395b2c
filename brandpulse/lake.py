"""The raw layer as a Parquet lake: what dbt reads when the engine is Spark.

Ingestion validates, quarantines and accounts for every landing row in DuckDB's `raw.*`
(brandpulse/ingest); this module exports those same tables, after the load, to
`<lake>/<schema>/<table>/` partitioned by arrival day (`arrival_day=YYYY-MM-DD`, the
`_partition_date` of the row; `snapshot` for the full-snapshot sources), and
`raw.rejected_rows` by source and arrival day. So both engines read the same rows with
the same rejections and accounting. JSON columns are written as JSON text (Spark reads
them with get_json_object / from_json); timestamps stay naive UTC.

Each table is written to a fresh folder and switched in by rename, so a failed export
leaves the previous lake as it was. The names come from raw_schema (code), never data.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from brandpulse.raw_schema import AI_TABLES, RAW_TABLES

LAKE_TABLES: dict[str, tuple[str, ...]] = {
    "raw": tuple(t for t in RAW_TABLES if t != "load_audit"),
    "ai": ("generations", "generation_attempts"),
}
"""What dbt's sources read (dbt_project/models/staging/_sources.yml)."""

PARTITION_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    ("raw", "rejected_rows"): ("source", "arrival_day"),
}
"""Hive partition keys by table; every other table with `_partition_date` uses arrival_day."""


@dataclass(frozen=True)
class ExportedTable:
    schema: str
    table: str
    rows: int
    path: Path


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()


def _select_list(columns: list[tuple[str, str]]) -> str:
    """Columns as Spark reads them: JSON as text; the arrival-day partition key added."""
    parts = [
        f'CAST("{name}" AS VARCHAR) AS "{name}"' if data_type == "JSON" else f'"{name}"'
        for name, data_type in columns
    ]
    if any(name == "_partition_date" for name, _ in columns):
        parts.append("COALESCE(CAST(\"_partition_date\" AS VARCHAR), 'snapshot') AS arrival_day")
    return ", ".join(parts)


def _literal(path: Path) -> str:
    """A configured path inside a SQL string literal (COPY takes no bound path)."""
    return str(path).replace("'", "''")


def _partition_keys(schema: str, table: str, columns: list[tuple[str, str]]) -> tuple[str, ...]:
    if (schema, table) in PARTITION_COLUMNS:
        return PARTITION_COLUMNS[(schema, table)]
    return ("arrival_day",) if any(n == "_partition_date" for n, _ in columns) else ()


def _export_table(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, lake_dir: Path
) -> ExportedTable:
    columns = _columns(con, schema, table)
    if not columns:
        raise LookupError(f"{schema}.{table} does not exist in the warehouse: ingest first")
    final = lake_dir / schema / table
    staging = final.with_name(f".{table}.{uuid.uuid4().hex}")
    staging.mkdir(parents=True)
    query = f'SELECT {_select_list(columns)} FROM "{schema}"."{table}"'
    rows = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
    keys = _partition_keys(schema, table, columns)
    try:
        if rows and keys:
            con.execute(
                f"COPY ({query}) TO '{_literal(staging)}' "
                f"(FORMAT parquet, PARTITION_BY ({', '.join(keys)}), OVERWRITE_OR_IGNORE)"
            )
        else:
            # an empty table still gets a file (Spark takes the table's schema from it), in
            # a partition folder of its own when the table is partitioned (no rows there)
            folder = staging.joinpath(*(f"{key}=none" for key in keys))
            folder.mkdir(parents=True, exist_ok=True)
            kept = ", ".join(f'"{k}"' for k in keys)
            body = f"SELECT * EXCLUDE ({kept}) FROM ({query})" if keys else query
            con.execute(
                f"COPY ({body}) TO '{_literal(folder / 'part-0.parquet')}' (FORMAT parquet)"
            )
        old = final.with_name(f".{table}.old.{uuid.uuid4().hex}")
        if final.exists():
            final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportedTable(schema, table, int(rows), final)


def export_lake(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> list[ExportedTable]:
    """Write every table dbt's sources read to the lake; returns what was written."""
    assert set(LAKE_TABLES["ai"]) <= set(AI_TABLES)
    lake_dir.mkdir(parents=True, exist_ok=True)
    return [
        _export_table(con, schema, table, lake_dir)
        for schema, tables in LAKE_TABLES.items()
        for table in tables
    ]
