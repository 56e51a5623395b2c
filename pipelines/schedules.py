"""The daily schedule: yesterday's partition of the whole graph, once the landing day is complete."""

from dagster import DefaultScheduleStatus, build_schedule_from_partitioned_job

from pipelines.jobs import warehouse_job

# Landing files of day D arrive during D (UTC); at 02:00 UTC on D+1 the day is complete.
# A partitioned schedule targets the last complete partition, i.e. yesterday.
daily_warehouse_schedule = build_schedule_from_partitioned_job(
    warehouse_job,
    name="daily_warehouse_schedule",
    description="Materialize yesterday's partition of ingest, dbt, analytics and AI, then publish.",
    hour_of_day=2,
    minute_of_hour=0,
    default_status=DefaultScheduleStatus.RUNNING,
)
