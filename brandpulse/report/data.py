"""The queries behind the report and the notebooks, all through `brandpulse.query.query_df`.

Every query runs in a brand-scoped session on the published snapshot, so a report or
notebook for one brand cannot show another brand's rows whatever its SQL says. The
brand is never pasted into SQL: the session itself holds only that brand.

Tables are required (CONTRACTS.md section 3: their absence is a pipeline bug and
raises `MissingTable` in strict mode) or optional (extras other marts add: their
absence becomes a short "not available" note).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from brandpulse.metrics import DAILY_METRICS, EVENT_SERIES_PREFIX
from brandpulse.query import QuerySession, query_df

METRICS = DAILY_METRICS

REQUIRED_TABLES: frozenset[str] = frozenset(
    {
        "marts.daily_brand_metrics",
        "marts.funnel_persons",
        "marts.funnel_conversion",
        "marts.cohort_retention",
        "marts.lifecycle",
        "marts.person_segments",
        "marts.rfm",
        "marts.ai_generation_daily",
        "ml.revenue_forecast",
        "ml.metric_correlations",
        "ml.funnel_correlations",
        "ml.metric_anomalies",
        "ai.generations",
    }
)
"""The contract tables (CONTRACTS.md section 3) the report charts."""

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "marts.daily_brand_metrics": ("brand_id", "day", *METRICS),
    "marts.funnel_persons": (
        "brand_id",
        "funnel_id",
        "person_id",
        "steps_completed",
        "entered_at",
        "completed_at",
        "seconds_to_convert",
    ),
    "marts.funnel_conversion": (
        "brand_id",
        "funnel_id",
        "step_number",
        "event_name",
        "persons",
        "conversion_from_previous",
        "conversion_from_start",
        "avg_seconds_from_previous",
        "median_seconds_from_previous",
    ),
    "marts.cohort_retention": (
        "brand_id",
        "cohort_id",
        "cohort_start",
        "period_number",
        "cohort_size",
        "retained_persons",
        "retention_rate",
    ),
    "marts.lifecycle": (
        "brand_id",
        "day",
        "new_persons",
        "returning_persons",
        "resurrecting_persons",
        "dormant_persons",
    ),
    "marts.person_segments": ("brand_id", "segment_id", "person_id"),
    "marts.rfm": (
        "brand_id",
        "person_id",
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "rfm_segment",
    ),
    "marts.ai_generation_daily": (
        "brand_id",
        "day",
        "model",
        "requests",
        "succeeded",
        "failed",
        "rejected",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "latency_p50_ms",
        "latency_p95_ms",
    ),
    "ml.revenue_forecast": (
        "brand_id",
        "day",
        "yhat",
        "yhat_lower",
        "yhat_upper",
        "model",
        "trained_through",
    ),
    "ml.metric_correlations": (
        "brand_id",
        "metric_a",
        "metric_b",
        "lag_days",
        "n",
        "pearson_r",
        "spearman_rho",
        "p_value",
        "q_value",
    ),
    "ml.funnel_correlations": (
        "brand_id",
        "funnel_id",
        "event_name",
        "success_count",
        "failure_count",
        "odds_ratio",
        "p_value",
        "correlation_type",
    ),
    "ml.metric_anomalies": (
        "brand_id",
        "day",
        "metric",
        "value",
        "expected",
        "robust_z",
        "score",
        "is_anomaly",
        "direction",
    ),
    "ai.generations": (
        "generation_id",
        "request_id",
        "brand_id",
        "model",
        "status",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "latency_ms",
        "created_at",
    ),
}
"""Columns of the required tables (CONTRACTS.md section 3) that the report relies on."""

OPTIONAL_TABLES: frozenset[str] = frozenset(
    {
        "marts.event_daily",
        "marts.events",
        "marts.funnel_daily",
        "marts.funnel_breakdown",
        "marts.cohort_ltv",
        "marts.segment_sizes",
        "marts.definition_errors",
        "marts.collaboration_daily",
        "ml.revenue_forecast_backtest",
        "ml.forecast_accuracy",
        "marts.ai_cost_by_brand_month",
        "marts.ai_error_rates",
        "marts.ai_latency_percentiles",
    }
)
"""Tables the report uses when present; their absence is shown as a note."""


class MissingTable(LookupError):
    """A required contract table is not in the published snapshot."""


def list_brands(published_dir: Path | str | None = None) -> list[str]:
    """Brands with daily metrics in the snapshot, sorted (the first is the default)."""
    df = query_df(
        "SELECT DISTINCT brand_id FROM marts.daily_brand_metrics ORDER BY brand_id",
        published_dir=published_dir,
    )
    return [str(b) for b in df["brand_id"]]


@dataclass
class BrandData:
    """One brand's view of the published snapshot, with the tables it holds.

    `strict`: a missing required table raises MissingTable (notebooks, tests, the
    Dagster asset); otherwise it is recorded in `missing_required` and shown as a note.
    """

    brand: str
    published_dir: Path | str | None = None
    strict: bool = True
    missing_required: set[str] = field(default_factory=set)
    missing_optional: set[str] = field(default_factory=set)
    session: QuerySession | None = None
    """An open session to reuse (one attach of the brand's file, one snapshot for a page)."""
    _tables: frozenset[str] | None = None

    @property
    def tables(self) -> frozenset[str]:
        """schema.table of every relation the brand's session holds."""
        if self._tables is None:
            df = self.sql(
                "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables "
                "WHERE table_catalog = current_database()"
            )
            self._tables = frozenset(df["name"])
        return self._tables

    def has(self, table: str) -> bool:
        """Whether `table` is available; records and (strict, required) raises when not."""
        if table in self.tables:
            return True
        if table in REQUIRED_TABLES:
            if self.strict:
                raise MissingTable(
                    f"required table {table} is not in the published snapshot: "
                    "run the pipeline (make run) and publish"
                )
            self.missing_required.add(table)
        else:
            self.missing_optional.add(table)
        return False

    def sql(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one read-only query in the brand's session."""
        if self.session is not None:
            return self.session.df(sql, params)
        return query_df(sql, brand=self.brand, params=params, published_dir=self.published_dir)

    def read(
        self, table: str, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> pd.DataFrame | None:
        """`sql` (which reads `table`) as a DataFrame, or None when `table` is missing."""
        if not self.has(table):
            return None
        return self.sql(sql, params)


def _days(df: pd.DataFrame | None, *columns: str) -> pd.DataFrame | None:
    """Parse date columns as datetime64 for plotting."""
    if df is None:
        return None
    for column in columns:
        if column in df.columns:
            df[column] = pd.to_datetime(df[column])
    return df


# --- overview ---------------------------------------------------------------------


def daily_metrics(src: BrandData) -> pd.DataFrame | None:
    cols = ", ".join(METRICS)
    return _days(
        src.read(
            "marts.daily_brand_metrics",
            f"SELECT day, {cols} FROM marts.daily_brand_metrics ORDER BY day",  # noqa: S608 - fixed list
        ),
        "day",
    )


def period_growth(daily: pd.DataFrame, days: int = 28) -> pd.DataFrame:
    """Each metric over the last `days` days against the `days` before, with the change.

    Counts of persons are averaged per day (a person active on two days is one person
    each day, so summing would double count); everything else is summed.
    """
    if daily.empty:
        return pd.DataFrame(columns=["metric", "previous", "current", "change"])
    end = daily["day"].max()
    current = daily[daily["day"] > end - pd.Timedelta(days=days)]
    previous = daily[
        (daily["day"] <= end - pd.Timedelta(days=days))
        & (daily["day"] > end - pd.Timedelta(days=2 * days))
    ]
    rows = []
    for metric in METRICS:
        agg = "mean" if metric.endswith("_persons") else "sum"
        cur = float(getattr(current[metric], agg)()) if len(current) else float("nan")
        prev = float(getattr(previous[metric], agg)()) if len(previous) else float("nan")
        change = (cur - prev) / prev if prev else float("nan")
        label = f"{metric} (avg/day)" if agg == "mean" else metric
        rows.append({"metric": label, "previous": prev, "current": cur, "change": change})
    return pd.DataFrame(rows)


def top_events(src: BrandData, limit: int = 15) -> pd.DataFrame | None:
    """Most frequent event names (needs the optional marts.event_daily)."""
    return src.read(
        "marts.event_daily",
        "SELECT event_name, sum(events) AS events FROM marts.event_daily "
        "GROUP BY event_name ORDER BY events DESC, event_name LIMIT ?",
        [limit],
    )


def unconverted_revenue(src: BrandData) -> pd.DataFrame | None:
    """Revenue the fx_rates seed could not put in the brand's currency, per paid currency
    (marts.events, optional): those events are in no revenue sum and no order count."""
    if not src.has("marts.events"):
        return None
    return src.sql(
        "SELECT original_currency, count(*) AS events, sum(original_revenue) AS amount "
        "FROM marts.events WHERE original_revenue IS NOT NULL AND revenue IS NULL "
        "GROUP BY original_currency ORDER BY original_currency"
    )


def brand_currency(src: BrandData) -> str | None:
    """The brand's currency (marts.brands, optional): every revenue number is in it."""
    df = src.read("marts.brands", "SELECT currency FROM marts.brands WHERE currency IS NOT NULL")
    return None if df is None or df.empty else str(df["currency"].iloc[0])


# --- funnels ----------------------------------------------------------------------


def funnel_labels(src: BrandData) -> dict[str, str]:
    """funnel_id -> 'Name (funnel_id)' from marts.funnels (optional; ids stay as they are
    without it)."""
    df = src.read(
        "marts.funnels",
        "SELECT funnel_id, funnel_name FROM marts.funnels WHERE funnel_name IS NOT NULL",
    )
    if df is None:
        return {}
    return {
        str(r.funnel_id): (
            str(r.funnel_name)
            if str(r.funnel_name) == str(r.funnel_id)
            else f"{r.funnel_name} ({r.funnel_id})"
        )
        for r in df.itertuples(index=False)
    }


def funnel_conversion(src: BrandData) -> pd.DataFrame | None:
    return src.read(
        "marts.funnel_conversion",
        "SELECT funnel_id, step_number, coalesce(event_name, '(any event)') AS event_name, persons, "
        "conversion_from_previous, conversion_from_start, avg_seconds_from_previous, "
        "median_seconds_from_previous FROM marts.funnel_conversion ORDER BY funnel_id, step_number",
    )


def funnel_dropoff(src: BrandData) -> pd.DataFrame | None:
    """Persons per funnel by the last step they completed (where they dropped off)."""
    return src.read(
        "marts.funnel_persons",
        "SELECT funnel_id, steps_completed, count(*) AS persons FROM marts.funnel_persons "
        "GROUP BY funnel_id, steps_completed ORDER BY funnel_id, steps_completed",
    )


def funnel_dropoff_persons(src: BrandData, funnel_id: str, limit: int = 20) -> pd.DataFrame | None:
    """Persons of `funnel_id` who entered but did not convert, most recent first."""
    return src.read(
        "marts.funnel_persons",
        "SELECT person_id, steps_completed, entered_at, completed_at FROM marts.funnel_persons "
        "WHERE funnel_id = ? AND seconds_to_convert IS NULL "
        "ORDER BY entered_at DESC, person_id LIMIT ?",
        [funnel_id, limit],
    )


def funnel_time_to_convert(src: BrandData) -> pd.DataFrame | None:
    """Seconds to convert of every converted person (for the distribution)."""
    return src.read(
        "marts.funnel_persons",
        "SELECT funnel_id, seconds_to_convert FROM marts.funnel_persons "
        "WHERE seconds_to_convert IS NOT NULL ORDER BY funnel_id",
    )


def funnel_breakdown(src: BrandData) -> pd.DataFrame | None:
    return src.read(
        "marts.funnel_breakdown",
        "SELECT funnel_id, dimension, dimension_value, entered_persons, converted_persons, "
        "conversion_rate FROM marts.funnel_breakdown ORDER BY funnel_id, dimension, entered_persons DESC",
    )


def funnel_daily(src: BrandData) -> pd.DataFrame | None:
    return _days(
        src.read(
            "marts.funnel_daily",
            "SELECT funnel_id, day, entered_persons, converted_persons, conversion_rate "
            "FROM marts.funnel_daily ORDER BY funnel_id, day",
        ),
        "day",
    )


# --- retention and lifecycle ------------------------------------------------------


def cohort_retention(src: BrandData) -> pd.DataFrame | None:
    return _days(
        src.read(
            "marts.cohort_retention",
            "SELECT cohort_id, cohort_start, period_number, cohort_size, retained_persons, "
            "retention_rate FROM marts.cohort_retention ORDER BY cohort_id, cohort_start, period_number",
        ),
        "cohort_start",
    )


def cohort_ltv(src: BrandData) -> pd.DataFrame | None:
    return _days(
        src.read(
            "marts.cohort_ltv",
            "SELECT cohort_id, cohort_start, period_number, cohort_size, ltv_per_person "
            "FROM marts.cohort_ltv ORDER BY cohort_id, cohort_start, period_number",
        ),
        "cohort_start",
    )


def lifecycle(src: BrandData) -> pd.DataFrame | None:
    return _days(
        src.read(
            "marts.lifecycle",
            "SELECT day, new_persons, returning_persons, resurrecting_persons, dormant_persons "
            "FROM marts.lifecycle ORDER BY day",
        ),
        "day",
    )


# --- segments and RFM -------------------------------------------------------------


def segment_sizes(src: BrandData) -> pd.DataFrame | None:
    """Persons per segment: marts.segment_sizes when present, else counted from person_segments."""
    if src.has("marts.segment_sizes"):
        return src.sql(
            "SELECT coalesce(segment_name, segment_id) AS segment, persons FROM marts.segment_sizes "
            "ORDER BY persons DESC, segment"
        )
    return src.read(
        "marts.person_segments",
        "SELECT segment_id AS segment, count(*) AS persons FROM marts.person_segments "
        "GROUP BY segment_id ORDER BY persons DESC, segment",
    )


def rfm_segments(src: BrandData) -> pd.DataFrame | None:
    return src.read(
        "marts.rfm",
        "SELECT rfm_segment, count(*) AS persons, avg(monetary) AS avg_monetary, "
        "avg(frequency) AS avg_frequency, avg(recency_days) AS avg_recency_days "
        "FROM marts.rfm GROUP BY rfm_segment ORDER BY persons DESC, rfm_segment",
    )


def rfm_grid(src: BrandData) -> pd.DataFrame | None:
    """Persons per (r_score, f_score): the classic RFM grid."""
    return src.read(
        "marts.rfm",
        "SELECT r_score, f_score, count(*) AS persons, avg(monetary) AS avg_monetary "
        "FROM marts.rfm GROUP BY r_score, f_score ORDER BY r_score, f_score",
    )


# --- revenue forecast -------------------------------------------------------------


def revenue_forecast(src: BrandData) -> pd.DataFrame | None:
    """The newest forecast vintage (ml.revenue_forecast keeps every one)."""
    return _days(
        src.read(
            "ml.revenue_forecast",
            "SELECT day, yhat, yhat_lower, yhat_upper, model, trained_through "
            "FROM ml.revenue_forecast "
            "WHERE trained_through = (SELECT max(trained_through) FROM ml.revenue_forecast) "
            "ORDER BY day",
        ),
        "day",
        "trained_through",
    )


def last_month_forecast_accuracy(src: BrandData) -> pd.DataFrame | None:
    """How the forecast made about a month ago did: the newest vintage trained at least
    28 days before the newest scored day, per horizon band, beside the naive baseline."""
    return _days(
        src.read(
            "ml.forecast_accuracy",
            "WITH a AS (SELECT * FROM ml.forecast_accuracy), "
            "pick AS (SELECT max(trained_through) AS t FROM a "
            "WHERE trained_through <= (SELECT max(scored_through) FROM a) - INTERVAL 27 DAY) "
            "SELECT trained_through, model, horizon_from, horizon_to, n, mape, smape, coverage "
            "FROM a WHERE trained_through = (SELECT t FROM pick) "
            "ORDER BY horizon_from, model",
        ),
        "trained_through",
    )


def forecast_backtest(src: BrandData) -> pd.DataFrame | None:
    """Mean error per model and horizon over the backtest origins."""
    return src.read(
        "ml.revenue_forecast_backtest",
        "SELECT model, horizon_days, count(*) AS origins, avg(mape) AS mape, avg(smape) AS smape, "
        "avg(coverage) AS coverage FROM ml.revenue_forecast_backtest "
        "GROUP BY model, horizon_days ORDER BY horizon_days, model",
    )


# --- anomalies --------------------------------------------------------------------


def metric_anomalies(src: BrandData) -> pd.DataFrame | None:
    return _days(
        src.read(
            "ml.metric_anomalies",
            "SELECT day, metric, value, expected, robust_z, score, is_anomaly, direction "
            "FROM ml.metric_anomalies ORDER BY metric, day",
        ),
        "day",
    )


# --- correlations -----------------------------------------------------------------


def metric_correlations(src: BrandData, lag_days: int = 0) -> pd.DataFrame | None:
    """Correlations between the daily metrics (not the per-event-name series, which would
    make the heatmap unreadable; they appear among the strongest lagged ones)."""
    return src.read(
        "ml.metric_correlations",
        "SELECT metric_a, metric_b, lag_days, n, pearson_r, spearman_rho, p_value, q_value "
        "FROM ml.metric_correlations WHERE lag_days = ? "
        "AND NOT starts_with(metric_a, ?) AND NOT starts_with(metric_b, ?) "
        "ORDER BY metric_a, metric_b",
        [lag_days, EVENT_SERIES_PREFIX, EVENT_SERIES_PREFIX],
    )


def top_lagged_correlations(src: BrandData, limit: int = 15) -> pd.DataFrame | None:
    """The strongest significant correlations at a non-zero lag (leading indicators)."""
    return src.read(
        "ml.metric_correlations",
        "SELECT metric_a, metric_b, lag_days, n, pearson_r, q_value FROM ml.metric_correlations "
        "WHERE lag_days <> 0 AND metric_a <> metric_b AND q_value < 0.05 "
        "ORDER BY abs(pearson_r) DESC, metric_a, metric_b, lag_days LIMIT ?",
        [limit],
    )


def funnel_correlations(src: BrandData) -> pd.DataFrame | None:
    return src.read(
        "ml.funnel_correlations",
        "SELECT funnel_id, event_name, success_count, failure_count, odds_ratio, p_value, "
        "correlation_type FROM ml.funnel_correlations ORDER BY funnel_id, p_value, event_name",
    )


# --- AI studio --------------------------------------------------------------------


def ai_daily(src: BrandData) -> pd.DataFrame | None:
    return _days(
        src.read(
            "marts.ai_generation_daily",
            "SELECT day, model, requests, succeeded, failed, rejected, cost_usd, latency_p50_ms, "
            "latency_p95_ms FROM marts.ai_generation_daily ORDER BY day, model",
        ),
        "day",
    )


def ai_budget(src: BrandData) -> pd.DataFrame | None:
    return _days(
        src.read(
            "marts.ai_cost_by_brand_month",
            "SELECT month, requests, cost_usd, budget_usd, budget_used_ratio, rejected_for_budget "
            "FROM marts.ai_cost_by_brand_month ORDER BY month",
        ),
        "month",
    )


def ai_latency(src: BrandData) -> pd.DataFrame | None:
    """Latency percentiles per model (and type): the percentile mart, else from ai.generations."""
    if src.has("marts.ai_latency_percentiles"):
        return src.sql(
            "SELECT model || ' / ' || coalesce(type, '?') AS model, generations, latency_p50_ms, "
            "latency_p95_ms, latency_p99_ms FROM marts.ai_latency_percentiles ORDER BY model"
        )
    return src.read(
        "ai.generations",
        "SELECT model, count(*) AS generations, quantile_cont(latency_ms, 0.5) AS latency_p50_ms, "
        "quantile_cont(latency_ms, 0.95) AS latency_p95_ms, "
        "quantile_cont(latency_ms, 0.99) AS latency_p99_ms FROM ai.generations "
        "WHERE status = 'completed' AND latency_ms IS NOT NULL GROUP BY model ORDER BY model",
    )


def ai_errors(src: BrandData) -> pd.DataFrame | None:
    """Share of provider attempts per model and error type (errors only)."""
    return src.read(
        "marts.ai_error_rates",
        "SELECT model, error_type, attempts, attempt_share FROM marts.ai_error_rates "
        "WHERE is_error ORDER BY model, attempts DESC, error_type",
    )


def ai_status(src: BrandData) -> pd.DataFrame | None:
    """Generations per model and final status (from ai.generations)."""
    return src.read(
        "ai.generations",
        "SELECT model, status, count(*) AS generations FROM ai.generations "
        "GROUP BY model, status ORDER BY model, status",
    )
