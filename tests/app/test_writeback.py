"""Write-back to the app database: AI generation results by idempotencyKey through Dagster
(app extraction -> AI job with the local provider -> write-back), and forecast runs."""

from __future__ import annotations

from datetime import date

import duckdb
import psycopg
import pytest
from dagster import materialize

import brandpulse.app.writeback as writeback
from assets.ai import ai_assets
from assets.app import app_extract_assets, app_writeback_assets
from brandpulse.app.writeback import write_predictions
from brandpulse.resources import (
    AILedgerResource,
    AIProvidersResource,
    AppDatabaseResource,
    WarehouseResource,
)
from tests.app.appdb import T0, brand, insert

AI_CONFIG = {
    "ops": {
        "ai__provider_calls": {"config": {"local_failure_rate": 0.0, "retry_base_delay_s": 0.0}}
    }
}
GENERATION_STATE = """SELECT "idempotencyKey", "status"::text, "statusReason", "output" IS NOT NULL,
    "inputTokens" > 0, "costUsd" > 0, "attempts", "completedAt" IS NOT NULL, "version", "updatedAt"
    FROM "AIGeneration" ORDER BY 1"""


def generation(pg, key: str, model: str, **extra) -> None:
    values = {
        "id": f"id_{key}",
        "brandId": "b1",
        "type": "TEXT",
        "model": model,
        "prompt": f"Write about {key}",
        "idempotencyKey": key,
        "createdAt": T0,
        "updatedAt": T0,
        **extra,
    }
    insert(pg, "AIGeneration", **values)


def test_generation_results_written_back_once(app_url: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("BRANDPULSE_DATA_DIR", str(tmp_path))
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg, aiMonthlyBudgetUsd=100, aiDailyGenerationQuota=50)
        generation(pg, "k1", "local-text-small")
        generation(pg, "k2", "local-image", type="IMAGE")
        generation(pg, "k3", "local-text-large", parentGenerationId="id_k1")
        generation(pg, "kx", "not-a-model")
        generation(pg, "done", "local-text-small", status="COMPLETED", output="app-made")
    resources = {
        "warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
        "app_database": AppDatabaseResource(url=app_url),
        "ai_ledger": AILedgerResource(),
        "ai_providers": AIProvidersResource(),
    }
    assert materialize(app_extract_assets, resources=resources).success
    ai = materialize(
        ai_assets, partition_key="2026-08-01", resources=resources, run_config=AI_CONFIG
    )
    assert ai.success
    planned = ai.asset_materializations_for_node("ai__generation_plan")[0].metadata
    called = ai.asset_materializations_for_node("ai__provider_calls")[0].metadata
    assert planned["requests"].value == 4 and called["provider_calls"].value == 3

    # a crash inside the write-back transaction leaves the app as it was
    def crash(_pg) -> None:
        raise RuntimeError("killed before COMMIT")

    monkeypatch.setattr(writeback, "_before_commit", crash)
    assert not materialize(
        app_writeback_assets[1:], resources=resources, raise_on_error=False
    ).success
    with psycopg.connect(app_url) as pg:
        assert {r[1] for r in pg.execute(GENERATION_STATE) if r[0] != "done"} == {"PENDING"}
    monkeypatch.setattr(writeback, "_before_commit", lambda _pg: None)

    first = materialize(app_writeback_assets[1:], resources=resources)
    meta = first.asset_materializations_for_node("app__ai_generation_results")[0].metadata
    assert meta["generations_updated"].value == 4 and meta["versions_inserted"].value == 3
    with psycopg.connect(app_url) as pg:
        state = pg.execute(GENERATION_STATE).fetchall()
        versions = pg.execute(
            """SELECT "generationId", "version", "output" IS NOT NULL FROM "AIVersion" ORDER BY 1"""
        ).fetchall()
    summary = {r[0]: r[1:9] for r in state}
    assert summary["k1"] == ("COMPLETED", None, True, True, True, 1, True, 1)
    assert summary["k3"][0] == "COMPLETED" and summary["k3"][7] == 2  # a new version of k1
    assert summary["kx"][0] == "REJECTED" and "not-a-model" in summary["kx"][1]
    assert summary["done"][0] == "COMPLETED" and summary["done"][5] == 0  # never the warehouse's
    assert versions == [("id_k1", 1, True), ("id_k2", 1, True), ("id_k3", 2, True)]

    # reruns: extraction finds no PENDING request, the AI job calls nothing, nothing is rewritten
    assert materialize(app_extract_assets, resources=resources).success
    again = materialize(
        ai_assets, partition_key="2026-08-01", resources=resources, run_config=AI_CONFIG
    )
    assert (
        again.asset_materializations_for_node("ai__provider_calls")[0]
        .metadata["provider_calls"]
        .value
        == 0
    )
    second = materialize(app_writeback_assets[1:], resources=resources)
    meta = second.asset_materializations_for_node("app__ai_generation_results")[0].metadata
    assert meta["generations_updated"].value == 0 and meta["versions_inserted"].value == 0
    with psycopg.connect(app_url) as pg:
        assert pg.execute(GENERATION_STATE).fetchall() == state  # updatedAt untouched too
        assert pg.execute('SELECT count(*) FROM "AIVersion"').fetchone()[0] == 3


def _forecast(path, rows) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS ml")
    con.execute(
        """CREATE OR REPLACE TABLE ml.revenue_forecast (brand_id VARCHAR, day DATE, yhat DOUBLE,
           yhat_lower DOUBLE, yhat_upper DOUBLE, model VARCHAR, trained_through DATE)"""
    )
    con.executemany("INSERT INTO ml.revenue_forecast VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return con


@pytest.mark.parametrize("reruns", [2])
def test_forecast_rerun_replaces_its_run(app_url: str, tmp_path, reruns: int) -> None:
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
    d = date(2026, 9, 1)
    run = [("b1", date(2026, 9, 2 + i), 10.0 + i, 8.0, 12.0, "prophet", d) for i in range(3)]
    unknown = [("b9", date(2026, 9, 2), 1.0, 0.0, 2.0, "prophet", d)]  # not an app brand
    for attempt in range(reruns):
        changed = [(b, day, y + attempt, lo, hi, m, t) for b, day, y, lo, hi, m, t in run]
        con = _forecast(tmp_path / "w.duckdb", changed + unknown)
        with psycopg.connect(app_url) as pg:
            result = write_predictions(pg, con)
        con.close()
        assert result["rows_written"] == 3 and result["rows_replaced"] == 3 * attempt
    later = [("b1", date(2026, 9, 3), 20.0, 15.0, 25.0, "prophet", date(2026, 9, 2))]
    con = _forecast(tmp_path / "w.duckdb", later)
    with psycopg.connect(app_url) as pg:
        write_predictions(pg, con)
        rows = pg.execute(
            """SELECT "trainedThrough", "day", "value", "metric"::text FROM "AnalyticsPrediction"
               ORDER BY 1, 2"""
        ).fetchall()
    con.close()
    assert rows == [
        (d, date(2026, 9, 2), 11.0, "REVENUE"),
        (d, date(2026, 9, 3), 12.0, "REVENUE"),
        (d, date(2026, 9, 4), 13.0, "REVENUE"),
        (date(2026, 9, 2), date(2026, 9, 3), 20.0, "REVENUE"),
    ]


def test_app_requests_sensor_requests_each_pending_day_once(app_url: str) -> None:
    from dagster import build_sensor_context

    from pipelines.app_sensor import app_requests_sensor

    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        generation(pg, "k1", "local-text-small")
        generation(pg, "k2", "local-text-small", createdAt=T0.replace(day=3))
        generation(pg, "k3", "local-text-small", status="COMPLETED")
    resources = {"app_database": AppDatabaseResource(url=app_url)}
    first = app_requests_sensor(build_sensor_context(resources=resources))
    assert [r.partition_key for r in first] == ["2026-08-01", "2026-08-03"]
    again = app_requests_sensor(build_sensor_context(resources=resources))
    assert [r.run_key for r in again] == [r.run_key for r in first]  # same work, same keys
    with psycopg.connect(app_url, autocommit=True) as pg:
        generation(pg, "k4", "local-text-small")
    changed = app_requests_sensor(build_sensor_context(resources=resources))
    assert changed[0].run_key != first[0].run_key and changed[1].run_key == first[1].run_key
