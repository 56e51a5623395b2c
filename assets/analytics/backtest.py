"""Rolling-origin backtest of the revenue forecast: prophet beside the seasonal-naive baseline.

For each brand, the last `origins` x `horizon_days` days are cut into consecutive test
windows; each window is forecast from the history before it, by prophet (same settings
as the production forecast) and by seasonal naive, and scored on MAPE, sMAPE and
interval coverage. A forecast that does not beat the naive baseline is worth knowing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from assets.analytics.forecast import (
    MODEL_PROPHET,
    BrandSeries,
    ForecastParams,
    brand_seed,
    brand_series,
    prophet_predict,
    seasonal_naive,
)
from assets.analytics.parallel import map_in_processes

MODEL_NAIVE = "seasonal_naive"
BACKTEST_COLUMNS = [
    "brand_id",
    "model",
    "origin",
    "horizon_days",
    "n",
    "mape",
    "smape",
    "coverage",
]


@dataclass(frozen=True)
class BacktestParams:
    origins: int = 2
    """Rolling origins per brand and horizon."""
    horizons: tuple[int, ...] = (7, 14, 28)
    """Days forecast from each origin: a week, a fortnight and four weeks ahead."""
    forecast: ForecastParams = ForecastParams()


def score(
    actual: np.ndarray, yhat: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> dict[str, float | None]:
    """MAPE (over non-zero actuals; None if all are zero), sMAPE (0/0 = 0), coverage.

    All three are fractions (0.12 means 12 %).
    """
    actual = np.asarray(actual, dtype=float)
    yhat = np.asarray(yhat, dtype=float)
    err = np.abs(actual - yhat)
    nonzero = actual != 0
    mape = float(np.mean(err[nonzero] / np.abs(actual[nonzero]))) if nonzero.any() else None
    denom = np.abs(actual) + np.abs(yhat)
    safe = np.where(denom == 0, 1.0, denom)
    smape = float(np.mean(np.where(denom == 0, 0.0, 2 * err / safe)))
    coverage = float(np.mean((actual >= lower) & (actual <= upper)))
    return {"mape": mape, "smape": smape, "coverage": coverage}


def backtest_one(series: BrandSeries, params: BacktestParams) -> pd.DataFrame:
    """Rows (brand, model, origin, horizon) for every origin with enough history."""
    frames = [_backtest_horizon(series, params, h) for h in params.horizons]
    return (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=BACKTEST_COLUMNS)
    )


def _backtest_horizon(series: BrandSeries, params: BacktestParams, h: int) -> pd.DataFrame:
    rows: list[dict] = []
    fp = params.forecast
    n = len(series.values)
    for k in range(params.origins, 0, -1):
        cut = n - k * h
        if cut < fp.min_history_days:
            continue
        days, train = series.days[:cut], series.values[:cut]
        actual = series.values[cut : cut + h]
        origin = pd.Timestamp(days[-1])
        naive = seasonal_naive(train, h, fp.interval_width)
        results = {MODEL_NAIVE: naive}
        if np.ptp(train) > 0:
            # a failed fit is scored as missing rather than sinking the backtest
            with contextlib.suppress(Exception):
                results[MODEL_PROPHET] = prophet_predict(
                    days, train, h, series.country, fp, brand_seed(series.brand_id)
                )
        for model, (yhat, lo, hi) in results.items():
            yhat = np.clip(yhat, 0.0, None)
            lo = np.clip(lo, 0.0, None)
            rows.append(
                {
                    "brand_id": series.brand_id,
                    "model": model,
                    "origin": origin,
                    "horizon_days": h,
                    "n": len(actual),
                    **score(actual, yhat, np.minimum(lo, yhat), np.maximum(hi, yhat)),
                }
            )
    return pd.DataFrame(rows, columns=BACKTEST_COLUMNS)


def backtest_revenue(
    daily: pd.DataFrame,
    brands: pd.DataFrame | None = None,
    params: BacktestParams | None = None,
    workers: int = 2,
) -> pd.DataFrame:
    """Backtest every brand of `daily` (brand_id, day, revenue) in `workers` processes."""
    params = params or BacktestParams()
    series = brand_series(daily, brands)
    frames = [
        f for f in map_in_processes(partial(backtest_one, params=params), series, workers) if len(f)
    ]
    if not frames:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    return pd.concat(frames, ignore_index=True)[BACKTEST_COLUMNS]


def summarize(backtest: pd.DataFrame) -> pd.DataFrame:
    """Mean MAPE / sMAPE / coverage per model and horizon across brands and origins."""
    if backtest.empty:
        return pd.DataFrame(
            columns=["model", "horizon_days", "brands", "mape", "smape", "coverage"]
        )
    return (
        backtest.groupby(["model", "horizon_days"])
        .agg(
            brands=("brand_id", "nunique"),
            mape=("mape", "mean"),
            smape=("smape", "mean"),
            coverage=("coverage", "mean"),
        )
        .reset_index()
    )
