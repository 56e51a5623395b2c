"""The app database's assets (group `app`): extraction per table, and the write-back."""

from assets.app.extract import APP_KEYS_BY_RAW_TABLE, app_extract_assets
from assets.app.writeback import app_writeback_assets

app_assets = [*app_extract_assets, *app_writeback_assets]

__all__ = ["APP_KEYS_BY_RAW_TABLE", "app_assets", "app_extract_assets", "app_writeback_assets"]
