"""End to end through Dagster: materialize a partition of ["ai", "generations"] with the local
provider on a temp warehouse, run the checks, rerun; and the sensor's run keys."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

from dagster import AssetKey, Definitions, asset, build_sensor_context, materialize

from assets.ai import ai_assets, ai_checks, ai_sensors
from assets.ai.sensors import run_requests
from brandpulse.resources import (
    AILedgerResource,
    LandingZoneResource,
    WarehouseResource,
    daily_partitions,
    default_resources,
)
from brandpulse.resources.ai_providers import AIProvidersResource
from tests.ai.conftest import D1

RUN_CONFIG = {
    "ops": {
        "ai__provider_calls": {
            "config": {
                "local_failure_rate": 0.3,
                "retry_base_delay_s": 0.0,
                "max_retry_after_s": 0.0,
                "max_workers": 3,
            }
        }
    }
}


def test_materialize_partition_with_local_provider(warehouse, tmp_path: Path):
    warehouse.add_brand("b1", tz="Europe/Berlin", budget=100.0, quota=50)
    warehouse.add_request(
        "t1", "Write a product description", model="local-text-small", optimize=True
    )
    warehouse.add_request(
        "t2",
        "Suggest five taglines",
        model="local-text-large",
        requested_at=datetime(2026, 8, 3, 13),
    )
    warehouse.add_request(
        "i1", "A studio photo of shoes", model="local-image", type_="image", parameters={"n": 2}
    )
    warehouse.add_request(
        "t3",
        "Another take",
        model="local-text-large",
        parent="t2",
        requested_at=datetime(2026, 8, 3, 14),
    )
    warehouse.add_request("x", "unknown", model="not-a-model")
    resources = {
        "warehouse": WarehouseResource(path=str(warehouse.path)),
        "ai_ledger": AILedgerResource(path=str(tmp_path / "ledger.sqlite")),
        "ai_providers": AIProvidersResource(),
    }

    result = materialize(
        [*ai_assets, *ai_checks],
        partition_key=D1.isoformat(),
        resources=resources,
        run_config=RUN_CONFIG,
    )
    assert result.success
    meta = result.asset_materializations_for_node("ai__generations")[0].metadata
    assert meta["partition_by_status"].data == {"completed": 4, "rejected": 1}
    planned = result.asset_materializations_for_node("ai__generation_plan")[0].metadata
    calls = result.asset_materializations_for_node("ai__provider_calls")[0].metadata
    assert planned["requests"].value == 5 and calls["provider_calls"].value == 4
    assert calls["ledger_states"].data == {"settled": 4}
    assert (
        meta["budget_use"].data[0]["brand_id"] == "b1"
        and meta["budget_use"].data[0]["budget_usd"] == 100.0
    )
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks and all(checks.values()), checks
    rows = warehouse.query(
        "SELECT request_id, version, images, cost_usd > 0 FROM ai.generations WHERE status = 'completed' ORDER BY 1"
    )
    assert rows == [("i1", 1, 2, True), ("t1", 1, 0, True), ("t2", 1, 0, True), ("t3", 2, 0, True)]
    # image cost is 2 x 0.01 USD (local-image)
    assert (
        warehouse.query("SELECT cost_usd FROM ai.generations WHERE request_id = 'i1'")[0][0] == 0.02
    )

    again = materialize(
        [*ai_assets], partition_key=D1.isoformat(), resources=resources, run_config=RUN_CONFIG
    )
    planned = again.asset_materializations_for_node("ai__generation_plan")[0].metadata
    calls = again.asset_materializations_for_node("ai__provider_calls")[0].metadata
    assert planned["already_final"].value == 5 and calls["provider_calls"].value == 0


def test_sensor_requests_each_file_set_once(tmp_path: Path, monkeypatch):
    landing = tmp_path / "landing"
    folder = landing / "ai_generation_requests" / "date=2026-08-03"
    folder.mkdir(parents=True)
    (folder / "part-1.jsonl").write_text('{"request_id": "r1"}\n')
    (folder / ".part-2.jsonl.tmp").write_text("partial")
    (landing / "ai_generation_requests" / "date=1999-01-01").mkdir()
    (landing / "ai_generation_requests" / "date=1999-01-01" / "a.jsonl").write_text("{}\n")

    @asset(key=["raw", "ai_generation_requests"], partitions_def=daily_partitions)
    def stand_in_ingest() -> None:
        """Stands in for the ingest asset the sensor's runs start with."""

    sensor = ai_sensors[0]
    defs = Definitions(
        assets=[stand_in_ingest, *ai_assets],
        sensors=ai_sensors,
        resources=default_resources(),
    )

    def tick(cursor):
        context = build_sensor_context(
            cursor=cursor,
            definitions=defs,
            resources={"landing": LandingZoneResource(path=str(landing))},
        )
        return sensor.evaluate_tick(context)

    first = tick(None)
    assert [r.partition_key for r in first.run_requests] == ["2026-08-03"]
    request = first.run_requests[0]
    assert set(request.asset_selection) == {
        AssetKey(["raw", "ai_generation_requests"]),
        AssetKey(["ai", "generation_plan"]),
        AssetKey(["ai", "provider_calls"]),
        AssetKey(["ai", "generations"]),
    }
    second = tick(first.cursor)
    assert not second.run_requests  # same files: nothing new
    # the run key is the file set's fingerprint: without a cursor the same key comes back
    assert run_requests(landing, None)[0][0].run_key == request.run_key

    (folder / "part-2.jsonl").write_text('{"request_id": "r2"}\n')
    later = time.time() + 5
    os.utime(folder / "part-2.jsonl", (later, later))
    third = tick(first.cursor)
    assert [r.partition_key for r in third.run_requests] == ["2026-08-03"]
    assert third.run_requests[0].run_key != request.run_key


def test_only_the_short_warehouse_steps_are_in_the_writer_pool():
    pools = {a.key.to_user_string(): a.op.pool for a in ai_assets}
    assert pools == {
        "ai/generation_plan": "duckdb_warehouse",
        "ai/provider_calls": None,
        "ai/generations": "duckdb_warehouse",
    }


def test_provider_calls_run_while_another_process_writes_the_warehouse(warehouse, tmp_path: Path):
    """The calls step never opens DuckDB: it completes while another process holds the
    warehouse's write lock (as an ingest or dbt step would)."""
    import subprocess
    import sys

    warehouse.add_brand("b1", budget=10.0)
    for i in range(3):
        warehouse.add_request(f"r{i}", f"prompt {i}", model="local-text-small")
    resources = {
        "warehouse": WarehouseResource(path=str(warehouse.path)),
        "ai_ledger": AILedgerResource(path=str(tmp_path / "ledger.sqlite")),
        "ai_providers": AIProvidersResource(),
    }
    plan, calls, write = ai_assets
    assert materialize([plan], partition_key=D1.isoformat(), resources=resources).success
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "c.execute('CREATE TABLE IF NOT EXISTS raw.held (x INT)'); print('held', flush=True); time.sleep(60)",
         str(warehouse.path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        result = materialize(
            [calls], partition_key=D1.isoformat(), resources=resources, run_config=RUN_CONFIG
        )
        assert result.success
    finally:
        holder.kill()
        holder.wait()
    assert materialize([write], partition_key=D1.isoformat(), resources=resources).success
    assert warehouse.query("SELECT status, count(*) FROM ai.generations GROUP BY 1") == [
        ("completed", 3)
    ]
