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
    metric_correlations,
)


def _frame(**cols: np.ndarray) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"brand_id": "b1", "day": pd.date_range("2025-01-01", periods=n), **cols})


def test_perfectly_correlated_pair_has_r_one() -> None:
    a = np.arange(30, dtype=float)
    res = metric_correlations(_frame(a=a, b=2 * a + 3), metrics=["a", "b"], max_lag=0)
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
    res = brand_correlations(np.column_stack([a, b]), ["a", "b"], max_lag=0)
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
    res = metric_correlations(_frame(a=a, b=b + 0.01 * rng.normal(size=103)), ["a", "b"])
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
