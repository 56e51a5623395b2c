"""The Spark build's marts, loaded into the DuckDB warehouse as its serving copy.

On the Spark engine dbt builds the marts as Spark tables (BRANDPULSE_SPARK_WAREHOUSE); its
on-run-end hook (dbt_project/macros/engine/export_serving_copy.sql) writes every mart,
tables and views alike, and the intermediate models the Python analytics assets read, as
Parquet to `<spark dir>/export/<schema>/<model>/`. This module replaces DuckDB's tables of
the same names with those rows in one transaction, so the Python analytics assets, the
published snapshot and `brandpulse query` read the Spark build unchanged, and a load that
fails midway leaves the previous tables. Spark writes timestamps UTC-adjusted (DuckDB
reads TIMESTAMPTZ); they are stored as naive UTC, the warehouse's convention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from brandpulse.db import transaction

MODEL_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
SERVED_SCHEMAS = ("marts", "intermediate")
"""The schemas the export may hold (the hook writes marts and a few intermediate models)."""


@dataclass(frozen=True)
class LoadedMart:
    schema: str
    name: str
    rows: int


def export_dir(spark_dir: Path) -> Path:
    """Where the Spark build's on-run-end hook writes the serving copy."""
    return spark_dir / "export"


def exported_tables(spark_dir: Path) -> dict[tuple[str, str], list[Path]]:
    """(schema, model) -> its Parquet files, for every model the last Spark run exported."""
    found = {}
    for schema in SERVED_SCHEMAS:
        root = export_dir(spark_dir) / schema
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            if not MODEL_NAME.match(folder.name):
                raise ValueError(f"Unexpected folder {folder} in the Spark export")
            found[(schema, folder.name)] = sorted(folder.glob("*.parquet"))
    return found


def exported_marts(spark_dir: Path) -> dict[str, list[Path]]:
    """Mart name -> its Parquet files."""
    return {
        name: files
        for (schema, name), files in exported_tables(spark_dir).items()
        if schema == "marts"
    }


def _select_list(con: duckdb.DuckDBPyConnection, files: list[str]) -> str:
    described = con.execute(
        "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))", [files]
    ).fetchall()
    return ", ".join(
        f'timezone(\'UTC\', "{name}") AS "{name}"'
        if column_type == "TIMESTAMP WITH TIME ZONE"
        else f'"{name}"'
        for name, column_type in described
    )


def load_marts(con: duckdb.DuckDBPyConnection, spark_dir: Path) -> list[LoadedMart]:
    """Replace DuckDB's marts (and served intermediate tables) with the Spark export, all
    in one transaction; nothing when no model was exported yet."""
    tables = exported_tables(spark_dir)
    if not tables:
        return []  # a run that built no mart yet (e.g. the incremental layer alone)
    views = set(con.execute("SELECT schema_name, view_name FROM duckdb_views()").fetchall())
    loaded = []
    with transaction(con):
        for (schema, name), paths in tables.items():
            if not paths:
                raise FileNotFoundError(f"The Spark export of {schema}.{name} has no Parquet file")
            files = [str(p) for p in paths]
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            if (schema, name) in views:
                con.execute(f'DROP VIEW "{schema}"."{name}"')
            con.execute(
                f'CREATE OR REPLACE TABLE "{schema}"."{name}" AS '
                f"SELECT {_select_list(con, files)} FROM read_parquet(?)",
                [files],
            )
            rows = con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]
            loaded.append(LoadedMart(schema, name, int(rows)))
    return loaded
