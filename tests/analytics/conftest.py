"""Fixtures for analytics tests: a tiny temp DuckDB holding the marts the assets read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from .synthetic import daily_metrics


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "prophet: fits prophet models (kept to few, short series)")


def synthetic_person_days(daily: pd.DataFrame, persons: int = 120, seed: int = 0) -> pd.DataFrame:
    """Per brand of `daily`: persons active on random days of its range, the frequent ones
    ordering more often (so a purchase propensity has something to learn)."""
    rng = np.random.default_rng(seed)
    rows = []
    for brand_id, g in daily.groupby("brand_id"):
        days = pd.to_datetime(g["day"]).sort_values().to_numpy()
        for i in range(persons):
            activity = rng.uniform(0.02, 0.4)
            active = days[rng.random(len(days)) < activity]
            for day in active:
                orders = int(rng.random() < activity)
                rows.append(
                    (brand_id, f"p{i}", day, int(rng.integers(1, 20)), orders, 30.0 * orders)
                )
    return pd.DataFrame(
        rows, columns=["brand_id", "person_id", "event_day", "events", "orders", "revenue"]
    )


def build_warehouse(path: Path, daily: pd.DataFrame, brands: pd.DataFrame) -> None:
    """Create the input tables of the analytics assets with the columns the marts have."""
    con = duckdb.connect(str(path))
    try:
        for schema in ("marts", "intermediate", "raw"):
            con.execute(f"create schema if not exists {schema}")
        con.register("daily_df", daily)
        con.execute(
            """create table marts.daily_brand_metrics as
               select brand_id, cast(day as date) as day,
                      cast(active_persons as bigint) as active_persons,
                      cast(new_persons as bigint) as new_persons, cast(sessions as bigint) as sessions,
                      cast(events as bigint) as events, cast(orders as bigint) as orders,
                      cast(revenue as double) as revenue,
                      cast(ai_generations as bigint) as ai_generations,
                      cast(ai_cost_usd as double) as ai_cost_usd, cast(shares as bigint) as shares,
                      cast(comments as bigint) as comments
               from daily_df"""
        )
        # marts.event_daily: every brand's events as one event name (page_view), so the
        # correlation asset has one event series per brand to add
        con.execute(
            """create table marts.event_daily as
               select brand_id, cast(day as date) as day, 'page_view' as event_name,
                      cast(events as bigint) as events, cast(active_persons as bigint) as persons
               from daily_df where events > 0"""
        )
        con.register("brands_df", brands)
        con.execute(
            """create table intermediate.int_brands as
               select brand_id, brand_id || ' inc' as brand_name, timezone, 'USD' as currency
               from brands_df"""
        )
        con.execute(
            """create table marts.funnel_persons (brand_id varchar, funnel_id varchar,
               person_id varchar, steps_completed integer, entered_at timestamp,
               completed_at timestamp, seconds_to_convert double, converted boolean,
               window_end_at timestamp)"""
        )
        con.execute(
            """create table marts.funnel_person_steps (brand_id varchar, funnel_id varchar,
               person_id varchar, step_number integer, event_id varchar)"""
        )
        con.execute(
            """create table raw.funnel_steps (brand_id varchar, funnel_id varchar,
               step_number integer, event_name varchar, filter_count integer)"""
        )
        con.execute(
            """create table intermediate.int_events_resolved (brand_id varchar, event_id varchar,
               event_name varchar, occurred_at timestamp, person_id varchar)"""
        )
        con.register("person_days_df", synthetic_person_days(daily))
        con.execute(
            """create table intermediate.int_person_days as
               select brand_id, person_id, cast(event_day as date) as event_day,
                      cast(events as bigint) as events, cast(orders as bigint) as orders,
                      cast(revenue as double) as revenue
               from person_days_df"""
        )
    finally:
        con.close()


FUNNEL_PERSONS = [
    # brand, funnel, person, steps, entered, completed, converted, window_end
    ("b000", "f1", "p1", 2, "2025-01-10 10:00", "2025-01-10 11:00", True, "2025-01-10 12:00"),
    ("b000", "f1", "p2", 1, "2025-01-10 10:00", "2025-01-10 10:00", False, "2025-01-10 12:00"),
    ("b000", "f1", "p3", 1, "2025-01-10 10:00", "2025-01-10 10:00", False, "2025-01-10 12:00"),
    # another brand with the same person ids: must never leak into b000's counts
    ("b001", "f1", "p1", 1, "2025-01-10 10:00", "2025-01-10 10:00", False, "2025-01-10 12:00"),
    # f2 = [signup, any event, purchase]: p1's any-event step was filled by view_pricing (e2)
    ("b000", "f2", "p1", 3, "2025-01-10 10:00", "2025-01-10 11:00", True, "2025-01-10 12:00"),
    ("b000", "f2", "p2", 1, "2025-01-10 10:00", "2025-01-10 10:00", False, "2025-01-10 12:00"),
]
FUNNEL_PERSON_STEPS = [  # brand, funnel, person, step, event_id (indexes into EVENTS)
    ("b000", "f1", "p1", 1, "e0"),
    ("b000", "f1", "p1", 2, "e5"),
    ("b000", "f2", "p1", 1, "e0"),
    ("b000", "f2", "p1", 2, "e2"),
    ("b000", "f2", "p1", 3, "e5"),
]
EVENTS = [
    ("b000", "p1", "signup", "2025-01-10 10:00"),  # step 1 itself
    ("b000", "p1", "signup", "2025-01-10 10:10"),  # a step event name: excluded
    ("b000", "p1", "view_pricing", "2025-01-10 10:30"),  # counted (success)
    ("b000", "p1", "chat", "2025-01-10 11:00"),  # at completed_at: not strictly between
    ("b000", "p1", "chat", "2025-01-10 09:00"),  # before entering
    ("b000", "p1", "purchase", "2025-01-10 11:00"),
    ("b000", "p2", "view_pricing", "2025-01-10 10:20"),  # counted (failure)
    ("b000", "p2", "error", "2025-01-10 11:59"),  # counted (failure)
    ("b000", "p2", "late", "2025-01-10 12:00"),  # at window end: excluded
    ("b000", "p3", "error", "2025-01-10 10:30"),  # counted once per person
    ("b000", "p3", "error", "2025-01-10 10:40"),
    ("b001", "p1", "error", "2025-01-10 10:30"),  # other brand
    ("b001", "p1", "view_pricing", "2025-01-10 10:31"),
]


def add_funnel_data(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        for b, f, p, steps, ent, comp, conv, wend in FUNNEL_PERSONS:
            con.execute(
                "insert into marts.funnel_persons values (?, ?, ?, ?, ?, ?, null, ?, ?)",
                [b, f, p, steps, ent, comp, conv, wend],
            )
        con.executemany(
            "insert into marts.funnel_person_steps values (?, ?, ?, ?, ?)", FUNNEL_PERSON_STEPS
        )
        for brand in ("b000", "b001"):
            con.execute(
                "insert into raw.funnel_steps values (?, 'f1', 1, 'signup', 0), "
                "(?, 'f1', 2, 'purchase', 0)",
                [brand, brand],
            )
        con.execute(
            "insert into raw.funnel_steps values ('b000', 'f2', 1, 'signup', 0), "
            "('b000', 'f2', 2, null, 0), ('b000', 'f2', 3, 'purchase', 0)"
        )
        for i, (b, p, name, ts) in enumerate(EVENTS):
            con.execute(
                "insert into intermediate.int_events_resolved values (?, ?, ?, ?, ?)",
                [b, f"e{i}", name, ts, p],
            )
    finally:
        con.close()


@pytest.fixture
def small_warehouse(tmp_path: Path) -> Path:
    """3 brands: 70 days, 40 days and 20 days (short history), funnel data for two."""
    long, _ = daily_metrics(n_brands=1, days=70, seed=3)
    mid, _ = daily_metrics(n_brands=1, days=40, start="2025-02-01", seed=4)
    short, _ = daily_metrics(n_brands=1, days=20, start="2025-02-20", seed=5)
    mid["brand_id"], short["brand_id"] = "b001", "b002"
    daily = pd.concat([long, mid, short], ignore_index=True)
    brands = pd.DataFrame(
        {
            "brand_id": ["b000", "b001", "b002", "b003"],
            "timezone": ["America/New_York", "Europe/Berlin", "UTC", "Asia/Tokyo"],
        }
    )  # b003 has no data at all: the coverage check must not require it
    path = tmp_path / "warehouse.duckdb"
    build_warehouse(path, daily, brands)
    add_funnel_data(path)
    return path
