"""A tiny code location whose one asset holds the warehouse pool slot while it sleeps.

Used by test_crash_recovery.py as a live (then killed) holder of the single-writer pool;
it runs on the same executor as every brandpulse job.
"""

from __future__ import annotations

import os
import time

from dagster import Definitions, asset

from brandpulse.resources import WAREHOUSE_POOL
from pipelines.executor import warehouse_executor


@asset(pool=WAREHOUSE_POOL)
def holds_the_warehouse_pool() -> None:
    """Sleeps HOLD_SECONDS inside the pool."""
    time.sleep(float(os.environ.get("HOLD_SECONDS", "300")))


defs = Definitions(assets=[holds_the_warehouse_pool], executor=warehouse_executor)
