"""The leaf layer of the Dagster wiring: every external system as a resource, the partitions
and the writer pool.

Assets import these; `pipelines/` assembles them into the one `Definitions`. Nothing here
imports `assets/` or `pipelines/` (tests/orchestration/test_import_graph.py), and
importing any of it does no I/O: resources resolve their paths and URLs from
`brandpulse.config` when used, never at import. The dbt project and resource are in
`brandpulse.resources.dbt` (not re-exported here: it loads dagster-dbt).
"""

from dagster import ConfigurableResource

from brandpulse.resources.ai_ledger import AILedgerResource, default_ledger_path
from brandpulse.resources.ai_providers import AIProvidersResource, ProviderConfig
from brandpulse.resources.alerts import FileDestination, WebhookDestination
from brandpulse.resources.app_database import AppDatabaseResource
from brandpulse.resources.landing import LandingZoneResource
from brandpulse.resources.partitions import daily_partitions, single_run_backfill
from brandpulse.resources.published import PublishedStoreResource
from brandpulse.resources.spark import SparkResource
from brandpulse.resources.warehouse import WAREHOUSE_POOL, WarehouseResource


def default_resources() -> dict[str, ConfigurableResource]:
    """Every resource but dbt under its key, configured from the environment when used.
    The Definitions' resources (plus `dbt`), and what tests override one key of."""
    return {
        "warehouse": WarehouseResource(),
        "landing": LandingZoneResource(),
        "published_store": PublishedStoreResource(),
        "app_database": AppDatabaseResource(),
        "spark": SparkResource(),
        "ai_ledger": AILedgerResource(),
        "ai_providers": AIProvidersResource(),
        # alert destinations: BRANDPULSE_ALERT_WEBHOOK_URL / BRANDPULSE_ALERT_FILE when sending
        "alert_webhook": WebhookDestination(),
        "alert_file": FileDestination(),
    }


__all__ = [
    "WAREHOUSE_POOL",
    "AILedgerResource",
    "AIProvidersResource",
    "AppDatabaseResource",
    "FileDestination",
    "LandingZoneResource",
    "ProviderConfig",
    "PublishedStoreResource",
    "SparkResource",
    "WarehouseResource",
    "WebhookDestination",
    "daily_partitions",
    "default_resources",
    "default_ledger_path",
    "single_run_backfill",
]
