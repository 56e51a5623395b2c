"""`ai_requests_sensor`: new request files in the landing zone -> ingest + process that day.

For each `ai_generation_requests/date=YYYY-MM-DD/` folder the sensor fingerprints the
file set (name, size, mtime) and requests one run of that partition of
["raw", "ai_generation_requests"] and ["ai", "generations"] whenever the fingerprint
changes. The run key is the fingerprint itself, so the same file set is never
requested twice, even if the cursor is lost; the cursor only saves work.
"""

from __future__ import annotations

import json
from pathlib import Path

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from assets.ai.assets import CALLS_KEY, GENERATIONS_KEY, PLAN_KEY, REQUESTS_KEY
from brandpulse.ingest.load import landing_fingerprints
from brandpulse.resources import LandingZoneResource, daily_partitions

SOURCE_DIR = "ai_generation_requests"


def run_requests(landing_dir: Path, cursor: str | None) -> tuple[list[RunRequest], str, list[str]]:
    """Run requests for changed partitions, the new cursor, and skipped folder names."""
    seen: dict[str, str] = json.loads(cursor) if cursor else {}
    requests, skipped = [], []
    current = landing_fingerprints(landing_dir, [SOURCE_DIR])
    for day, digest in current.items():
        if seen.get(day) == digest:
            continue
        if not daily_partitions.has_partition_key(day):
            skipped.append(day)
            continue
        requests.append(
            RunRequest(
                run_key=f"ai_generation_requests:{day}:{digest[:24]}",
                partition_key=day,
                asset_selection=[REQUESTS_KEY, PLAN_KEY, CALLS_KEY, GENERATIONS_KEY],
                tags={"brandpulse/source": SOURCE_DIR, "brandpulse/files_fingerprint": digest[:24]},
            )
        )
        seen[day] = digest
    return requests, json.dumps(seen, sort_keys=True), skipped


@sensor(
    name="ai_requests_sensor",
    description="Requests an ingest + AI generation run for each landing day whose request files changed.",
    asset_selection=AssetSelection.assets(REQUESTS_KEY, PLAN_KEY, CALLS_KEY, GENERATIONS_KEY),
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
)
def ai_requests_sensor(
    context: SensorEvaluationContext, landing: LandingZoneResource
) -> SensorResult | SkipReason:
    requests, cursor, skipped = run_requests(landing.resolved_path, context.cursor)
    for day in skipped:
        context.log.warning(
            f"{SOURCE_DIR}/date={day} is not a partition of the daily partitions; skipped"
        )
    if not requests:
        return SkipReason("no new or changed AI request files")
    return SensorResult(run_requests=requests, cursor=cursor)


ai_sensors = [ai_requests_sensor]
