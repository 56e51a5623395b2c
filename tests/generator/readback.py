"""Read a generated landing zone back with plain Python, independent of the generator.

The classifier mirrors CONTRACTS.md section 1 and the reason codes of the team brief.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from pathlib import Path

REQUIRED = ("event_id", "brand_id", "event_name", "occurred_at")


def event_files(landing: Path) -> list[Path]:
    return sorted(p for p in (landing / "events").rglob("*") if p.is_file())


def partition_date(path: Path) -> date:
    return date.fromisoformat(path.parent.name.removeprefix("date="))


def read_lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode().splitlines()


def parse_ts(text: str) -> datetime | None:
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, TypeError, AttributeError):
        return None
    return ts if ts.tzinfo is not None else None


def classify(line: str, arrival: date, brands: set[str]) -> str:
    """'ok' or the reason code a correct ingest gives this line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        return "invalid_json"
    if not isinstance(row, dict):
        return "invalid_json"
    if any(row.get(f) in (None, "") for f in REQUIRED) or not (
        row.get("anonymous_id") or row.get("user_id")
    ):
        return "missing_field"
    if not 1 <= len(row["event_name"]) <= 200:
        return "invalid_field"
    ts = parse_ts(row["occurred_at"])
    if ts is None:
        return "bad_timestamp"
    if ts.date() > arrival + timedelta(days=1):
        return "future_timestamp"
    if row["brand_id"] not in brands:
        return "unknown_brand"
    if row.get("revenue") is not None:
        if row["revenue"] < 0:
            return "negative_revenue"
        if not row.get("currency"):
            return "revenue_without_currency"
    return "ok"


def brand_ids(landing: Path) -> set[str]:
    (snap,) = sorted((landing / "brands").glob("*.jsonl"))
    return {json.loads(x)["brand_id"] for x in snap.read_text().splitlines()}
