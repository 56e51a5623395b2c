"""What deserves an alert, read from the published snapshot and the Dagster instance.

Every alert is a dict with a stable `key` (the ledger sends each key once), `kind`,
`brand_id`, `metric`, `day`, `value`, `expected_low`, `expected_high`, `detail` and a
`link` to the asset in the Dagster UI. Reading the published snapshot (never the
warehouse file a run is writing) keeps the sensor from ever waiting on a run.
"""

from __future__ import annotations

import math
from urllib.parse import quote

import numpy as np
import pandas as pd
from dagster import AssetCheckKey, AssetCheckSeverity, DagsterInstance

from assets.analytics.anomalies import AnomalyParams, anscombe, inverse_anscombe
from brandpulse.config import get_settings
from brandpulse.publish import current_snapshot
from brandpulse.query import query_df

BUDGET_THRESHOLDS = (0.8, 1.0)
"""Shares of a brand's monthly AI budget that alert (80 % and 100 %)."""


def asset_link(asset_path: list[str]) -> str:
    """The asset's page in the Dagster UI ($BRANDPULSE_DAGSTER_URL, else the local UI)."""
    base = get_settings().dagster_url.rstrip("/")
    return f"{base}/assets/{'/'.join(quote(p) for p in asset_path)}"


def _number(x: object) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def expected_range(value: float, expected: float, robust_z: float, z: float) -> tuple[float, float]:
    """Metric values within `z` robust scales of `expected`: the day's noise scale is
    recovered from its robust z on the Anscombe scale the detector works on."""
    gap = float(anscombe(value) - anscombe(expected))
    scale = abs(gap / robust_z) if robust_z else 0.0
    centre = float(anscombe(expected))
    low, high = inverse_anscombe(np.array([centre - z * scale, centre + z * scale]))
    return float(low), float(high)


def anomaly_alerts(published_dir=None, since_days: int = 7) -> list[dict]:
    """Flagged anomalies of the last `since_days` days of each brand's scored data."""
    df = query_df(
        "SELECT brand_id, day, metric, value, expected, robust_z, direction "
        "FROM ml.metric_anomalies WHERE is_anomaly AND day > "
        "(SELECT max(day) FROM ml.metric_anomalies) - CAST(? AS INTEGER) ORDER BY ALL",
        params=[since_days],
        published_dir=published_dir,
    )
    threshold = AnomalyParams().threshold
    out = []
    for r in df.itertuples(index=False):
        low, high = expected_range(r.value, r.expected, r.robust_z, threshold)
        day = pd.Timestamp(r.day).date().isoformat()
        out.append(
            {
                "key": f"anomaly:{r.brand_id}:{r.metric}:{day}",
                "kind": f"anomaly ({r.direction})",
                "brand_id": r.brand_id,
                "metric": r.metric,
                "day": day,
                "value": float(r.value),
                "expected_low": low,
                "expected_high": high,
                "detail": f"robust z {r.robust_z:+.1f}",
                "link": asset_link(["ml", "metric_anomalies"]),
            }
        )
    return out


def budget_alerts(published_dir=None) -> list[dict]:
    """Each brand-month whose AI spend reached 80 % or 100 % of its budget, once per level."""
    df = query_df(
        "SELECT brand_id, month, cost_usd, budget_usd, budget_used_ratio "
        "FROM marts.ai_cost_by_brand_month WHERE budget_used_ratio >= ? ORDER BY ALL",
        params=[min(BUDGET_THRESHOLDS)],
        published_dir=published_dir,
    )
    out = []
    for r in df.itertuples(index=False):
        month = pd.Timestamp(r.month).strftime("%Y-%m")
        for level in BUDGET_THRESHOLDS:
            if r.budget_used_ratio >= level:
                out.append(
                    {
                        "key": f"budget:{r.brand_id}:{month}:{int(level * 100)}",
                        "kind": f"AI budget {int(level * 100)}% reached",
                        "brand_id": r.brand_id,
                        "metric": "ai_cost_usd",
                        "day": month,
                        "value": float(r.cost_usd),
                        "expected_low": 0.0,
                        "expected_high": _number(r.budget_usd),
                        "detail": f"{r.budget_used_ratio:.0%} of the month's budget",
                        "link": asset_link(["marts", "ai_cost_by_brand_month"]),
                    }
                )
    return out


def failed_check_alerts(instance: DagsterInstance, check_keys: list[AssetCheckKey]) -> list[dict]:
    """The latest evaluation of each blocking (ERROR) check, when it failed: once per run."""
    out = []
    for key in check_keys:
        record = instance.get_latest_asset_check_evaluation_record(key)
        evaluation = record.evaluation if record is not None else None
        if evaluation is None or evaluation.passed:
            continue
        if evaluation.severity != AssetCheckSeverity.ERROR:
            continue
        metadata = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
        out.append(
            {
                "key": f"check:{key.asset_key.to_user_string()}:{key.name}:{record.run_id}",
                "kind": "blocking check failed",
                "brand_id": str(metadata.get("brand_id", "all")),
                "metric": key.name,
                "day": pd.Timestamp(record.create_timestamp, unit="s", tz="UTC").isoformat(),
                "value": None,
                "expected_low": None,
                "expected_high": None,
                "detail": f"run {record.run_id}: {metadata}"[:300],
                "link": asset_link(list(key.asset_key.path)),
            }
        )
    return out


def collect(
    instance: DagsterInstance, check_keys: list[AssetCheckKey], published_dir=None
) -> tuple[list[dict], list[str]]:
    """(every current alert, sources that could not be read). The ledger decides which
    alerts are new; a missing table skips its source and the others still alert."""
    alerts = failed_check_alerts(instance, check_keys)
    problems: list[str] = []
    if current_snapshot(published_dir) is None:
        return alerts, ["no published snapshot yet"]
    for source in (anomaly_alerts, budget_alerts):
        try:
            alerts += source(published_dir)
        except Exception as exc:  # one unreadable table must not silence the others
            problems.append(f"{source.__name__}: {str(exc).splitlines()[0][:200]}")
    return alerts, problems
