"""The landing-zone sensor: launch the partitions whose files appeared or changed.

The run key is a hash of the partition's file set (names, sizes, modification times), so
the same files never launch twice and a changed file launches exactly one new run.
"""

import hashlib
from pathlib import Path

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from brandpulse.config import get_settings
from brandpulse.ingest import PARTITIONED_SOURCES
from brandpulse.ingest.reader import list_files
from pipelines.jobs import warehouse_job
from pipelines.partitions import daily_partitions


def partition_fingerprints(landing: Path) -> dict[str, str]:
    """Arrival day -> hash of every landing file of that day, across partitioned sources."""
    entries: dict[str, list[str]] = {}
    for source in PARTITIONED_SOURCES:
        for folder in sorted((landing / source.name).glob("date=*")):
            day = folder.name.removeprefix("date=")
            for path in list_files(folder):
                stat = path.stat()
                entries.setdefault(day, []).append(
                    f"{source.name}/{path.name}:{stat.st_size}:{stat.st_mtime_ns}"
                )
    return {
        day: hashlib.sha256("\n".join(sorted(files)).encode()).hexdigest()[:16]
        for day, files in entries.items()
    }


@sensor(
    job=warehouse_job,
    name="landing_zone_sensor",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,  # on in the UI; on by default it would relaunch every landing day
    description="Launches the warehouse job for every arrival day whose landing files appeared or changed.",
)
def landing_zone_sensor(context: SensorEvaluationContext):
    fingerprints = partition_fingerprints(get_settings().landing_dir)
    valid = set(daily_partitions.get_partition_keys())
    requests = [
        RunRequest(
            run_key=f"landing-{day}-{digest}",
            partition_key=day,
            tags={"brandpulse/trigger": "landing"},
        )
        for day, digest in sorted(fingerprints.items())
        if day in valid
    ]
    return requests or SkipReason("no landing partitions")
