"""Per-brand forecasting fanned out on Spark gives the local process pool's rows."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

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


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="the spark dependency group")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("brandpulse-forecast-test")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_fan_out_equals_the_process_pool(spark) -> None:
    from assets.analytics.spark_forecast import forecast_revenue_on_spark

    daily = pd.concat(
        [
            _daily(_weekly_series(42, seed=1), "b1"),
            _daily(_weekly_series(35, seed=2), "b2"),
            _daily(np.ones(10), "b3"),  # short history: the seasonal-naive fallback
        ]
    )
    params = ForecastParams(horizon_days=7, uncertainty_samples=50)
    local = forecast_revenue(daily, params=params, workers=2)
    on_spark = forecast_revenue_on_spark(spark, daily, params=params)
    assert set(local["model"]) >= {MODEL_PROPHET}
    local = local.sort_values(["brand_id", "day"], ignore_index=True)
    for column in ("day", "trained_through"):
        local[column] = pd.to_datetime(local[column]).astype("datetime64[ns]")
        on_spark[column] = pd.to_datetime(on_spark[column]).astype("datetime64[ns]")
    pd.testing.assert_frame_equal(local, on_spark, check_dtype=False, rtol=1e-9)
