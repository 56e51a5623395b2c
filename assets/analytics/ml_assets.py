"""The Dagster assets of the ml schema: read the marts, compute outside any transaction,
replace the table in one short write.

Each asset reads what it needs, closes the connection, computes (prophet fits, pyod,
scipy) with the warehouse unlocked, then reopens it for a delete-and-insert that takes
milliseconds. All write the warehouse, so all are in the one-writer pool. (No
`from __future__ import annotations` here: Dagster reads the Config annotations.)
"""

import time
from pathlib import Path

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from assets.analytics import io
from assets.analytics.anomalies import (
    DEFAULT_DETECTION_METRICS,
    AnomalyParams,
    evaluate,
    load_truth,
    metric_anomalies,
)
from assets.analytics.backtest import BacktestParams, backtest_revenue, summarize
from assets.analytics.correlations import (
    MIN_EVENT_DAILY_MEAN,
    metric_correlations,
    with_event_series,
)
from assets.analytics.forecast import MODEL_PROPHET, ForecastParams, forecast_revenue
from assets.analytics.forecast_accuracy import forecast_accuracy
from assets.analytics.funnel_correlations import funnel_correlations
from assets.analytics.person_predictions import PropensityParams, backtest, predict
from assets.analytics.plots import forecast_png, markdown_image
from brandpulse.config import get_settings
from brandpulse.resources import WAREHOUSE_POOL, SparkResource, WarehouseResource

GROUP = "analytics"
OWNERS = ["team:analytics"]
DAILY_METRICS = AssetKey(["marts", "daily_brand_metrics"])
EVENT_DAILY = AssetKey(["marts", "event_daily"])
INT_BRANDS = AssetKey(["intermediate", "int_brands"])
FUNNEL_PERSONS = AssetKey(["marts", "funnel_persons"])
FUNNEL_PERSON_STEPS = AssetKey(["marts", "funnel_person_steps"])
RAW_FUNNELS = AssetKey(["raw", "funnels"])  # raw.funnel_steps is written by this asset
EVENTS_RESOLVED = AssetKey(["intermediate", "int_events_resolved"])
PERSON_DAYS = AssetKey(["intermediate", "int_person_days"])


def _preview(df: pd.DataFrame, rows: int = 10) -> MetadataValue:
    return MetadataValue.md(df.head(rows).to_markdown(index=False) if len(df) else "(no rows)")


def _write(warehouse: WarehouseResource, table: str, df: pd.DataFrame) -> tuple[int, float]:
    """Replace ml.<table>; returns (rows, seconds the write took)."""
    start = time.perf_counter()
    with warehouse.connect() as con:
        rows = io.replace_table(con, table, df)
    return rows, time.perf_counter() - start


class ForecastConfig(Config):
    horizon_days: int = Field(default=90, ge=1, le=730, description="Days forecast ahead.")
    uncertainty_samples: int = Field(
        default=200,
        ge=0,
        description="prophet's posterior samples for the band (its default 1000 makes "
        "predict ~9x slower; 200 gives stable 80% intervals).",
    )
    interval_width: float = Field(default=0.8, gt=0, lt=1)
    min_history_days: int = Field(
        default=28, ge=1, description="Below this, a seasonal-naive baseline instead of prophet."
    )
    workers: int = Field(default=2, ge=1, description="Processes fitting brands in parallel.")
    plot_brands: int = Field(default=3, ge=0, description="Largest brands plotted in metadata.")
    past_vintages: int = Field(
        default=2,
        ge=0,
        description="Earlier cutoffs (vintage_spacing_days apart) forecast as of that day "
        "when no kept vintage has them yet, so a new warehouse has forecasts to score.",
    )
    vintage_spacing_days: int = Field(default=28, ge=1)

    def params(self) -> ForecastParams:
        return ForecastParams(
            horizon_days=self.horizon_days,
            uncertainty_samples=self.uncertainty_samples,
            interval_width=self.interval_width,
            min_history_days=self.min_history_days,
        )


@asset(
    key=AssetKey(["ml", "revenue_forecast"]),
    deps=[DAILY_METRICS, INT_BRANDS],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"python", "prophet"},
    pool=WAREHOUSE_POOL,
    description="Daily revenue forecast per brand (brand-local days): prophet with weekly "
    "seasonality, yearly from two years of history, the brand's country holidays; a "
    "seasonal-naive baseline for brands with under four weeks of history (see `model`). "
    "Every vintage is kept (trained_through, run_id); a rerun replaces only its own cutoff. "
    "yhat and the band are floored at 0.",
)
def revenue_forecast(
    context: AssetExecutionContext,
    config: ForecastConfig,
    warehouse: WarehouseResource,
    spark: SparkResource,
) -> MaterializeResult:
    with warehouse.connect() as con:
        daily = io.read_daily_metrics(con)
        brands = io.read_brands(con)
        kept = io.read_vintages(con)
    existing = {
        (str(b), pd.Timestamp(t))
        for b, t in kept[["brand_id", "trained_through"]].drop_duplicates().itertuples(index=False)
    }
    start = time.perf_counter()
    vintages = {
        "past_vintages": config.past_vintages,
        "vintage_spacing_days": config.vintage_spacing_days,
        "skip": existing,
    }
    if spark.enabled:
        # the cluster path: brands fan out over Spark executors (same rows as the pool)
        from assets.analytics.spark_forecast import forecast_revenue_on_spark

        with spark.session() as session:
            forecast = forecast_revenue_on_spark(
                session, daily, brands, config.params(), **vintages
            )
    else:
        forecast = forecast_revenue(
            daily, brands, config.params(), workers=config.workers, **vintages
        )
    fit_seconds = time.perf_counter() - start
    forecast["run_id"] = context.run_id
    forecast["created_at"] = pd.Timestamp.now(tz="UTC")
    with warehouse.connect() as con:
        write_start = time.perf_counter()
        rows = io.replace_vintages(con, "revenue_forecast", forecast)
        write_seconds = time.perf_counter() - write_start
        total, vintages = con.execute(
            "select count(*), count(distinct (brand_id, trained_through)) from ml.revenue_forecast"
        ).fetchone()
    context.log.info(f"forecast {forecast['brand_id'].nunique()} brands in {fit_seconds:.1f}s")
    current = forecast[
        forecast["trained_through"]
        == forecast.groupby("brand_id")["trained_through"].transform("max")
    ]
    models = current.drop_duplicates("brand_id")["model"].value_counts().to_dict()
    metadata = {
        "dagster/row_count": int(total),
        "rows_written": rows,
        "vintages_written": int(
            forecast[["brand_id", "trained_through"]].drop_duplicates().shape[0]
        ),
        "vintages_kept": int(vintages),
        "brands": int(forecast["brand_id"].nunique()),
        "brands_by_model": MetadataValue.json({str(k): int(v) for k, v in models.items()}),
        "fit_seconds": round(fit_seconds, 2),
        "write_seconds": round(write_seconds, 3),
        "workers": config.workers,
        "preview": _preview(current),
    }
    if config.plot_brands and len(current):
        largest = (
            daily.groupby("brand_id")["revenue"].sum().sort_values(ascending=False).index.tolist()
        )
        largest = [b for b in largest if b in set(current["brand_id"])][: config.plot_brands]
        png = forecast_png(daily, current, largest)
        metadata["forecast_plot"] = MetadataValue.md(markdown_image(png, "revenue forecast"))
    return MaterializeResult(metadata=metadata)


@asset(
    key=AssetKey(["ml", "forecast_accuracy"]),
    deps=[AssetKey(["ml", "revenue_forecast"]), DAILY_METRICS],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"python"},
    pool=WAREHOUSE_POOL,
    description="Every kept revenue forecast vintage scored against the closed days that "
    "have arrived since: MAPE, sMAPE and interval coverage per horizon band (1-7, 8-14, "
    "15-28, 29-90 days), next to the seasonal-naive baseline from the same history.",
)
def forecast_accuracy_asset(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult:
    with warehouse.connect() as con:
        daily = io.read_daily_metrics(con)
        vintages = io.read_vintages(con)
    accuracy = forecast_accuracy(vintages, daily)
    rows, _ = _write(warehouse, "forecast_accuracy", accuracy)
    metadata: dict = {
        "dagster/row_count": rows,
        "vintages_scored": int(accuracy[["brand_id", "trained_through"]].drop_duplicates().shape[0])
        if rows
        else 0,
        "preview": _preview(accuracy.round({"mape": 4, "smape": 4, "coverage": 4})),
    }
    if rows:
        summary = accuracy.groupby(["model", "horizon_from", "horizon_to"], as_index=False)[
            ["smape", "coverage"]
        ].mean()
        metadata["summary"] = MetadataValue.md(summary.round(4).to_markdown(index=False))
    context.log.info(f"forecast accuracy: {rows} rows")
    return MaterializeResult(metadata=metadata)


class BacktestConfig(Config):
    origins: int = Field(default=2, ge=1, description="Rolling origins per brand and horizon.")
    horizons: list[int] = Field(
        default=[7, 14, 28], min_length=1, description="Days forecast from each origin."
    )
    uncertainty_samples: int = Field(default=200, ge=0)
    workers: int = Field(default=2, ge=1)


@asset(
    key=AssetKey(["ml", "revenue_forecast_backtest"]),
    deps=[DAILY_METRICS, INT_BRANDS],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"python", "prophet"},
    pool=WAREHOUSE_POOL,
    description="Rolling-origin backtest of the revenue forecast per brand: MAPE, sMAPE "
    "(fractions) and interval coverage of prophet and of a seasonal-naive baseline, side "
    "by side, for each origin.",
)
def revenue_forecast_backtest(
    context: AssetExecutionContext, config: BacktestConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    with warehouse.connect() as con:
        daily = io.read_daily_metrics(con)
        brands = io.read_brands(con)
    params = BacktestParams(
        origins=config.origins,
        horizons=tuple(config.horizons),
        forecast=ForecastParams(uncertainty_samples=config.uncertainty_samples),
    )
    start = time.perf_counter()
    backtest = backtest_revenue(daily, brands, params, workers=config.workers)
    seconds = time.perf_counter() - start
    rows, _ = _write(warehouse, "revenue_forecast_backtest", backtest)
    summary = summarize(backtest)
    metadata: dict = {
        "dagster/row_count": rows,
        "brands": int(backtest["brand_id"].nunique()) if len(backtest) else 0,
        "seconds": round(seconds, 2),
        "summary": MetadataValue.md(
            summary.round(4).to_markdown(index=False) if len(summary) else "(no brand long enough)"
        ),
    }
    for row in summary.itertuples(index=False):
        key = f"{'prophet' if row.model == MODEL_PROPHET else 'naive'}_h{row.horizon_days}"
        metadata[f"{key}_smape"] = None if pd.isna(row.smape) else round(float(row.smape), 4)
        metadata[f"{key}_coverage"] = (
            None if pd.isna(row.coverage) else round(float(row.coverage), 4)
        )
    context.log.info(f"backtest: {rows} rows in {seconds:.1f}s")
    return MaterializeResult(metadata={k: v for k, v in metadata.items() if v is not None})


class CorrelationConfig(Config):
    max_lag: int = Field(default=7, ge=0, le=60, description="Lags 0..max_lag days.")
    min_n: int = Field(default=14, ge=3, description="Fewest overlapping days per test.")
    min_event_daily_mean: float = Field(
        default=MIN_EVENT_DAILY_MEAN,
        ge=0,
        description="An event name is a series of its own (`event:<name>`) for a brand when "
        "it averages at least this many a day.",
    )


@asset(
    key=AssetKey(["ml", "metric_correlations"]),
    deps=[DAILY_METRICS, EVENT_DAILY],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"python", "scipy"},
    pool=WAREHOUSE_POOL,
    description="Pearson and Spearman correlations between each brand's daily metrics and "
    "the daily counts of its frequent event names (`event:<name>`, from marts.event_daily) at "
    "lags 0-7 (lag L pairs metric_a on day t with metric_b on day t+L), on stationary "
    "series (log1p, minus the weekday effect, differenced); p-values from a t test on "
    "Bartlett's effective sample size (n_eff), Benjamini-Hochberg q-values across all "
    "tests of the brand; pairs linked by definition marked (`definitional`).",
)
def metric_correlations_asset(
    context: AssetExecutionContext, config: CorrelationConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    with warehouse.connect() as con:
        daily = io.read_daily_metrics(con)
        event_daily = io.read_event_daily(con)
    start = time.perf_counter()
    daily, event_series = with_event_series(daily, event_daily, config.min_event_daily_mean)
    corr = metric_correlations(
        daily, [*io.METRICS, *event_series], max_lag=config.max_lag, min_n=config.min_n
    )
    seconds = time.perf_counter() - start
    rows, _ = _write(warehouse, "metric_correlations", corr)
    significant = corr[(corr["q_value"] < 0.05) & ~corr["definitional"].astype(bool)]
    top = significant.reindex(significant["pearson_r"].abs().sort_values(ascending=False).index)
    return MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "brands": int(corr["brand_id"].nunique()) if len(corr) else 0,
            "event_series": len(event_series),
            "significant_q05_not_definitional": len(significant),
            "significant_q05_definitional": int(
                ((corr["q_value"] < 0.05) & corr["definitional"].astype(bool)).sum()
            ),
            "seconds": round(seconds, 3),
            "strongest": _preview(top.round(4)),
        }
    )


class FunnelCorrelationConfig(Config):
    min_persons: int = Field(
        default=5, ge=1, description="Minimum support: persons (success + failure) per event."
    )
    top_n: int = Field(default=10, ge=1, description="Events kept per funnel and direction.")


@asset(
    key=AssetKey(["ml", "funnel_correlations"]),
    deps=[FUNNEL_PERSONS, FUNNEL_PERSON_STEPS, RAW_FUNNELS, EVENTS_RESOLVED],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"python", "duckdb", "scipy"},
    pool=WAREHOUSE_POOL,
    description="Events that go with converting or failing each funnel (CONTRACTS.md "
    "section 4): persons per event among successes and failures, odds ratio with a +1 "
    "prior, Fisher's exact p-value; the top events each way.",
)
def funnel_correlations_asset(
    context: AssetExecutionContext, config: FunnelCorrelationConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    start = time.perf_counter()
    with warehouse.connect() as con:
        brand_ids = [
            r[0]
            for r in con.execute(
                "select distinct brand_id from marts.funnel_persons order by 1"
            ).fetchall()
        ]
        result = funnel_correlations(
            con, brand_ids, min_persons=config.min_persons, top_n=config.top_n
        )
    seconds = time.perf_counter() - start
    rows, _ = _write(warehouse, "funnel_correlations", result)
    by_type = result["correlation_type"].value_counts().to_dict() if len(result) else {}
    return MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "brands": len(brand_ids),
            "funnels": int(result[["brand_id", "funnel_id"]].drop_duplicates().shape[0]),
            "by_type": MetadataValue.json({str(k): int(v) for k, v in by_type.items()}),
            "seconds": round(seconds, 3),
            "preview": _preview(result.round(4)),
        }
    )


class AnomalyConfig(Config):
    """The detector's settings; defaults are AnomalyParams' (tuned on the demo data)."""

    detector: str = Field(
        default=AnomalyParams.detector, description="pyod detector: ECOD or COPOD."
    )
    contamination: float = Field(default=AnomalyParams.contamination, gt=0, lt=0.5)
    threshold: float = Field(
        default=AnomalyParams.threshold, gt=0, description="Robust z a lone metric must reach."
    )
    support_threshold: float = Field(default=AnomalyParams.support_threshold, gt=0)
    min_support: int = Field(
        default=AnomalyParams.min_support,
        ge=1,
        description="Metrics agreeing at support_threshold that flag a day.",
    )
    history_days: int = Field(default=AnomalyParams.history_days, ge=14)
    scale_days: int = Field(default=AnomalyParams.scale_days, ge=7)
    detector_days: int = Field(default=AnomalyParams.detector_days, ge=7)
    trend_damping: float = Field(default=AnomalyParams.trend_damping, ge=0, le=1)
    max_zero_share: float = Field(default=AnomalyParams.max_zero_share, ge=0, le=1)
    metrics: list[str] = Field(
        default=list(DEFAULT_DETECTION_METRICS),
        description="Columns of marts.daily_brand_metrics to watch.",
    )
    truth_path: str = Field(
        default="",
        description="Ground-truth anomalies.json to score against; empty = "
        "<landing>/_generator/anomalies.json when it exists.",
    )

    def params(self) -> AnomalyParams:
        return AnomalyParams(
            detector=self.detector,
            contamination=self.contamination,
            threshold=self.threshold,
            support_threshold=self.support_threshold,
            min_support=self.min_support,
            history_days=self.history_days,
            scale_days=self.scale_days,
            detector_days=self.detector_days,
            trend_damping=self.trend_damping,
            max_zero_share=self.max_zero_share,
            metrics=tuple(self.metrics),
        )


@asset(
    key=AssetKey(["ml", "metric_anomalies"]),
    deps=[DAILY_METRICS],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"python", "pyod"},
    pool=WAREHOUSE_POOL,
    description="Every closed brand-day-metric scored point in time (only days up to it): "
    "expected = weekday profile + damped trend fitted on the past six weeks (Anscombe "
    "scale), robust z against past residuals, pyod ECOD fitted on past residual vectors "
    "of all metrics jointly. Append-only: a day scored once keeps its row, with the "
    "run_id and scored_at of the run that wrote it.",
)
def metric_anomalies_asset(
    context: AssetExecutionContext, config: AnomalyConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    with warehouse.connect() as con:
        daily = io.read_daily_metrics(con)
        scored = io.read_scored_days(con, [m for m in config.metrics if m in daily.columns])
    start = time.perf_counter()
    result = metric_anomalies(daily, config.params(), already_scored=scored)
    seconds = time.perf_counter() - start
    result["run_id"] = context.run_id
    result["scored_at"] = pd.Timestamp.now(tz="UTC")
    write_start = time.perf_counter()
    with warehouse.connect() as con:
        appended = io.append_new_rows(con, "metric_anomalies", result)
        kept = con.execute(
            "select brand_id, day, metric, robust_z, is_anomaly, direction, run_id = ? as new "
            "from ml.metric_anomalies",
            [context.run_id],
        ).df()
    write_seconds = time.perf_counter() - write_start
    new_flags = kept[kept["new"] & kept["is_anomaly"]]
    metadata: dict = {
        "dagster/row_count": len(kept),
        "rows_appended": appended,
        "rows_already_scored": len(result) - appended,
        "new_anomalies": len(new_flags),
        "anomalies": int(kept["is_anomaly"].sum()),
        "detector": config.detector,
        "seconds": round(seconds, 3),
        "write_seconds": round(write_seconds, 3),
        "preview": _preview(
            new_flags.sort_values("robust_z", key=lambda z: -z.abs()).drop(columns="new"), rows=15
        ),
    }
    truth_path = (
        Path(config.truth_path)
        if config.truth_path
        else get_settings().landing_dir / "_generator" / "anomalies.json"
    )
    truth = load_truth(truth_path)
    if truth is None:
        metadata["ground_truth"] = f"none at {truth_path}"
    else:
        scores = evaluate(kept, truth)
        metadata["ground_truth"] = str(truth_path)
        metadata["evaluation"] = MetadataValue.json(scores)
        for key in ("precision", "recall"):
            if scores[key] is not None:
                metadata[key] = round(float(scores[key]), 4)
        context.log.info(f"anomalies vs ground truth: {scores}")
    return MaterializeResult(metadata=metadata)


class PersonPredictionConfig(Config):
    horizon_days: int = Field(default=14, ge=1, le=90, description="Days ahead a purchase counts.")


@asset(
    key=AssetKey(["ml", "person_predictions"]),
    deps=[PERSON_DAYS],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"python", "scikit-learn"},
    pool=WAREHOUSE_POOL,
    description="Each person's probability of ordering in the next horizon_days after the "
    "brand's last closed day: a logistic regression on features as of a cutoff (recency, "
    "tenure, activity, events, orders, revenue from int_person_days), trained on the latest "
    "cutoff whose outcome is known. Join on (brand_id, person_id) to segment by it.",
)
def person_predictions_asset(
    context: AssetExecutionContext, config: PersonPredictionConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    with warehouse.connect() as con:
        person_days = io.read_person_days(con)
    params = PropensityParams(horizon_days=config.horizon_days)
    start = time.perf_counter()
    predictions = predict(person_days, params)
    seconds = time.perf_counter() - start
    rows, _ = _write(warehouse, "person_predictions", predictions)
    return MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "mean_probability": round(float(predictions["purchase_probability"].mean()), 4)
            if rows
            else 0.0,
            "seconds": round(seconds, 2),
            "preview": _preview(predictions.sort_values("purchase_probability", ascending=False)),
        }
    )


@asset(
    key=AssetKey(["ml", "person_prediction_backtest"]),
    deps=[PERSON_DAYS],
    group_name=GROUP,
    owners=OWNERS,
    kinds={"python", "scikit-learn"},
    pool=WAREHOUSE_POOL,
    description="Time-split backtest of the purchase propensity: trained on the cutoff two "
    "horizons back, judged on the next; AUC, Brier score and calibration by decile, beside "
    "a baseline (the training purchase rate of persons with the same ordered-in-30-days flag).",
)
def person_prediction_backtest_asset(
    context: AssetExecutionContext, config: PersonPredictionConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    with warehouse.connect() as con:
        person_days = io.read_person_days(con)
    result = backtest(person_days, PropensityParams(horizon_days=config.horizon_days))
    rows, _ = _write(warehouse, "person_prediction_backtest", result)
    metadata: dict = {"dagster/row_count": rows}
    for r in result.drop_duplicates("model").itertuples(index=False):
        if r.auc is not None and not pd.isna(r.auc):
            metadata[f"{r.model}_auc"] = round(float(r.auc), 4)
        metadata[f"{r.model}_brier"] = round(float(r.brier), 5)
    context.log.info(f"person propensity backtest: {metadata}")
    return MaterializeResult(metadata=metadata)


analytics_assets = [
    revenue_forecast,
    forecast_accuracy_asset,
    revenue_forecast_backtest,
    metric_correlations_asset,
    funnel_correlations_asset,
    metric_anomalies_asset,
    person_predictions_asset,
    person_prediction_backtest_asset,
]
