"""Funnel correlation: odds ratios on a hand-worked 2x2, and the counting SQL on a tiny warehouse."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from assets.analytics.funnel_correlations import (
    correlation_stats,
    funnel_correlations,
    odds_ratio,
)


def test_odds_ratio_and_fisher_on_hand_worked_table() -> None:
    # 3 of 4 successes and 1 of 6 failures did the event.
    # OR = ((3+1)/(4-3+1)) / ((1+1)/(6-1+1)) = 2 / (1/3) = 6.
    # Fisher, margins 4/6 and 4/6 of 10: P(a) = C(4,a) C(6,4-a) / 210 = 15, 80, 90, 24, 1
    # (/210) for a = 0..4; two-sided p = P(a in {0, 3, 4}) = 40/210.
    assert odds_ratio(3, 4, 1, 6) == pytest.approx(6.0)
    counts = pd.DataFrame(
        {"funnel_id": ["f"], "event_name": ["x"], "success_count": [3], "failure_count": [1]}
    )
    totals = pd.DataFrame({"funnel_id": ["f"], "success_total": [4], "failure_total": [6]})
    res = correlation_stats(counts, totals, min_persons=1)
    assert res.loc[0, "odds_ratio"] == pytest.approx(6.0)
    assert res.loc[0, "p_value"] == pytest.approx(40 / 210)
    assert res.loc[0, "correlation_type"] == "success"


def test_prior_keeps_zero_counts_finite_and_support_filters() -> None:
    # nobody who succeeded did it, both failures did: ((0+1)/(2+1)) / ((2+1)/(0+1)) = 1/9
    assert odds_ratio(0, 2, 2, 2) == pytest.approx(1 / 9)
    counts = pd.DataFrame(
        {
            "funnel_id": ["f", "f"],
            "event_name": ["a", "rare"],
            "success_count": [0, 1],
            "failure_count": [2, 0],
        }
    )
    totals = pd.DataFrame({"funnel_id": ["f"], "success_total": [2], "failure_total": [2]})
    res = correlation_stats(counts, totals, min_persons=2)
    assert list(res["event_name"]) == ["a"]
    assert res.loc[0, "correlation_type"] == "failure"


def test_top_n_each_way() -> None:
    counts = pd.DataFrame(
        {
            "funnel_id": ["f"] * 4,
            "event_name": ["s1", "s2", "f1", "f2"],
            "success_count": [9, 6, 1, 2],
            "failure_count": [1, 3, 9, 6],
        }
    )
    totals = pd.DataFrame({"funnel_id": ["f"], "success_total": [10], "failure_total": [10]})
    res = correlation_stats(counts, totals, min_persons=1, top_n=1)
    assert sorted(zip(res["correlation_type"], res["event_name"], strict=True)) == [
        ("failure", "f1"),
        ("success", "s1"),
    ]


def test_counting_sql_on_tiny_warehouse(small_warehouse) -> None:
    # b000/f1: p1 converted 10:00-11:00, p2 and p3 failed with window 10:00-12:00.
    # view_pricing: p1 (success) and p2 (failure); error: p2 and p3 (failures, p3 twice);
    # signup/purchase are step names, chat is outside p1's (10:00, 11:00) interval,
    # late is exactly at the window end, and brand b001's rows never count for b000.
    con = duckdb.connect(str(small_warehouse))
    try:
        res = funnel_correlations(con, ["b000"], min_persons=1)
    finally:
        con.close()
    got = {
        (r.funnel_id, r.event_name): (
            r.success_count,
            r.failure_count,
            r.success_total,
            r.failure_total,
        )
        for r in res.itertuples()
    }
    # f2 = [signup, any event, purchase]: view_pricing filled p1's any-event step, so it is
    # p1's own step event and does not count for the success; p2's still counts
    assert got == {
        ("f1", "view_pricing"): (1, 1, 1, 2),
        ("f1", "error"): (0, 2, 1, 2),
        ("f2", "view_pricing"): (0, 1, 1, 1),
        ("f2", "error"): (0, 1, 1, 1),
    }
    by_name = res[res["funnel_id"] == "f1"].set_index("event_name")
    # view_pricing: ((1+1)/(0+1)) / ((1+1)/(1+1)) = 2; error: ((0+1)/(1+1)) / ((2+1)/(0+1)) = 1/6
    assert by_name.loc["view_pricing", "odds_ratio"] == pytest.approx(2.0)
    assert by_name.loc["error", "odds_ratio"] == pytest.approx(1 / 6)
    assert by_name.loc["view_pricing", "correlation_type"] == "success"
    assert by_name.loc["error", "correlation_type"] == "failure"
