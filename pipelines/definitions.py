"""The one Dagster `Definitions` of brandpulse."""

from __future__ import annotations

from dagster import Definitions

from assets.ingest.assets import ingest_assets, rejected_rows_spec
from pipelines.dbt import dbt_resource, warehouse_dbt_assets
from pipelines.jobs import ingest_job, warehouse_job
from pipelines.resources import WarehouseResource

defs = Definitions(
    assets=[*ingest_assets, rejected_rows_spec, warehouse_dbt_assets],
    jobs=[warehouse_job, ingest_job],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
)
