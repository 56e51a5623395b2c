"""Sensors of the instance: the landing zone, and recovery from dead runs.

The landing sensor's run key is a hash of the partition's file set (names, sizes,
modification times), so the same files never launch twice and a changed file launches
exactly one new run. The dead-run sensor is the daemon's side of pipelines/recovery.py.
"""

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from brandpulse.config import TEST_PASS_TAG
from brandpulse.ingest import PARTITIONED_SOURCES
from brandpulse.ingest.load import landing_fingerprints
from brandpulse.resources import WAREHOUSE_POOL, LandingZoneResource, daily_partitions
from pipelines.jobs import warehouse_job
from pipelines.recovery import recover


@sensor(
    job=warehouse_job,
    name="landing_zone_sensor",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,  # on in the UI; on by default it would relaunch every landing day
    description="Launches the warehouse job for every arrival day whose landing files appeared or changed.",
)
def landing_zone_sensor(context: SensorEvaluationContext, landing: LandingZoneResource):
    fingerprints = landing_fingerprints(
        landing.resolved_path, [s.name for s in PARTITIONED_SOURCES]
    )
    valid = set(daily_partitions.get_partition_keys())
    requests = [
        RunRequest(
            run_key=f"landing-{day}-{digest[:16]}",
            partition_key=day,
            tags={"brandpulse/trigger": "landing", TEST_PASS_TAG: "day"},
        )
        for day, digest in sorted(fingerprints.items())
        if day in valid
    ]
    return requests or SkipReason("no landing partitions")


@sensor(
    name="dead_run_sensor",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Fails the runs whose process is gone (OOM, reboot, kill -9) and frees their "
    "slots of the single-writer pool, so later runs never wait on a dead run.",
)
def dead_run_sensor(context: SensorEvaluationContext):
    freed = recover(context.instance, WAREHOUSE_POOL, log=context.log.warning)
    return SkipReason(
        f"recovered {len(freed)} run(s): {', '.join(freed)}" if freed else "no dead runs"
    )
