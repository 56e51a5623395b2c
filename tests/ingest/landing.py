"""Helpers to write tiny landing zones by hand in tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BRANDS = [
    {
        "brand_id": "b1",
        "name": "One",
        "timezone": "Asia/Tokyo",
        "currency": "JPY",
        "plan": "pro",
        "ai_monthly_budget_usd": 50,
        "ai_daily_generation_quota": 100,
        "created_at": "2026-01-01T00:00:00Z",
    },
    {
        "brand_id": "b2",
        "name": "Two",
        "timezone": "America/Los_Angeles",
        "currency": "USD",
        "plan": "free",
        "ai_monthly_budget_usd": 5,
        "ai_daily_generation_quota": 10,
        "created_at": "2026-01-01T00:00:00Z",
    },
]


def event(
    event_id: str, occurred_at: str = "2026-08-01T10:00:00Z", **fields: Any
) -> dict[str, Any]:
    row = {
        "event_id": event_id,
        "brand_id": "b1",
        "event_name": "page_view",
        "occurred_at": occurred_at,
        "anonymous_id": "a1",
    }
    row.update(fields)
    return {k: v for k, v in row.items() if v is not ...}


def write_lines(path: Path, rows: list[Any]) -> Path:
    """Rows as JSON Lines; a str row is written as is (to make malformed lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def write_brands(landing: Path, brands: list[dict[str, Any]] | None = None) -> None:
    write_lines(landing / "brands" / "brands-2026-08-01.jsonl", brands or BRANDS)


def write_events(landing: Path, day: str, rows: list[Any], name: str = "part-0000.jsonl") -> Path:
    return write_lines(landing / "events" / f"date={day}" / name, rows)
