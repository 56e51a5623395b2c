"""Asset checks on the raw layer, and freshness checks on the marts.

Severity: a broken invariant that makes downstream numbers wrong (duplicate ids) is an
ERROR; a symptom worth a look that does not corrupt anything (a high rejected-row rate,
an empty partition, a stale mart) is a WARN. Both show in the UI on the asset.
"""

from datetime import timedelta

from dagster import AssetCheckResult, AssetCheckSeverity, AssetChecksDefinition, AssetKey, asset_check, build_last_update_freshness_checks

from brandpulse.ingest import PARTITIONED_SOURCES
from pipelines.resources import WAREHOUSE_POOL, WarehouseResource

REJECTED_RATE_THRESHOLD = 0.05
"""Above 5 % of rows rejected, somebody upstream changed a format: warn."""

FRESH_MARTS = ["daily_brand_metrics", "funnel_conversion", "cohort_retention", "lifecycle"]


def _raw_checks(source: str, key_columns: tuple[str, ...]) -> list[AssetChecksDefinition]:
    asset_key = AssetKey(["raw", source])

    @asset_check(asset=asset_key, name="rejected_rate_below_threshold", pool=WAREHOUSE_POOL,
                 description=f"Rejected rows are under {REJECTED_RATE_THRESHOLD:.0%} of rows read (WARN).")
    def rejected_rate(warehouse: WarehouseResource) -> AssetCheckResult:
        with warehouse.connect() as con:
            read, rejected = con.execute(
                "SELECT coalesce(sum(rows_read), 0), coalesce(sum(rows_rejected), 0) FROM raw.load_audit WHERE source = ?",
                [source],
            ).fetchone()
        rate = rejected / read if read else 0.0
        return AssetCheckResult(passed=rate <= REJECTED_RATE_THRESHOLD, severity=AssetCheckSeverity.WARN,
                                metadata={"rows_read": read, "rows_rejected": rejected, "rejected_rate": rate})

    @asset_check(asset=asset_key, name="latest_partition_not_empty", pool=WAREHOUSE_POOL,
                 description="The most recent loaded arrival day holds rows (WARN).")
    def not_empty(warehouse: WarehouseResource) -> AssetCheckResult:
        with warehouse.connect() as con:
            row = con.execute(
                "SELECT _partition_date, sum(rows_loaded) FROM raw.load_audit WHERE source = ? "
                "GROUP BY 1 ORDER BY 1 DESC LIMIT 1", [source]).fetchone()
        day, loaded = row if row else (None, 0)
        return AssetCheckResult(passed=bool(loaded), severity=AssetCheckSeverity.WARN,
                                metadata={"latest_partition": str(day), "rows_loaded": int(loaded or 0)})

    @asset_check(asset=asset_key, name="no_duplicate_ids", pool=WAREHOUSE_POOL, blocking=True,
                 description=f"({', '.join(key_columns)}) is unique in raw.{source} (ERROR, blocks downstream).")
    def unique_ids(warehouse: WarehouseResource) -> AssetCheckResult:
        keys = ", ".join(key_columns)  # code-defined column names, not input
        with warehouse.connect() as con:
            duplicates = con.execute(
                f"SELECT count(*) FROM (SELECT {keys} FROM raw.{source} GROUP BY ALL HAVING count(*) > 1)"
            ).fetchone()[0]
        return AssetCheckResult(passed=duplicates == 0, severity=AssetCheckSeverity.ERROR,
                                metadata={"duplicate_keys": duplicates})

    return [rejected_rate, not_empty, unique_ids]


raw_checks = [check for s in PARTITIONED_SOURCES for check in _raw_checks(s.name, s.dedup_key)]

mart_freshness_checks = build_last_update_freshness_checks(
    assets=[AssetKey(["marts", name]) for name in FRESH_MARTS],
    lower_bound_delta=timedelta(hours=26),
    severity=AssetCheckSeverity.WARN,
)
"""Marts older than a day and two hours (the daily schedule plus slack) warn in the UI."""
