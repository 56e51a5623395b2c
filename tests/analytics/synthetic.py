"""Synthetic daily brand metrics with known structure, for tests and timing runs.

Each metric = trend x weekly pattern + noise, with optional planted spikes/drops whose
brand-days are returned as ground truth (same shape as the generator's anomalies.json).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.analytics.io import METRICS

BASE_LEVEL = {
    "active_persons": 400.0,
    "new_persons": 60.0,
    "sessions": 700.0,
    "events": 5000.0,
    "orders": 40.0,
    "revenue": 2500.0,
    "ai_generations": 120.0,
    "ai_cost_usd": 30.0,
    "shares": 25.0,
    "comments": 35.0,
}
WEEKLY = np.array([1.0, 1.05, 1.08, 1.06, 1.0, 0.75, 0.7])  # Mon..Sun


def daily_metrics(
    n_brands: int = 3,
    days: int = 120,
    start: str = "2025-01-01",
    anomaly_rate: float = 0.0,
    magnitude: float = 0.8,
    noise: float = 0.05,
    seed: int = 0,
) -> tuple[pd.DataFrame, list[dict]]:
    """(daily metrics frame, planted anomalies as [{brand_id, day, direction, metrics, magnitude}])."""
    rng = np.random.default_rng(seed)
    day_index = pd.date_range(start, periods=days, freq="D")
    dow = day_index.dayofweek.to_numpy()
    frames, truth = [], []
    for b in range(n_brands):
        brand_id = f"b{b:03d}"
        scale = rng.uniform(0.3, 3.0)
        growth = rng.uniform(-0.0003, 0.0015)
        trend = scale * np.exp(growth * np.arange(days))
        shock = np.ones(days)
        planted = np.flatnonzero(rng.random(days) < anomaly_rate)
        planted = planted[(planted >= 7) & (planted < days - 3)]
        directions = {}
        for i in planted:
            up = rng.random() < 0.5
            shock[i] = 1 + magnitude if up else 1 - magnitude * 0.75
            directions[i] = "spike" if up else "drop"
        frame = {"brand_id": brand_id, "day": day_index}
        for m in METRICS:
            level = BASE_LEVEL[m] * trend * WEEKLY[dow]
            val = level * (1 + rng.normal(0, noise, days)) * shock
            frame[m] = np.clip(val, 0, None)
        frames.append(pd.DataFrame(frame))
        for i, d in directions.items():
            truth.append(
                {
                    "brand_id": brand_id,
                    "day": day_index[i].date().isoformat(),
                    "direction": d,
                    "metrics": list(METRICS),
                    "magnitude": magnitude,
                }
            )
    return pd.concat(frames, ignore_index=True), truth
