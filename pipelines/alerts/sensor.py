"""`alerts_sensor`: collect, enqueue once in the ledger, deliver what is due.

The sensor launches no run: it only sends. A destination that is down costs one short
timeout per due alert and is retried on later ticks with backoff (the ledger), so it
never holds up a run or the other destination.
"""

import time
from pathlib import Path

from dagster import DefaultSensorStatus, SensorEvaluationContext, SkipReason, sensor

from brandpulse.config import get_settings
from brandpulse.resources import FileDestination, PublishedStoreResource, WebhookDestination
from pipelines.alerts.collect import collect
from pipelines.alerts.ledger import AlertLedger

MAX_SECONDS_PER_TICK = 20.0
"""Delivery stops for this tick after this long; the rest is due on the next tick."""


def ledger_path() -> Path:
    return get_settings().data_dir / "alerts" / "ledger.sqlite"


def deliver(ledger: AlertLedger, destinations: list, now: float | None = None) -> dict[str, int]:
    """Send every due (alert, destination); returns counts of sent and failed sends."""
    started = time.monotonic()
    counts = {"sent": 0, "failed": 0}
    for destination in destinations:
        for item in ledger.due(destination.name, now):
            if time.monotonic() - started > MAX_SECONDS_PER_TICK:
                return counts
            try:
                destination.send(item.payload)
            except Exception as exc:  # down, refused, timeout, non-2xx: retried later
                ledger.mark_failed(item, f"{type(exc).__name__}: {exc}", now)
                counts["failed"] += 1
                break  # the destination is down: do not spend a timeout per alert
            ledger.mark_sent(item, now)
            counts["sent"] += 1
    return counts


@sensor(
    name="alerts_sensor",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Sends new anomalies, AI budget thresholds (80 % and 100 % of a brand's month) "
    "and failed blocking checks to the configured destinations, each alert once (a durable "
    "ledger under $BRANDPULSE_DATA_DIR/alerts), retrying a destination that is down.",
)
def alerts_sensor(
    context: SensorEvaluationContext,
    alert_webhook: WebhookDestination,
    alert_file: FileDestination,
    published_store: PublishedStoreResource,
):
    destinations = [d for d in (alert_webhook, alert_file) if d.enabled]
    check_keys = list(context.repository_def.asset_graph.asset_check_keys)
    alerts, problems = collect(context.instance, check_keys, published_store.resolved_path)
    ledger = AlertLedger(ledger_path())
    new = ledger.enqueue(alerts, [d.name for d in destinations])
    counts = deliver(ledger, destinations)
    for problem in problems:
        context.log.warning(f"alerts: {problem}")
    return SkipReason(
        f"{len(alerts)} current alerts, {new} new deliveries queued, {counts['sent']} sent, "
        f"{counts['failed']} failed (retried later); ledger {ledger.counts()}"
    )
