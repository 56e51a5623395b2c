"""The one Dagster `Definitions` of brandpulse: every asset, check, job, schedule and sensor."""

from dagster import AssetSpec, Definitions

from assets.ai import ai_assets, ai_checks, ai_resources, ai_sensors
from assets.ai.jobs import ai_requeue_job
from assets.analytics import analytics_assets, analytics_checks
from assets.app import app_assets
from assets.ingest.assets import ingest_assets, rejected_rows_spec
from assets.publish.assets import (
    published_descriptions,
    published_snapshot_asset,
    upstream_of_publication,
)
from assets.report import report_assets
from pipelines.alerts import FileDestination, WebhookDestination, alerts_sensor
from pipelines.app_sensor import app_requests_sensor
from pipelines.checks import mart_freshness_checks
from pipelines.dbt import dbt_resource, incremental_dbt_assets, warehouse_dbt_assets
from pipelines.executor import warehouse_executor
from pipelines.jobs import app_sync_job, ingest_job, warehouse_job
from pipelines.resources import AppDatabaseResource, SparkResource, WarehouseResource
from pipelines.schedules import daily_warehouse_schedule
from pipelines.sensors import dead_run_sensor, landing_zone_sensor

generation_attempts_spec = AssetSpec(
    key=["ai", "generation_attempts"],
    group_name="ai",
    description="Every provider call of every generation (status, error type, latency); written by "
    "ai/generations in the same transactions.",
    owners=["team:ai-studio"],
    kinds={"duckdb"},
    deps=[["ai", "generations"]],
)

_built = [
    *app_assets,
    *ingest_assets,
    incremental_dbt_assets,
    warehouse_dbt_assets,
    *ai_assets,
    *analytics_assets,
]
_published = published_snapshot_asset(
    upstream_of_publication([k for a in _built for k in a.keys]), published_descriptions(_built)
)

defs = Definitions(
    assets=[*_built, rejected_rows_spec, generation_attempts_spec, _published, *report_assets],
    asset_checks=[*mart_freshness_checks, *ai_checks, *analytics_checks],
    jobs=[warehouse_job, ingest_job, app_sync_job, ai_requeue_job],
    schedules=[daily_warehouse_schedule],
    sensors=[
        landing_zone_sensor,
        dead_run_sensor,
        alerts_sensor,
        *ai_sensors,
        app_requests_sensor,
    ],
    resources={
        "warehouse": WarehouseResource(),
        "dbt": dbt_resource(),
        "spark": SparkResource(),
        "app_database": AppDatabaseResource(),
        **ai_resources(),
        # alert destinations: BRANDPULSE_ALERT_WEBHOOK_URL / BRANDPULSE_ALERT_FILE when sending
        "alert_webhook": WebhookDestination(),
        "alert_file": FileDestination(),
    },
    # also the executor of the implicit jobs behind `dagster asset materialize` and the UI
    executor=warehouse_executor,
)
