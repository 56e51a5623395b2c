"""`make run`: generate demo data if needed, then run the main job over every landing day.

With BRANDPULSE_LANDING pointing at an existing landing zone nothing is generated: the
warehouse is built from those files, every arrival day that has files. With
BRANDPULSE_APP_DATABASE_URL set nothing is generated either: the app database is
extracted first (incrementally), and the job runs over every arrival day of the app's
rows and of the landing files (an empty or absent landing zone is fine); it also writes
forecasts and generation results back to the app.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from brandpulse.config import get_settings

DEMO_SIZE = {"seed": 7, "brands": 8, "persons": 8000, "days": 90}
"""About 260k events (50k of them the planted daily series, brandpulse/generator/planted_series.py):
the whole demo run finishes in a few minutes on 2 cores."""


def demo_start_date(today: date | None = None) -> date:
    """The first demo day, so that the demo data ends yesterday (UTC): every daily
    partition up to today then has data and the UI shows none missing. (The generator's
    own default start stays fixed: tests pin their dates.)"""
    today = today or datetime.now(UTC).date()
    return today - timedelta(days=DEMO_SIZE["days"])


def landing_days() -> list[str]:
    from brandpulse.ingest import PARTITIONED_SOURCES
    from brandpulse.ingest.load import partitions_with_files

    landing = get_settings().landing_dir
    days = {d for s in PARTITIONED_SOURCES for d in partitions_with_files(landing, s.name)}
    return sorted(d.isoformat() for d in days)


def app_days() -> list[str]:
    """Extract the app database, then the arrival days its rows fill in the warehouse."""
    from brandpulse import db
    from brandpulse.app.connection import describe
    from brandpulse.app.sync import sync

    settings = get_settings()
    print(f"Extracting the app database {describe(settings.app_database_url)}")
    for run in sync(log=lambda _: None):
        print(f"  {run.table:<24} read {run.rows_read:>9,}  loaded {run.rows_loaded:>9,}")
    with db.connect(settings.warehouse_path, read_only=True) as con:
        rows = con.execute(
            """SELECT DISTINCT _partition_date FROM raw.events WHERE _partition_date IS NOT NULL
               UNION SELECT DISTINCT _partition_date FROM raw.ai_generation_requests
               WHERE _partition_date IS NOT NULL"""
        ).fetchall()
    return sorted(d.isoformat() for (d,) in rows)


def ensure_landing_zone() -> list[str]:
    """The landing days to build, after generating the demo zone when there is none."""
    settings = get_settings()
    if settings.app_database_url:
        from brandpulse.app.connection import AppDatabaseUnavailable
        from brandpulse.app.extract import AppSchemaError

        try:
            days = sorted(set(landing_days()) | set(app_days()))
        except (AppDatabaseUnavailable, AppSchemaError) as exc:
            sys.exit(f"error: {exc}")
        if not days:
            sys.exit("The app database and the landing zone hold no events yet.")
        return days
    days = landing_days()
    if days:
        print(f"Using the landing zone at {settings.landing_dir}")
        return days
    if os.environ.get("BRANDPULSE_LANDING"):
        sys.exit(
            f"BRANDPULSE_LANDING={settings.landing_dir} has no partition folders (<source>/date=YYYY-MM-DD/)."
        )
    from brandpulse.generator import generate

    print(f"No landing zone yet: generating demo data into {settings.landing_dir}")
    generate(settings.landing_dir, **DEMO_SIZE, start_date=demo_start_date(), progress=print)
    return landing_days()


def main() -> int:
    started = time.perf_counter()
    days = ensure_landing_zone()
    # the daily partitions start at the first day with data: the definitions read no files
    # when imported, so this process (and the run's step processes) hands it to them
    os.environ.setdefault("BRANDPULSE_START_DATE", days[0])

    import warnings

    from dagster import DagsterInstance, execute_job
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    warnings.filterwarnings("ignore", category=Warning, module="dagster")

    from brandpulse.config import REPO_ROOT
    from brandpulse.resources import WAREHOUSE_POOL
    from pipelines.recovery import recover
    from pipelines.run_progress import LAUNCH_TAG, StepProgress, log_file, quiet_output

    log_path = log_file(get_settings().data_dir)
    launch_id = str(uuid.uuid4())
    print(f"Running warehouse_job for {days[0]}..{days[-1]} ({len(days)} landing days) as one run")
    print(f"Full log: {log_path}")
    with (
        DagsterInstance.get() as instance,
        quiet_output(log_path) as terminal,
        StepProgress(instance, launch_id, terminal),
    ):
        # a run killed earlier (OOM, reboot, kill -9) is failed and its pool slot freed first
        recover(instance, WAREHOUSE_POOL, log=lambda line: print(line, file=terminal))
        # execute_job (not execute_in_process) runs the job with its own executor: crash
        # recovery and a bounded pool wait (pipelines/executor.py)
        job = ReconstructableRepository.for_module(
            "pipelines.definitions", "defs", working_directory=str(REPO_ROOT)
        ).get_reconstructable_job("warehouse_job")
        with execute_job(
            job,
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": days[0],
                "dagster/asset_partition_range_end": days[-1],
                LAUNCH_TAG: launch_id,
            },
        ) as result:
            success, run_id = result.success, result.run_id
    from brandpulse.summary import render

    warehouse = get_settings().warehouse_path
    if warehouse.exists():
        print()
        print(render(warehouse))
    print(
        f"\nrun {run_id} {'succeeded' if success else 'FAILED'} in {time.perf_counter() - started:.0f}s"
        f" (full log: {log_path})"
    )
    return 0 if success else 1


if __name__ == "__main__":
    sys.exit(main())
