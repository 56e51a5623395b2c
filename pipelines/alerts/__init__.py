"""Alerts: new anomalies, AI budget thresholds and failed blocking checks, sent once each
to the configured destinations (resources in brandpulse.resources.alerts) by `alerts_sensor`."""

from pipelines.alerts.sensor import alerts_sensor, deliver

__all__ = ["alerts_sensor", "deliver"]
