"""Ingest assets: one per landing source, writing `raw.*` in DuckDB.

Partitioned sources load one arrival day per partition (a backfill range loads each day
in turn inside one run); snapshot sources (brands and the definitions) replace their
table from the newest file. Each partition is replaced in one transaction.
"""

from datetime import date

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from assets.app import APP_KEYS_BY_RAW_TABLE
from assets.ingest.checks import raw_check_results, raw_check_specs
from brandpulse.ingest import (
    PARTITIONED_SOURCES,
    SNAPSHOT_SOURCES,
    SOURCES,
    LoadReport,
    load_partitions,
    load_snapshot,
)
from brandpulse.ingest.load import CHILD_TABLES
from brandpulse.resources import (
    WAREHOUSE_POOL,
    LandingZoneResource,
    WarehouseResource,
    daily_partitions,
    single_run_backfill,
)

OWNERS = ["team:data-platform"]
BRANDS_KEY = AssetKey(["raw", "brands"])


def _metadata(report: LoadReport, con, table: str) -> dict[str, object]:
    """The load's accounting (LoadReport.as_metadata) plus the table's row count and a preview."""
    preview = con.execute(
        f"SELECT * FROM raw.{table} LIMIT 5"
    ).df()  # table name is code, not input
    return {
        **report.as_metadata(),
        "dagster/row_count": MetadataValue.int(
            con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        ),
        "preview": MetadataValue.md(
            preview.astype(str).to_markdown(index=False) if len(preview) else "(empty)"
        ),
    }


def _partitioned_asset(source_name: str) -> AssetsDefinition:
    @asset(
        key=["raw", source_name],
        group_name="ingest",
        description=f"Landing `{source_name}` files of one arrival day, validated and de-duplicated "
        "into raw.{source_name}; bad rows go to raw.rejected_rows with their reason.",
        owners=OWNERS,
        kinds={"python", "duckdb"},
        partitions_def=daily_partitions,
        backfill_policy=single_run_backfill,
        pool=WAREHOUSE_POOL,
        # lineage: rows of raw.<source> also come from the app database when it is configured
        deps=[BRANDS_KEY, *APP_KEYS_BY_RAW_TABLE.get(source_name, [])],
        check_specs=raw_check_specs(
            AssetKey(["raw", source_name]), source_name, SOURCES[source_name].dedup_key
        ),
    )
    def _ingest(
        context: AssetExecutionContext, warehouse: WarehouseResource, landing: LandingZoneResource
    ) -> MaterializeResult:
        landing_dir = landing.resolved_path
        window = context.partition_time_window
        days = [date.fromisoformat(k) for k in context.partition_keys]
        context.log.info(
            f"Loading {source_name} for {len(days)} day(s): {window.start:%Y-%m-%d}..{window.end:%Y-%m-%d}"
        )
        done = 0

        def progress(batch: LoadReport) -> None:
            nonlocal done
            done += len(batch.partitions)
            context.log.info(
                f"[{done}/{len(days)} days] {source_name} {batch.partitions[0]}..{batch.partitions[-1]}: "
                f"read {batch.total('rows_read'):,}, loaded {batch.total('rows_loaded'):,}, "
                f"duplicates {batch.total('rows_duplicate'):,}, rejected {batch.total('rows_rejected'):,} "
                f"({batch.seconds:.2f}s)"
            )

        with warehouse.connect() as con:
            report = load_partitions(con, source_name, days, landing_dir, progress)
            return MaterializeResult(
                metadata=_metadata(report, con, source_name),
                check_results=raw_check_results(con, source_name, SOURCES[source_name].dedup_key),
            )

    return _ingest


def _snapshot_asset(source_name: str) -> AssetsDefinition:
    children = CHILD_TABLES.get(source_name, ())
    description = (
        f"Newest snapshot file of `{source_name}` (full replace). Definitions are validated; an invalid "
        "one is reported by id in raw.rejected_rows and the others load."
    )
    specs = [
        AssetSpec(
            key=["raw", table],
            group_name="ingest",
            description=description
            if table == source_name
            else f"Rows derived from the valid {source_name} definitions.",
            owners=OWNERS,
            kinds={"python", "duckdb"},
            deps=(
                APP_KEYS_BY_RAW_TABLE.get(table, [])
                if source_name == "brands" or table != source_name
                else [BRANDS_KEY, *APP_KEYS_BY_RAW_TABLE.get(table, [])]
            ),
        )
        for table in (source_name, *children)
    ]

    @multi_asset(name=f"raw_{source_name}", specs=specs, pool=WAREHOUSE_POOL)
    def _ingest(
        context: AssetExecutionContext, warehouse: WarehouseResource, landing: LandingZoneResource
    ):
        with warehouse.connect() as con:
            report = load_snapshot(con, source_name, landing.resolved_path)
            context.log.info(f"{source_name}: {report.as_metadata()}")
            yield MaterializeResult(
                asset_key=["raw", source_name], metadata=_metadata(report, con, source_name)
            )
            for table in children:
                count = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[
                    0
                ]  # code-defined name
                yield MaterializeResult(
                    asset_key=["raw", table],
                    metadata={"dagster/row_count": MetadataValue.int(count)},
                )

    return _ingest


ingest_assets = [_partitioned_asset(s.name) for s in PARTITIONED_SOURCES] + [
    _snapshot_asset(s.name) for s in SNAPSHOT_SOURCES
]

rejected_rows_spec = AssetSpec(
    key=["raw", "rejected_rows"],
    group_name="ingest",
    description="Every landing row that broke a contract rule, with source, file, line, reason and raw "
    "text. Written by every ingest asset as part of its partition transaction.",
    owners=OWNERS,
    kinds={"duckdb"},
    deps=[key for a in ingest_assets for key in a.keys],
)
