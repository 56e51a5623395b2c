"""Daily metric anomalies per brand, scored point in time: a day sees only its past.

For each brand-day t (log1p of every metric):

1. **Seasonal baseline fitted on the past** (days t - history_days .. t - 1):
   weekday profile = weekday median of (value - trailing 7-day median); level = median
   of the de-seasonalised last 7 days, moved forward by half the damped week-on-week
   slope; expected = level + profile[weekday of t].
2. **Residual scale from the past**: 1.4826 x median |residual| of the previous
   `scale_days` days' own point-in-time residuals (in-sample deviations until there
   are enough), floored at Poisson noise for counts. robust_z = residual / scale.
3. **pyod on the residuals, several metrics jointly**: ECOD is fitted on the previous
   `detector_days` days' robust_z vectors (all metrics of the brand together) and scores
   day t; `score` is the day's joint ECOD score. Threshold rule (documented in
   AnomalyParams): a metric is flagged when its |robust_z| >= `threshold` and its own
   ECOD tail score is beyond the detector's contamination quantile of the past, or when
   the day's joint score exceeds ECOD's threshold (its contamination quantile of the
   past) and at least `min_support` metrics deviate >= `support_threshold` in the same
   direction (a traffic surge on a small brand moves persons, sessions and events by
   3 sigma each: none alone is conclusive, together they are).

Everything day t uses is a function of days <= t, so appending days never changes an
earlier day's row: a flag, once written, stays (the asset only appends days not yet
scored, with the run that wrote them). A day is scored once it is closed: the brand has
data on a later day (its newest brand-local day may still be filling up).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from assets.analytics.io import METRICS

DETECTORS = ("ECOD", "COPOD")
COUNT_METRICS = frozenset(METRICS) - {"revenue", "ai_cost_usd"}
"""Whole-number metrics: their noise is at least Poisson (sd ~ sqrt(level))."""
DEFAULT_DETECTION_METRICS = tuple(m for m in METRICS if m != "ai_cost_usd")

MIN_HISTORY_DAYS = 14
"""Past days a day needs before it is scored: two weeks, so every weekday has been
seen twice. A brand's first two weeks are never scored (no normal to deviate from)."""

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
    """pyod's contamination: the detector's threshold is the (1 - contamination)
    quantile of its scores on the past days it was fitted on."""
    threshold: float = 5.0
    """|robust_z| one metric alone must reach (and be beyond the detector's threshold)."""
    support_threshold: float = 3.0
    min_support: int = 3
    """Or: at least `min_support` metrics of the day reach `support_threshold` in the same
    direction and the day's joint detector score clears the detector's threshold."""
    history_days: int = 42
    """Trailing window (days) the seasonal baseline is fitted on: six weeks."""
    scale_days: int = 28
    """Trailing window of past residuals the noise scale is taken from."""
    detector_days: int = 56
    """Trailing window of past residual vectors the detector is fitted on."""
    trend_damping: float = 0.5
    """Share of the week-on-week slope carried forward (1 = full linear trend)."""
    clean_z: float = 3.0
    """A scored day enters later baselines clipped to expected +- clean_z scales."""
    max_zero_share: float = 0.2
    """A series that was 0 on more than this share of its past window is intermittent
    (one order every few days): its zeros and non-zeros are both normal, not flagged."""
    metrics: tuple[str, ...] = field(default=DEFAULT_DETECTION_METRICS)
    """ai_cost_usd is left out by default: a price change shifts its level on a known
    date, which is not an anomaly (add it back through the asset config if wanted)."""


def anscombe(values: np.ndarray) -> np.ndarray:
    """2 sqrt(x + 3/8): a Poisson count of any level gets variance ~1, so a day with 0
    orders where 3 were expected is not an outlier while 0 where 300 were is; a weekly
    factor stays close to additive. (log1p would make every zero-revenue day extreme.)"""
    return 2.0 * np.sqrt(np.asarray(values, dtype=float) + 0.375)


def inverse_anscombe(transformed: np.ndarray) -> np.ndarray:
    """Back to metric units (the algebraic inverse, floored at 0)."""
    return np.clip((np.asarray(transformed, dtype=float) / 2.0) ** 2 - 0.375, 0.0, None)


ZERO = float(2.0 * np.sqrt(0.375)) + 1e-9
"""anscombe(0): a transformed value below this is a zero day."""


def _make_detector(name: str, contamination: float):
    """A pyod detector that scores each column and keeps per-column tail scores (`O`)."""
    if name == "ECOD":
        from pyod.models.ecod import ECOD

        return ECOD(contamination=contamination)
    if name == "COPOD":
        from pyod.models.copod import COPOD

        return COPOD(contamination=contamination)
    raise ValueError(f"unknown detector {name!r}; choose one of {', '.join(DETECTORS)}")


@dataclass
class _Baseline:
    """Point-in-time expectation and residual scale of every day (log1p space)."""

    expected: np.ndarray  # days x metrics; NaN where not enough past
    z: np.ndarray
    intermittent: np.ndarray  # days x metrics bool


def _weekday_profile(past: np.ndarray, dows: np.ndarray) -> np.ndarray:
    """7 x metrics: weekday median of (value - trailing 7-day median) over `past`."""
    n, m = past.shape
    profile = np.zeros((7, m))
    if n < 8:
        return profile
    windows = np.lib.stride_tricks.sliding_window_view(past, 7, axis=0)  # (n-6, m, 7)
    detrended = past[6:] - np.median(windows, axis=2)
    dows_tail = dows[6:]
    for d in range(7):
        rows = detrended[dows_tail == d]
        if len(rows):
            profile[d] = np.median(rows, axis=0)
    # A weekday seen twice has a median of two: clip each day's deviation from the
    # first profile, so one bad day moves its weekday little, then take medians again.
    off = detrended - profile[dows_tail]
    bound = 2.5 * 1.4826 * np.median(np.abs(off), axis=0)
    detrended = profile[dows_tail] + np.clip(off, -bound, bound)
    for d in range(7):
        rows = detrended[dows_tail == d]
        if len(rows):
            profile[d] = np.median(rows, axis=0)
    return profile - np.median(profile, axis=0)


def _baseline(logged: np.ndarray, dows: np.ndarray, counts: np.ndarray, p: AnomalyParams):
    """Expected value and robust z of every day from that day's past only.

    The past the baseline is fitted on is cleaned as it goes: once day t is scored, its
    value is kept for later fits only up to `clean_z` scales from its expectation, so a
    spike does not raise the same weekday's expectation next week (every input of the
    cleaning is itself from days <= t).
    """
    t_len, m = logged.shape
    expected = np.full((t_len, m), np.nan)
    z = np.full((t_len, m), np.nan)
    intermittent = np.zeros((t_len, m), dtype=bool)
    residual = np.full((t_len, m), np.nan)
    clean = logged.copy()
    for t in range(MIN_HISTORY_DAYS, t_len):
        lo = max(0, t - p.history_days)
        past, past_dows = clean[lo:t], dows[lo:t]
        profile = _weekday_profile(past, past_dows)
        deseason = past - profile[past_dows]
        level = np.median(deseason[-7:], axis=0)
        previous = np.median(deseason[-14:-7], axis=0)
        slope = (level - previous) / 7.0
        fit = level + p.trend_damping * slope * 4.0 + profile[dows[t]]
        expected[t] = fit
        residual[t] = logged[t] - fit
        history = residual[max(MIN_HISTORY_DAYS, t - p.scale_days) : t]
        history = history[~np.isnan(history[:, 0])]
        if len(history) >= 7:
            mad = np.median(np.abs(history), axis=0)
        else:  # the first scored days: the past window's own deviations (conservative)
            mad = np.median(np.abs(deseason - np.median(deseason, axis=0)), axis=0)
        # Anscombe's transform gives a Poisson count unit variance: counts are never
        # judged against less noise than that.
        scale = np.maximum.reduce([1.4826 * mad, counts.astype(float), np.full(m, 1e-6)])
        z[t] = residual[t] / scale
        clean[t] = fit + np.clip(residual[t], -p.clean_z * scale, p.clean_z * scale)
        intermittent[t] = (logged[lo:t] < ZERO).mean(axis=0) > p.max_zero_share
    return _Baseline(expected, z, intermittent)


def _detect(z: np.ndarray, rows: np.ndarray, p: AnomalyParams) -> tuple[np.ndarray, np.ndarray]:
    """(joint score per day, flags days x metrics) for the days in `rows`.

    The detector for day t is fitted on the robust_z vectors of the `detector_days`
    scored days before t (at least 7), so its threshold is a quantile of the past.
    """
    t_len, m = z.shape
    score = np.full(t_len, np.nan)
    flags = np.zeros((t_len, m), dtype=bool)
    scored = ~np.isnan(z[:, 0])
    for t in rows:
        train_idx = np.flatnonzero(scored[max(0, t - p.detector_days) : t]) + max(
            0, t - p.detector_days
        )
        zt = z[t]
        up, down = zt >= p.support_threshold, zt <= -p.support_threshold
        support = (up & (up.sum() >= p.min_support)) | (down & (down.sum() >= p.min_support))
        if len(train_idx) < 7:
            # No past residuals to fit a detector on (a brand's third week): only a day
            # on which min_support metrics all clear the lone-metric threshold is flagged.
            up, down = zt >= p.threshold, zt <= -p.threshold
            flags[t] = (up & (up.sum() >= p.min_support)) | (down & (down.sum() >= p.min_support))
            continue
        detector = _make_detector(p.detector, p.contamination).fit(z[train_idx])
        score[t] = float(detector.decision_function(zt[None, :])[0])
        per_metric = np.asarray(detector.O)  # tail scores of train rows + day t
        cutoff = np.quantile(per_metric[:-1], 1.0 - p.contamination, axis=0)
        alone = (np.abs(zt) >= p.threshold) & (per_metric[-1] >= cutoff)
        jointly = support & (score[t] > detector.threshold_)
        flags[t] = alone | jointly
    return score, flags


def brand_anomalies(
    frame: pd.DataFrame,
    params: AnomalyParams = AnomalyParams(),
    closed_only: bool = True,
    skip_days: frozenset[pd.Timestamp] = frozenset(),
) -> pd.DataFrame:
    """Score one brand: `frame` is days x metrics with a contiguous daily DatetimeIndex.

    Returns a row per scored day and metric: days with MIN_HISTORY_DAYS of past, and,
    with `closed_only`, not the newest day (it may still be filling up). Days in
    `skip_days` (already kept from an earlier run) are left out: the detector, the costly
    part, runs only for new days; the baseline still reads every day's past.
    """
    metrics = list(frame.columns)
    values = np.clip(frame.to_numpy(dtype=float), 0.0, None)
    # log1p: multiplicative weekly shape and noise that grows with the level become
    # additive and even; expected and residual are reported back in metric units.
    logged = anscombe(values)
    dows = frame.index.day_of_week.to_numpy()
    counts = np.array([m in COUNT_METRICS for m in metrics])
    base = _baseline(logged, dows, counts, params)
    last = len(frame) - 1 if closed_only else len(frame)
    rows = np.arange(MIN_HISTORY_DAYS, last)
    if skip_days:
        rows = rows[~frame.index[rows].isin(list(skip_days))]
    if len(rows) == 0:
        return _empty_anomalies().drop(columns="brand_id")
    score, flags = _detect(base.z, rows, params)
    flags &= ~base.intermittent
    m = len(metrics)
    expected = inverse_anscombe(base.expected[rows])
    log_residual = logged[rows] - base.expected[rows]
    return pd.DataFrame(
        {
            "day": np.repeat(frame.index.values[rows], m),
            "metric": np.tile(np.asarray(metrics, dtype=object), len(rows)),
            "value": values[rows].ravel(),
            "expected": expected.ravel(),
            "residual": (values[rows] - expected).ravel(),
            "robust_z": base.z[rows].ravel(),
            "score": np.repeat(score[rows], m),
            "is_anomaly": flags[rows].ravel(),
            "direction": np.where(log_residual.ravel() >= 0, "spike", "drop"),
        }
    )


def metric_anomalies(
    daily: pd.DataFrame,
    params: AnomalyParams = AnomalyParams(),
    closed_only: bool = True,
    already_scored: set[tuple[str, pd.Timestamp]] | None = None,
) -> pd.DataFrame:
    """ml.metric_anomalies rows for every brand of `daily` (brand_id, day, metrics...):
    every closed day with MIN_HISTORY_DAYS of past, but the (brand_id, day) pairs in
    `already_scored`; typed and empty when there is none."""
    metrics = [m for m in params.metrics if m in daily.columns]
    if params.detector not in DETECTORS:
        raise ValueError(
            f"unknown detector {params.detector!r}; choose one of {', '.join(DETECTORS)}"
        )
    frames = []
    for brand_id, g in daily.groupby("brand_id", sort=True):
        g = g.set_index(pd.to_datetime(g["day"]))[metrics].astype(float)
        g = g.groupby(level=0).sum()
        full = pd.date_range(g.index.min(), g.index.max(), freq="D")
        skip = frozenset(d for b, d in (already_scored or ()) if b == brand_id)
        res = brand_anomalies(
            g.reindex(full).fillna(0.0), params, closed_only=closed_only, skip_days=skip
        )
        if len(res):
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


def _findable(truth_row: dict) -> bool:
    """A planted anomaly moved at least one metric beyond noise (older truth files
    without `detectable_metrics`: moved at all)."""
    return bool(truth_row.get("detectable_metrics", truth_row.get("metrics", [None])))


def evaluate(anomalies: pd.DataFrame, truth: Sequence[dict]) -> dict[str, float | int | None]:
    """Precision and recall at brand-day level against planted anomalies.

    A predicted anomalous brand-day (any metric) matches a truth brand-day. Truth rows
    with no detectable metric (`detectable_metrics`, else `metrics`, empty: the
    generator planted something whose effect is within the day's counting noise) are not
    expected to be found: `recall` leaves them out and `recall_all_planted` keeps them. Truth days outside the scored data (brands or days
    not in the marts) are left out, so a partial build is judged on what it covers.
    """
    scored = _brand_days(anomalies[["brand_id", "day"]].itertuples(index=False, name=None))
    flagged = anomalies[anomalies["is_anomaly"].astype(bool)]
    predicted = _brand_days(flagged[["brand_id", "day"]].itertuples(index=False, name=None))
    planted = _brand_days((t["brand_id"], t["day"]) for t in truth) & scored
    expected = _brand_days((t["brand_id"], t["day"]) for t in truth if _findable(t)) & scored
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
