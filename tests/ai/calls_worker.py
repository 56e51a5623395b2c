"""A provider-calls step in its own process, for the kill -9 tests:
`python -m tests.ai.calls_worker LEDGER BASE_URL DAY WORKERS`."""

from __future__ import annotations

import sys
from datetime import date

from assets.ai.processing import PartitionProcessor, ProcessingOptions
from brandpulse.ai.budget import BudgetLedger
from brandpulse.ai.catalog import Catalog
from brandpulse.ai.retry import RetryPolicy
from brandpulse.resources.ai_providers import build_router, settings_from_dict


def no_warehouse():
    raise RuntimeError("the calls step must not open the warehouse")


def run(ledger_path: str, base_url: str, day: date, workers: int) -> None:
    catalog = Catalog()
    settings = settings_from_dict(
        {
            "name": "openai",
            "kind": "openai",
            "base_url": base_url,
            "max_concurrency": workers,
            "timeout_seconds": 300,
        }
    )
    router = build_router([settings], catalog)
    options = ProcessingOptions(retry=RetryPolicy(max_attempts=3, base_delay_s=0.01))
    try:
        PartitionProcessor(
            no_warehouse, router, catalog, BudgetLedger(ledger_path), options
        ).call_partition(day)
    finally:
        router.close()


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], date.fromisoformat(sys.argv[3]), int(sys.argv[4]))
