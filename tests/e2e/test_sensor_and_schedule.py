"""The landing sensor's run keys and the daily schedule's target partition."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from dagster import DagsterInstance, build_schedule_context, build_sensor_context

from brandpulse.resources import LandingZoneResource
from pipelines.schedules import daily_warehouse_schedule
from pipelines.sensors import landing_zone_sensor
from tests.ingest.landing import event, write_events


def run_keys(instance: DagsterInstance) -> dict[str, str]:
    result = landing_zone_sensor(
        build_sensor_context(instance=instance, resources={"landing": LandingZoneResource()})
    )
    return {r.partition_key: r.run_key for r in result}


def test_same_files_same_run_key_and_a_changed_file_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRANDPULSE_LANDING", str(tmp_path))
    day1 = write_events(tmp_path, "2026-08-01", [event("e1")])
    write_events(tmp_path, "2026-08-02", [event("e2")])
    with DagsterInstance.ephemeral() as instance:
        first = run_keys(instance)
        assert sorted(first) == ["2026-08-01", "2026-08-02"]
        assert run_keys(instance) == first  # nothing changed: the daemon skips known run keys
        day1.write_text(day1.read_text() + '{"event_id": "late"}\n')
        os.utime(day1, (1_900_000_000, 1_900_000_000))
        second = run_keys(instance)
        assert second["2026-08-02"] == first["2026-08-02"]
        assert second["2026-08-01"] != first["2026-08-01"]


def test_daily_schedule_targets_yesterday() -> None:
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 8, 10, 2, 0))
    request = daily_warehouse_schedule(context)
    assert (request.partition_key, request.run_key) == ("2026-08-09", "daily-2026-08-09")


def test_daily_schedule_runs_every_dbt_test_on_sundays_only() -> None:
    from brandpulse.config import TEST_PASS_TAG

    def test_pass(day: int) -> str:
        at = datetime(2026, 8, day, 2, 0)  # 2026-08-10 is a Monday, 08-16 a Sunday
        return daily_warehouse_schedule(build_schedule_context(scheduled_execution_time=at)).tags[
            TEST_PASS_TAG
        ]

    assert [test_pass(d) for d in range(10, 17)] == ["day"] * 6 + ["full"]


def test_jobs_retry_transient_step_failures() -> None:
    from pipelines.definitions import defs

    for name in ("warehouse_job", "ingest_job"):
        policy = defs.resolve_job_def(name).op_retry_policy
        assert policy is not None and policy.max_retries == 2, name
