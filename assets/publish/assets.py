"""Publication: after a run has built marts, ml and ai, switch in a read-only snapshot.

It is an asset downstream of every mart and ml table, so it runs last, and only when
everything upstream in the run succeeded: a failed run publishes nothing.
"""

from collections.abc import Iterable, Mapping

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.analytics.io import ML_COLUMN_DOCS
from brandpulse.publish import publish_snapshot
from brandpulse.raw_schema import AI_COLUMN_DOCS
from brandpulse.resources import WAREHOUSE_POOL, PublishedStoreResource, WarehouseResource

PUBLISHED_SCHEMAS = ("marts", "ml", "ai")


def published_snapshot_asset(
    upstream: list[AssetKey],
    descriptions: Mapping[str, str] | None = None,
    column_descriptions: Mapping[str, Mapping[str, str]] | None = None,
):
    @asset(
        key=["published", "snapshot"],
        group_name="publish",
        description="Read-only snapshot of marts, ml and ai, switched in atomically for readers "
        "(brandpulse query, notebooks, BI tools). The previous one stays readable until the switch.",
        owners=["team:data-platform"],
        kinds={"duckdb"},
        deps=upstream,
        pool=WAREHOUSE_POOL,
    )
    def published_snapshot(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        published_store: PublishedStoreResource,
    ) -> MaterializeResult:
        path = publish_snapshot(
            warehouse_path=warehouse.resolved_path,
            published_dir=published_store.resolved_path,
            schemas=PUBLISHED_SCHEMAS,
            descriptions=descriptions,
            column_descriptions=column_descriptions,
        )
        context.log.info(f"published {path}")
        return MaterializeResult(metadata={"snapshot": MetadataValue.path(str(path))})

    return published_snapshot


def upstream_of_publication(asset_keys: list[AssetKey]) -> list[AssetKey]:
    """Every asset whose table is published (schemas marts, ml, ai)."""
    return [k for k in asset_keys if k.path[0] in PUBLISHED_SCHEMAS]


def published_descriptions(assets_defs: Iterable[AssetsDefinition]) -> dict[str, str]:
    """{"schema.table": description} of every published asset: the table comment of a
    table that has none of its own (Python assets; dbt writes the models' comments)."""
    out: dict[str, str] = {}
    for assets_def in assets_defs:
        for key, text in assets_def.descriptions_by_key.items():
            if len(key.path) == 2 and key.path[0] in PUBLISHED_SCHEMAS and text:
                out[".".join(key.path)] = " ".join(text.split())
    return out


def published_column_descriptions() -> dict[str, dict[str, str]]:
    """{"schema.table": {column: description}} of the tables Python assets write (ml.*,
    ai.*): their columns' comments in the snapshot (dbt writes the models' own)."""
    return {
        **{f"ml.{table}": dict(docs) for table, docs in ML_COLUMN_DOCS.items()},
        **{f"ai.{table}": dict(docs) for table, docs in AI_COLUMN_DOCS.items()},
    }
