"""Purchase propensity per person: will they order within the next `horizon` days?

Features are computed as of a cutoff day from each person's daily rollup
(intermediate.int_person_days: events, orders, revenue per brand-local day), with only
days <= cutoff, so a model can be trained on one cutoff and judged on a later one:

- backtest: train on features as of T - 2H labelled by orders in (T - 2H, T - H], score
  features as of T - H against orders in (T - H, T] (T = the brand's last closed day);
  AUC, Brier score and calibration by decile, next to a baseline that predicts the
  training purchase rate of persons with the same "ordered in the last 30 days" flag;
- predictions: train on the T - H cutoff (its labels are complete), predict as of T.

One logistic regression (scikit-learn) for all brands, on log1p counts: few features,
well calibrated by construction, and a person's chance is comparable across brands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FEATURES = (
    "recency_days",
    "tenure_days",
    "active_days_30d",
    "events_7d",
    "events_30d",
    "orders_30d",
    "orders_60d",
    "revenue_60d",
)
"""Windowed, not lifetime: lifetime totals grow with every cutoff, so a model trained on an
earlier cutoff would read everyone as a better customer later (and overpredict)."""
MAX_AGE_DAYS = 60
"""recency and tenure are capped here, for the same reason."""
MODEL = "logistic_regression"
BASELINE = "ordered_last_30d_rate"
PREDICTION_COLUMNS = [
    "brand_id",
    "person_id",
    "as_of_day",
    "horizon_days",
    "purchase_probability",
    "model",
]
BACKTEST_COLUMNS = [
    "model",
    "train_cutoff",
    "test_cutoff",
    "horizon_days",
    "persons",
    "buyers",
    "auc",
    "brier",
    "calibration_bin",
    "bin_persons",
    "mean_predicted",
    "observed_rate",
]


@dataclass(frozen=True)
class PropensityParams:
    horizon_days: int = 14
    calibration_bins: int = 10


def features_as_of(person_days: pd.DataFrame, cutoff: dict[str, pd.Timestamp]) -> pd.DataFrame:
    """One row per (brand, person) seen on or before its brand's cutoff day.

    `person_days`: brand_id, person_id, event_day, events, orders, revenue.
    """
    df = person_days.assign(cutoff=person_days["brand_id"].map(cutoff))
    df = df[df["event_day"] <= df["cutoff"]]
    age = (df["cutoff"] - df["event_day"]).dt.days
    df = df.assign(
        age=age.clip(upper=MAX_AGE_DAYS),
        events_7d=np.where(age < 7, df["events"], 0),
        events_30d=np.where(age < 30, df["events"], 0),
        orders_30d=np.where(age < 30, df["orders"], 0),
        orders_60d=np.where(age < 60, df["orders"], 0),
        revenue_60d=np.where(age < 60, df["revenue"], 0.0),
        active_30d=(age < 30).astype(int),
    )
    g = df.groupby(["brand_id", "person_id"], sort=True)
    out = g.agg(
        recency_days=("age", "min"),
        tenure_days=("age", "max"),
        active_days_30d=("active_30d", "sum"),
        events_7d=("events_7d", "sum"),
        events_30d=("events_30d", "sum"),
        orders_30d=("orders_30d", "sum"),
        orders_60d=("orders_60d", "sum"),
        revenue_60d=("revenue_60d", "sum"),
    ).reset_index()
    out["as_of_day"] = out["brand_id"].map(cutoff)
    return out


def labels_after(
    person_days: pd.DataFrame, cutoff: dict[str, pd.Timestamp], horizon: int
) -> pd.DataFrame:
    """(brand_id, person_id) of persons with an order in (cutoff, cutoff + horizon]."""
    start = person_days["brand_id"].map(cutoff)
    inside = (
        (person_days["event_day"] > start)
        & (person_days["event_day"] <= start + pd.Timedelta(days=horizon))
        & (person_days["orders"] > 0)
    )
    return person_days.loc[inside, ["brand_id", "person_id"]].drop_duplicates()


def _labelled(person_days, cutoff, horizon) -> pd.DataFrame:
    x = features_as_of(person_days, cutoff)
    bought = labels_after(person_days, cutoff, horizon).assign(bought=1)
    x = x.merge(bought, on=["brand_id", "person_id"], how="left")
    x["bought"] = x["bought"].fillna(0).astype(int)
    return x


def _matrix(x: pd.DataFrame) -> np.ndarray:
    return np.log1p(x[list(FEATURES)].to_numpy(dtype=float).clip(min=0))


def _fit(train: pd.DataFrame):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return model.fit(_matrix(train), train["bought"].to_numpy())


def _baseline(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    """The training purchase rate of the persons with the same ordered-in-30-days flag."""
    rate = train.groupby(train["orders_30d"] > 0)["bought"].mean()
    overall = float(train["bought"].mean())
    return (test["orders_30d"] > 0).map(rate).fillna(overall).to_numpy(dtype=float)


def _scores(model: str, y: np.ndarray, p: np.ndarray, bins: int, base: dict) -> list[dict]:
    from sklearn.metrics import brier_score_loss, roc_auc_score

    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    brier = float(brier_score_loss(y, p))
    ranks = pd.Series(p).rank(method="first")
    edges = pd.qcut(ranks, q=min(bins, len(p)), labels=False)
    rows = []
    for b in sorted(set(edges)):
        mask = (edges == b).to_numpy()
        rows.append(
            {
                **base,
                "model": model,
                "auc": auc,
                "brier": brier,
                "calibration_bin": int(b) + 1,
                "bin_persons": int(mask.sum()),
                "mean_predicted": float(p[mask].mean()),
                "observed_rate": float(y[mask].mean()),
            }
        )
    return rows


def last_closed_days(person_days: pd.DataFrame) -> dict[str, pd.Timestamp]:
    """Each brand's last closed day: the day before its newest (still filling) day."""
    return (person_days.groupby("brand_id")["event_day"].max() - pd.Timedelta(days=1)).to_dict()


def backtest(
    person_days: pd.DataFrame, params: PropensityParams = PropensityParams()
) -> pd.DataFrame:
    """Time-split backtest of the model and the baseline (see the module docstring)."""
    h = params.horizon_days
    last = last_closed_days(person_days)
    train_cut = {b: t - pd.Timedelta(days=2 * h) for b, t in last.items()}
    test_cut = {b: t - pd.Timedelta(days=h) for b, t in last.items()}
    train = _labelled(person_days, train_cut, h)
    test = _labelled(person_days, test_cut, h)
    if train["bought"].nunique() < 2 or test.empty:
        return pd.DataFrame(columns=BACKTEST_COLUMNS)
    y = test["bought"].to_numpy()
    base = {
        "train_cutoff": min(train_cut.values()),
        "test_cutoff": min(test_cut.values()),
        "horizon_days": h,
        "persons": len(test),
        "buyers": int(y.sum()),
    }
    p_model = _fit(train).predict_proba(_matrix(test))[:, 1]
    rows = _scores(MODEL, y, p_model, params.calibration_bins, base)
    rows += _scores(BASELINE, y, _baseline(train, test), params.calibration_bins, base)
    return pd.DataFrame(rows)[BACKTEST_COLUMNS]


def predict(
    person_days: pd.DataFrame, params: PropensityParams = PropensityParams()
) -> pd.DataFrame:
    """Every person's probability of ordering in the `horizon_days` after their brand's
    last closed day, from a model trained on the latest cutoff whose labels are complete."""
    h = params.horizon_days
    last = last_closed_days(person_days)
    train = _labelled(person_days, {b: t - pd.Timedelta(days=h) for b, t in last.items()}, h)
    current = features_as_of(person_days, last)
    if train["bought"].nunique() < 2 or current.empty:
        return pd.DataFrame(columns=PREDICTION_COLUMNS)
    current["purchase_probability"] = _fit(train).predict_proba(_matrix(current))[:, 1]
    current["horizon_days"] = h
    current["model"] = MODEL
    return current[PREDICTION_COLUMNS]
