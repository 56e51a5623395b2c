"""The Spark build's marts, loaded into the DuckDB warehouse as its serving copy.

On the Spark engine dbt builds the marts as Spark tables (BRANDPULSE_SPARK_WAREHOUSE); its
on-run-end hook (dbt_project/macros/engine/export_marts.sql) writes every mart, tables and
views alike, as Parquet to `<spark dir>/export/marts/<mart>/`. This module replaces
DuckDB's `marts.<mart>` tables with those rows in one transaction, so the Python analytics
assets, the published snapshot and `brandpulse query` read the Spark build unchanged, and a
load that fails midway leaves the previous marts. Spark writes timestamps UTC-adjusted
(DuckDB reads TIMESTAMPTZ); they are stored as naive UTC, the warehouse's convention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from brandpulse.db import transaction

MART_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class LoadedMart:
    name: str
    rows: int


def export_dir(spark_dir: Path) -> Path:
    """Where the Spark build's on-run-end hook writes the marts."""
    return spark_dir / "export" / "marts"


def exported_marts(spark_dir: Path) -> dict[str, list[Path]]:
    """Mart name -> its Parquet files, for every mart the last Spark run exported."""
    root = export_dir(spark_dir)
    if not root.is_dir():
        return {}
    found = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if not MART_NAME.match(folder.name):
            raise ValueError(f"Unexpected folder {folder} in the Spark marts export")
        found[folder.name] = sorted(folder.glob("*.parquet"))
    return found


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
    """Replace DuckDB's marts with the Spark export, all in one transaction; nothing when
    no mart was exported yet."""
    marts = exported_marts(spark_dir)
    if not marts:
        return []  # a run that built no mart yet (e.g. the incremental layer alone)
    loaded = []
    views = {
        name
        for (name,) in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts'"
        ).fetchall()
    }
    with transaction(con):
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        for name, paths in marts.items():
            if not paths:
                raise FileNotFoundError(f"The Spark export of marts.{name} has no Parquet file")
            files = [str(p) for p in paths]
            if name in views:
                con.execute(f'DROP VIEW "marts"."{name}"')
            con.execute(
                f'CREATE OR REPLACE TABLE "marts"."{name}" AS '
                f"SELECT {_select_list(con, files)} FROM read_parquet(?)",
                [files],
            )
            rows = con.execute(f'SELECT count(*) FROM "marts"."{name}"').fetchone()[0]
            loaded.append(LoadedMart(name, int(rows)))
    return loaded
