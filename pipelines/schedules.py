"""The daily schedule: yesterday's partition of the whole graph, once the landing day is complete."""

from datetime import timedelta

from dagster import DefaultScheduleStatus, RunRequest, ScheduleEvaluationContext, schedule

from brandpulse.config import TEST_PASS_TAG
from pipelines.jobs import warehouse_job

FULL_TEST_PASS_WEEKDAY = 6
"""Sunday: the daily run that also runs every dbt test (brandpulse.config.DBT_FULL_TEST_PASS_ONLY)."""


@schedule(
    job=warehouse_job,
    name="daily_warehouse_schedule",
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description=(
        "At 02:00 UTC, materialize yesterday's partition of ingest, dbt, analytics and AI, then"
        " publish. Every dbt test on Sundays; weekdays run the key and singular tests."
    ),
)
def daily_warehouse_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    # Landing files of day D arrive during D (UTC); at 02:00 on D+1 the day is complete.
    # (The partitions end at today, for the landing sensor, so the built-in partitioned
    # schedule would pick today: name yesterday explicitly.)
    # Weekdays run the day's test scope (keys and singular tests); Sunday's run every test.
    scheduled = context.scheduled_execution_time
    day = (scheduled - timedelta(days=1)).strftime("%Y-%m-%d")
    test_pass = "full" if scheduled.weekday() == FULL_TEST_PASS_WEEKDAY else "day"
    return RunRequest(
        run_key=f"daily-{day}",
        partition_key=day,
        tags={"brandpulse/trigger": "schedule", TEST_PASS_TAG: test_pass},
    )
