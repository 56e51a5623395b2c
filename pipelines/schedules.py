"""The daily schedule: yesterday's partition of the whole graph, once the landing day is complete."""

from datetime import timedelta

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from pipelines.jobs import warehouse_job


@schedule(
    job=warehouse_job,
    name="daily_warehouse_schedule",
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="At 02:00 UTC, materialize yesterday's partition of ingest, dbt, analytics and AI, then publish.",
)
def daily_warehouse_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    # Landing files of day D arrive during D (UTC); at 02:00 on D+1 the day is complete.
    # (The partitions end at today, for the landing sensor, so the built-in partitioned
    # schedule would pick today: name yesterday explicitly.)
    day = (context.scheduled_execution_time - timedelta(days=1)).strftime("%Y-%m-%d")
    return RunRequest(
        run_key=f"daily-{day}", partition_key=day, tags={"brandpulse/trigger": "schedule"}
    )
