"""The one Dagster `Definitions` of brandpulse: every asset, check, job, schedule and sensor.

Only assembly: the assets come from `assets/`, the resources and partitions from the leaf
layer `brandpulse.resources`. Importing this module does no I/O beyond loading code and
the dbt manifest (tests/orchestration/test_definitions_import.py).
"""

from dagster import AssetSpec, Definitions

from assets.ai import ai_assets, ai_checks, ai_sensors
from assets.ai.jobs import ai_requeue_job
from assets.analytics import analytics_assets, analytics_checks
from assets.app import app_assets
from assets.dbt import prediction_dbt_assets, warehouse_dbt_assets
from assets.ingest.assets import ingest_assets, rejected_rows_spec
from assets.publish.assets import (
    published_column_descriptions,
    published_descriptions,
    published_snapshot_asset,
    upstream_of_publication,
)
from assets.report import report_assets
from brandpulse.resources import default_resources
from brandpulse.resources.dbt import dbt_resource
from pipelines.alerts import alerts_sensor
from pipelines.app_sensor import app_requests_sensor
from pipelines.checks import mart_freshness_checks
from pipelines.executor import warehouse_executor
from pipelines.jobs import app_sync_job, ingest_job, warehouse_job
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
    warehouse_dbt_assets,
    prediction_dbt_assets,
    *ai_assets,
    *analytics_assets,
]
_published = published_snapshot_asset(
    upstream_of_publication([k for a in _built for k in a.keys]),
    published_descriptions(_built),
    published_column_descriptions(),
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
    resources={**default_resources(), "dbt": dbt_resource()},
    # also the executor of the implicit jobs behind `dagster asset materialize` and the UI
    executor=warehouse_executor,
)
