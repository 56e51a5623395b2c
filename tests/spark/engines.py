"""Build one small generated landing zone on both engines and read their marts back.

DuckDB: ingest into a warehouse file, `dbt build`. Spark: the same raw layer exported to
the Parquet lake (brandpulse.lake), `dbt build` on the local `spark` target. dbt runs as
a subprocess on both, as Dagster runs it. Spark's marts are read from their Parquet
files in the Spark warehouse directory with DuckDB, so no second JVM is started.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import duckdb

from brandpulse import db
from brandpulse.config import DBT_PRODUCTION_BUILD_FLAGS, DBT_PROJECT_DIR, REPO_ROOT
from brandpulse.generator import generate
from brandpulse.ingest import PARTITIONED_SOURCES, SNAPSHOT_SOURCES
from brandpulse.ingest.load import load_partitions, load_snapshot, partitions_with_files
from brandpulse.lake import export_lake
from brandpulse.raw_schema import ensure_ai_schema, ensure_raw_schema
from brandpulse.spark_marts import exported_marts

DBT = REPO_ROOT / ".venv" / "bin" / "dbt"
SPARK_SKIPPED_RESOURCES = ("--exclude-resource-type", "test")
"""dbt's data tests run on the DuckDB build of the same zone; on Spark the comparison of
every mart with DuckDB's checks more than they do (and they cost ~2 minutes there)."""
SMALL_ZONE = {"seed": 11, "brands": 2, "persons": 120, "days": 12}
"""A few thousand events: every funnel order, cohort grain and segment rule of the
generator's definitions gets rows, and a Spark build stays around two minutes."""


def ingest(landing: Path, warehouse: Path) -> None:
    with db.connect(warehouse) as con:
        ensure_raw_schema(con)
        ensure_ai_schema(con)
        for source in SNAPSHOT_SOURCES:
            load_snapshot(con, source.name, landing)
        for source in PARTITIONED_SOURCES:
            load_partitions(con, source.name, partitions_with_files(landing, source.name), landing)


def run_dbt(engine: str, work: Path, warehouse: Path, *extra: str) -> None:
    """`dbt build` (models, seeds, data tests) on `engine`; raises with dbt's output."""
    env = {
        **os.environ,
        "BRANDPULSE_ENGINE": engine,
        "BRANDPULSE_WAREHOUSE": str(warehouse),
        "BRANDPULSE_LAKE_DIR": str(work / "lake"),
        "BRANDPULSE_SPARK_WAREHOUSE": str(work / "spark"),
        "BRANDPULSE_DUCKDB_MEMORY_LIMIT": "1GB",
        # a few thousand rows: one shuffle partition, not the profile's 4 (fewer tasks)
        "BRANDPULSE_SPARK_SHUFFLE_PARTITIONS": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_PATH": str(work / f"logs-{engine}"),
    }
    cmd = [str(DBT), "build", *DBT_PRODUCTION_BUILD_FLAGS, *extra]
    cmd += ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    cmd += ["--target-path", str(work / f"target-{engine}")]
    # the Spark JVM writes derby.log and spark-warehouse probes into its working directory
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"dbt build on {engine} failed:\n{proc.stdout[-6000:]}")


def build_both(work: Path) -> Path:
    """Generate, ingest, build on DuckDB and on Spark; returns the DuckDB warehouse."""
    landing = work / "landing"
    generate(landing, **SMALL_ZONE)
    warehouse = work / "warehouse.duckdb"
    ingest(landing, warehouse)
    run_dbt("duckdb", work, warehouse)
    with db.connect(warehouse, read_only=True) as con:
        export_lake(con, work / "lake")
    run_dbt("spark", work, warehouse, *SPARK_SKIPPED_RESOURCES)
    return warehouse


def mart_names(warehouse: Path) -> list[str]:
    with db.connect(warehouse, read_only=True) as con:
        return [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
                "UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts' "
                "ORDER BY 1"
            ).fetchall()
        ]


def duckdb_rows(warehouse: Path, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with db.connect(warehouse, read_only=True) as con:
        cur = con.execute(f'SELECT * FROM marts."{table}"')
        return [d[0] for d in cur.description], cur.fetchall()


def spark_rows(work: Path, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A Spark mart's rows, read from the Parquet the Spark build exported for it (tables
    and views alike; macros/engine/export_serving_copy.sql). Spark writes UTC-adjusted timestamps."""
    files = exported_marts(work / "spark").get(table)
    if not files:
        return [], []
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        cur = con.execute(
            "SELECT * FROM read_parquet(?, hive_partitioning = false)", [[str(f) for f in files]]
        )
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        con.close()
