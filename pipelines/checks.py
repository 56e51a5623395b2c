"""Freshness checks on the marts (the raw-layer checks run inside the ingest steps:
see assets/ingest/checks.py).

A mart older than the daily schedule plus slack is a WARN: worth a look in the UI,
nothing is wrong with the numbers it holds.
"""

from datetime import timedelta

from dagster import AssetCheckSeverity, AssetKey, build_last_update_freshness_checks

FRESH_MARTS = ["daily_brand_metrics", "funnel_conversion", "cohort_retention", "lifecycle"]

mart_freshness_checks = build_last_update_freshness_checks(
    assets=[AssetKey(["marts", name]) for name in FRESH_MARTS],
    lower_bound_delta=timedelta(hours=26),
    severity=AssetCheckSeverity.WARN,
)
