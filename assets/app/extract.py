"""Extraction assets: one per app table, in the `app` group, writing `raw.*`.

Each materialization reads what changed since the table's cursor (brandpulse.app.extract)
and loads it through the landing validation; the metadata is the run's accounting for
the table. `full_resync: true` in the run config re-reads the table from the start (the
same as `brandpulse app-sync --full`).
"""

from datetime import UTC, datetime

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from brandpulse.app.extract import extract_table
from brandpulse.app.sync import extract_options
from brandpulse.app.tables import APP_TABLES, AppTable
from brandpulse.config import get_settings
from brandpulse.resources import WAREHOUSE_POOL, AppDatabaseResource, WarehouseResource

OWNERS = ["team:data-platform"]


def app_asset_key(table: AppTable) -> AssetKey:
    """`app/<snake_case table>`, e.g. app/analytics_event."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in table.name).lstrip("_")
    return AssetKey(["app", snake.replace("a_i_", "ai_")])


BRAND_KEY = app_asset_key(APP_TABLES[0])


class AppExtractConfig(Config):
    full_resync: bool = False
    """Ignore the stored cursor and re-read the whole table."""


def _extraction_asset(table: AppTable) -> AssetsDefinition:
    @asset(
        key=app_asset_key(table),
        group_name="app",
        description=f'App table "{table.name}" extracted into raw.{table.raw_table}: '
        + (
            "incremental by its cursor "
            f"({table.cursor}, id) with an overlap window for late commits"
            if table.cursor
            else "read whole (small, no updatedAt)"
        )
        + "; validated like landing rows, bad rows to raw.rejected_rows with the app row id.",
        owners=OWNERS,
        kinds={"postgres", "python", "duckdb"},
        pool=WAREHOUSE_POOL,
        deps=[] if table.name == "Brand" else [BRAND_KEY],
    )
    def _extract(
        context: AssetExecutionContext,
        config: AppExtractConfig,
        warehouse: WarehouseResource,
        app_database: AppDatabaseResource,
    ) -> MaterializeResult:
        options = extract_options(get_settings(), full=config.full_resync)
        stamp = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%fZ}-{context.run_id[:8]}"
        with app_database.connect() as pg, warehouse.connect() as con:
            run = extract_table(pg, con, table, options, stamp, log=context.log.info)
            cursor = con.execute(
                "SELECT cursor_at, cursor_id FROM raw.app_cursors WHERE app_table = ?",
                [table.name],
            ).fetchone()
            count_sql = f"SELECT count(*) FROM raw.{table.raw_table}"  # noqa: S608 (code-defined)
            rows = con.execute(count_sql).fetchone()[0]
        context.log.info(f"{table.name} from {app_database.describe()}: {run.as_metadata()}")
        return MaterializeResult(
            metadata={
                **run.as_metadata(),
                "app_table": table.name,
                "raw_table": f"raw.{table.raw_table}",
                "cursor": str(cursor) if cursor else "(none)",
                "full_resync": config.full_resync,
                "dagster/row_count": MetadataValue.int(int(rows)),
            }
        )

    return _extract


app_extract_assets = [_extraction_asset(t) for t in APP_TABLES]
APP_KEYS_BY_RAW_TABLE: dict[str, list[AssetKey]] = {}
for _table in APP_TABLES:
    APP_KEYS_BY_RAW_TABLE.setdefault(_table.raw_table, []).append(app_asset_key(_table))
