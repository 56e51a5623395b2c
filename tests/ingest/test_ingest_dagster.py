"""Ingest end to end through Dagster (`materialize` in process on a temp warehouse)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import AssetKey, materialize

import brandpulse.ingest.load as load_module
from assets.ingest.assets import ingest_assets
from brandpulse import db
from brandpulse.resources import LandingZoneResource, WarehouseResource
from tests.ingest.landing import event, write_brands, write_events

RAW_EVENTS = AssetKey(["raw", "events"])


def assets_for(*names: str):
    return [a for a in ingest_assets if any(k.path[-1] in names for k in a.keys)]


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    landing = tmp_path / "landing"
    monkeypatch.setenv("BRANDPULSE_LANDING", str(landing))
    write_brands(landing)
    write_events(landing, "2026-08-01", [event("e1"), event("e2", user_id="u1"), "{broken"])
    write_events(
        landing,
        "2026-08-02",
        [
            event("e1"),  # duplicate of day 1: kept once
            event("late", occurred_at="2026-07-30T23:00:00-02:00"),  # arrived 2 days late
            event("e3", event_name="purchase", revenue=9.5, currency="JPY"),
        ],
    )
    warehouse = WarehouseResource(path=str(tmp_path / "w.duckdb"))
    return landing, warehouse


def run(warehouse: WarehouseResource, partition: str, names=("brands", "events")):
    return materialize(
        assets_for(*names),
        partition_key=partition,
        resources={"warehouse": warehouse, "landing": LandingZoneResource()},
    )


def snapshot(warehouse: WarehouseResource) -> dict[str, list[tuple]]:
    with db.connect(warehouse.resolved_path, read_only=True) as con:
        return {
            "events": con.execute(
                "SELECT event_id, occurred_at, _partition_date, _source_file, _line FROM raw.events ORDER BY ALL"
            ).fetchall(),
            "rejected": con.execute(
                "SELECT source, file, line, reason FROM raw.rejected_rows ORDER BY ALL"
            ).fetchall(),
            "audit": con.execute(
                "SELECT source, _partition_date, file, rows_read, rows_loaded, rows_duplicate, rows_rejected "
                "FROM raw.load_audit ORDER BY ALL"
            ).fetchall(),
        }


def test_two_partitions_load_and_rerun_is_identical(setup) -> None:
    _, warehouse = setup
    first = run(warehouse, "2026-08-01")
    assert first.success
    events_meta = first.asset_materializations_for_node("raw__events")[0].metadata
    assert events_meta["rows_read"].value == 3 and events_meta["rows_rejected"].value == 1
    checks = {
        e.check_name: e.passed
        for e in first.get_asset_check_evaluations()
        if e.asset_key == RAW_EVENTS
    }
    # 1 of 3 rows rejected is above the 5 % threshold: the WARN check fails, the others pass
    assert checks == {
        "rejected_rate_below_threshold": False,
        "latest_partition_not_empty": True,
        "no_duplicate_ids": True,
    }
    assert run(warehouse, "2026-08-02").success
    before = snapshot(warehouse)
    assert [r[0] for r in before["events"]] == ["e1", "e2", "e3", "late"]
    # e1 arrived twice: kept once, from its first arrival
    assert [r[2].isoformat() for r in before["events"] if r[0] == "e1"] == ["2026-08-01"]
    # the late event keeps its true occurred_at (UTC), not its arrival day
    assert [r[1].isoformat() for r in before["events"] if r[0] == "late"] == ["2026-07-31T01:00:00"]
    assert run(warehouse, "2026-08-02").success
    assert run(warehouse, "2026-08-01").success
    assert snapshot(warehouse) == before


def test_accounting_balances_for_every_file(setup) -> None:
    _, warehouse = setup
    run(warehouse, "2026-08-01")
    run(warehouse, "2026-08-02")
    for source, _day, _file, read, loaded, dup, rejected in snapshot(warehouse)["audit"]:
        assert read == loaded + dup + rejected, source
    day2 = [
        a for a in snapshot(warehouse)["audit"] if a[0] == "events" and str(a[1]) == "2026-08-02"
    ][0]
    assert day2[3:] == (3, 2, 1, 0)


def test_failure_midway_leaves_previous_contents(setup, monkeypatch: pytest.MonkeyPatch) -> None:
    landing, warehouse = setup
    assert run(warehouse, "2026-08-01").success
    before = snapshot(warehouse)
    write_events(landing, "2026-08-01", [event("replacement")])

    def explode(con) -> None:
        raise RuntimeError("killed in the middle of the partition write")

    monkeypatch.setattr(load_module, "_before_commit", explode)
    result = materialize(
        assets_for("events"),
        partition_key="2026-08-01",
        resources={"warehouse": warehouse, "landing": LandingZoneResource()},
        raise_on_error=False,
    )
    assert not result.success
    assert snapshot(warehouse) == before


KILLED_LOADER = """
import sys, time
from datetime import date
from pathlib import Path
import brandpulse.ingest.load as load
from brandpulse import db

def hang(con):
    print("in-transaction", flush=True)
    time.sleep(60)

load._before_commit = hang
con = db.connect(sys.argv[1])
load.load_partition(con, "events", date(2026, 8, 1), Path(sys.argv[2]))
"""


def test_kill_midway_leaves_previous_contents(setup, tmp_path: Path) -> None:
    import subprocess
    import sys

    landing, warehouse = setup
    assert run(warehouse, "2026-08-01").success
    before = snapshot(warehouse)
    write_events(landing, "2026-08-01", [event("replacement")])
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOADER, warehouse.resolved_path, str(landing)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "in-transaction"
    proc.kill()  # SIGKILL: no cleanup, no rollback code runs
    proc.wait()
    assert snapshot(warehouse) == before
