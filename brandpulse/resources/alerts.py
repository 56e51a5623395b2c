"""Where alerts go: Dagster resources, one per kind of destination.

Both take the same alert dict (see `alerts.collect`). The webhook body is Slack- and
generic-compatible: Slack incoming webhooks read `text`, other receivers read `alert`.
"""

import json
from pathlib import Path

import httpx
from dagster import ConfigurableResource
from pydantic import Field

from brandpulse.config import get_settings


def slack_text(alert: dict) -> str:
    """One line a person reads in a channel."""
    parts = [f"[brandpulse] {alert['kind']}", f"brand {alert['brand_id']}"]
    if alert.get("metric"):
        parts.append(f"{alert['metric']} on {alert['day']}")
    if alert.get("value") is not None:
        low, high = alert.get("expected_low"), alert.get("expected_high")
        expected = f" (expected {low:,.2f}-{high:,.2f})" if low is not None else ""
        parts.append(f"value {alert['value']:,.2f}{expected}")
    if alert.get("detail"):
        parts.append(str(alert["detail"]))
    return ": ".join(parts[:2]) + " - " + "; ".join(parts[2:]) + f" <{alert['link']}>"


class WebhookDestination(ConfigurableResource):
    """POSTs each alert as JSON. An empty `url` means BRANDPULSE_ALERT_WEBHOOK_URL (read when
    sending, so a URL with a token never shows in the UI's resource config); neither = off."""

    url: str = Field(default="", description="Webhook URL; empty = BRANDPULSE_ALERT_WEBHOOK_URL.")
    timeout_seconds: float = Field(default=5.0, gt=0)

    @property
    def name(self) -> str:
        return "webhook"

    @property
    def resolved_url(self) -> str | None:
        return self.url or get_settings().alert_webhook_url

    @property
    def enabled(self) -> bool:
        return bool(self.resolved_url)

    def send(self, alert: dict) -> None:
        """Raises on a refused connection, a timeout or a non-2xx answer."""
        body = {"text": slack_text(alert), "alert": alert}
        response = httpx.post(
            self.resolved_url,
            content=json.dumps(body, default=str),
            headers={"Content-Type": "application/json"},
            timeout=self.timeout_seconds,
        )
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"webhook answered HTTP {response.status_code}")


class FileDestination(ConfigurableResource):
    """Appends each alert as one JSON line; empty `path` = BRANDPULSE_ALERT_FILE, else
    <data dir>/alerts/alerts.jsonl."""

    path: str = Field(default="", description="JSON Lines file; empty = the default path.")

    @property
    def name(self) -> str:
        return "file"

    @property
    def enabled(self) -> bool:
        return True

    @property
    def resolved_path(self) -> Path:
        settings = get_settings()
        if self.path:
            return Path(self.path)
        return settings.alert_file or settings.data_dir / "alerts" / "alerts.jsonl"

    def send(self, alert: dict) -> None:
        target = self.resolved_path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"text": slack_text(alert), "alert": alert}, default=str) + "\n")
