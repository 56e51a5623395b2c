"""event_daily, event_transitions, top_paths and engagement against answers worked out
by hand from streams.py (acme's sessions are listed in test_explore_marts.test_sessions:
u1 [page_view, signup, page_view] [page_view] [purchase]; a2 [page_view] [page_view];
u3 [page_view] [login] [page_view]; u2 [login]; u4 S1 [page_view, page_view] and
08-10 [page_view, page_view, page_view])."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
import streams
from conftest import Warehouse

D = date.fromisoformat


def test_event_daily(core_warehouse: Warehouse) -> None:
    rows = core_warehouse.rows(
        "select day, event_name, events, persons from marts.event_daily "
        "where brand_id='acme' and day <= '2026-08-04' order by 1, 2"
    )
    assert rows == [
        (D("2026-08-03"), "page_view", 3, 1),  # e1 (a1 = u1), e3, e4
        (D("2026-08-03"), "signup", 1, 1),
        (D("2026-08-04"), "page_view", 3, 2),  # e6 (a2), e11 and e12 (u4)
    ]


def test_event_transitions(core_warehouse: Warehouse) -> None:
    rows = core_warehouse.rows(
        "select from_event, to_event, transitions, persons from marts.event_transitions "
        "where brand_id='acme' order by 1, 2 nulls first"
    )
    assert rows == [
        ("login", None, 2, 2),  # u3's and u2's login sessions end there
        ("page_view", None, 8, 4),  # 8 of the 11 sessions end on a page view
        ("page_view", "page_view", 3, 1),  # u4: once in S1, twice on 08-10
        ("page_view", "signup", 1, 1),
        ("purchase", None, 1, 1),
        ("signup", "page_view", 1, 1),
    ]


def test_top_paths_with_drop_off(core_warehouse: Warehouse) -> None:
    rows = core_warehouse.rows(
        "select path_length, path, sessions, persons, ended, continued, drop_off_rate, "
        "share_of_parent, path_rank from marts.top_paths where brand_id='acme' order by 1, 9"
    )
    pv, pv2 = "page_view", "page_view > page_view"
    assert rows == [
        (1, pv, 8, 4, 5, 3, 5 / 8, 1.0, 1),
        (1, "login", 2, 2, 2, 0, 1.0, 1.0, 2),
        (1, "purchase", 1, 1, 1, 0, 1.0, 1.0, 3),
        (2, pv2, 2, 1, 1, 1, 0.5, 2 / 8, 1),
        (2, "page_view > signup", 1, 1, 0, 1, 0.0, 1 / 8, 2),
        (3, "page_view > page_view > page_view", 1, 1, 1, 0, 1.0, 0.5, 1),
        (3, "page_view > signup > page_view", 1, 1, 1, 0, 1.0, 1.0, 2),
    ]


def test_engagement_hand_worked(core_warehouse: Warehouse) -> None:
    # life: p1 active 08-01, 08-02, 08-04; p2 08-02, 08-03; p3 08-04
    rows = core_warehouse.rows(
        "select day, dau, wau, mau, stickiness from marts.engagement where brand_id='life' order by 1"
    )
    assert rows == [
        (D("2026-08-01"), 1, 1, 1, 1.0),
        (D("2026-08-02"), 2, 2, 2, 1.0),
        (D("2026-08-03"), 1, 2, 2, 0.5),
        (D("2026-08-04"), 2, 3, 3, pytest.approx(2 / 3)),
    ]


def _rolling(days_by_person: dict[str, set[date]], day: date, width: int) -> int:
    return sum(
        any(day - timedelta(days=width - 1) <= d <= day for d in days)
        for days in days_by_person.values()
    )


def test_engagement_matches_a_brute_force_count(core_warehouse: Warehouse) -> None:
    """ret and the random UTC brand: every day's WAU and MAU counted person by person
    (ret's r4 is active 08-10 then 08-24: WAU drops in between, MAU does not)."""
    for brand, events in (("ret", streams.RET_EVENTS), ("rnd_utc", streams.random_events())):
        active: dict[str, set[date]] = defaultdict(set)
        for e in events:
            if e["brand_id"] == brand:
                active[e["user_id"]].add(e["occurred_at"].date())
        got = core_warehouse.rows(
            "select day, dau, wau, mau from marts.engagement where brand_id=? order by 1", brand
        )
        first = min(min(d) for d in active.values())
        last = max(max(d) for d in active.values())
        expected = []
        day = first
        while day <= last:
            dau = sum(day in days for days in active.values())
            expected.append((day, dau, _rolling(active, day, 7), _rolling(active, day, 30)))
            day += timedelta(days=1)
        assert got == expected, brand
