"""Anomaly detection: planted spikes/drops on trend + weekly seasonality + noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assets.analytics.anomalies import AnomalyParams, evaluate, metric_anomalies

from .synthetic import daily_metrics


def _one_brand(days: int = 120, seed: int = 0) -> pd.DataFrame:
    daily, _ = daily_metrics(n_brands=1, days=days, seed=seed, noise=0.05)
    return daily


def test_planted_spike_detected_with_direction_spike() -> None:
    daily = _one_brand()
    spike_day = daily["day"].iloc[60]
    daily.loc[daily["day"] == spike_day, ["sessions", "events"]] *= 3.0
    res = metric_anomalies(daily)
    hit = res[(res["day"] == spike_day) & res["is_anomaly"]]
    assert set(hit["metric"]) == {"sessions", "events"}
    assert set(hit["direction"]) == {"spike"}
    assert (hit["value"] > hit["expected"]).all()
    # the rest of the quiet series: at most a stray alarm in 1,190 metric-days
    assert res.loc[res["day"] != spike_day, "is_anomaly"].sum() <= 2


def test_planted_drop_detected_with_direction_drop() -> None:
    daily = _one_brand(seed=1)
    drop_day = daily["day"].iloc[80]
    daily.loc[daily["day"] == drop_day, "revenue"] *= 0.2
    res = metric_anomalies(daily)
    hit = res[(res["day"] == drop_day) & (res["metric"] == "revenue")].iloc[0]
    assert hit.is_anomaly and hit.direction == "drop"


def test_expected_is_trend_plus_weekly_pattern() -> None:
    daily = _one_brand(days=140, seed=2)
    res = metric_anomalies(daily)
    sessions = res[res["metric"] == "sessions"]
    rel_err = (sessions["value"] - sessions["expected"]).abs() / sessions["value"]
    assert rel_err.median() < 0.06  # noise is 5 %: the weekly shape is modelled


def test_precision_and_recall_on_synthetic_planted_anomalies() -> None:
    daily, truth = daily_metrics(
        n_brands=12, days=180, seed=11, anomaly_rate=0.02, magnitude=0.6, noise=0.05
    )
    res = metric_anomalies(daily)
    scores = evaluate(res, truth)
    assert scores["truth_brand_days"] >= 20
    assert scores["recall"] >= 0.8
    assert scores["precision"] >= 0.6
    assert scores["direction_accuracy"] >= 0.95


@pytest.mark.parametrize("detector", ["IForest", "COPOD"])
def test_other_detectors_are_configurable(detector: str) -> None:
    daily = _one_brand(days=60)
    spike_day = daily["day"].iloc[40]
    daily.loc[daily["day"] == spike_day, "events"] *= 4
    res = metric_anomalies(daily, AnomalyParams(detector=detector))
    assert len(res) == 60 * len(AnomalyParams().metrics)  # one row per day and watched metric
    assert res[(res["day"] == spike_day) & (res["metric"] == "events")]["is_anomaly"].all()


def test_unknown_detector_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown detector"):
        metric_anomalies(_one_brand(days=30), AnomalyParams(detector="Nope"))


def test_short_and_sparse_series_do_not_crash_or_alarm() -> None:
    daily = _one_brand(days=10)  # too short: skipped
    sparse = _one_brand(days=60, seed=4)
    sparse["brand_id"] = "sparse"
    rng = np.random.default_rng(0)
    sparse["orders"] = rng.poisson(0.5, len(sparse)).astype(float)  # mostly zeros
    sparse["revenue"] = sparse["orders"] * 40.0
    res = metric_anomalies(pd.concat([daily, sparse]))
    assert set(res["brand_id"]) == {"sparse"}
    assert not res[res["metric"].isin(["orders", "revenue"])]["is_anomaly"].any()


def test_on_generator_output(tmp_path) -> None:
    """The demo generator's own ground truth, at a volume where anomalies are visible.

    (At the default 3,000 persons most brands sell ~1 order a day, so a checkout
    failure - orders 0 - is indistinguishable from an ordinary day.)
    """
    generator = pytest.importorskip("brandpulse.generator")
    landing = tmp_path / "landing"
    generator.generate(landing, brands=4, persons=12000, days=90, bad_rows=False)
    daily = pd.read_csv(landing / "_generator" / "daily_truth.csv", parse_dates=["day"])
    from assets.analytics.anomalies import load_truth

    truth = load_truth(landing / "_generator" / "anomalies.json")
    scores = evaluate(metric_anomalies(daily), truth)
    assert scores["truth_brand_days"] >= 8
    assert scores["precision"] >= 0.6
    assert scores["recall"] >= 0.8
