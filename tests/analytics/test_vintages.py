"""Forecast vintages kept and scored; ml.* writes that keep what earlier runs wrote."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from assets.analytics import io
from assets.analytics.backtest import MODEL_NAIVE
from assets.analytics.forecast import (
    MODEL_NAIVE_CONSTANT,
    ForecastParams,
    forecast_revenue,
    predict_series,
)
from assets.analytics.forecast_accuracy import forecast_accuracy


def _daily(values, brand_id: str = "b1", start: str = "2025-01-06") -> pd.DataFrame:
    days = pd.date_range(start, periods=len(values))
    return pd.DataFrame({"brand_id": brand_id, "day": days, "revenue": np.asarray(values, float)})


def test_past_vintages_are_forecast_as_of_their_cutoff_unless_kept() -> None:
    daily = _daily(np.full(70, 5.0))  # constant: the naive model, no prophet fit
    params = ForecastParams(horizon_days=3)
    fc = forecast_revenue(daily, params=params, workers=1, past_vintages=2, vintage_spacing_days=28)
    cutoffs = sorted(fc["trained_through"].unique())
    # day 69 (2025-03-16) and day 41 (2025-02-16); day 13 has under 28 days of history
    assert [pd.Timestamp(c) for c in cutoffs] == [
        pd.Timestamp("2025-02-16"),
        pd.Timestamp("2025-03-16"),
    ]
    early = fc[fc["trained_through"] == pd.Timestamp("2025-02-16")]
    assert list(early["day"]) == list(pd.date_range("2025-02-17", periods=3))
    assert set(fc["model"]) == {MODEL_NAIVE_CONSTANT}
    kept = {("b1", pd.Timestamp("2025-02-16"))}
    again = forecast_revenue(
        daily, params=params, workers=1, past_vintages=2, vintage_spacing_days=28, skip=kept
    )
    assert set(again["trained_through"]) == {pd.Timestamp("2025-03-16")}


def test_revenue_band_is_floored_at_zero() -> None:
    # week-over-week changes of +-40 around a level of 10: the naive band reaches below 0
    values = np.array([10.0, 50.0] * 7)
    model, yhat, lo, hi = predict_series(
        np.arange(len(values)), values, 7, None, ForecastParams(min_history_days=28)
    )
    assert model.startswith("seasonal_naive")
    assert (lo >= 0).all() and (lo <= yhat).all() and (yhat <= hi).all()
    assert (lo == 0).any()


def test_accuracy_of_a_vintage_by_hand() -> None:
    """History 14 days (week-over-week change always +7, so the naive band is 0 wide),
    a vintage trained through day 14 forecasting 10 flat with band [8, 12]; actuals
    arrive for days 15..23 (day 24 is the newest, still open, and not scored)."""
    history = np.arange(1.0, 15.0)  # days 1..14 = 1..14
    actual = np.array([10.0, 12.0, 8.0, 20.0, 10.0, 10.0, 10.0, 5.0, 15.0, 99.0])
    daily = _daily(np.concatenate([history, actual]))
    trained = pd.Timestamp("2025-01-19")  # day 14
    vintage = pd.DataFrame(
        {
            "brand_id": "b1",
            "day": pd.date_range("2025-01-20", periods=30),
            "yhat": 10.0,
            "yhat_lower": 8.0,
            "yhat_upper": 12.0,
            "model": "prophet",
            "trained_through": trained,
            "run_id": "r1",
        }
    )
    acc = forecast_accuracy(vintage, daily).set_index(["model", "horizon_from"])
    week1 = acc.loc[("prophet", 1)]
    assert week1["n"] == 7 and week1["scored_through"] == pd.Timestamp("2025-01-26")
    # errors 0, 2, 2, 10, 0, 0, 0 over actuals 10, 12, 8, 20, 10, 10, 10
    assert week1["mape"] == pytest.approx((2 / 12 + 2 / 8 + 10 / 20) / 7)
    assert week1["smape"] == pytest.approx((4 / 22 + 4 / 18 + 20 / 30) / 7)
    assert week1["coverage"] == pytest.approx(6 / 7)  # 20 is above 12
    week2 = acc.loc[("prophet", 8)]
    assert week2["n"] == 2 and week2["mape"] == pytest.approx((5 / 5 + 5 / 15) / 2)
    # seasonal naive repeats the last week (8..14) and beats nothing here
    naive1 = acc.loc[(MODEL_NAIVE, 1)]
    pred = np.arange(8.0, 15.0)
    obs = actual[:7]
    assert naive1["mape"] == pytest.approx(np.mean(np.abs(obs - pred) / obs))
    assert naive1["coverage"] == pytest.approx(np.mean(obs == pred))
    assert set(acc.reset_index()["horizon_from"]) == {1, 8}  # nothing yet beyond day 9


def _forecast_rows(trained: str, yhat: float, run_id: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "brand_id": "b1",
            "day": pd.date_range(pd.Timestamp(trained) + pd.Timedelta(days=1), periods=2),
            "yhat": yhat,
            "yhat_lower": 0.0,
            "yhat_upper": yhat + 1,
            "model": "prophet",
            "trained_through": pd.Timestamp(trained),
            "run_id": run_id,
            "created_at": pd.Timestamp("2025-01-01", tz="UTC"),
        }
    )


def test_vintages_are_kept_and_a_rerun_replaces_only_its_own() -> None:
    con = duckdb.connect()
    io.replace_vintages(con, "revenue_forecast", _forecast_rows("2025-01-10", 1.0, "r1"))
    io.replace_vintages(con, "revenue_forecast", _forecast_rows("2025-01-17", 2.0, "r2"))
    io.replace_vintages(con, "revenue_forecast", _forecast_rows("2025-01-17", 3.0, "r3"))
    rows = con.execute(
        "select trained_through::varchar, run_id, count(*), max(yhat) from ml.revenue_forecast "
        "group by all order by 1"
    ).fetchall()
    assert rows == [("2025-01-10", "r1", 2, 1.0), ("2025-01-17", "r3", 2, 3.0)]


def test_anomaly_rows_once_written_are_never_changed() -> None:
    con = duckdb.connect()

    def rows(days: list[str], value: float, run_id: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "brand_id": "b1",
                "day": pd.to_datetime(days),
                "metric": "events",
                "value": value,
                "expected": 1.0,
                "residual": value - 1.0,
                "robust_z": 0.0,
                "score": 0.0,
                "is_anomaly": value > 5,
                "direction": "spike",
                "run_id": run_id,
                "scored_at": pd.Timestamp("2025-01-01", tz="UTC"),
            }
        )

    assert io.append_new_rows(con, "metric_anomalies", rows(["2025-01-01"], 9.0, "r1")) == 1
    # a later run sees different data for that day (late events) and one new day
    added = io.append_new_rows(
        con, "metric_anomalies", rows(["2025-01-01", "2025-01-02"], 2.0, "r2")
    )
    assert added == 1
    got = con.execute(
        "select day::varchar, value, is_anomaly, run_id from ml.metric_anomalies order by day"
    ).fetchall()
    assert got == [("2025-01-01", 9.0, True, "r1"), ("2025-01-02", 2.0, False, "r2")]
