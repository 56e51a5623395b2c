"""Daily metric anomalies per brand: de-trend, de-seasonalise, then score the residuals.

expected = trend (centred rolling median) + weekly seasonal (day-of-week median of the
de-trended series); residual = value - expected. A pyod detector (ECOD by default)
scores the residuals; a day is anomalous when the detector flags it AND its robust
z-score (residual over a local MAD scale) clears a threshold. The detector alone flags a
fixed share of every series (its contamination), so quiet series would always get
false alarms; the threshold alone is blind to skewed residual shapes that ECOD handles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from assets.analytics.io import METRICS

DETECTORS = ("ECOD", "COPOD", "IForest", "MAD", "KNN", "LOF", "HBOS")
COUNT_METRICS = frozenset(METRICS) - {"revenue", "ai_cost_usd"}
DEFAULT_DETECTION_METRICS = tuple(m for m in METRICS if m != "ai_cost_usd")
"""Whole-number metrics: their noise is at least Poisson (sd ~ sqrt(level))."""

MIN_HISTORY_DAYS = 14
"""A brand needs two weeks of days to have a weekly pattern at all; shorter brands are
skipped (they have no "normal" to deviate from yet)."""

ANOMALY_COLUMNS = [
    "brand_id",
    "day",
    "metric",
    "value",
    "expected",
    "residual",
    "robust_z",
    "score",
    "is_anomaly",
    "direction",
]


@dataclass(frozen=True)
class AnomalyParams:
    """How anomalies are detected; mirrored by the asset's dagster Config."""

    detector: str = "ECOD"
    contamination: float = 0.05
    """Share of days the detector may flag per series: an upper bound on the alarm rate."""
    threshold: float = 5.0
    """Robust z (residual / local 1.4826 * MAD) a flagged day must also reach."""
    trend_window: int = 21
    """Centred rolling-median window in days: three weeks, so one bad day or a weekend
    cannot move the trend."""
    scale_window: int = 28
    """Centred window (days) of the local noise scale: eight weeks."""
    support_threshold: float = 3.0
    min_support: int = 4
    """Or: at least `min_support` metrics of the same day reach `support_threshold`
    in the same direction (see `_consensus`)."""
    warmup_days: int = 10
    """A brand's first days are scored but never flagged: there is no normal to judge
    them against yet (the demo generator plants nothing there either)."""
    max_zero_share: float = 0.2
    """A series that is 0 on more than this share of days is intermittent (one order
    every few days): its zeros and its non-zeros are both normal, so it is not flagged."""
    metrics: tuple[str, ...] = field(default=DEFAULT_DETECTION_METRICS)
    """ai_cost_usd is left out by default: a price change shifts its level on a known
    date, which is not an anomaly (add it back through the asset config if wanted)."""


def _make_detector(name: str, contamination: float):
    """A pyod detector by class name (imported lazily: pyod pulls in scikit-learn)."""
    if name == "ECOD":
        from pyod.models.ecod import ECOD

        return ECOD(contamination=contamination)
    if name == "COPOD":
        from pyod.models.copod import COPOD

        return COPOD(contamination=contamination)
    if name == "IForest":
        from pyod.models.iforest import IForest

        return IForest(contamination=contamination, random_state=0, n_estimators=50)
    if name == "MAD":
        from pyod.models.mad import MAD

        return MAD(contamination=contamination)
    if name == "KNN":
        from pyod.models.knn import KNN

        return KNN(contamination=contamination)
    if name == "LOF":
        from pyod.models.lof import LOF

        return LOF(contamination=contamination)
    if name == "HBOS":
        from pyod.models.hbos import HBOS

        return HBOS(contamination=contamination)
    raise ValueError(f"unknown detector {name!r}; choose one of {', '.join(DETECTORS)}")


def detector_scores(residuals: np.ndarray, detector: str, contamination: float) -> np.ndarray:
    """Per-column outlier scores of a days x metrics residual matrix (higher = odder).

    ECOD and COPOD score each column independently and keep the per-column scores
    (`O`), so one fit serves all metrics of a brand; other detectors fit per column.
    """
    x = np.asarray(residuals, dtype=float)
    if detector in ("ECOD", "COPOD"):
        model = _make_detector(detector, contamination).fit(x)
        per_column = getattr(model, "O", None)
        if per_column is not None and np.shape(per_column) == x.shape:
            return np.asarray(per_column, dtype=float)
    scores = np.empty_like(x)
    for j in range(x.shape[1]):
        model = _make_detector(detector, contamination).fit(x[:, j : j + 1])
        scores[:, j] = model.decision_scores_
    return scores


def _rolling_median(frame: pd.DataFrame, window: int) -> pd.DataFrame:
    trend = frame.rolling(window, center=True, min_periods=max(3, window // 3)).median()
    return trend.bfill().ffill().fillna(0.0)


def decompose(frame: pd.DataFrame, trend_window: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(trend, seasonal) of a days x metrics frame with a contiguous daily DatetimeIndex.

    trend = centred rolling median; seasonal = day-of-week median of the de-trended
    series. Two passes: the median of a window that still holds the weekly swing jumps
    between weekday clusters as noise reorders them (heavy-tailed residuals, false
    alarms), so the trend is re-estimated on the de-seasonalised series. Called on
    log1p(values), so the weekly shape is a multiplicative factor.
    """
    dow = frame.index.dayofweek
    trend = _rolling_median(frame, trend_window)
    seasonal = (frame - trend).groupby(dow).transform("median").fillna(0.0)
    trend = _rolling_median(frame - seasonal, trend_window)
    seasonal = (frame - trend).groupby(dow).transform("median").fillna(0.0)
    return trend, seasonal


def robust_scale(
    residual: pd.DataFrame, level: np.ndarray, counts: np.ndarray, window: int
) -> np.ndarray:
    """Noise scale of log residuals per day and metric (1.4826 x median |r| = sigma).

    The larger of the whole-series MAD (a precise estimate) and a local MAD over
    `window` days (noise is larger where volume is small, e.g. while a brand ramps
    up). Count metrics are floored at Poisson noise on the log scale (1/sqrt(level)),
    so small counts (MAD 0) do not turn every +2 into an alarm; a tiny floor keeps
    constant series finite.
    """
    abs_r = residual.abs()
    whole = 1.4826 * abs_r.median().to_numpy()
    local = abs_r.rolling(window, center=True, min_periods=min(window, 14)).median()
    local = 1.4826 * np.nan_to_num(local.bfill().ffill().to_numpy())
    poisson = np.where(counts, 1.0 / np.sqrt(np.maximum(level, 1.0)), 0.0)
    return np.maximum.reduce(
        [np.broadcast_to(whole, local.shape), local, poisson, np.full_like(local, 1e-6)]
    )


def _consensus(z: np.ndarray, level: float, min_metrics: int) -> np.ndarray:
    """Days x metrics: this metric and at least `min_metrics` - 1 others of the same
    day all deviate by >= `level` in the same direction.

    A traffic spike on a small brand moves persons, sessions and events together by
    3 sigma each: no single metric clears the threshold, the day as a whole clearly
    does.
    """
    up = z >= level
    down = z <= -level
    n_up = up.sum(axis=1, keepdims=True)
    n_down = down.sum(axis=1, keepdims=True)
    return (up & (n_up >= min_metrics)) | (down & (n_down >= min_metrics))


def brand_anomalies(frame: pd.DataFrame, params: AnomalyParams = AnomalyParams()) -> pd.DataFrame:
    """Score one brand: `frame` is days x metrics with a contiguous daily DatetimeIndex."""
    metrics = list(frame.columns)
    values = np.clip(frame.to_numpy(dtype=float), 0.0, None)
    # log1p: multiplicative weekly shape and noise that grows with the level become
    # additive and even; expected and residual are reported back in metric units.
    logged = pd.DataFrame(np.log1p(values), index=frame.index, columns=metrics)
    trend, seasonal = decompose(logged, params.trend_window)
    fit = (trend + seasonal).to_numpy()
    log_residual = logged.to_numpy() - fit
    expected = np.expm1(fit)
    residual = values - expected
    counts = np.array([m in COUNT_METRICS for m in metrics])
    scale = robust_scale(
        pd.DataFrame(log_residual, index=frame.index), expected, counts, params.scale_window
    )
    z = log_residual / scale
    # The detector sees standardised residuals, so one loud metric does not dominate.
    scores = detector_scores(z, params.detector, params.contamination)
    cutoff = np.quantile(scores, 1.0 - params.contamination, axis=0)
    flagged = (scores >= cutoff) & (
        (np.abs(z) >= params.threshold)
        | _consensus(z, params.support_threshold, params.min_support)
    )
    flagged[: params.warmup_days] = False
    flagged[:, (values == 0).mean(axis=0) > params.max_zero_share] = False
    t_len, m = values.shape
    return pd.DataFrame(
        {
            "day": np.repeat(frame.index.values, m),
            "metric": np.tile(np.asarray(metrics, dtype=object), t_len),
            "value": values.ravel(),
            "expected": expected.ravel(),
            "residual": residual.ravel(),
            "robust_z": z.ravel(),
            "score": scores.ravel(),
            "is_anomaly": flagged.ravel(),
            "direction": np.where(log_residual.ravel() >= 0, "spike", "drop"),
        }
    )


def metric_anomalies(daily: pd.DataFrame, params: AnomalyParams = AnomalyParams()) -> pd.DataFrame:
    """ml.metric_anomalies for every brand of `daily` (brand_id, day, metrics...) with at
    least MIN_HISTORY_DAYS days; typed and empty when no brand has that much history."""
    metrics = [m for m in params.metrics if m in daily.columns]
    frames = []
    for brand_id, g in daily.groupby("brand_id", sort=True):
        g = g.set_index(pd.to_datetime(g["day"]))[metrics].astype(float)
        g = g.groupby(level=0).sum()
        full = pd.date_range(g.index.min(), g.index.max(), freq="D")
        if len(full) < MIN_HISTORY_DAYS:
            continue
        res = brand_anomalies(g.reindex(full).fillna(0.0), params)
        res.insert(0, "brand_id", brand_id)
        frames.append(res)
    if not frames:
        return _empty_anomalies()
    return pd.concat(frames, ignore_index=True)[ANOMALY_COLUMNS]


def _empty_anomalies() -> pd.DataFrame:
    """No rows, with the dtypes of a scored frame (an untyped empty frame would make
    `result[result["is_anomaly"]]` select columns instead of rows)."""
    dtypes = {"day": "datetime64[ns]", "is_anomaly": bool, "brand_id": object}
    dtypes |= {"metric": object, "direction": object}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, float)) for c in ANOMALY_COLUMNS})


def load_truth(path: Path) -> list[dict] | None:
    """The generator's planted anomalies (`<landing>/_generator/anomalies.json`), if any."""
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):  # tolerate {"anomalies": [...]}
        data = data.get("anomalies", [])
    return list(data)


def _brand_days(rows: Iterable[tuple[str, object]]) -> set[tuple[str, pd.Timestamp]]:
    return {(str(b), pd.Timestamp(d).normalize()) for b, d in rows}


def evaluate(anomalies: pd.DataFrame, truth: Sequence[dict]) -> dict[str, float | int | None]:
    """Precision and recall at brand-day level against planted anomalies.

    A predicted anomalous brand-day (any metric) matches a truth brand-day. Truth rows
    whose `metrics` list is empty (the generator planted something that moved no metric
    measurably) are not expected to be found: `recall` leaves them out and
    `recall_all_planted` keeps them. Truth days outside the scored data (brands or days
    not in the marts) are left out, so a partial build is judged on what it covers.
    """
    scored = _brand_days(anomalies[["brand_id", "day"]].itertuples(index=False, name=None))
    flagged = anomalies[anomalies["is_anomaly"].astype(bool)]
    predicted = _brand_days(flagged[["brand_id", "day"]].itertuples(index=False, name=None))
    planted = _brand_days((t["brand_id"], t["day"]) for t in truth) & scored
    expected = (
        _brand_days((t["brand_id"], t["day"]) for t in truth if t.get("metrics", [None])) & scored
    )
    tp = len(predicted & expected)
    truth_dir = {
        (str(t["brand_id"]), pd.Timestamp(t["day"]).normalize()): t.get("direction") for t in truth
    }
    strongest = (
        flagged.assign(abs_z=flagged["robust_z"].abs())
        .sort_values("abs_z", ascending=False)
        .drop_duplicates(["brand_id", "day"])
    )
    agree = total = 0
    for row in strongest.itertuples(index=False):
        key = (str(row.brand_id), pd.Timestamp(row.day).normalize())
        if key in expected and truth_dir.get(key):
            total += 1
            agree += int(truth_dir[key] == row.direction)
    return {
        "precision": tp / len(predicted) if predicted else None,
        "recall": tp / len(expected) if expected else None,
        "recall_all_planted": len(predicted & planted) / len(planted) if planted else None,
        "true_positives": tp,
        "predicted_brand_days": len(predicted),
        "truth_brand_days": len(expected),
        "planted_brand_days": len(planted),
        "direction_accuracy": agree / total if total else None,
    }
