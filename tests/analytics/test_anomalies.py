"""Anomaly detection: planted spikes/drops on trend + weekly seasonality + noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assets.analytics.anomalies import (
    MIN_HISTORY_DAYS,
    AnomalyParams,
    anscombe,
    evaluate,
    inverse_anscombe,
    metric_anomalies,
)

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


@pytest.mark.parametrize("detector", ["ECOD", "COPOD"])
def test_other_detectors_are_configurable(detector: str) -> None:
    daily = _one_brand(days=60)
    spike_day = daily["day"].iloc[40]
    daily.loc[daily["day"] == spike_day, "events"] *= 4
    res = metric_anomalies(daily, AnomalyParams(detector=detector))
    # one row per watched metric of every day with 14 days of past, the newest (open) day not
    assert len(res) == (60 - MIN_HISTORY_DAYS - 1) * len(AnomalyParams().metrics)
    assert res[(res["day"] == spike_day) & (res["metric"] == "events")]["is_anomaly"].all()


def test_unknown_detector_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown detector"):
        metric_anomalies(_one_brand(days=30), AnomalyParams(detector="Nope"))


def test_short_and_sparse_series_do_not_crash_or_alarm() -> None:
    daily = _one_brand(days=15)  # too short: no day has 14 days of past and a later day
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
    res = metric_anomalies(daily)
    scores = evaluate(res, truth)
    assert scores["truth_brand_days"] >= 8
    assert scores["precision"] >= 0.8
    # Traffic spikes and outages are all found. A checkout failure moves only orders and
    # revenue (~14 orders a day falling to 0-5 here): not yet reliably caught.
    traffic = evaluate(res, [t for t in truth if t["kind"] != "checkout_failure"])
    assert traffic["truth_brand_days"] >= 6
    assert traffic["recall"] == 1.0


def test_appending_days_never_changes_earlier_rows() -> None:
    """Point in time: a day's row is a function of the days up to it, so scoring 70 days
    and then 120 gives the 70-day rows again, flags included (and a spike planted later
    does not reach back)."""
    daily = _one_brand(days=120, seed=5)
    daily.loc[daily["day"] == daily["day"].iloc[40], ["sessions", "events"]] *= 3.0
    daily.loc[daily["day"] == daily["day"].iloc[90], ["orders", "revenue"]] *= 0.1
    early = metric_anomalies(daily[daily["day"] < daily["day"].iloc[70]])
    full = metric_anomalies(daily)
    again = full[full["day"].isin(early["day"].unique())].reset_index(drop=True)
    pd.testing.assert_frame_equal(early.reset_index(drop=True), again)
    assert early["is_anomaly"].any()  # the day-40 spike is in both, unchanged
    # the 70-day run did not score its newest day (still open); the full run did
    assert early["day"].max() == daily["day"].iloc[68]
    assert (full["day"] == daily["day"].iloc[69]).any()


def test_hand_worked_weekly_pattern_is_expected_exactly() -> None:
    """A flat weekly pattern (100 on weekdays, 50 on weekends) is predicted exactly from
    the past: residual 0, z 0, nothing flagged; a day of 400 is a spike with expected 100."""
    days = pd.date_range("2025-01-06", periods=35, freq="D")  # starts on a Monday
    values = np.where(days.dayofweek < 5, 100.0, 50.0)
    values[30] = 400.0  # a Wednesday
    daily = pd.DataFrame({"brand_id": "b", "day": days, "events": values, "sessions": values})
    res = metric_anomalies(daily, AnomalyParams(metrics=("events", "sessions")))
    quiet = res[res["day"] != days[30]]
    assert np.allclose(quiet["expected"], quiet["value"])
    assert np.allclose(quiet["robust_z"], 0.0) and not quiet["is_anomaly"].any()
    spike = res[res["day"] == days[30]]
    assert np.allclose(spike["expected"], 100.0)
    # Anscombe units: 2 sqrt(400.375) - 2 sqrt(100.375) = 20.02, over the Poisson floor 1
    assert np.allclose(spike["robust_z"], anscombe(400.0) - anscombe(100.0))
    assert spike["is_anomaly"].all() and set(spike["direction"]) == {"spike"}


def test_anscombe_round_trip_and_zero() -> None:
    x = np.array([0.0, 1.0, 3.5, 1e6])
    assert np.allclose(inverse_anscombe(anscombe(x)), x)
    assert anscombe(0.0) == pytest.approx(2 * np.sqrt(0.375))


def test_days_already_scored_are_skipped_and_the_rest_unchanged() -> None:
    daily = _one_brand(days=60, seed=6)
    full = metric_anomalies(daily)
    done = {("b000", d) for d in full["day"].unique()[:30]}
    rest = metric_anomalies(daily, already_scored=done)
    assert set(rest["day"]) == set(full["day"].unique()[30:])
    expected = full[full["day"].isin(rest["day"].unique())].reset_index(drop=True)
    pd.testing.assert_frame_equal(rest.reset_index(drop=True), expected)
