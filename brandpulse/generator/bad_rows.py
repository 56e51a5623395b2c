"""Deliberately bad event input, in known amounts: duplicates and malformed rows.

The landing zone of a real product is messy; ingestion must reject or de-duplicate
each of these and account for every line. A partition is a list of items: an int is
a good row (index into the encoded lines; an int seen before is a duplicate copy),
a `Bad` is a malformed line with the reason code ingestion should give it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from brandpulse.generator.ids import make_ids

REASONS = (
    "invalid_json",
    "missing_field",
    "invalid_field",
    "bad_timestamp",
    "future_timestamp",
    "negative_revenue",
    "revenue_without_currency",
    "unknown_brand",
)
UNKNOWN_BRAND = "ghost-brand"
BAD_TIMESTAMPS = (
    "not-a-timestamp",
    "2026-08-05 12:00:00",
    "{d}T10:15:00",
    "{d}T25:61:00Z",
    "yesterday at noon",
)


@dataclass(frozen=True)
class Bad:
    reason: str
    text: str
    detail: str


Partitions = dict[date, list]


def per_kind(total_events: int) -> int:
    """How many malformed rows of each reason: ~0.02% of events, at least 2."""
    return max(2, round(total_events * 0.0002))


def _insert(rng: np.random.Generator, items: list, new: list) -> None:
    """Insert `new` items at random positions (deterministic for a given rng)."""
    for item in new:
        items.insert(int(rng.integers(0, len(items) + 1)), item)


def add_duplicates(
    rng: np.random.Generator,
    parts: Partitions,
    protected: set[int],
    rate_within: float,
    rate_across: float,
) -> dict[str, int]:
    """Repeat some good rows in their own partition and in a partition 1-2 days later."""
    dates = sorted(parts)
    within = across = 0
    later_copies: dict[date, list] = {d: [] for d in dates}
    for i, d in enumerate(dates):
        good = [x for x in parts[d] if isinstance(x, int) and x not in protected]
        if not good:
            continue
        k_in = int(rng.binomial(len(good), rate_within))
        k_across = int(rng.binomial(len(good), rate_across)) if i + 1 < len(dates) else 0
        picks = rng.choice(len(good), size=min(len(good), k_in + k_across), replace=False)
        copies_in = [good[j] for j in picks[:k_in]]
        copies_out = [good[j] for j in picks[k_in:]]
        _insert(rng, parts[d], copies_in)
        within += len(copies_in)
        for x in copies_out:
            later = dates[min(len(dates) - 1, i + 1 + int(rng.integers(0, 2)))]
            later_copies[later].append(x)
            across += 1
    for d in dates:
        _insert(rng, parts[d], later_copies[d])
    return {
        "within_partition": within,
        "across_partitions": across,
        "total_extra_copies": within + across,
    }


def _dump(row: dict) -> str:
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False)


def _mutate(reason: str, row: dict, variant: int, arrival: date) -> tuple[dict | str, str]:
    """One malformed version of a good row for `reason` (returns the row or raw text)."""
    if reason == "invalid_json":
        text = _dump(row)
        return [
            text[: len(text) // 2],
            text + "}",
            "{event_id: 'no-quotes'}",
            "<html>502 Bad Gateway</html>",
        ][variant % 4], (
            ["cut in half", "trailing brace", "unquoted keys", "not json"][variant % 4]
        )
    if reason == "missing_field":
        fields = ["event_name", "occurred_at", "event_id", "brand_id", "ids"]
        f = fields[variant % len(fields)]
        if f == "ids":
            row.pop("anonymous_id", None)
            row.pop("user_id", None)
            return row, "no anonymous_id or user_id"
        row.pop(f, None)
        return row, f"no {f}"
    if reason == "invalid_field":
        row["event_name"] = "x" * 250
        return row, "event_name longer than 200"
    if reason == "bad_timestamp":
        t = BAD_TIMESTAMPS[variant % len(BAD_TIMESTAMPS)].format(d=arrival.isoformat())
        row["occurred_at"] = t
        return row, f"occurred_at {t!r}"
    if reason == "future_timestamp":
        row["occurred_at"] = (arrival + timedelta(days=3 + variant % 5)).isoformat() + "T12:00:00Z"
        return row, "occurred_at 3+ days after arrival"
    if reason == "negative_revenue":
        row["revenue"] = -abs(row.get("revenue") or 10.0)
        return row, "revenue < 0"
    if reason == "revenue_without_currency":
        row.pop("currency", None)
        row["revenue"] = row.get("revenue") or 10.0
        return row, "revenue without currency"
    if reason == "unknown_brand":
        row["brand_id"] = UNKNOWN_BRAND
        return row, f"brand_id {UNKNOWN_BRAND!r}"
    raise ValueError(reason)


def add_malformed(
    rng: np.random.Generator,
    seed: int,
    parts: Partitions,
    lines: pl.Series,
    is_purchase: np.ndarray,
    n_each: int,
) -> dict[str, int]:
    """Add `n_each` malformed rows of every reason at random places; fresh event ids."""
    dates = sorted(parts)
    purchases = np.flatnonzero(is_purchase)
    fresh = make_ids(seed, 0, "bad", n_each * len(REASONS), "evt_").to_list()
    counts = {}
    k = 0
    for reason in REASONS:
        pool = (
            purchases
            if reason in ("negative_revenue", "revenue_without_currency") and len(purchases)
            else None
        )
        for v in range(n_each):
            src = (
                int(pool[rng.integers(0, len(pool))])
                if pool is not None
                else int(rng.integers(0, len(lines)))
            )
            row = json.loads(lines[src])
            row["event_id"] = fresh[k]
            k += 1
            d = dates[int(rng.integers(0, len(dates)))]
            # occurred on its arrival day, so the only defect is the intended one
            row["occurred_at"] = f"{d.isoformat()}T{row['occurred_at'][11:23]}Z"
            out, detail = _mutate(reason, row, v, d)
            text = out if isinstance(out, str) else _dump(out)
            _insert(rng, parts[d], [Bad(reason, text, detail)])
        counts[reason] = n_each
    return counts
