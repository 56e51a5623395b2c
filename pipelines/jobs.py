"""Jobs: the main warehouse job (everything, in dependency order) and the ingest-only job."""

from __future__ import annotations

from dagster import AssetSelection, Backoff, Jitter, RetryPolicy, define_asset_job

from brandpulse.config import get_settings
from brandpulse.resources import daily_partitions
from pipelines.executor import warehouse_executor

APP_GROUP = AssetSelection.groups("app")
_app_configured = bool(get_settings().app_database_url)
"""The app database's assets run only when BRANDPULSE_APP_DATABASE_URL is set (read from
the environment, no I/O): unset, the warehouse is built from the landing zone alone."""

# The warehouse chain is one writer at a time anyway: the in-process executor saves the
# 1.5–1.8 s process start (plus imports) that the multiprocess executor pays per step.
# warehouse_executor adds crash recovery and a bounded pool wait (pipelines/executor.py).
# Step retries for transient errors (a provider outage, a dbt adapter hiccup): every step is
# idempotent (partitions are replaced, AI work is journaled), so a retry is always safe.
# A run whose process died is failed (and its pool slot freed) before the next run starts;
# under the daemon, run_retries in dagster_home/dagster.yaml then re-launches it.
transient_step_retries = RetryPolicy(
    max_retries=2, delay=10, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
)

warehouse_job = define_asset_job(
    name="warehouse_job",
    selection=AssetSelection.all() if _app_configured else AssetSelection.all() - APP_GROUP,
    partitions_def=daily_partitions,
    executor_def=warehouse_executor,
    op_retry_policy=transient_step_retries,
    description="Ingest the landing zone (and the app database when configured), build the dbt "
    "warehouse, run analytics and AI jobs, write results back to the app, publish.",
)

ingest_job = define_asset_job(
    name="ingest_job",
    selection=AssetSelection.groups("ingest"),
    partitions_def=daily_partitions,
    executor_def=warehouse_executor,
    op_retry_policy=transient_step_retries,
    description="Load landing partitions into raw.* only.",
)

app_sync_job = define_asset_job(
    name="app_sync_job",
    selection=APP_GROUP
    - AssetSelection.keys(["app", "analytics_prediction"], ["app", "ai_generation_results"]),
    executor_def=warehouse_executor,
    op_retry_policy=transient_step_retries,
    description="Extract the app database into raw.* only (every table from its cursor).",
)
