"""Per-brand revenue forecasts fanned out on Spark: the cluster path of forecast_revenue.

When the warehouse engine is Spark, brands are spread over the cluster's executors
instead of a local process pool: `groupBy(brand_id).applyInPandas` runs the same
`forecast_one` on each brand's contiguous series, with the same per-brand seed, so the
rows equal the local pool's (tests/spark/test_spark_forecast.py).
"""

from __future__ import annotations

import pandas as pd

from assets.analytics.forecast import (
    FORECAST_COLUMNS,
    BrandSeries,
    ForecastParams,
    forecast_one,
    vintage_series,
)

FORECAST_SCHEMA = (
    "brand_id string, day timestamp, yhat double, yhat_lower double, yhat_upper double, "
    "model string, trained_through timestamp"
)
SERIES_SCHEMA = "brand_id string, vintage int, day date, value double, country string"


def series_rows(series: list[BrandSeries]) -> pd.DataFrame:
    """The prepared series (gaps filled, calendar chosen) as rows: one per series and day;
    `vintage` numbers the series so a brand's past vintages are fitted as their own groups."""
    frames = [
        pd.DataFrame(
            {
                "brand_id": s.brand_id,
                "vintage": vintage,
                "day": pd.to_datetime(s.days).date,
                "value": s.values.astype(float),
                "country": s.country,
            }
        )
        for vintage, s in enumerate(series)
    ]
    if not frames:
        return pd.DataFrame(columns=["brand_id", "vintage", "day", "value", "country"])
    return pd.concat(frames, ignore_index=True)


def _forecast_group(params: ForecastParams):
    def fit(group: pd.DataFrame) -> pd.DataFrame:
        group = group.sort_values("day")
        country = group["country"].iloc[0]
        series = BrandSeries(
            brand_id=str(group["brand_id"].iloc[0]),
            days=pd.to_datetime(group["day"]).to_numpy().astype("datetime64[D]"),
            values=group["value"].to_numpy(dtype=float),
            country=None if pd.isna(country) else str(country),
        )
        return forecast_one(series, params)[FORECAST_COLUMNS]

    return fit


def forecast_revenue_on_spark(
    spark,
    daily: pd.DataFrame,
    brands: pd.DataFrame | None = None,
    params: ForecastParams | None = None,
    past_vintages: int = 0,
    vintage_spacing_days: int = 28,
    skip: set[tuple[str, pd.Timestamp]] | None = None,
) -> pd.DataFrame:
    """forecast_revenue's rows (every vintage), each series fitted on a Spark executor
    (session time UTC)."""
    params = params or ForecastParams()
    series = vintage_series(daily, brands, params, past_vintages, vintage_spacing_days, skip)
    rows = series_rows(series)
    if rows.empty:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    frame = spark.createDataFrame(rows, schema=SERIES_SCHEMA)
    result = (
        frame.groupBy("brand_id", "vintage")
        .applyInPandas(_forecast_group(params), schema=FORECAST_SCHEMA)
        .toPandas()
    )
    order = ["brand_id", "trained_through", "day"]
    return result.sort_values(order, ignore_index=True)[FORECAST_COLUMNS]
