"""Analytics compute per brand: forecast, anomalies and correlations on the built marts,
plus the synthetic 100-brand x 730-day forecast case (target: <= 10 s wall, 2 workers).

The pure functions of assets/analytics are called directly (DataFrame in, DataFrame
out), the way the Dagster assets call them, without the warehouse writes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.measure import timed
from bench.stages import BenchContext

SYNTHETIC_BRANDS = 100
SYNTHETIC_DAYS = 730
QUICK_SYNTHETIC = (8, 120)


def synthetic_revenue(brands: int, days: int, seed: int = 11) -> pd.DataFrame:
    """Daily revenue with trend, weekly shape and noise (brand_id, day, revenue)."""
    rng = np.random.default_rng(seed)
    day_index = pd.date_range("2024-01-01", periods=days, freq="D")
    weekly = np.array([1.0, 1.05, 1.08, 1.06, 1.0, 0.75, 0.7])[day_index.dayofweek.to_numpy()]
    frames = []
    for b in range(brands):
        level = rng.uniform(500, 5000) * np.exp(rng.uniform(-3e-4, 1.5e-3) * np.arange(days))
        revenue = np.clip(level * weekly * (1 + rng.normal(0, 0.08, days)), 0, None)
        frames.append(pd.DataFrame({"brand_id": f"s{b:03d}", "day": day_index, "revenue": revenue}))
    return pd.concat(frames, ignore_index=True)


def _per_brand(seconds: float, brands: int) -> float | None:
    return round(seconds / brands, 4) if brands else None


def run(ctx: BenchContext) -> dict:
    from assets.analytics.anomalies import metric_anomalies
    from assets.analytics.correlations import metric_correlations
    from assets.analytics.forecast import forecast_revenue
    from assets.analytics.io import read_brands, read_daily_metrics

    metrics: dict = {"workers": ctx.workers}
    notes: list[str] = []
    errors: list[str] = []
    daily = brands = None
    if ctx.state.get("built"):
        from brandpulse import db

        try:
            con = db.connect(ctx.state["warehouse"], read_only=True)
            try:
                daily, brands = read_daily_metrics(con), read_brands(con)
            finally:
                con.close()
        except Exception as exc:  # a missing mart is reported, the synthetic case still runs
            errors.append(f"reading marts.daily_brand_metrics failed: {exc}")
    else:
        errors.append("no built warehouse: dataset analytics skipped")

    if daily is not None and len(daily):
        n = daily["brand_id"].nunique()
        metrics["dataset_brands"] = int(n)
        metrics["dataset_days"] = int(daily["day"].nunique())
        for name, fn in (
            ("forecast", lambda: forecast_revenue(daily, brands, workers=ctx.workers)),
            ("anomalies", lambda: metric_anomalies(daily)),
            ("correlations", lambda: metric_correlations(daily)),
        ):
            try:
                with timed() as t:
                    out = fn()
                metrics[f"{name}_seconds"] = round(t.seconds, 3)
                metrics[f"{name}_seconds_per_brand"] = _per_brand(t.seconds, n)
                metrics[f"{name}_rows"] = len(out)
                if name == "forecast":
                    metrics["forecast_models"] = (
                        out.groupby("model")["brand_id"].nunique().to_dict()
                    )
            except Exception as exc:
                errors.append(f"{name} failed: {type(exc).__name__}: {exc}")

    brands_n, days_n = QUICK_SYNTHETIC if ctx.quick else (SYNTHETIC_BRANDS, SYNTHETIC_DAYS)
    synthetic = synthetic_revenue(brands_n, days_n)
    with timed() as t:
        out = forecast_revenue(synthetic, None, workers=2)
    metrics["synthetic_brands"] = brands_n
    metrics["synthetic_days"] = days_n
    metrics["synthetic_forecast_seconds"] = round(t.seconds, 3)
    metrics["synthetic_forecast_seconds_per_brand"] = _per_brand(t.seconds, brands_n)
    metrics["synthetic_forecast_models"] = out.groupby("model")["brand_id"].nunique().to_dict()
    notes.append(
        "synthetic case: forecast_revenue(workers=2) wall time, prophet process pool start included"
    )
    return {"metrics": metrics, "notes": notes + errors, "ok": not errors}
