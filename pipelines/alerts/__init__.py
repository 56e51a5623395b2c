"""Alerts: new anomalies, AI budget thresholds and failed blocking checks, sent once each
to the configured destinations (Dagster resources) by `alerts_sensor`."""

from pipelines.alerts.destinations import FileDestination, WebhookDestination
from pipelines.alerts.sensor import alerts_sensor, deliver

__all__ = ["FileDestination", "WebhookDestination", "alerts_sensor", "deliver"]
