"""How each kept forecast vintage did against the days that have arrived since.

For every vintage (brand, trained_through) of ml.revenue_forecast and every horizon band
(days after trained_through), the forecast's MAPE, sMAPE and interval coverage on the
closed days with actuals, next to the seasonal-naive baseline made from the same
history (same weekday of the last week before trained_through, its band from the
week-over-week changes). Recomputed from the vintages and the actuals on every run, so
a vintage's score fills in as its days arrive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.analytics.backtest import MODEL_NAIVE, score
from assets.analytics.forecast import seasonal_naive

HORIZON_BANDS: tuple[tuple[int, int], ...] = ((1, 7), (8, 14), (15, 28), (29, 90))
"""Days after trained_through, inclusive: the week ahead, the next, the rest of the
month, and beyond."""

ACCURACY_COLUMNS = [
    "brand_id",
    "trained_through",
    "run_id",
    "model",
    "horizon_from",
    "horizon_to",
    "n",
    "mape",
    "smape",
    "coverage",
    "scored_through",
]


def _band_rows(
    base: dict, actual: np.ndarray, horizon: np.ndarray, days: np.ndarray, preds: dict
) -> list[dict]:
    rows = []
    for lo_h, hi_h in HORIZON_BANDS:
        in_band = (horizon >= lo_h) & (horizon <= hi_h)
        if not in_band.any():
            continue
        for model, (yhat, lower, upper) in preds.items():
            rows.append(
                {
                    **base,
                    "model": model,
                    "horizon_from": lo_h,
                    "horizon_to": hi_h,
                    "n": int(in_band.sum()),
                    **score(actual[in_band], yhat[in_band], lower[in_band], upper[in_band]),
                    "scored_through": pd.Timestamp(days[in_band].max()),
                }
            )
    return rows


def forecast_accuracy(
    forecasts: pd.DataFrame, daily: pd.DataFrame, interval_width: float = 0.8
) -> pd.DataFrame:
    """ml.forecast_accuracy from vintages (brand_id, day, yhat, yhat_lower, yhat_upper,
    model, trained_through, run_id) and daily actuals (brand_id, day, revenue).

    Only closed days count: a brand's newest day may still be filling up.
    """
    rows: list[dict] = []
    actuals = {
        b: g.set_index(pd.to_datetime(g["day"]))["revenue"].astype(float).groupby(level=0).sum()
        for b, g in daily.groupby("brand_id")
    }
    if forecasts.empty:
        return pd.DataFrame(columns=ACCURACY_COLUMNS)
    for (brand_id, trained), vintage in forecasts.groupby(["brand_id", "trained_through"]):
        series = actuals.get(brand_id)
        if series is None or len(series) < 2:
            continue
        full = series.reindex(pd.date_range(series.index.min(), series.index.max()), fill_value=0)
        closed = full.iloc[:-1]
        vintage = vintage.assign(day=pd.to_datetime(vintage["day"])).sort_values("day")
        known = vintage[vintage["day"].isin(closed.index)]
        if known.empty:
            continue
        trained = pd.Timestamp(trained)
        history = closed[closed.index <= trained].to_numpy()
        horizon = ((known["day"] - trained).dt.days).to_numpy()
        actual = closed.loc[known["day"]].to_numpy()
        naive_all = seasonal_naive(history, int(horizon.max()), interval_width)
        naive = tuple(np.clip(a[horizon - 1], 0.0, None) for a in naive_all)
        preds = {
            str(vintage["model"].iloc[0]): (
                known["yhat"].to_numpy(float),
                known["yhat_lower"].to_numpy(float),
                known["yhat_upper"].to_numpy(float),
            ),
            MODEL_NAIVE: naive,
        }
        base = {
            "brand_id": brand_id,
            "trained_through": trained,
            "run_id": str(vintage["run_id"].iloc[0]),
        }
        rows += _band_rows(base, actual, horizon, known["day"].to_numpy(), preds)
    if not rows:
        return pd.DataFrame(columns=ACCURACY_COLUMNS)
    return pd.DataFrame(rows)[ACCURACY_COLUMNS]
