"""Purchase propensity: point-in-time features by hand, a time-split backtest that beats
its baseline, and predictions written for every person."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assets.analytics.person_predictions import (
    BASELINE,
    MODEL,
    PropensityParams,
    backtest,
    features_as_of,
    labels_after,
    predict,
)

from .conftest import synthetic_person_days


def _days(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(
        rows, columns=["brand_id", "person_id", "event_day", "events", "orders", "revenue"]
    )
    df["event_day"] = pd.to_datetime(df["event_day"])
    return df


def test_features_only_see_days_up_to_the_cutoff() -> None:
    days = _days(
        [
            ("b", "p", "2025-01-01", 5, 1, 20.0),
            ("b", "p", "2025-01-25", 3, 0, 0.0),
            ("b", "p", "2025-01-31", 4, 2, 50.0),
            ("b", "p", "2025-02-02", 9, 1, 99.0),  # after the cutoff: invisible
            ("b", "q", "2025-02-05", 1, 0, 0.0),  # first seen after the cutoff: no row
        ]
    )
    f = features_as_of(days, {"b": pd.Timestamp("2025-01-31")})
    assert f["person_id"].tolist() == ["p"]
    row = f.iloc[0]
    assert (row.recency_days, row.tenure_days, row.active_days_30d) == (0, 30, 2)
    # the last 7 days are 01-25..01-31; the last 30 are 01-02..01-31
    assert (row.events_7d, row.events_30d, row.orders_30d) == (7, 7, 2)
    assert (row.orders_60d, row.revenue_60d) == (3, 70.0)
    bought = labels_after(days, {"b": pd.Timestamp("2025-01-31")}, horizon=3)
    assert bought.values.tolist() == [["b", "p"]]  # 02-02 is within 3 days; q never ordered


def _synthetic(seed: int = 0) -> pd.DataFrame:
    daily = pd.DataFrame(
        {
            "brand_id": np.repeat(["b1", "b2"], 90),
            "day": np.tile(pd.date_range("2025-01-01", periods=90), 2),
        }
    )
    out = synthetic_person_days(daily, persons=600, seed=seed)
    out["event_day"] = pd.to_datetime(out["event_day"])
    return out


def test_backtest_beats_the_baseline_and_is_calibrated() -> None:
    bt = backtest(_synthetic(), PropensityParams(horizon_days=14))
    summary = bt.drop_duplicates("model").set_index("model")
    assert summary.loc[MODEL, "auc"] > summary.loc[BASELINE, "auc"]
    assert summary.loc[MODEL, "auc"] > 0.75
    assert summary.loc[MODEL, "brier"] <= summary.loc[BASELINE, "brier"]
    model = bt[bt["model"] == MODEL]
    assert model["bin_persons"].sum() == summary.loc[MODEL, "persons"]
    # calibrated: each decile's mean prediction within 0.1 of what happened
    assert (model["mean_predicted"] - model["observed_rate"]).abs().max() < 0.1
    assert (bt["test_cutoff"] > bt["train_cutoff"]).all()


def test_predictions_for_every_person_seen() -> None:
    days = _synthetic(seed=1)
    pred = predict(days, PropensityParams(horizon_days=14))
    seen = days.groupby("brand_id")["event_day"].max() - pd.Timedelta(days=1)
    expected = days[days["event_day"] <= days["brand_id"].map(seen)]
    assert len(pred) == expected[["brand_id", "person_id"]].drop_duplicates().shape[0]
    assert pred["purchase_probability"].between(0, 1).all()
    assert (pred["as_of_day"] == pred["brand_id"].map(seen)).all()


def test_no_buyers_at_all_gives_an_empty_result() -> None:
    days = _synthetic()
    days["orders"] = 0
    assert backtest(days).empty and predict(days).empty
