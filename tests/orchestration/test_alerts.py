"""Alerts: sent once each to a real local HTTP receiver and a file, across sensor ticks and
restarts; a receiver that is down is retried later without holding anything up."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    DagsterInstance,
    Definitions,
    asset,
    asset_check,
    build_sensor_context,
    materialize,
)

from brandpulse.publish import publish_snapshot
from brandpulse.resources import FileDestination, PublishedStoreResource, WebhookDestination
from pipelines.alerts import alerts_sensor
from pipelines.alerts.collect import expected_range
from pipelines.alerts.ledger import AlertLedger


class Receiver:
    """An HTTP server on 127.0.0.1 (a free port) that records JSON bodies; `down` makes it
    answer 503."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.down = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                outer.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _publish(root: Path) -> None:
    """A warehouse with two flagged anomalies (one older than a week) and two brand-months
    at 85 % and 120 % of their AI budget, published as the current snapshot."""
    warehouse = root / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema ml; create schema marts")
    con.execute(
        """create table ml.metric_anomalies as select * from (values
           ('b1', date '2026-09-20', 'events', 400.0, 100.0, 20.02, true, 'spike'),
           ('b1', date '2026-09-19', 'events', 100.0, 100.0, 0.0, false, 'spike'),
           ('b1', date '2026-09-01', 'orders', 0.0, 30.0, -9.0, true, 'drop'))
           as t(brand_id, day, metric, value, expected, robust_z, is_anomaly, direction)"""
    )
    con.execute(
        """create table marts.ai_cost_by_brand_month as select * from (values
           ('b1', '2026-09', 8.5, 10.0, 0.85), ('b2', '2026-09', 12.0, 10.0, 1.2),
           ('b3', '2026-09', 1.0, 10.0, 0.1))
           as t(brand_id, month, cost_usd, budget_usd, budget_used_ratio)"""
    )
    con.close()
    publish_snapshot(warehouse, root / "published", schemas=["ml", "marts"])


@asset
def guarded() -> None:
    return None


@asset_check(asset=guarded, blocking=True)
def guarded_rows_unique() -> AssetCheckResult:
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR, metadata={"dupes": 3})


def _tick(instance: DagsterInstance, webhook: str) -> str:
    defs = Definitions(assets=[guarded], asset_checks=[guarded_rows_unique])
    context = build_sensor_context(
        instance=instance,
        repository_def=defs.get_repository_def(),
        resources={
            "alert_webhook": WebhookDestination(url=webhook, timeout_seconds=2),
            "alert_file": FileDestination(),
            "published_store": PublishedStoreResource(),
        },
    )
    return alerts_sensor(context).skip_message


def test_alerts_sent_once_with_retry_and_restart(tmp_path, monkeypatch, receiver) -> None:
    monkeypatch.setenv("BRANDPULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BRANDPULSE_PUBLISHED_DIR", str(tmp_path / "published"))
    monkeypatch.setenv("BRANDPULSE_DAGSTER_URL", "http://dagster.example")
    _publish(tmp_path)
    with DagsterInstance.ephemeral() as instance:
        # tick 1: the receiver is down; the file still gets every alert, the webhook none
        receiver.down = True
        message = _tick(instance, receiver.url)
        assert "4 current alerts" in message and "1 failed" in message
        lines = (tmp_path / "data" / "alerts" / "alerts.jsonl").read_text().splitlines()
        assert len(lines) == 4 and receiver.bodies == []
        # tick 2: the receiver is back; the alert whose send failed waits for its backoff,
        # the three never tried (a down destination costs one timeout per tick) go now
        receiver.down = False
        _tick(instance, receiver.url)
        assert len(receiver.bodies) == 3
        # the backoff has passed (as if 31 s later): each alert arrives once
        ledger = AlertLedger(tmp_path / "data" / "alerts" / "ledger.sqlite")
        with ledger._connect() as con:
            con.execute("UPDATE alerts SET next_attempt_at = 0")
        _tick(instance, receiver.url)
        # and again, after a "restart" (a new ledger object on the same file): nothing new
        _tick(instance, receiver.url)
    keys = [b["alert"]["key"] for b in receiver.bodies]
    assert sorted(keys) == sorted(
        [
            "anomaly:b1:events:2026-09-20",
            "budget:b1:2026-09:80",
            "budget:b2:2026-09:80",
            "budget:b2:2026-09:100",
        ]
    )
    assert len((tmp_path / "data" / "alerts" / "alerts.jsonl").read_text().splitlines()) == 4
    spike = next(b for b in receiver.bodies if b["alert"]["key"].startswith("anomaly"))
    assert spike["text"].startswith("[brandpulse] anomaly (spike): brand b1")  # Slack reads text
    alert = spike["alert"]
    assert (alert["brand_id"], alert["metric"], alert["day"], alert["value"]) == (
        "b1",
        "events",
        "2026-09-20",
        400.0,
    )
    assert alert["expected_low"] < 100.0 < alert["expected_high"] < 400.0
    assert alert["link"] == "http://dagster.example/assets/ml/metric_anomalies"


def test_failed_blocking_check_alerts_once_per_run(tmp_path, monkeypatch, receiver) -> None:
    monkeypatch.setenv("BRANDPULSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BRANDPULSE_PUBLISHED_DIR", str(tmp_path / "published"))
    with DagsterInstance.ephemeral() as instance:
        first = materialize([guarded, guarded_rows_unique], instance=instance, raise_on_error=False)
        _tick(instance, receiver.url)  # no snapshot published: checks still alert
        _tick(instance, receiver.url)
        second = materialize(
            [guarded, guarded_rows_unique], instance=instance, raise_on_error=False
        )
        _tick(instance, receiver.url)
    runs = [b["alert"]["key"].rsplit(":", 1)[1] for b in receiver.bodies]
    assert runs == [first.run_id, second.run_id]
    assert receiver.bodies[0]["alert"]["kind"] == "blocking check failed"
    assert receiver.bodies[0]["alert"]["link"].endswith("/assets/guarded")


def test_expected_range_is_the_detectors_band_in_metric_units() -> None:
    # anscombe(400) = 2 sqrt(400.375) = 40.01874, anscombe(100) = 20.03746: a robust z of
    # 19.98128 means a scale of 1, so the z = 5 band is 20.03746 +- 5 on that scale:
    # ((15.03746 / 2)^2 - 0.375, (25.03746 / 2)^2 - 0.375) = (56.156, 156.343) orders
    low, high = expected_range(400.0, 100.0, 19.98128, 5.0)
    assert low == pytest.approx(56.156, abs=1e-3)
    assert high == pytest.approx(156.343, abs=1e-3)
