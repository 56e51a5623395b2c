"""dbt inside Dagster: every dbt model an asset, every dbt test an asset check."""

from assets.dbt.assets import prediction_dbt_assets, warehouse_dbt_assets

dbt_assets = [warehouse_dbt_assets, prediction_dbt_assets]

__all__ = ["dbt_assets", "prediction_dbt_assets", "warehouse_dbt_assets"]
