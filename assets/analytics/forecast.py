"""Daily revenue forecasts per brand: prophet, or a seasonal-naive baseline for short history.

Pure functions (DataFrame in, DataFrame out) so the asset, the tests and the benchmark
harness share them. Days are the brand-local days of marts.daily_brand_metrics.

Revenue is never negative, so neither is a forecast: yhat and the band are floored at 0
(a floor, not a log transform: a log model cannot forecast the zero-revenue days small
brands have, and the floor only cuts band mass that is impossible anyway).

A forecast is a vintage: `trained_through` is the last day it saw. `vintage_cutoffs`
also names the past days a vintage is due for (every `spacing` days back), so the
first run on a long history already has forecasts made as of a month ago to score.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import partial
from statistics import NormalDist

import numpy as np
import pandas as pd

from assets.analytics.calendars import holiday_country
from assets.analytics.parallel import map_in_processes

MODEL_PROPHET = "prophet"
MODEL_NAIVE_SHORT = "seasonal_naive (short history)"
MODEL_NAIVE_CONSTANT = "seasonal_naive (constant history)"
MODEL_NAIVE_FAILED = "seasonal_naive (prophet failed)"
SEASON = 7

FORECAST_COLUMNS = [
    "brand_id",
    "day",
    "yhat",
    "yhat_lower",
    "yhat_upper",
    "model",
    "trained_through",
]


@dataclass(frozen=True)
class ForecastParams:
    """How forecasts are made; mirrored by the asset's dagster Config."""

    horizon_days: int = 90
    uncertainty_samples: int = 200
    """prophet's default 1000 makes predict ~9x slower; 200 gives stable 80% bands."""
    interval_width: float = 0.8
    min_history_days: int = 28
    """Below four weeks prophet cannot separate trend from weekly seasonality."""
    yearly_min_days: int = 730
    """Yearly seasonality only when the history spans two years (prophet's own rule)."""


@dataclass(frozen=True)
class BrandSeries:
    """One brand's contiguous daily series: what a worker process receives."""

    brand_id: str
    days: np.ndarray  # datetime64[D], contiguous
    values: np.ndarray  # float64
    country: str | None


def brand_series(
    daily: pd.DataFrame, brands: pd.DataFrame | None = None, column: str = "revenue"
) -> list[BrandSeries]:
    """Split daily metrics into per-brand contiguous series (missing days filled with 0).

    `brands` (brand_id, timezone, country) chooses each brand's holiday calendar.
    """
    calendars: dict[str, str | None] = {}
    if brands is not None and len(brands):
        for row in brands.itertuples(index=False):
            calendars[row.brand_id] = holiday_country(
                getattr(row, "timezone", None), getattr(row, "country", None)
            )
    out: list[BrandSeries] = []
    for brand_id, g in daily.groupby("brand_id", sort=True):
        s = g.set_index(pd.to_datetime(g["day"]))[column].astype(float)
        s = s.groupby(level=0).sum()
        full = pd.date_range(s.index.min(), s.index.max(), freq="D")
        s = s.reindex(full, fill_value=0.0).fillna(0.0)
        out.append(
            BrandSeries(
                brand_id=str(brand_id),
                days=full.values.astype("datetime64[D]"),
                values=s.to_numpy(dtype=float),
                country=calendars.get(str(brand_id)),
            )
        )
    return out


def seasonal_naive(
    values: np.ndarray, horizon: int, interval_width: float = 0.8, season: int = SEASON
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Same weekday last week; band from the spread of week-over-week changes.

    The h-step band widens with the number of seasons ahead (sqrt(k)), as for a
    seasonal random walk. With less than a week of data: the mean of what there is.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    h = np.arange(1, horizon + 1)
    if n == 0:
        zeros = np.zeros(horizon)
        return zeros, zeros.copy(), zeros.copy()
    if n >= season:
        yhat = values[n - season + (h - 1) % season]
        steps = np.ceil(h / season)
        resid = values[season:] - values[:-season]
    else:
        yhat = np.full(horizon, values.mean())
        steps = np.ones(horizon)
        resid = values - values.mean()
    sigma = float(np.std(resid, ddof=1)) if len(resid) >= 2 else 0.0
    # the standard library's normal quantile: scipy.stats costs ~1 s on every definitions import
    half = NormalDist().inv_cdf(0.5 + interval_width / 2) * sigma * np.sqrt(steps)
    return yhat, yhat - half, yhat + half


def prophet_predict(
    days: np.ndarray,
    values: np.ndarray,
    horizon: int,
    country: str | None,
    params: ForecastParams,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit prophet on (days, values) and predict the next `horizon` days."""
    from assets.analytics.prophet_env import Prophet

    np.random.seed(seed)  # prophet samples its intervals from numpy's global RNG
    model = Prophet(
        weekly_seasonality=True,
        yearly_seasonality=len(values) > params.yearly_min_days,  # span >= 730 days
        daily_seasonality=False,
        uncertainty_samples=params.uncertainty_samples,
        interval_width=params.interval_width,
    )
    if country:
        model.add_country_holidays(country_name=country)
    model.fit(pd.DataFrame({"ds": pd.to_datetime(days), "y": values}))
    future = model.make_future_dataframe(periods=horizon, include_history=False)
    fc = model.predict(future)
    yhat = fc["yhat"].to_numpy()
    if "yhat_lower" not in fc:  # uncertainty_samples=0: no band
        return yhat, yhat.copy(), yhat.copy()
    return yhat, fc["yhat_lower"].to_numpy(), fc["yhat_upper"].to_numpy()


def brand_seed(brand_id: str) -> int:
    return zlib.crc32(brand_id.encode())


def predict_series(
    days: np.ndarray,
    values: np.ndarray,
    horizon: int,
    country: str | None,
    params: ForecastParams,
    seed: int = 0,
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """Pick the method for one series and predict; never raises on odd data.

    Short history or a constant series gets the seasonal-naive baseline; a prophet
    error falls back to it too, named in `model` so it is never silent.
    """
    if len(values) < params.min_history_days:
        model = MODEL_NAIVE_SHORT
    elif np.ptp(values) == 0:
        model = MODEL_NAIVE_CONSTANT
    else:
        try:
            yhat, lo, hi = prophet_predict(days, values, horizon, country, params, seed)
            model = MODEL_PROPHET
        except Exception:  # a failed fit must not sink the other 99 brands
            model = MODEL_NAIVE_FAILED
    if model != MODEL_PROPHET:
        yhat, lo, hi = seasonal_naive(values, horizon, params.interval_width)
    # Revenue is never negative; the band always contains the point forecast.
    yhat = np.clip(yhat, 0.0, None)
    lo = np.clip(np.minimum(lo, yhat), 0.0, None)
    hi = np.maximum(hi, yhat)
    return model, yhat, lo, hi


def forecast_one(series: BrandSeries, params: ForecastParams) -> pd.DataFrame:
    """The `horizon_days` days after the brand's last day of data."""
    trained_through = series.days[-1] if len(series.days) else None
    if trained_through is None:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    model, yhat, lo, hi = predict_series(
        series.days,
        series.values,
        params.horizon_days,
        series.country,
        params,
        brand_seed(series.brand_id),
    )
    days = trained_through + np.arange(1, params.horizon_days + 1).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "brand_id": series.brand_id,
            "day": pd.to_datetime(days),
            "yhat": yhat,
            "yhat_lower": lo,
            "yhat_upper": hi,
            "model": model,
            "trained_through": pd.Timestamp(trained_through),
        }
    )


def truncate(series: BrandSeries, through: np.datetime64) -> BrandSeries:
    """The series as it was known on `through` (days after it removed)."""
    keep = series.days <= through
    return BrandSeries(series.brand_id, series.days[keep], series.values[keep], series.country)


def vintage_cutoffs(
    series: BrandSeries, past_vintages: int, spacing: int, min_history: int
) -> list[np.datetime64]:
    """The brand's current cutoff (its last day) and up to `past_vintages` earlier ones,
    `spacing` days apart, each with at least `min_history` days before it."""
    if not len(series.days):
        return []
    last = series.days[-1]
    cutoffs = [last]
    for k in range(1, past_vintages + 1):
        cut = last - np.timedelta64(k * spacing, "D")
        if int((cut - series.days[0]).astype(int)) + 1 >= min_history:
            cutoffs.append(cut)
    return cutoffs


def vintage_series(
    daily: pd.DataFrame,
    brands: pd.DataFrame | None,
    params: ForecastParams,
    past_vintages: int = 0,
    vintage_spacing_days: int = 28,
    skip: set[tuple[str, pd.Timestamp]] | None = None,
) -> list[BrandSeries]:
    """The series to fit: each brand's whole series, plus one truncated series per past
    vintage not in `skip`. Shared by the process pool and the Spark fan-out."""
    skip = skip or set()
    series = []
    for s in brand_series(daily, brands):
        cutoffs = vintage_cutoffs(s, past_vintages, vintage_spacing_days, params.min_history_days)
        for i, cut in enumerate(cutoffs):
            if i == 0 or (s.brand_id, pd.Timestamp(cut)) not in skip:
                series.append(truncate(s, cut) if i else s)
    return series


def forecast_revenue(
    daily: pd.DataFrame,
    brands: pd.DataFrame | None = None,
    params: ForecastParams | None = None,
    workers: int = 2,
    past_vintages: int = 0,
    vintage_spacing_days: int = 28,
    skip: set[tuple[str, pd.Timestamp]] | None = None,
) -> pd.DataFrame:
    """Forecast every brand of `daily` (brand_id, day, revenue) in `workers` processes.

    One vintage per brand trained through its last day, plus `past_vintages` trained
    through earlier days (see `vintage_cutoffs`) unless (brand_id, trained_through) is in
    `skip` (already kept from an earlier run).
    """
    params = params or ForecastParams()
    series = vintage_series(daily, brands, params, past_vintages, vintage_spacing_days, skip)
    frames = map_in_processes(partial(forecast_one, params=params), series, workers)
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    return pd.concat(frames, ignore_index=True)[FORECAST_COLUMNS]
