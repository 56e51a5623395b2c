"""The one Dagster `Definitions` of brandpulse: every asset, check, job, schedule and sensor."""

import os

from dagster import AssetSpec, Definitions

from assets.ai import ai_assets, ai_checks, ai_sensors
from assets.analytics import analytics_assets, analytics_checks
from assets.ingest.assets import ingest_assets, rejected_rows_spec
from assets.publish.assets import published_snapshot_asset, upstream_of_publication
from assets.report import report_assets
from pipelines.alerts import FileDestination, WebhookDestination, alerts_sensor
from pipelines.checks import mart_freshness_checks
from pipelines.dbt import dbt_resource, incremental_dbt_assets, warehouse_dbt_assets
from pipelines.jobs import ingest_job, warehouse_job
from pipelines.resources import WarehouseResource
from pipelines.schedules import daily_warehouse_schedule
from pipelines.sensors import landing_zone_sensor

generation_attempts_spec = AssetSpec(
    key=["ai", "generation_attempts"],
    group_name="ai",
    description="Every provider call of every generation (status, error type, latency); written by "
    "ai/generations in the same transactions.",
    owners=["team:ai-studio"],
    kinds={"duckdb"},
    deps=[a.key for a in ai_assets],
)

_built = [
    *ingest_assets,
    incremental_dbt_assets,
    warehouse_dbt_assets,
    *ai_assets,
    *analytics_assets,
]
_published = published_snapshot_asset(upstream_of_publication([k for a in _built for k in a.keys]))

defs = Definitions(
    assets=[*_built, rejected_rows_spec, generation_attempts_spec, _published, *report_assets],
    asset_checks=[*mart_freshness_checks, *ai_checks, *analytics_checks],
    jobs=[warehouse_job, ingest_job],
    schedules=[daily_warehouse_schedule],
    sensors=[landing_zone_sensor, alerts_sensor, *ai_sensors],
    resources={
        "warehouse": WarehouseResource(),
        "dbt": dbt_resource(),
        # alert destinations: the webhook only when BRANDPULSE_ALERT_WEBHOOK_URL is set
        "alert_webhook": WebhookDestination(url=os.environ.get("BRANDPULSE_ALERT_WEBHOOK_URL", "")),
        "alert_file": FileDestination(path=os.environ.get("BRANDPULSE_ALERT_FILE", "")),
    },
)
