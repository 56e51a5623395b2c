"""Planted daily event series: one known lagged relationship and a few independent ones.

What a correlation analysis must find, and what it must not:
- the pair: `webinar_registered` is driven by day-to-day news (a campaign, a mention);
  `webinar_attended` follows the same news `lag_days` later (webinars take place a few
  days after registration). Both also have their own trend and weekly rhythm.
- the independent series (help articles, wishlists, reviews, notifications): each with
  its own trend, weekly rhythm, slow random walk and daily noise, and nothing shared -
  trending levels that correlate on raw levels, and must not after de-trending.

The series are independent of everything else the brand does: not moved by its planned
anomalies, and not adding persons or sessions. Each planted event is a copy of an existing
event of the same brand-local day (same person, ids, session and timestamp; never the first
event of a session), so active persons, sessions, orders, revenue and every funnel step
time stay as they were; only `events` and the event-name counts grow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from brandpulse.generator.brands import Brand
from brandpulse.generator.catalog import EVENT_NAMES
from brandpulse.generator.ids import make_ids
from brandpulse.generator.timeline import day_of_week

DRIVER = "webinar_registered"
FOLLOWER = "webinar_attended"
INDEPENDENT = ("help_article_viewed", "wishlist_added", "review_submitted", "notification_opened")
SERIES_NAMES = (DRIVER, FOLLOWER, *INDEPENDENT)
SERIES_CODE = {name: len(EVENT_NAMES) + i for i, name in enumerate(SERIES_NAMES)}
"""Internal `_code`s after the journey events' (catalog.CODE)."""

LAG_DAYS = (2, 5)
"""The follower's lag is drawn per brand from this closed range (days)."""
PAIR_LEVEL = (0.06, 25.0)
"""(share of the brand's mean daily events, cap) of the pair's daily level. At the demo's
size (150-480 events a brand a day) that is 9-25 a day: the news stands out of the Poisson
noise (a log count's variance is about 1 / level). A share, not a floor, so that at tiny
sizes the planted events stay a fifth of a brand's events and its anomalies still show."""
INDEPENDENT_LEVEL = (0.02, 12.0)
NEWS_SD = 0.6
"""Day-to-day news of the driver (log scale), passed on to the follower."""
FOLLOWER_NOISE_SD = 0.15
INDEPENDENT_NEWS_SD = 0.35
RANDOM_WALK_SD = 0.05
TREND = (0.7, 1.4)
GROWING = 0.7
"""A series' level changes by a log amount drawn from TREND over the whole period,
upwards with probability GROWING: strong enough that raw levels correlate."""


@dataclass(frozen=True)
class PlantedSeries:
    """What was planted for one brand (written to planted_series.json)."""

    brand_id: str
    lag_days: int
    levels: dict[str, float]
    trends: dict[str, float]
    daily_counts: dict[str, list[int]]

    def as_truth(self) -> dict:
        return {
            "brand_id": self.brand_id,
            "driver": DRIVER,
            "follower": FOLLOWER,
            "lag_days": self.lag_days,
            "independent": list(INDEPENDENT),
            "levels": self.levels,
            "trends": self.trends,
            "planned_events": {k: int(sum(v)) for k, v in self.daily_counts.items()},
        }


def _level(mean_daily_events: float, spec: tuple[float, float]) -> float:
    share, cap = spec
    return float(min(share * mean_daily_events, cap))


def plan_series(
    rng: np.random.Generator, brand: Brand, start: date, days: int, mean_daily_events: float
) -> PlantedSeries:
    """Daily counts of every planted series (local day index 0..days-1)."""
    lag = int(rng.integers(LAG_DAYS[0], LAG_DAYS[1] + 1))
    t = np.arange(days) / max(days - 1, 1) - 0.5
    dow = day_of_week(start, days)
    news = rng.normal(0.0, NEWS_SD, days + lag)  # news[i] is day i - lag
    levels, trends, counts = {}, {}, {}
    for name in SERIES_NAMES:
        spec = INDEPENDENT_LEVEL if name in INDEPENDENT else PAIR_LEVEL
        level = _level(mean_daily_events, spec) * float(rng.uniform(0.85, 1.2))
        trend = float(rng.uniform(*TREND)) * (1.0 if rng.random() < GROWING else -1.0)
        weekly = np.log(rng.uniform(0.6, 1.3, 7))
        weekly -= weekly.mean()
        walk = np.cumsum(rng.normal(0.0, RANDOM_WALK_SD, days))
        if name == DRIVER:
            shock = news[lag:]
        elif name == FOLLOWER:
            shock = news[:days] + rng.normal(0.0, FOLLOWER_NOISE_SD, days)
        else:
            shock = rng.normal(0.0, INDEPENDENT_NEWS_SD, days)
        log_rate = np.log(level) + trend * t + weekly[dow] + walk + shock
        counts[name] = rng.poisson(np.exp(log_rate)).astype(np.int64).tolist()
        levels[name] = round(level, 2)
        trends[name] = round(trend, 3)
    return PlantedSeries(brand.brand_id, lag, levels, trends, counts)


def _hosts(events: pl.DataFrame, brand: Brand, start: date, days: int) -> pl.DataFrame:
    """Row index and local day index of every event that may carry a planted copy: not the
    first event of its session (a copy there could change first-touch attributes)."""
    local_day = (
        pl.col("_ms")
        .cast(pl.Datetime("ms"))
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(brand.timezone)
        .dt.date()
    )
    return (
        events.select("_ms", "_session")
        .with_row_index("_row")
        .with_columns(day=(local_day - pl.lit(start)).dt.total_days())
        .filter(
            (pl.col("_ms") > pl.col("_ms").min().over("_session"))
            & pl.col("day").is_between(0, days - 1)
        )
        .select("_row", "day")
        .sort("_row")
    )


def planted_events(
    rng: np.random.Generator,
    seed: int,
    brand: Brand,
    events: pl.DataFrame,
    start: date,
    days: int,
) -> tuple[pl.DataFrame, PlantedSeries]:
    """The planted events of one brand (same columns as `events`) and what was planted."""
    mean_daily = events.height / max(days, 1)
    plan = plan_series(rng, brand, start, days, mean_daily)
    hosts = _hosts(events, brand, start, days)
    rows_by_day = hosts.partition_by("day", as_dict=True)
    picked: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for name in SERIES_NAMES:
        for day, n in enumerate(plan.daily_counts[name]):
            candidates = rows_by_day.get((day,))
            if n == 0 or candidates is None:
                continue
            rows = candidates["_row"].to_numpy()
            picked.append(rows[rng.integers(0, len(rows), n)])
            codes.append(np.full(n, SERIES_CODE[name], dtype=np.int64))
    if not picked:
        return events.clear(), plan
    rows = np.concatenate(picked)
    code = np.concatenate(codes)
    names = pl.Series(SERIES_NAMES).gather(pl.Series(code - len(EVENT_NAMES)))
    copies = events[rows].with_columns(
        event_id=make_ids(seed, brand.index, "series_event", len(rows), "evt_"),
        event_name=names,
        properties=pl.lit(None, dtype=events.schema["properties"]),
        revenue=pl.lit(None, dtype=events.schema["revenue"]),
        currency=pl.lit(None, dtype=events.schema["currency"]),
        _code=pl.Series(code),
    )
    return copies.select(events.columns), plan
