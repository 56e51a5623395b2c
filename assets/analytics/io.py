"""Reading the marts and writing the ml.* tables: the only place analytics touches DuckDB.

Compute modules stay pure (DataFrame in, DataFrame out) so tests and the benchmark
harness can call them without a warehouse; the assets read with `read_*`, compute
outside any transaction, then `replace_table` swaps a table's rows in one short
transaction (nothing half-written if a run dies).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from brandpulse.db import transaction
from brandpulse.metrics import DAILY_METRICS

METRICS = DAILY_METRICS

ML_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "revenue_forecast": (
        ("brand_id", "VARCHAR NOT NULL"),
        ("day", "DATE NOT NULL"),
        ("yhat", "DOUBLE"),
        ("yhat_lower", "DOUBLE"),
        ("yhat_upper", "DOUBLE"),
        ("model", "VARCHAR NOT NULL"),
        ("trained_through", "DATE NOT NULL"),
        ("run_id", "VARCHAR"),
        ("created_at", "TIMESTAMP WITH TIME ZONE"),
    ),
    "forecast_accuracy": (
        ("brand_id", "VARCHAR NOT NULL"),
        ("trained_through", "DATE NOT NULL"),
        ("run_id", "VARCHAR"),
        ("model", "VARCHAR NOT NULL"),
        ("horizon_from", "INTEGER NOT NULL"),
        ("horizon_to", "INTEGER NOT NULL"),
        ("n", "INTEGER NOT NULL"),
        ("mape", "DOUBLE"),
        ("smape", "DOUBLE"),
        ("coverage", "DOUBLE"),
        ("scored_through", "DATE NOT NULL"),
    ),
    "person_predictions": (
        ("brand_id", "VARCHAR NOT NULL"),
        ("person_id", "VARCHAR NOT NULL"),
        ("as_of_day", "DATE NOT NULL"),
        ("horizon_days", "INTEGER NOT NULL"),
        ("purchase_probability", "DOUBLE NOT NULL"),
        ("model", "VARCHAR NOT NULL"),
    ),
    "person_prediction_backtest": (
        ("model", "VARCHAR NOT NULL"),
        ("train_cutoff", "DATE NOT NULL"),
        ("test_cutoff", "DATE NOT NULL"),
        ("horizon_days", "INTEGER NOT NULL"),
        ("persons", "INTEGER NOT NULL"),
        ("buyers", "INTEGER NOT NULL"),
        ("auc", "DOUBLE"),
        ("brier", "DOUBLE NOT NULL"),
        ("calibration_bin", "INTEGER NOT NULL"),
        ("bin_persons", "INTEGER NOT NULL"),
        ("mean_predicted", "DOUBLE NOT NULL"),
        ("observed_rate", "DOUBLE NOT NULL"),
    ),
    "revenue_forecast_backtest": (
        ("brand_id", "VARCHAR NOT NULL"),
        ("model", "VARCHAR NOT NULL"),
        ("origin", "DATE NOT NULL"),
        ("horizon_days", "INTEGER NOT NULL"),
        ("n", "INTEGER NOT NULL"),
        ("mape", "DOUBLE"),
        ("smape", "DOUBLE"),
        ("coverage", "DOUBLE"),
    ),
    "metric_correlations": (
        ("brand_id", "VARCHAR NOT NULL"),
        ("metric_a", "VARCHAR NOT NULL"),
        ("metric_b", "VARCHAR NOT NULL"),
        ("lag_days", "INTEGER NOT NULL"),
        ("n", "INTEGER NOT NULL"),
        ("n_eff", "DOUBLE NOT NULL"),
        ("pearson_r", "DOUBLE NOT NULL"),
        ("spearman_rho", "DOUBLE NOT NULL"),
        ("p_value", "DOUBLE NOT NULL"),
        ("spearman_p_value", "DOUBLE NOT NULL"),
        ("q_value", "DOUBLE NOT NULL"),
        ("definitional", "BOOLEAN NOT NULL"),
    ),
    "funnel_correlations": (
        ("brand_id", "VARCHAR NOT NULL"),
        ("funnel_id", "VARCHAR NOT NULL"),
        ("event_name", "VARCHAR NOT NULL"),
        ("success_count", "BIGINT NOT NULL"),
        ("failure_count", "BIGINT NOT NULL"),
        ("success_total", "BIGINT NOT NULL"),
        ("failure_total", "BIGINT NOT NULL"),
        ("odds_ratio", "DOUBLE NOT NULL"),
        ("p_value", "DOUBLE NOT NULL"),
        ("correlation_type", "VARCHAR NOT NULL"),
    ),
    "metric_anomalies": (
        ("brand_id", "VARCHAR NOT NULL"),
        ("day", "DATE NOT NULL"),
        ("metric", "VARCHAR NOT NULL"),
        ("value", "DOUBLE"),
        ("expected", "DOUBLE"),
        ("residual", "DOUBLE"),
        ("robust_z", "DOUBLE"),
        ("score", "DOUBLE"),
        ("is_anomaly", "BOOLEAN NOT NULL"),
        ("direction", "VARCHAR NOT NULL"),
        ("run_id", "VARCHAR NOT NULL"),
        ("scored_at", "TIMESTAMP WITH TIME ZONE NOT NULL"),
    ),
}
"""DDL of every ml.* table analytics writes (CONTRACTS.md section 3 plus a few extras)."""


APPEND_KEYS: dict[str, tuple[str, ...]] = {"metric_anomalies": ("brand_id", "day", "metric")}
"""ml.* tables that keep their rows across runs: a run adds only keys not yet there."""


@contextmanager
def _frame_transaction(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> Iterator[None]:
    """`frame` registered as `_ml_frame` for one write transaction: all of it or nothing."""
    con.register("_ml_frame", frame)
    try:
        with transaction(con):
            yield
    finally:
        con.unregister("_ml_frame")


def read_scored_days(
    con: duckdb.DuckDBPyConnection, metrics: list[str]
) -> set[tuple[str, pd.Timestamp]]:
    """(brand_id, day) pairs ml.metric_anomalies already holds every one of `metrics` for
    (none when the table is missing or from an older version, which a write replaces)."""
    existing = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'ml' AND table_name = 'metric_anomalies' "
            "ORDER BY ordinal_position"
        ).fetchall()
    ]
    if existing != [name for name, _ in ML_TABLES["metric_anomalies"]] or not metrics:
        return set()
    rows = con.execute(
        "SELECT brand_id, day FROM ml.metric_anomalies WHERE list_contains(?, metric) "
        "GROUP BY ALL HAVING count(DISTINCT metric) = ?",
        [metrics, len(set(metrics))],
    ).fetchall()
    return {(str(b), pd.Timestamp(d)) for b, d in rows}


def append_new_rows(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> int:
    """Insert the rows of `df` whose APPEND_KEYS are not in ml.<table> yet, in one short
    transaction; returns rows inserted. Rows already written are never changed.

    A table from before its columns changed (no `run_id`) is replaced: its rows came
    from an older, non-causal scorer and cannot be kept as they are.
    """
    if table not in APPEND_KEYS:
        raise ValueError(f"ml table {table!r} is not append-only")
    columns = [name for name, _ in ML_TABLES[table]]
    ddl = ", ".join(f"{name} {sql_type}" for name, sql_type in ML_TABLES[table])
    keys = APPEND_KEYS[table]
    on = " AND ".join(f"t.{k} = f.{k}" for k in keys)
    column_list = ", ".join(columns)
    with _frame_transaction(con, df[columns]):
        con.execute("CREATE SCHEMA IF NOT EXISTS ml")
        existing = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'ml' AND table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        if existing != columns:
            con.execute(f"CREATE OR REPLACE TABLE ml.{table} ({ddl})")
        before = con.execute(f"SELECT count(*) FROM ml.{table}").fetchone()[0]  # noqa: S608
        con.execute(
            f"INSERT INTO ml.{table} ({column_list}) SELECT {column_list} FROM _ml_frame AS f "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT 1 FROM ml.{table} AS t WHERE {on})"
        )
        inserted = con.execute(f"SELECT count(*) FROM ml.{table}").fetchone()[0] - before  # noqa: S608
    return int(inserted)


VINTAGE_KEYS: dict[str, tuple[str, ...]] = {"revenue_forecast": ("brand_id", "trained_through")}
"""ml.* tables that keep every vintage: a run replaces only the vintages it wrote."""


def _ensure_columns(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Create ml.<table>, or add the columns a table from an older version lacks
    (its rows are kept; the new columns are NULL for them)."""
    ddl = ", ".join(f"{name} {sql_type}" for name, sql_type in ML_TABLES[table])
    con.execute("CREATE SCHEMA IF NOT EXISTS ml")
    con.execute(f"CREATE TABLE IF NOT EXISTS ml.{table} ({ddl})")
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'ml' AND table_name = ?",
            [table],
        ).fetchall()
    }
    for name, sql_type in ML_TABLES[table]:
        if name not in have:
            con.execute(
                f"ALTER TABLE ml.{table} ADD COLUMN {name} {sql_type.replace(' NOT NULL', '')}"
            )


def replace_vintages(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> int:
    """Write the vintages in `df` into ml.<table>, replacing only rows with the same
    VINTAGE_KEYS (a rerun of the same cutoff), keeping every other vintage; one
    transaction. Returns rows written."""
    if table not in VINTAGE_KEYS:
        raise ValueError(f"ml table {table!r} keeps no vintages")
    columns = [name for name, _ in ML_TABLES[table]]
    keys = VINTAGE_KEYS[table]
    column_list = ", ".join(columns)
    key_list = ", ".join(keys)
    with _frame_transaction(con, df[columns]):
        _ensure_columns(con, table)
        con.execute(
            f"DELETE FROM ml.{table} WHERE ({key_list}) IN "  # noqa: S608
            f"(SELECT DISTINCT {key_list} FROM _ml_frame)"
        )
        con.execute(
            f"INSERT INTO ml.{table} ({column_list}) SELECT {column_list} FROM _ml_frame"  # noqa: S608
        )
    return len(df)


def read_vintages(con: duckdb.DuckDBPyConnection, table: str = "revenue_forecast") -> pd.DataFrame:
    """Every kept vintage of ml.<table> (empty, typed, when the table does not exist)."""
    columns = [name for name, _ in ML_TABLES[table]]
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ml' "
        "AND table_name = ?",
        [table],
    ).fetchone()[0]
    if not exists:
        return pd.DataFrame(columns=columns)
    _ensure_columns(con, table)
    df = con.execute(f"SELECT {', '.join(columns)} FROM ml.{table} ORDER BY ALL").df()  # noqa: S608
    for c in ("day", "trained_through"):
        df[c] = pd.to_datetime(df[c])
    return df


def read_daily_metrics(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """marts.daily_brand_metrics with `day` as datetime64 and metrics as float."""
    cols = ", ".join(f"cast({m} as double) as {m}" for m in METRICS)
    df = con.execute(
        f"select brand_id, cast(day as date) as day, {cols} "  # noqa: S608 - fixed column list
        "from marts.daily_brand_metrics order by brand_id, day"
    ).df()
    df["day"] = pd.to_datetime(df["day"])
    return df


def read_event_daily(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """marts.event_daily: brand_id, day (datetime64), event_name, events (float)."""
    df = con.execute(
        "select brand_id, cast(day as date) as day, event_name, cast(events as double) as events "
        "from marts.event_daily order by brand_id, day, event_name"
    ).df()
    df["day"] = pd.to_datetime(df["day"])
    return df


def read_person_days(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """intermediate.int_person_days: brand_id, person_id, event_day (datetime64), events,
    orders, revenue."""
    df = con.execute(
        "select brand_id, person_id, cast(event_day as date) as event_day, "
        "cast(events as double) as events, cast(orders as double) as orders, "
        "cast(coalesce(revenue, 0) as double) as revenue from intermediate.int_person_days"
    ).df()
    df["event_day"] = pd.to_datetime(df["event_day"])
    return df


def read_brands(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """intermediate.int_brands: brand_id, timezone and (when the model has one) country."""
    df = con.execute("select * from intermediate.int_brands order by brand_id").df()
    if "country" not in df.columns:
        df["country"] = None
    return df[["brand_id", "timezone", "country"]]


def replace_table(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> int:
    """Replace ml.<table> with `df` in one short transaction; returns rows written.

    `table` must be a key of ML_TABLES (a fixed whitelist, never user input); columns
    are inserted by name, so `df` may hold them in any order.
    """
    if table not in ML_TABLES:
        raise ValueError(f"unknown ml table {table!r}")
    columns = [name for name, _ in ML_TABLES[table]]
    ddl = ", ".join(f"{name} {sql_type}" for name, sql_type in ML_TABLES[table])
    frame = df[columns]
    column_list = ", ".join(columns)
    with _frame_transaction(con, frame):
        con.execute("CREATE SCHEMA IF NOT EXISTS ml")
        # create-or-replace keeps the table's schema current when columns change
        con.execute(f"CREATE OR REPLACE TABLE ml.{table} ({ddl})")
        con.execute(
            f"INSERT INTO ml.{table} ({column_list}) SELECT {column_list} FROM _ml_frame"  # noqa: S608
        )
    return len(frame)


# The data dictionary of the ml.* tables: one description per column of ML_TABLES
# (published as DuckDB column comments; tests/query/test_column_docs.py checks both
# declarations name the same columns).
_MONEY = "in the brand's currency (marts.brands.currency)"
ML_COLUMN_DOCS: dict[str, dict[str, str]] = {
    "revenue_forecast": {
        "brand_id": "The brand.",
        "day": "Brand-local day forecast.",
        "yhat": f"Forecast revenue of the day, {_MONEY}; floored at 0.",
        "yhat_lower": f"Lower bound of the forecast interval, {_MONEY}; floored at 0.",
        "yhat_upper": f"Upper bound of the forecast interval, {_MONEY}.",
        "model": "Method that produced the row: prophet, or the seasonal-naive baseline for short history.",
        "trained_through": "Last closed day of history the forecast was fitted on (its vintage).",
        "run_id": "Dagster run that wrote this vintage.",
        "created_at": "When the vintage was written (UTC).",
    },
    "forecast_accuracy": {
        "brand_id": "The brand.",
        "trained_through": "Vintage scored: the last day its forecast was fitted on.",
        "run_id": "Dagster run that wrote the vintage.",
        "model": "The vintage's method, or the seasonal-naive baseline from the same history.",
        "horizon_from": "First day ahead of the horizon band (1, 8, 15 or 29).",
        "horizon_to": "Last day ahead of the horizon band (7, 14, 28 or 90).",
        "n": "Closed days scored in the band.",
        "mape": "Mean absolute percentage error, a fraction (days with zero revenue left out).",
        "smape": "Symmetric mean absolute percentage error, a fraction.",
        "coverage": "Share of scored days whose revenue fell inside the forecast interval.",
        "scored_through": "Last closed day the vintage was scored against.",
    },
    "person_predictions": {
        "brand_id": "The brand.",
        "person_id": "Resolved person (marts.persons).",
        "as_of_day": "The brand's last closed day: features are as of it.",
        "horizon_days": "Days after as_of_day the probability is about.",
        "purchase_probability": "Probability of at least one order in the next horizon_days.",
        "model": "Model that scored the person.",
    },
    "person_prediction_backtest": {
        "model": "The propensity model, or the baseline (training purchase rate by ordered-in-30-days flag).",
        "train_cutoff": "Cutoff the model was trained on (two horizons back).",
        "test_cutoff": "Cutoff it was judged on (one horizon later).",
        "horizon_days": "Days after the cutoff the outcome (an order) is counted.",
        "persons": "Persons judged.",
        "buyers": "Persons who ordered within the horizon.",
        "auc": "Area under the ROC curve (NULL when only one outcome occurred).",
        "brier": "Brier score: mean squared error of the probabilities.",
        "calibration_bin": "Decile of predicted probability (1 = lowest).",
        "bin_persons": "Persons in the decile.",
        "mean_predicted": "Mean predicted probability in the decile.",
        "observed_rate": "Share of the decile's persons who ordered.",
    },
    "revenue_forecast_backtest": {
        "brand_id": "The brand.",
        "model": "prophet or the seasonal-naive baseline.",
        "origin": "Last day of history of this rolling origin (the test days follow it).",
        "horizon_days": "Days forecast from the origin.",
        "n": "Test days scored.",
        "mape": "Mean absolute percentage error, a fraction (days with zero revenue left out).",
        "smape": "Symmetric mean absolute percentage error, a fraction.",
        "coverage": "Share of test days whose revenue fell inside the forecast interval.",
    },
    "metric_correlations": {
        "brand_id": "The brand.",
        "metric_a": "Daily metric on day t (marts.daily_brand_metrics column).",
        "metric_b": "Daily metric on day t + lag_days.",
        "lag_days": "Days metric_b lags metric_a (0-7).",
        "n": "Overlapping days of the two stationary series.",
        "n_eff": "Bartlett's effective sample size (autocorrelation taken into account).",
        "pearson_r": "Pearson correlation of the stationary series (log1p, weekday effect removed, differenced).",
        "spearman_rho": "Spearman rank correlation of the same series.",
        "p_value": "p-value of pearson_r (t test on n_eff).",
        "spearman_p_value": "p-value of spearman_rho (t test on n_eff).",
        "q_value": "Benjamini-Hochberg FDR-adjusted p_value across all tests of the brand.",
        "definitional": "The pair is linked by definition (e.g. revenue and orders): expected, not a finding.",
    },
    "funnel_correlations": {
        "brand_id": "The brand.",
        "funnel_id": "The funnel (marts.funnels).",
        "event_name": "Event done between the attempt's step 1 and its last step (or window end).",
        "success_count": "Persons who completed the funnel and did the event.",
        "failure_count": "Persons who entered but did not complete, and did the event.",
        "success_total": "Persons who completed the funnel.",
        "failure_total": "Persons who entered but did not complete.",
        "odds_ratio": "Odds of success with the event over without it, +1 prior on each count.",
        "p_value": "Fisher's exact test p-value.",
        "correlation_type": "success (goes with converting) or failure (goes with dropping out).",
    },
    "metric_anomalies": {
        "brand_id": "The brand.",
        "day": "Brand-local day scored.",
        "metric": "Daily metric (marts.daily_brand_metrics column); revenue is in the brand's currency.",
        "value": "The metric's value that day.",
        "expected": "Expected value from the past six weeks (weekday profile + damped trend).",
        "residual": "value - expected.",
        "robust_z": "Residual over the robust scale of past residuals (log1p space).",
        "score": "The day's joint ECOD score over all metrics (the same for every metric of the day).",
        "is_anomaly": "Flagged by the threshold rule.",
        "direction": "spike (above expected) or drop (below).",
        "run_id": "Dagster run that scored the day (append-only: a scored day keeps its row).",
        "scored_at": "When the day was scored (UTC).",
    },
}
