"""The Dagster asset writes one page per brand from the published snapshot."""

from __future__ import annotations

from dagster import AssetKey

from assets.report import report_assets
from assets.report.assets import PUBLISHED_KEY, REPORT_KEY
from tests.report.conftest import AssetRun
from tests.report.demo_snapshot import BRANDS


def test_asset_definition() -> None:
    (asset_def,) = report_assets
    assert asset_def.key == REPORT_KEY
    spec = next(iter(asset_def.specs))
    assert spec.group_name == "reports"
    deps = {d.asset_key for d in spec.deps}
    assert PUBLISHED_KEY in deps
    assert AssetKey(["marts", "daily_brand_metrics"]) in deps
    assert AssetKey(["ml", "revenue_forecast"]) in deps


def test_materialize_writes_reports(asset_run: AssetRun) -> None:
    assert asset_run.result.success
    written = sorted(p.name for p in asset_run.reports_dir.iterdir())
    assert written == sorted(["index.html", *(f"{b}.html" for b in BRANDS)])
    (event,) = asset_run.result.get_asset_materialization_events()
    materialization = event.step_materialization_data.materialization
    assert materialization.asset_key == REPORT_KEY
    assert materialization.metadata["brands"].value == len(BRANDS)
    assert materialization.metadata["charts"].value >= 2 * 20
