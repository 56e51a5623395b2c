"""`make run`: generate demo data if needed, then run the main job over every landing day.

With BRANDPULSE_LANDING pointing at an existing landing zone nothing is generated: the
warehouse is built from those files, every arrival day that has files.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from brandpulse.config import get_settings

DEMO_SIZE = {"seed": 7, "brands": 8, "persons": 8000, "days": 90}
"""About 210k events: the whole demo run finishes in a few minutes on 2 cores."""


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


def ensure_landing_zone() -> list[str]:
    """The landing days to build, after generating the demo zone when there is none."""
    settings = get_settings()
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

    import warnings

    from dagster import DagsterInstance

    warnings.filterwarnings("ignore", category=Warning, module="dagster")

    from pipelines.definitions import defs
    from pipelines.run_progress import StepProgress, log_file, quiet_output

    job = defs.resolve_job_def("warehouse_job")
    log_path = log_file(get_settings().data_dir)
    run_id = str(uuid.uuid4())
    print(f"Running warehouse_job for {days[0]}..{days[-1]} ({len(days)} landing days) as one run")
    print(f"Full log: {log_path}")
    with (
        DagsterInstance.get() as instance,
        quiet_output(log_path) as terminal,
        StepProgress(instance, run_id, terminal),
    ):
        result = job.execute_in_process(
            instance=instance,
            run_id=run_id,
            tags={
                "dagster/asset_partition_range_start": days[0],
                "dagster/asset_partition_range_end": days[-1],
            },
            raise_on_error=False,
        )
    from brandpulse.summary import render

    print()
    print(render(get_settings().warehouse_path))
    print(
        f"\nrun {result.run_id} {'succeeded' if result.success else 'FAILED'} in {time.perf_counter() - started:.0f}s"
        f" (full log: {log_path})"
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
