"""The one warehouse dbt step takes its window from the run's partitions and runs once a run.

Real Dagster runs of warehouse_job on a small generated landing zone (4 arrival days), in
order on one warehouse: the ingest job loads all four days into raw; a one-day run (the
schedule's and the landing sensor's shape) must admit only the events before the day
after its partition; a range run (`make run`, a backfill) must run dbt once, with one
unpartitioned materialization per model, and admit the events before the day after the
range's end; a run without a partition admits every event. Which events a run admitted
is read from int_events_resolved, whose `_admitted_before` is the run's max_date.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, materialize

from brandpulse.config import TEST_PASS_TAG
from brandpulse.generator import generate

pytestmark = pytest.mark.e2e

DAYS = ["2026-08-01", "2026-08-02", "2026-08-03", "2026-08-04"]
NO_WINDOW = datetime(9999, 12, 31)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("dbtwindow")
    env = {"BRANDPULSE_DATA_DIR": str(root), "BRANDPULSE_LANDING": str(root / "landing")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        generate(root / "landing", seed=13, brands=1, persons=60, days=len(DAYS))
        from pipelines.definitions import defs

        with DagsterInstance.ephemeral() as instance:
            loaded = defs.resolve_job_def("ingest_job").execute_in_process(
                instance=instance,
                tags={
                    "dagster/asset_partition_range_start": DAYS[0],
                    "dagster/asset_partition_range_end": DAYS[-1],
                },
            )
        assert loaded.success
        yield root / "warehouse.duckdb"
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def admitted(warehouse: Path) -> dict[str, datetime]:
    """event_id -> `_admitted_before` of every event int_events_resolved holds."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select event_id, _admitted_before from intermediate.int_events_resolved"
        ).fetchall()
    return dict(rows)


def raw_events_before(warehouse: Path, day: str | None) -> set[str]:
    """The raw events that occurred (UTC) before `day`, or all of them."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set timezone = 'UTC'")
        where = "" if day is None else "where occurred_at < cast(? as timestamptz)"
        rows = con.execute(
            f"select distinct event_id from raw.events {where}", [] if day is None else [day]
        ).fetchall()
    return {r[0] for r in rows}


def run_warehouse_step(*, with_ingest: bool = False, **run: object):
    """warehouse_job's dbt warehouse step (and the ingest assets) for a partition or range;
    the run's result and the keys of the steps it started, in order."""
    from assets.dbt.assets import warehouse_dbt_assets
    from assets.ingest.assets import ingest_assets
    from pipelines.definitions import defs

    keys = list(warehouse_dbt_assets.keys)
    if with_ingest:
        keys += [k for a in ingest_assets for k in a.keys]
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("warehouse_job").execute_in_process(
            instance=instance,
            asset_selection=keys,
            raise_on_error=False,
            **run,
        )
        steps = [
            e.step_key
            for e in instance.all_logs(result.run_id, of_type=DagsterEventType.STEP_START)
            if e.step_key
        ]
    assert result.success
    return result, steps


def test_a_one_day_run_admits_only_the_events_before_the_next_day(site: Path) -> None:
    run_warehouse_step(partition_key=DAYS[1], tags={TEST_PASS_TAG: "day"})
    events = admitted(site)
    before = raw_events_before(site, DAYS[2])
    assert before and set(events) == before
    assert raw_events_before(site, None) - before, "later raw events must wait in raw"
    assert set(events.values()) == {datetime(2026, 8, 3)}


def test_a_range_run_runs_dbt_once_over_the_range(site: Path) -> None:
    """The ingest assets load each day of the range; dbt runs once, after them."""
    result, steps = run_warehouse_step(
        with_ingest=True,
        tags={
            "dagster/asset_partition_range_start": DAYS[0],
            "dagster/asset_partition_range_end": DAYS[2],
            TEST_PASS_TAG: "day",
        },
    )
    dbt_steps = [s for s in steps if s.startswith("dbt_")]
    assert dbt_steps == ["dbt_warehouse_models"]
    assert steps.index("raw__events") < steps.index("dbt_warehouse_models")
    ingested = result.get_asset_materialization_events()
    events_days = sorted(e.partition for e in ingested if e.asset_key.path == ["raw", "events"])
    assert events_days == DAYS[:3]
    materialized = [e for e in ingested if e.asset_key.path[0] != "raw"]
    resolved = [
        e for e in materialized if e.asset_key.path == ["intermediate", "int_events_resolved"]
    ]
    assert len(resolved) == 1 and resolved[0].partition is None
    assert all(e.partition is None for e in materialized)
    events = admitted(site)
    before = raw_events_before(site, DAYS[3])
    assert set(events) == before and raw_events_before(site, None) - before
    assert datetime(2026, 8, 4) in set(events.values())


def test_a_run_without_a_partition_admits_every_event(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assets.dbt.assets import warehouse_dbt_assets
    from brandpulse.resources import default_resources
    from brandpulse.resources.dbt import dbt_resource

    # a window left in the calling process's environment must not reach dbt either
    monkeypatch.setenv("BRANDPULSE_WINDOW_MAX_DATE", DAYS[1])
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [warehouse_dbt_assets],
            instance=instance,
            resources={**default_resources(), "dbt": dbt_resource()},
            tags={TEST_PASS_TAG: "day"},
        )
    assert result.success
    events = admitted(site)
    assert set(events) == raw_events_before(site, None)
    assert NO_WINDOW in set(events.values())
