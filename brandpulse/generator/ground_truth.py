"""What the generated data should make later analyses find.

- daily truth per brand-local day of the events that can load (truncated-file rows
  excluded, duplicates counted once), named like marts.daily_brand_metrics;
- the injected anomalies, with the ratio each metric really moved against the same
  weekday one and two weeks around it (metrics listed as affected only if they moved,
  and as detectable only if the move is beyond Poisson noise of the units driving it).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
from scipy import stats

from brandpulse.generator.anomalies import DIRECTION, PLANNED_METRICS, Anomaly
from brandpulse.generator.brands import Brand
from brandpulse.generator.catalog import CODE

METRICS = ("active_persons", "sessions", "events", "orders", "revenue")
MOVED = {"spike": 1.8, "drop": 0.6}
DETECTABLE_P = 1e-3
"""A moved metric is also detectable when a Poisson count at the baseline would reach
the observed value with probability below this (one-sided)."""
DRIVING_COUNT = {
    "active_persons": "active_persons",
    "sessions": "sessions",
    "events": "sessions",
    "orders": "orders",
    "revenue": "orders",
}
"""The count of independent units a metric moves with: events come in sessions, revenue
in orders, so their detectability is that of the count that drives them (3 orders a
day that fall to 1 are within noise however large the order values are)."""


def daily_truth(events: pl.DataFrame, brands: list[Brand]) -> pl.DataFrame:
    """brand_id, day (brand-local), active_persons, sessions, events, orders, revenue."""
    frames = []
    for b in brands:
        part = events.filter(pl.col("_brand") == b.index)
        if part.height == 0:
            continue
        frames.append(
            part.with_columns(
                day=pl.col("_ms")
                .cast(pl.Datetime("ms"))
                .dt.replace_time_zone("UTC")
                .dt.convert_time_zone(b.timezone)
                .dt.date()
            )
            .group_by("day")
            .agg(
                active_persons=pl.col("_person").n_unique(),
                sessions=pl.col("_session").n_unique(),
                events=pl.len(),
                orders=(pl.col("_code") == CODE["purchase"]).sum(),
                revenue=pl.col("revenue").fill_null(0.0).sum().round(2),
            )
            .with_columns(brand_id=pl.lit(b.brand_id))
        )
    return (
        pl.concat(frames)
        .select("brand_id", "day", *METRICS)
        .with_columns(pl.col(m).cast(pl.Int64) for m in METRICS[:4])
        .sort("brand_id", "day")
    )


def anomaly_truth(
    truth: pl.DataFrame, brands: list[Brand], plans: dict[int, list[Anomaly]], start: date
) -> list[dict]:
    """Ground truth rows for anomalies.json."""
    out = []
    for b in brands:
        plan = plans.get(b.index, [])
        bad_days = {start + timedelta(days=a.day) for a in plan}
        series = {
            r["day"]: r
            for r in truth.filter(pl.col("brand_id") == b.brand_id).iter_rows(named=True)
        }
        for a in plan:
            day = start + timedelta(days=a.day)
            observed, baseline = {}, {}
            for m in METRICS:
                ref = [
                    series[d][m]
                    for k in (-14, -7, 7, 14)
                    if (d := day + timedelta(days=k)) in series and d not in bad_days
                ]
                base = float(np.median(ref)) if ref else None
                value = series.get(day, {}).get(m, 0) or 0
                baseline[m] = None if base is None else round(base, 2)
                observed[m] = None if not base else round(float(value) / base, 3)
            direction = DIRECTION[a.kind]
            moved = [
                m
                for m in PLANNED_METRICS[a.kind]
                if observed[m] is not None
                and (
                    observed[m] >= MOVED["spike"]
                    if direction == "spike"
                    else observed[m] <= MOVED["drop"]
                )
            ]
            counts = {m: series.get(day, {}).get(m, 0) or 0 for m in METRICS}
            detectable = [
                m
                for m in moved
                if _beyond_poisson(counts[DRIVING_COUNT[m]], baseline[DRIVING_COUNT[m]], direction)
            ]
            out.append(
                {
                    "brand_id": b.brand_id,
                    "day": day.isoformat(),
                    "kind": a.kind,
                    "direction": direction,
                    "magnitude": a.factor,
                    "metrics": moved,
                    "detectable_metrics": detectable,
                    "planned_metrics": list(PLANNED_METRICS[a.kind]),
                    "observed_ratio": observed,
                    "baseline": baseline,
                }
            )
    return out


def _beyond_poisson(observed: float, baseline: float | None, direction: str) -> bool:
    """Whether `observed` is a DETECTABLE_P-rare Poisson count in `direction` at `baseline`."""
    if not baseline:
        return False
    if direction == "spike":
        return float(stats.poisson.sf(observed - 1, baseline)) < DETECTABLE_P
    return float(stats.poisson.cdf(observed, baseline)) < DETECTABLE_P
