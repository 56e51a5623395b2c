"""Lagged correlations and BH q-values, on cases worked out by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from assets.analytics.correlations import (
    benjamini_hochberg,
    brand_correlations,
    is_definitional,
    metric_correlations,
    with_event_series,
)


def _frame(**cols: np.ndarray) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"brand_id": "b1", "day": pd.date_range("2025-01-01", periods=n), **cols})


def test_perfectly_correlated_pair_has_r_one() -> None:
    a = np.arange(30, dtype=float)
    res = metric_correlations(
        _frame(a=a, b=2 * a + 3), metrics=["a", "b"], max_lag=0, transform=False
    )
    assert len(res) == 1
    row = res.iloc[0]
    assert (row.metric_a, row.metric_b, row.lag_days, row.n) == ("a", "b", 0, 30)
    assert row.pearson_r == pytest.approx(1.0)
    assert row.spearman_rho == pytest.approx(1.0)
    assert row.p_value == pytest.approx(0.0, abs=1e-12)


def test_p_values_match_scipy() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=40)
    b = 0.3 * a + rng.normal(size=40)
    res = brand_correlations(np.column_stack([a, b]), ["a", "b"], max_lag=0, autocorrelation=False)
    pr = stats.pearsonr(a, b)
    sr = stats.spearmanr(a, b)
    assert res.loc[0, "pearson_r"] == pytest.approx(pr.statistic)
    assert res.loc[0, "p_value"] == pytest.approx(pr.pvalue)
    assert res.loc[0, "spearman_rho"] == pytest.approx(sr.statistic)
    assert res.loc[0, "spearman_p_value"] == pytest.approx(sr.pvalue)


def test_lagged_pair_found_at_right_lag() -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(size=103)
    b = np.empty_like(a)
    b[3:] = a[:-3]  # b follows a three days later
    b[:3] = rng.normal(size=3)
    res = metric_correlations(
        _frame(a=a, b=b + 0.01 * rng.normal(size=103)), ["a", "b"], transform=False
    )
    best = res.loc[res["pearson_r"].abs().idxmax()]
    assert (best.metric_a, best.metric_b, best.lag_days) == ("a", "b", 3)
    assert best.pearson_r > 0.99
    assert best.n == 100
    others = res[(res["lag_days"] != 3)]
    assert others["pearson_r"].abs().max() < 0.5


def test_bh_q_values_known_example() -> None:
    # sorted p: .005 .01 .03 .04 -> p*m/k: .02 .02 .04 .04 -> running min from the top
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.005]))
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02])


def test_q_values_are_across_all_tests_of_the_brand() -> None:
    rng = np.random.default_rng(3)
    df = _frame(a=rng.normal(size=50), b=rng.normal(size=50), c=rng.normal(size=50))
    res = metric_correlations(df, ["a", "b", "c"], max_lag=2)
    # lag 0: 3 unordered pairs; lags 1, 2: 6 ordered pairs each
    assert len(res) == 3 + 6 + 6
    np.testing.assert_allclose(res["q_value"], benjamini_hochberg(res["p_value"].to_numpy()))


def test_constant_series_and_short_brands_are_skipped_quietly() -> None:
    rng = np.random.default_rng(5)
    df = _frame(a=rng.normal(size=30), b=rng.normal(size=30), flat=np.full(30, 4.2))
    short = _frame(a=rng.normal(size=10), b=rng.normal(size=10), flat=np.ones(10))
    short["brand_id"] = "b2"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = metric_correlations(pd.concat([df, short]), ["a", "b", "flat"], min_n=14)
    assert set(res["brand_id"]) == {"b1"}
    assert "flat" not in set(res["metric_a"]) | set(res["metric_b"])
    assert res[["pearson_r", "spearman_rho", "p_value", "q_value"]].notna().all().all()
    assert (res["n"] >= 14).all()


def _trending_seasonal(rng: np.random.Generator, days: int, level: float) -> np.ndarray:
    """A count-like metric: growth x weekly pattern x AR(1) noise (phi 0.6), independent
    of every other call."""
    t = np.arange(days)
    weekly = np.array([1.0, 1.1, 1.15, 1.1, 1.0, 0.7, 0.6])[t % 7]
    noise = np.zeros(days)
    for i in range(1, days):
        noise[i] = 0.6 * noise[i - 1] + rng.normal(0, 0.08)
    growth = np.exp(rng.uniform(0.002, 0.012) * t)
    return np.round(level * growth * weekly * np.exp(noise))


def test_independent_trending_series_are_rarely_significant() -> None:
    """Eight independent series that all grow and all dip at weekends: on raw levels most
    pairs look significant; made stationary, with n_eff and BH, at most 5 % do."""
    rng = np.random.default_rng(11)
    names = [f"m{i}" for i in range(8)]
    frames = []
    for b in range(5):
        df = _frame(**{n: _trending_seasonal(rng, 120, rng.uniform(50, 500)) for n in names})
        df["brand_id"] = f"b{b}"
        frames.append(df)
    daily = pd.concat(frames)
    raw = metric_correlations(daily, names, transform=False, autocorrelation=False)
    assert (raw["q_value"] < 0.05).mean() > 0.5
    res = metric_correlations(daily, names)
    assert len(res) == 5 * (28 + 7 * 56)
    assert (res["q_value"] < 0.05).mean() <= 0.05
    assert (res["n_eff"] <= res["n"]).all() and (res["n_eff"] >= 3).all()


def test_planted_lagged_driver_found_at_its_lag_among_trending_series() -> None:
    """`response` follows 80 % of `driver`'s day-to-day news 4 days later, both trending
    and weekly: the strongest significant test is (driver, response, lag 4)."""
    rng = np.random.default_rng(2)
    days = 120
    driver_full = _trending_seasonal(rng, days + 4, 300.0)  # index i is day i - 4
    own = _trending_seasonal(rng, days, 200.0)
    response = np.round(own * (driver_full[:days] / np.median(driver_full)) ** 0.8)
    others = {f"x{i}": _trending_seasonal(rng, days, 100.0) for i in range(4)}
    daily = _frame(driver=driver_full[4:], response=response, **others)
    res = metric_correlations(daily, ["driver", "response", *others])
    sig = res[res["q_value"] < 0.05]
    best = sig.loc[sig["pearson_r"].abs().idxmax()]
    assert (best.metric_a, best.metric_b, best.lag_days) == ("driver", "response", 4)
    assert best.pearson_r > 0.4
    # nothing else is significant but the difference's echo at the neighbouring lags
    rest = sig[~((sig["metric_a"] == "driver") & (sig["metric_b"] == "response"))]
    assert len(rest) <= 1


def test_definitional_pairs_are_marked() -> None:
    rng = np.random.default_rng(4)
    cols = {m: rng.poisson(50, 40).astype(float) for m in ("events", "sessions", "revenue")}
    res = metric_correlations(_frame(**cols), list(cols), max_lag=0)
    marked = {frozenset((r.metric_a, r.metric_b)): r.definitional for r in res.itertuples()}
    assert marked == {
        frozenset(("events", "sessions")): True,
        frozenset(("events", "revenue")): False,
        frozenset(("revenue", "sessions")): False,
    }


def test_event_series_are_the_frequent_names_of_each_brand() -> None:
    """b1: 4 days. 'view' 3+1+0+4 = 8 in 4 days (mean 2.0: a series, the missing day 0),
    'rare' 1 + 0 + 0 + 0 (mean 0.25: not one). b2: 'rare' on its 3 days, 3, 2 and 2
    (mean 2.33: a series of b2 only); b2 never had 'view' (NaN: not a series of b2)."""
    days = pd.date_range("2025-01-01", periods=4)
    daily = pd.DataFrame(
        {
            "brand_id": ["b1"] * 4 + ["b2"] * 3,
            "day": [*days, *days[:3]],
            "events": [10.0, 11, 12, 13, 5, 6, 8],
        }
    )
    event_daily = pd.DataFrame(
        {
            "brand_id": ["b1", "b1", "b1", "b1", "b2", "b2", "b2"],
            "day": [days[0], days[1], days[3], days[0], days[0], days[1], days[2]],
            "event_name": ["view", "view", "view", "rare", "rare", "rare", "rare"],
            "events": [3.0, 1, 4, 1, 3, 2, 2],
        }
    )
    out, names = with_event_series(daily, event_daily, min_daily_mean=2.0)
    assert names == ["event:rare", "event:view"]
    assert list(out.columns) == ["brand_id", "day", "events", "event:rare", "event:view"]
    b1, b2 = out[out["brand_id"] == "b1"], out[out["brand_id"] == "b2"]
    assert b1["event:view"].tolist() == [3.0, 1.0, 0.0, 4.0]
    assert b1["event:rare"].isna().all()
    assert b2["event:rare"].tolist() == [3.0, 2.0, 2.0]
    assert b2["event:view"].isna().all()
    # metric_correlations takes per brand only the columns that are series of that brand
    res = metric_correlations(out, ["events", *names], max_lag=0, min_n=2, transform=False)
    pairs = {(r.brand_id, frozenset((r.metric_a, r.metric_b))) for r in res.itertuples()}
    assert pairs == {
        ("b1", frozenset(("events", "event:view"))),
        ("b2", frozenset(("events", "event:rare"))),
    }
    assert res["definitional"].all()  # an event name's count is part of `events`


def test_event_names_are_definitional_with_events_only() -> None:
    assert is_definitional("events", "event:purchase")
    assert is_definitional("event:signup", "events")
    assert not is_definitional("sessions", "event:purchase")
    assert not is_definitional("event:webinar_registered", "event:webinar_attended")
    assert is_definitional("orders", "revenue")
