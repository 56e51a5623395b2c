"""Lagged Pearson and Spearman correlations between a brand's daily metrics, with BH q-values.

Raw daily levels of trending, weekly-seasonal metrics all correlate with each other, so
each series is first made stationary (`stationary`): log1p, minus its weekday median,
then differenced day on day. What is left is day-to-day news, and two metrics that
share news are related beyond both growing on Mondays.

Differenced series are still autocorrelated (a difference of noise has lag-1
autocorrelation -0.5), and p-values that assume independent days are too small. The
t test uses Bartlett's effective sample size instead:
1 / n_eff = 1/n + (2/n) sum_k (1 - k/n) rho_a(k) rho_b(k), k = 1..K (Pyper & Peterman 1998).
Benjamini-Hochberg q-values are across every test of the brand (pairs x lags).

Besides the daily metrics, each frequent event name of the brand is a series of its own
(`event:<name>`, its count per day from marts.event_daily, see `with_event_series`): a
relationship between two things users do (registering for a webinar, attending it days
later) is invisible in the brand's total events.

Definitional pairs (events vs sessions vs active persons, active vs new persons, orders
vs revenue, AI generations vs their cost, events vs any one event name's count) are
marked: they move together by construction, and their correlation says nothing about
cause.

Vectorised per brand and lag: one (metrics x metrics) correlation matrix per lag from
standardised columns (ranks for Spearman).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assets.analytics.io import METRICS
from brandpulse.metrics import EVENT_SERIES_PREFIX

CORRELATION_COLUMNS = [
    "brand_id",
    "metric_a",
    "metric_b",
    "lag_days",
    "n",
    "n_eff",
    "pearson_r",
    "spearman_rho",
    "p_value",
    "spearman_p_value",
    "q_value",
    "definitional",
]

DEFINITIONAL_PAIRS: frozenset[frozenset[str]] = frozenset(
    frozenset(p)
    for p in (
        ("events", "sessions"),
        ("events", "active_persons"),
        ("sessions", "active_persons"),
        ("active_persons", "new_persons"),
        ("orders", "revenue"),
        ("ai_generations", "ai_cost_usd"),
    )
)
"""Pairs linked by how they are counted (a session is made of events, a new person is
an active one, revenue is the sum of orders): correlated by definition."""

MIN_EVENT_DAILY_MEAN = 2.0
"""An event name becomes a series of a brand when it averages at least this many a day
over the brand's days: below, its log count is mostly Poisson noise."""


def is_definitional(metric_a: str, metric_b: str) -> bool:
    """Whether the two series are linked by how they are counted."""
    pair = frozenset((metric_a, metric_b))
    if pair in DEFINITIONAL_PAIRS:
        return True
    return "events" in pair and any(m.startswith(EVENT_SERIES_PREFIX) for m in pair)


def with_event_series(
    daily: pd.DataFrame, event_daily: pd.DataFrame, min_daily_mean: float = MIN_EVENT_DAILY_MEAN
) -> tuple[pd.DataFrame, list[str]]:
    """`daily` (brand_id, day, metrics...) plus an `event:<name>` column per event name.

    `event_daily` is brand_id, day, event_name, events (marts.event_daily). A brand's
    column holds the name's count on each of the brand's days (0 when it did not happen)
    when the name averages at least `min_daily_mean` a day over those days, and is NaN
    (not a series of that brand) otherwise. Returns the frame and the new column names.
    """
    if event_daily.empty:
        return daily, []
    counts = event_daily.pivot_table(
        index=["brand_id", "day"], columns="event_name", values="events", aggfunc="sum"
    )
    counts.columns = [f"{EVENT_SERIES_PREFIX}{c}" for c in counts.columns]
    out = daily.merge(counts.reset_index(), on=["brand_id", "day"], how="left")
    names = sorted(counts.columns)
    out[names] = out[names].fillna(0.0)
    frequent = out.groupby("brand_id")[names].transform("mean") >= min_daily_mean
    out[names] = out[names].where(frequent)
    names = [c for c in names if out[c].notna().any()]
    return out[[*daily.columns, *names]], names


MAX_ACF_LAG = 10
"""Autocorrelation lags summed into the effective sample size (at most n / 4)."""


def stationary(matrix: np.ndarray, days: pd.DatetimeIndex) -> np.ndarray:
    """Days x metrics -> (days - 1) x metrics: log1p, minus its weekday effect, differenced.

    The weekday effect is the weekday median of the series minus its centred 7-day mean
    (a classical decomposition): a weekday median of the raw series would also hold the
    trend (Mondays' median sits days away from Sundays'), leaving a weekly sawtooth
    that every growing series shares.
    """
    y = np.log1p(np.clip(np.asarray(matrix, dtype=float), 0.0, None))
    level = pd.DataFrame(y).rolling(7, center=True, min_periods=4).mean().to_numpy()
    detrended = y - level
    dows = np.asarray(days.day_of_week)
    for d in range(7):
        rows = dows == d
        if rows.any():
            y[rows] -= np.nanmedian(detrended[rows], axis=0)
    return np.diff(y, axis=0)


def _acf(x: np.ndarray, max_lag: int) -> np.ndarray:
    """max_lag x columns: autocorrelation of each column at lags 1..max_lag."""
    xc = x - x.mean(axis=0)
    denom = (xc**2).sum(axis=0)
    denom = np.where(denom == 0, 1.0, denom)
    return np.array([(xc[:-k] * xc[k:]).sum(axis=0) / denom for k in range(1, max_lag + 1)])


def effective_n(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """columns(a) x columns(b): Bartlett's effective number of independent pairs."""
    n = len(a)
    k_max = max(0, min(MAX_ACF_LAG, n // 4))
    if k_max == 0:
        return np.full((a.shape[1], b.shape[1]), float(n))
    weights = (1.0 - np.arange(1, k_max + 1) / n)[:, None]
    acf_a, acf_b = _acf(a, k_max), _acf(b, k_max)
    inflation = 1.0 + 2.0 * (weights * acf_a).T @ acf_b  # (ma x mb)
    return np.clip(n / np.maximum(inflation, 1e-9), 3.0, float(n))


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """BH-adjusted p-values (q-values): min over k >= i of p_(k) * m / k, capped at 1."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p.copy()
    from scipy import stats  # here, not at import: scipy.stats costs ~1 s per definitions load

    return stats.false_discovery_control(p, method="bh")


def _column_corr(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pearson r between every column of `a` and every column of `b` (equal rows).

    Returns (r matrix, root sum of squares of a's and b's centred columns); a column
    with zero spread gives r = nan, and the caller skips it.
    """
    a_c = a - a.mean(axis=0)
    b_c = b - b.mean(axis=0)
    sa = np.sqrt((a_c**2).sum(axis=0))
    sb = np.sqrt((b_c**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (a_c.T @ b_c) / np.outer(sa, sb)
    return np.clip(r, -1.0, 1.0), sa, sb


def _p_from_r(r: np.ndarray, n: float | np.ndarray) -> np.ndarray:
    """Two-sided p-value of a correlation coefficient with n (effective) pairs (t test,
    df = n - 2)."""
    df = np.maximum(np.asarray(n, dtype=float) - 2.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r * np.sqrt(df / np.maximum(1.0 - r**2, 0.0))
    from scipy import stats

    return 2.0 * stats.t.sf(np.abs(t), df)


def _varies(spread: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A column is usable when its spread is more than float rounding around its level."""
    scale = np.maximum(np.abs(values).max(axis=0), 1.0)
    return spread > 1e-12 * scale * np.sqrt(len(values))


def brand_correlations(
    matrix: np.ndarray,
    metrics: Sequence[str],
    max_lag: int = 7,
    min_n: int = 14,
    autocorrelation: bool = True,
) -> pd.DataFrame:
    """All tests of one brand: matrix is days x metrics (contiguous days, no NaN), already
    transformed (see `stationary`).

    lag_days = L pairs metric_a on day t with metric_b on day t + L (metric_b follows
    metric_a by L days). Lag 0 lists each unordered pair once; lags >= 1 list both
    orders, and never a metric with itself. Pairs with a constant side, or fewer than
    `min_n` days, are skipped: no NaN rows. With `autocorrelation`, p-values use the
    effective sample size (`effective_n`); without, the n of independent days.
    """
    from scipy import stats

    x = np.asarray(matrix, dtype=float)
    t_len, m = x.shape
    names = np.asarray(metrics, dtype=object)
    parts: list[pd.DataFrame] = []
    ia, ib = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
    for lag in range(max_lag + 1):
        n = t_len - lag
        if n < max(min_n, 3):
            break
        a, b = x[: t_len - lag], x[lag:]
        r, sa, sb = _column_corr(a, b)
        ra = stats.rankdata(a, axis=0)
        rb = stats.rankdata(b, axis=0)
        rho, _, _ = _column_corr(ra, rb)
        keep = np.outer(_varies(sa, a), _varies(sb, b))
        keep &= ia < ib if lag == 0 else ia != ib
        keep &= np.isfinite(r) & np.isfinite(rho)
        if not keep.any():
            continue
        if autocorrelation:
            n_eff = effective_n(a, b)[keep]
            n_eff_rank = effective_n(ra, rb)[keep]
        else:
            n_eff = n_eff_rank = np.full(int(keep.sum()), float(n))
        pairs_a, pairs_b = names[ia[keep]], names[ib[keep]]
        parts.append(
            pd.DataFrame(
                {
                    "metric_a": pairs_a,
                    "metric_b": pairs_b,
                    "lag_days": lag,
                    "n": n,
                    "n_eff": n_eff,
                    "pearson_r": r[keep],
                    "spearman_rho": rho[keep],
                    "p_value": _p_from_r(r[keep], n_eff),
                    "spearman_p_value": _p_from_r(rho[keep], n_eff_rank),
                    "definitional": [
                        is_definitional(x_, y_) for x_, y_ in zip(pairs_a, pairs_b, strict=True)
                    ],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=CORRELATION_COLUMNS[1:])
    out = pd.concat(parts, ignore_index=True)
    out["q_value"] = benjamini_hochberg(out["p_value"].to_numpy())
    return out


def metric_correlations(
    daily: pd.DataFrame,
    metrics: Sequence[str] = METRICS,
    max_lag: int = 7,
    min_n: int = 14,
    transform: bool = True,
    autocorrelation: bool = True,
) -> pd.DataFrame:
    """ml.metric_correlations for every brand of `daily` (brand_id, day, metrics...).

    Days missing from a brand's series are filled with 0 (the mart zero-fills too), so
    a lag is always a calendar shift. A column that is NaN on all of a brand's days is
    not a series of that brand (`with_event_series`). With `transform` (the default) the
    series are made stationary first (`stationary`; n counts differenced days); without,
    raw levels.
    """
    metrics = [c for c in metrics if c in daily.columns]
    frames = []
    for brand_id, g in daily.groupby("brand_id", sort=True):
        brand_metrics = [c for c in metrics if g[c].notna().any()]
        g = g.set_index(pd.to_datetime(g["day"]))[brand_metrics].astype(float)
        g = g.groupby(level=0).sum()
        full = pd.date_range(g.index.min(), g.index.max(), freq="D")
        mat = g.reindex(full).fillna(0.0).to_numpy()
        if transform:
            mat = stationary(mat, full)
        res = brand_correlations(
            mat, brand_metrics, max_lag=max_lag, min_n=min_n, autocorrelation=autocorrelation
        )
        if len(res):
            res.insert(0, "brand_id", brand_id)
            frames.append(res)
    if not frames:
        return pd.DataFrame(columns=CORRELATION_COLUMNS)
    return pd.concat(frames, ignore_index=True)[CORRELATION_COLUMNS]
