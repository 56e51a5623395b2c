"""The statistics of the demo warehouse, as the pipeline wrote them.

Anomaly flags are read from ml.metric_anomalies, computed from marts.daily_brand_metrics;
the generator's anomalies.json only supplies the labels.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from dagster import materialize

from assets.analytics import analytics_assets, io
from assets.analytics.anomalies import evaluate, load_truth
from assets.analytics.correlations import metric_correlations, with_event_series
from brandpulse.resources import WarehouseResource

# the first test also waits for the demo build (~3 min alone, over 10 on a busy machine)
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2400)]


def _anomalies(demo_warehouse) -> pd.DataFrame:
    with duckdb.connect(str(demo_warehouse.warehouse), read_only=True) as con:
        return con.execute("select * from ml.metric_anomalies order by all").df()


def test_planted_spikes_and_drops_found_with_precision(demo_warehouse) -> None:
    assert demo_warehouse.result.success
    truth = load_truth(demo_warehouse.landing / "_generator" / "anomalies.json")
    anomalies = _anomalies(demo_warehouse)
    scores = evaluate(anomalies, truth)
    # spikes and outages of persons, sessions, events, orders and revenue: every brand's
    # two traffic spikes plus the drops that moved a count beyond its Poisson noise
    assert scores["truth_brand_days"] >= 16
    assert scores["recall"] >= 0.9, scores
    assert scores["precision"] >= 0.7, scores
    assert scores["direction_accuracy"] == 1.0
    flagged = anomalies[anomalies["is_anomaly"]]
    for t in truth:
        if t["kind"] == "traffic_spike":
            day = flagged[(flagged["brand_id"] == t["brand_id"]) & (flagged["day"] == t["day"])]
            assert {"events", "active_persons"} <= set(day["metric"]), t


def test_rows_carry_their_run_and_a_rerun_changes_nothing(demo_warehouse) -> None:
    before = _anomalies(demo_warehouse)
    assert set(before["run_id"]) == {demo_warehouse.result.run_id}
    assert before["scored_at"].notna().all()
    result = materialize(
        [a for a in analytics_assets if a.key.path == ["ml", "metric_anomalies"]],
        resources={"warehouse": WarehouseResource(path=str(demo_warehouse.warehouse))},
    )
    assert result.success
    mat = result.asset_materializations_for_node("ml__metric_anomalies")[0]
    assert mat.metadata["rows_appended"].value == 0
    pd.testing.assert_frame_equal(_anomalies(demo_warehouse), before)


def test_forecast_vintages_kept_and_scored_in_the_snapshot(demo_warehouse) -> None:
    from brandpulse.query import query_df

    with duckdb.connect(str(demo_warehouse.warehouse), read_only=True) as con:
        vintages = con.execute(
            "select brand_id, count(distinct trained_through), min(yhat_lower) "
            "from ml.revenue_forecast group by all"
        ).fetchall()
        scored = con.execute(
            "select brand_id, trained_through, model, horizon_from, n, smape, coverage "
            "from ml.forecast_accuracy order by all"
        ).df()
    assert len(vintages) == 8
    # 90 days: the current cutoff and the two 28 and 56 days before it, never negative
    assert all(n == 3 and low >= 0 for _, n, low in vintages)
    assert set(scored["brand_id"]) == {b for b, _, _ in vintages}
    assert {"prophet", "seasonal_naive"} <= set(scored["model"])
    assert set(scored["horizon_from"]) == {1, 8, 15, 29}
    assert scored["smape"].between(0, 2).all() and scored["coverage"].between(0, 1).all()
    published = query_df(
        "select count(*) as n from ml.forecast_accuracy",
        published_dir=demo_warehouse.root / "published",
    )
    assert int(published["n"].iloc[0]) == len(scored)


def _planted_truth(demo_warehouse) -> list[dict]:
    return json.loads((demo_warehouse.landing / "_generator" / "planted_series.json").read_text())


def _independent_pairs(corr: pd.DataFrame, truth: list[dict]) -> pd.DataFrame:
    """Every test between two of a brand's planted series except the driver/follower pair:
    series generated independently of each other (own trend, weekly rhythm and noise)."""
    keep = []
    for t in truth:
        family = {f"event:{n}" for n in (t["driver"], t["follower"], *t["independent"])}
        pair = [f"event:{t['driver']}", f"event:{t['follower']}"]
        rows = corr[
            (corr["brand_id"] == t["brand_id"])
            & corr["metric_a"].isin(family)
            & corr["metric_b"].isin(family)
        ]
        planted = rows["metric_a"].isin(pair) & rows["metric_b"].isin(pair)
        keep.append(rows[~planted])
    return pd.concat(keep, ignore_index=True)


def test_planted_lag_found_and_independent_series_rarely_significant(demo_warehouse) -> None:
    """ml.metric_correlations as the pipeline wrote it, from marts.event_daily: each
    brand's planted driver/follower pair peaks at its planted lag with q < 0.05, and at
    most 5 % of the tests between independent planted series are significant at q < 0.05
    (on raw levels, without the stationary transform and n_eff, far more are)."""
    truth = _planted_truth(demo_warehouse)
    with duckdb.connect(str(demo_warehouse.warehouse), read_only=True) as con:
        corr = con.execute("select * from ml.metric_correlations").df()
        daily = io.read_daily_metrics(con)
        event_daily = io.read_event_daily(con)
    assert len(truth) == 8
    for t in truth:
        driver, follower = f"event:{t['driver']}", f"event:{t['follower']}"
        brand = corr[corr["brand_id"] == t["brand_id"]]
        pair = brand[
            ((brand["metric_a"] == driver) & (brand["metric_b"] == follower))
            | ((brand["lag_days"] == 0) & (brand["metric_a"] == follower))
            & (brand["metric_b"] == driver)
        ]
        assert sorted(pair["lag_days"]) == list(range(8)), t["brand_id"]
        best = pair.loc[pair["pearson_r"].abs().idxmax()]
        assert best["lag_days"] == t["lag_days"], (t, best.to_dict())
        assert best["pearson_r"] > 0 and best["q_value"] < 0.05, best.to_dict()
        assert not best["definitional"]

    independent = _independent_pairs(corr, truth)
    # s planted series of a brand tested: C(s, 2) - 1 pairs besides the planted one, once
    # at lag 0 and both ways at lags 1..7. An independent series is left out only where it
    # averages under 2 a day (a declining one at the smallest brand): most are in.
    tested = {
        t["brand_id"]: {
            m
            for m in corr.loc[corr["brand_id"] == t["brand_id"], "metric_a"]
            if m.removeprefix("event:") in {t["driver"], t["follower"], *t["independent"]}
        }
        for t in truth
    }
    assert sum(len(s) for s in tested.values()) >= 8 * 6 - 2, tested
    assert len(independent) == sum((len(s) * (len(s) - 1) // 2 - 1) * 15 for s in tested.values())
    share = float((independent["q_value"] < 0.05).mean())
    assert share <= 0.05, share

    # the same marts on raw levels with independent-days p-values: trends make the
    # independent series look related, which is what the transform and n_eff remove
    wide, names = with_event_series(daily, event_daily)
    raw = metric_correlations(wide, [*io.METRICS, *names], transform=False, autocorrelation=False)
    raw_share = float((_independent_pairs(raw, truth)["q_value"] < 0.05).mean())
    assert raw_share > 0.05, raw_share
