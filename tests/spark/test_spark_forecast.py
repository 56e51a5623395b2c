"""Per-brand forecasting fanned out on Spark gives the local process pool's rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assets.analytics.forecast import MODEL_PROPHET, ForecastParams, forecast_revenue

pytestmark = pytest.mark.spark


def _daily(values: np.ndarray, brand_id: str, start: str = "2025-01-06") -> pd.DataFrame:
    return pd.DataFrame(
        {"brand_id": brand_id, "day": pd.date_range(start, periods=len(values)), "revenue": values}
    )


def _weekly_series(days: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pattern = np.array([100.0, 110, 120, 115, 105, 60, 50])
    t = np.arange(days)
    return pattern[t % 7] * (1 + 0.002 * t) + rng.normal(0, 3, days)


def test_spark_fan_out_equals_the_process_pool(spark_session) -> None:
    from assets.analytics.spark_forecast import forecast_revenue_on_spark

    daily = pd.concat(
        [
            _daily(_weekly_series(42, seed=1), "b1"),
            _daily(_weekly_series(35, seed=2), "b2"),
            _daily(np.ones(10), "b3"),  # short history: the seasonal-naive fallback
        ]
    )
    params = ForecastParams(horizon_days=7, uncertainty_samples=50)
    vintages = {"past_vintages": 1, "vintage_spacing_days": 7}
    local = forecast_revenue(daily, params=params, workers=2, **vintages)
    on_spark = forecast_revenue_on_spark(spark_session, daily, params=params, **vintages)
    assert local["trained_through"].nunique() > 3  # a past vintage of some brands
    assert set(local["model"]) >= {MODEL_PROPHET}
    local = local.sort_values(["brand_id", "trained_through", "day"], ignore_index=True)
    for column in ("day", "trained_through"):
        local[column] = pd.to_datetime(local[column]).astype("datetime64[ns]")
        on_spark[column] = pd.to_datetime(on_spark[column]).astype("datetime64[ns]")
    pd.testing.assert_frame_equal(local, on_spark, check_dtype=False, rtol=1e-9)
