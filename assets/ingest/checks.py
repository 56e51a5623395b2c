"""Checks on the raw layer, evaluated inside the ingest step on its own connection.

Running them in the step that wrote the table (declared as the asset's `check_specs`)
costs no extra step in the single-writer pool and no second connection to the file.

Severity: a broken invariant that makes downstream numbers wrong (duplicate ids) is an
ERROR and blocks downstream assets; a symptom worth a look that corrupts nothing (a
high rejected-row rate, an empty partition) is a WARN.
"""

from __future__ import annotations

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey

REJECTED_RATE_THRESHOLD = 0.05
"""Above 5 % of rows rejected, somebody upstream changed a format: warn."""


def raw_check_specs(
    asset_key: AssetKey, source: str, key_columns: tuple[str, ...]
) -> list[AssetCheckSpec]:
    return [
        AssetCheckSpec(
            "rejected_rate_below_threshold",
            asset=asset_key,
            description=f"Rejected rows are under {REJECTED_RATE_THRESHOLD:.0%} of rows read (WARN).",
        ),
        AssetCheckSpec(
            "latest_partition_not_empty",
            asset=asset_key,
            description="The most recent loaded arrival day holds rows (WARN).",
        ),
        AssetCheckSpec(
            "no_duplicate_ids",
            asset=asset_key,
            blocking=True,
            description=f"({', '.join(key_columns)}) is unique in raw.{source} (ERROR, blocks downstream).",
        ),
    ]


def raw_check_results(
    con: duckdb.DuckDBPyConnection, source: str, key_columns: tuple[str, ...]
) -> list[AssetCheckResult]:
    read, rejected = con.execute(
        "SELECT coalesce(sum(rows_read), 0), coalesce(sum(rows_rejected), 0) FROM raw.load_audit WHERE source = ?",
        [source],
    ).fetchone()
    rate = rejected / read if read else 0.0
    latest = con.execute(
        "SELECT _partition_date, sum(rows_loaded) FROM raw.load_audit WHERE source = ? "
        "GROUP BY 1 ORDER BY 1 DESC LIMIT 1",
        [source],
    ).fetchone()
    day, loaded = latest if latest else (None, 0)
    keys = ", ".join(key_columns)  # code-defined column names, not input
    duplicates = con.execute(
        f"SELECT count(*) FROM (SELECT {keys} FROM raw.{source} GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()[0]
    return [
        AssetCheckResult(
            check_name="rejected_rate_below_threshold",
            passed=rate <= REJECTED_RATE_THRESHOLD,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "rows_read": int(read),
                "rows_rejected": int(rejected),
                "rejected_rate": rate,
            },
        ),
        AssetCheckResult(
            check_name="latest_partition_not_empty",
            passed=bool(loaded),
            severity=AssetCheckSeverity.WARN,
            metadata={"latest_partition": str(day), "rows_loaded": int(loaded or 0)},
        ),
        AssetCheckResult(
            check_name="no_duplicate_ids",
            passed=duplicates == 0,
            severity=AssetCheckSeverity.ERROR,
            metadata={"duplicate_keys": int(duplicates)},
        ),
    ]
