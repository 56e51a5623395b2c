"""Revenue forecast and backtest: the baseline by hand, the fallbacks, prophet on a short series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assets.analytics.backtest import BacktestParams, backtest_revenue, score
from assets.analytics.calendars import holiday_country
from assets.analytics.forecast import (
    MODEL_NAIVE_CONSTANT,
    MODEL_NAIVE_SHORT,
    MODEL_PROPHET,
    ForecastParams,
    forecast_revenue,
    seasonal_naive,
)


def _daily(values: np.ndarray, brand_id: str = "b1", start: str = "2025-01-06") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "brand_id": brand_id,
            "day": pd.date_range(start, periods=len(values)),
            "revenue": values,
        }
    )


def test_seasonal_naive_by_hand() -> None:
    values = np.arange(1.0, 15.0)  # two weeks: 1..14; week-over-week change is always 7
    yhat, lo, hi = seasonal_naive(values, 9)
    np.testing.assert_allclose(yhat, [8, 9, 10, 11, 12, 13, 14, 8, 9])
    np.testing.assert_allclose(lo, yhat)  # the changes never vary: zero-width band
    np.testing.assert_allclose(hi, yhat)


def test_seasonal_naive_band_widens_with_seasons_ahead() -> None:
    rng = np.random.default_rng(0)
    values = 100 + rng.normal(0, 10, 21)
    yhat, lo, hi = seasonal_naive(values, 14)
    width = hi - lo
    assert width[7] == pytest.approx(width[0] * np.sqrt(2))
    assert (lo <= yhat).all() and (yhat <= hi).all()


def test_short_history_falls_back_to_seasonal_naive() -> None:
    short = _daily(np.array([10.0, 20, 30, 40, 50, 60, 70] * 2 + [15.0] * 6))  # 20 days
    tiny = _daily(np.array([5.0, 7.0, 9.0]), brand_id="b2")
    fc = forecast_revenue(
        pd.concat([short, tiny]), params=ForecastParams(horizon_days=10), workers=1
    )
    assert set(fc["model"]) == {MODEL_NAIVE_SHORT}
    assert fc.groupby("brand_id").size().to_dict() == {"b1": 10, "b2": 10}
    b1 = fc[fc["brand_id"] == "b1"]
    assert b1["day"].min() == pd.Timestamp("2025-01-26")  # the day after the last day
    assert (b1["trained_through"] == pd.Timestamp("2025-01-25")).all()
    assert fc.loc[fc["brand_id"] == "b2", "yhat"].tolist() == pytest.approx([7.0] * 10)


def test_constant_history_needs_no_model() -> None:
    fc = forecast_revenue(_daily(np.zeros(60)), params=ForecastParams(horizon_days=5), workers=1)
    assert set(fc["model"]) == {MODEL_NAIVE_CONSTANT}
    assert (fc[["yhat", "yhat_lower", "yhat_upper"]] == 0).all().all()


def test_holiday_country_from_timezone() -> None:
    assert holiday_country("America/New_York") == "US"
    assert holiday_country("Europe/Berlin") == "DE"
    assert holiday_country("UTC") is None
    assert holiday_country("Asia/Tokyo", country="fr") == "FR"


def test_backtest_scores_by_hand() -> None:
    # errors 10, 10, 0; MAPE over non-zero actuals: (10/100 + 0/50)/2 = 0.05;
    # sMAPE: (20/210 + 20/10 + 0)/3; coverage: 100 in [90, 120] and 0 in [0, 20] are
    # inside, 50 is above [40, 45]: 2 of 3.
    s = score(
        np.array([100.0, 0.0, 50.0]),
        np.array([110.0, 10.0, 50.0]),
        np.array([90.0, 0.0, 40.0]),
        np.array([120.0, 20.0, 45.0]),
    )
    assert s["mape"] == pytest.approx(0.05)
    assert s["smape"] == pytest.approx((20 / 210 + 2.0) / 3)
    assert s["coverage"] == pytest.approx(2 / 3)


def _weekly_series(days: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pattern = np.array([100.0, 110, 120, 115, 105, 60, 50])
    t = np.arange(days)
    return pattern[t % 7] * (1 + 0.002 * t) + rng.normal(0, 3, days)


@pytest.mark.prophet
def test_prophet_forecast_on_a_short_weekly_series() -> None:
    values = _weekly_series(70)
    fc = forecast_revenue(
        _daily(values), params=ForecastParams(horizon_days=14, uncertainty_samples=50), workers=1
    )
    assert set(fc["model"]) == {MODEL_PROPHET}
    assert len(fc) == 14
    assert (fc["yhat_lower"] <= fc["yhat"]).all() and (fc["yhat"] <= fc["yhat_upper"]).all()
    truth = _weekly_series(84)[70:]  # same noise-free shape continues
    mape = np.mean(np.abs(fc["yhat"].to_numpy() - truth) / truth)
    assert mape < 0.1


@pytest.mark.prophet
def test_backtest_compares_prophet_and_naive() -> None:
    bt = backtest_revenue(
        _daily(_weekly_series(60)),
        params=BacktestParams(
            origins=2, horizons=(7,), forecast=ForecastParams(uncertainty_samples=50)
        ),
        workers=1,
    )
    assert sorted(bt["model"].unique()) == ["prophet", "seasonal_naive"]
    assert len(bt) == 4  # 2 origins x 2 models
    assert bt["origin"].nunique() == 2
    assert bt[["mape", "smape", "coverage"]].notna().all().all()


@pytest.mark.prophet
def test_parallel_workers_give_the_serial_result() -> None:
    daily = pd.concat(
        [
            _daily(_weekly_series(42, seed=1), "b1"),
            _daily(_weekly_series(35, seed=2), "b2"),
            _daily(np.ones(10), "b3"),
        ]
    )
    params = ForecastParams(horizon_days=7, uncertainty_samples=50)
    serial = forecast_revenue(daily, params=params, workers=1)
    parallel = forecast_revenue(daily, params=params, workers=2)
    pd.testing.assert_frame_equal(serial, parallel)
