"""The same dbt build on a local Spark (issue 23): wall time and its ratio to DuckDB's.

After the dbt_build stage built the freshly ingested warehouse on DuckDB, the raw layer is
exported to the Parquet lake (brandpulse/lake.py, as a Spark run does before dbt) and the
same `dbt build --full-refresh` with the production flags runs on the `spark` target
(local[2] session in dbt's process, Derby metastore, marts exported for the serving copy
by the on-run-end hook). No target: on one machine DuckDB is expected to win at this
size; the ratio is the fixed cost of the scale-out path. Needs the `spark` dependency
group and Java 17 (skipped without them).
"""

from __future__ import annotations

import importlib.util
import shutil

from bench.measure import timed
from bench.stages import BenchContext, StageSkipped
from bench.stages.dbt_build import run_dbt
from brandpulse import db
from brandpulse.config import DBT_PRODUCTION_BUILD_FLAGS
from brandpulse.lake import export_lake


def run(ctx: BenchContext) -> dict:
    warehouse = ctx.state.get("warehouse")
    duckdb_build = ctx.state.get("full_build")
    if warehouse is None or duckdb_build is None:
        raise StageSkipped("no DuckDB build to compare with (run the ingest and dbt_build stages)")
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        raise StageSkipped("pyspark (the spark dependency group) or java is not installed")
    lake, spark_dir = ctx.work / "lake", ctx.work / "spark"
    shutil.rmtree(lake, ignore_errors=True)
    shutil.rmtree(spark_dir, ignore_errors=True)
    with timed() as export, db.connect(warehouse, read_only=True) as con:
        exported = export_lake(con, lake)
    env = {
        "BRANDPULSE_ENGINE": "spark",
        "BRANDPULSE_LAKE_DIR": str(lake),
        "BRANDPULSE_SPARK_WAREHOUSE": str(spark_dir),
    }
    build = run_dbt(
        ctx,
        warehouse,
        ["build", "--full-refresh", *DBT_PRODUCTION_BUILD_FLAGS],
        timeout=ctx.dbt_timeout,
        extra_env=env,
    )
    summary = build.summary(top=10)
    summary.pop("per_model_seconds", None)
    spark_seconds = export.seconds + build.seconds
    metrics = {
        "lake_export_seconds": round(export.seconds, 3),
        "lake_rows": sum(t.rows for t in exported),
        "spark_build_seconds": round(build.seconds, 3),
        "spark_total_seconds": round(spark_seconds, 3),
        "duckdb_build_seconds": round(duckdb_build.seconds, 3),
        "spark": summary,
    }
    notes = [
        f"Spark local[2] build {build.seconds:.1f}s (+{export.seconds:.1f}s lake export) vs "
        f"DuckDB {duckdb_build.seconds:.1f}s: {spark_seconds / duckdb_build.seconds:.1f}x"
    ]
    if build.timed_out:
        notes.append(f"stopped after {ctx.dbt_timeout:.0f} s: the Spark time is a lower bound")
    elif not build.ok:
        notes.append(f"Spark build failed: {summary['failures']}")
    return {
        "metrics": metrics,
        "notes": notes,
        "error_detail": build.output_tail or None,
        "ok": build.ok,
    }
