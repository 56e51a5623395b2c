"""`app_requests_sensor`: PENDING generations in the app -> extract, generate, write back.

Each evaluation asks the app database (one grouped query on the (brandId, status) index's
table) which days hold PENDING `AIGeneration` rows, and requests a run of that day's
partition of app/ai_generation -> ai/generation_plan -> ai/provider_calls ->
ai/generations -> app/ai_generation_results. The run key
is (day, pending count, newest updatedAt): the same waiting work is never requested twice;
new or changed requests make a new key.
"""

from __future__ import annotations

import hashlib

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from assets.ai.assets import CALLS_KEY, GENERATIONS_KEY, PLAN_KEY
from brandpulse.resources import AppDatabaseResource, daily_partitions

APP_AI_KEYS = [
    AssetKey(["app", "ai_generation"]),
    PLAN_KEY,
    CALLS_KEY,
    GENERATIONS_KEY,
    AssetKey(["app", "ai_generation_results"]),
]


@sensor(
    name="app_requests_sensor",
    description="Requests extraction + AI generation + write-back for each day with PENDING "
    "AIGeneration rows in the app database (when BRANDPULSE_APP_DATABASE_URL is set).",
    asset_selection=AssetSelection.assets(*APP_AI_KEYS),
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
)
def app_requests_sensor(context: SensorEvaluationContext, app_database: AppDatabaseResource):
    if not app_database.configured:
        return SkipReason("BRANDPULSE_APP_DATABASE_URL is not set")
    from brandpulse.app.sync import pending_request_days

    with app_database.connect() as pg:
        days = pending_request_days(pg)
    requests = []
    for day, pending, newest in days:
        if not daily_partitions.has_partition_key(day):
            context.log.warning(f"PENDING generations of {day}: not a daily partition; skipped")
            continue
        digest = hashlib.sha256(f"{day}\x1f{pending}\x1f{newest}".encode()).hexdigest()[:24]
        requests.append(
            RunRequest(
                run_key=f"app_requests:{day}:{digest}",
                partition_key=day,
                asset_selection=APP_AI_KEYS,
                tags={"brandpulse/trigger": "app_requests"},
            )
        )
    return requests or SkipReason("no PENDING generations in the app")
