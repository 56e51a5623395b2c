"""A small published snapshot for the report and notebook tests: two brands, every table.

The marts/ml/ai tables are written directly (no dbt, no prophet) with plausible,
mutually consistent synthetic rows, then published with the real
`publish_snapshot`, so the report reads exactly what it reads in production: the
current snapshot through `brandpulse.query.query_df`. Built once per process
(`demo_published_dir`), it is shared by tests/report and tests/notebooks.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterable
from functools import cache
from itertools import combinations
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from brandpulse.metrics import DAILY_METRICS
from brandpulse.publish import publish_snapshot

BRANDS = ("brand_a", "brand_b")
START = pd.Timestamp("2026-05-01")
DAYS = 120
HORIZON = 30
FUNNELS = {
    "signup_purchase": ["signup", "add_to_cart", "purchase"],
    "onboarding": ["signup", "complete_profile"],
}
FUNNEL_NAMES = {"signup_purchase": "Signup to purchase", "onboarding": "Onboarding"}
CURRENCIES = ("EUR", "JPY")  # per brand, in BRANDS order
COHORTS = {"weekly_any": ("week", 6), "monthly_purchase": ("month", 3)}
MODELS = ("gpt-4o-mini", "image-1")
COUNTRIES = ("US", "DE", "FR", "BR")
CHANNELS = ("google", "direct", "newsletter")

# schema.table -> columns cast to DATE when written
_DATE_COLUMNS = (
    "day",
    "cohort_start",
    "month",
    "trained_through",
    "origin",
    "as_of_day",
    "scored_through",
)


def _write(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    columns = ", ".join(
        f'CAST("{c}" AS DATE) AS "{c}"' if c in _DATE_COLUMNS else f'"{c}"' for c in df.columns
    )
    con.register("_frame", df)
    con.execute(f"CREATE TABLE {table} AS SELECT {columns} FROM _frame")
    con.unregister("_frame")


def _daily(rng: np.random.Generator, brand_index: int) -> pd.DataFrame:
    days = pd.date_range(START, periods=DAYS, freq="D")
    t = np.arange(DAYS)
    weekly = 1 + 0.2 * np.sin(2 * np.pi * t / 7)
    scale = 1.0 + 0.5 * brand_index
    active = np.round(scale * (120 + 0.4 * t) * weekly + rng.normal(0, 5, DAYS)).astype(int)
    active[70] *= 3  # a spike for the anomaly detector
    orders = rng.poisson(active * 0.08)
    revenue = np.round(orders * rng.gamma(4.0, 10.0, DAYS), 2)
    ai = rng.poisson(active * 0.3)
    return pd.DataFrame(
        {
            "day": days,
            "active_persons": active,
            "new_persons": rng.poisson(active * 0.2),
            "sessions": np.round(active * 1.4).astype(int),
            "events": np.round(active * 9.5).astype(int),
            "orders": orders,
            "revenue": revenue,
            "ai_generations": ai,
            "ai_cost_usd": np.round(ai * 0.004, 4),
            "shares": rng.poisson(active * 0.05),
            "comments": rng.poisson(active * 0.07),
            "ai_generations_completed": np.round(ai * 0.9).astype(int),
            "avg_order_value": np.where(orders > 0, revenue / np.maximum(orders, 1), np.nan),
        }
    )


def _funnels(rng: np.random.Generator, persons: int = 300) -> dict[str, pd.DataFrame]:
    person_rows, conversion_rows, breakdown_rows, daily_rows = [], [], [], []
    for funnel_id, steps in FUNNELS.items():
        n = len(steps)
        entered = START + pd.to_timedelta(rng.uniform(0, DAYS - 14, persons) * 86400, unit="s")
        completed = np.ones(persons, dtype=int)
        gaps = np.zeros((persons, n))
        for k in range(1, n):
            advance = (completed == k) & (rng.random(persons) < 0.6)
            completed[advance] = k + 1
            gaps[:, k] = rng.gamma(2.0, 1800.0 * k, persons)
        reached_at = [
            entered + pd.to_timedelta(gaps[:, : k + 1].sum(axis=1), unit="s") for k in range(n)
        ]
        last = np.array([reached_at[c - 1][i] for i, c in enumerate(completed)])
        seconds = np.where(completed == n, gaps.sum(axis=1), np.nan)
        frame = pd.DataFrame(
            {
                "funnel_id": funnel_id,
                "person_id": [f"p{i:04d}" for i in range(persons)],
                "steps_completed": completed,
                "entered_at": entered,
                "completed_at": pd.to_datetime(last),
                "seconds_to_convert": seconds,
                "converted": completed == n,
                "window_end_at": entered + pd.Timedelta(days=14),
                "funnel_order": "ordered",
                "country": rng.choice(COUNTRIES, persons),
                "acquisition_channel": rng.choice(CHANNELS, persons),
            }
        )
        person_rows.append(frame)
        start_count = persons
        for k in range(1, n + 1):
            reached = completed >= k
            previous = completed >= k - 1 if k > 1 else reached
            gap = gaps[reached, k - 1] if k > 1 else np.array([])
            conversion_rows.append(
                {
                    "funnel_id": funnel_id,
                    "step_number": k,
                    "event_name": steps[k - 1],
                    "persons": int(reached.sum()),
                    "conversion_from_previous": reached.sum() / previous.sum(),
                    "conversion_from_start": reached.sum() / start_count,
                    "avg_seconds_from_previous": float(gap.mean()) if len(gap) else np.nan,
                    "median_seconds_from_previous": float(np.median(gap)) if len(gap) else np.nan,
                    "funnel_order": "ordered",
                    "step_count": n,
                }
            )
        for dimension in ("country", "acquisition_channel"):
            for value, group in frame.groupby(dimension):
                breakdown_rows.append(
                    {
                        "funnel_id": funnel_id,
                        "dimension": dimension,
                        "dimension_value": value,
                        "entered_persons": len(group),
                        "converted_persons": int(group["converted"].sum()),
                        "conversion_rate": float(group["converted"].mean()),
                        "avg_steps_completed": float(group["steps_completed"].mean()),
                        "avg_seconds_to_convert": float(group["seconds_to_convert"].mean()),
                    }
                )
        by_day = frame.assign(day=frame["entered_at"].dt.normalize()).groupby("day")
        for day, group in by_day:
            daily_rows.append(
                {
                    "funnel_id": funnel_id,
                    "day": day,
                    "entered_persons": len(group),
                    "converted_persons": int(group["converted"].sum()),
                    "conversion_rate": float(group["converted"].mean()),
                    "avg_seconds_to_convert": float(group["seconds_to_convert"].mean()),
                    "median_seconds_to_convert": float(group["seconds_to_convert"].median()),
                }
            )
    persons_df = pd.concat(person_rows, ignore_index=True)
    return {
        "marts.funnel_persons": persons_df.drop(columns=["country", "acquisition_channel"]),
        "marts.funnel_conversion": pd.DataFrame(conversion_rows),
        "marts.funnel_breakdown": pd.DataFrame(breakdown_rows),
        "marts.funnel_daily": pd.DataFrame(daily_rows),
    }


def _cohorts(rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    retention, ltv = [], []
    for cohort_id, (grain, periods) in COHORTS.items():
        step = pd.DateOffset(weeks=1) if grain == "week" else pd.DateOffset(months=1)
        starts = pd.date_range(
            START, START + pd.Timedelta(days=DAYS - 1), freq="W-MON" if grain == "week" else "MS"
        )
        for start in starts:
            size = int(rng.integers(40, 90))
            cumulative = 0.0
            for k in range(periods + 1):
                if start + step * k > START + pd.Timedelta(days=DAYS - 1):
                    break
                rate = (
                    1.0
                    if k == 0
                    else float(np.clip(0.45 * 0.8 ** (k - 1) + rng.normal(0, 0.03), 0, 1))
                )
                retained = size if k == 0 else int(round(size * rate))
                retention.append(
                    {
                        "cohort_id": cohort_id,
                        "cohort_start": start,
                        "period_number": k,
                        "cohort_size": size,
                        "retained_persons": retained,
                        "retention_rate": retained / size,
                        "grain": grain,
                        "kind": "first_time",
                        "period_start": start + step * k,
                        "is_observed": True,
                    }
                )
                revenue = retained * float(rng.gamma(2.0, 8.0))
                cumulative += revenue
                ltv.append(
                    {
                        "cohort_id": cohort_id,
                        "cohort_start": start,
                        "period_number": k,
                        "cohort_size": size,
                        "period_revenue": revenue,
                        "cumulative_revenue": cumulative,
                        "ltv_per_person": cumulative / size,
                        "cumulative_orders": int(cumulative // 30),
                    }
                )
    return {
        "marts.cohort_retention": pd.DataFrame(retention),
        "marts.cohort_ltv": pd.DataFrame(ltv),
    }


def _lifecycle(daily: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    active = daily["active_persons"].to_numpy()
    new = daily["new_persons"].to_numpy()
    returning = np.round((active - new) * 0.7).astype(int)
    resurrecting = active - new - returning
    return pd.DataFrame(
        {
            "day": daily["day"],
            "new_persons": new,
            "returning_persons": returning,
            "resurrecting_persons": resurrecting,
            "dormant_persons": rng.poisson(active * 0.25),
            "active_persons": active,
            "quick_ratio": (new + resurrecting) / np.maximum(rng.poisson(active * 0.25), 1),
        }
    )


def _segments_rfm(rng: np.random.Generator, persons: int = 300) -> dict[str, pd.DataFrame]:
    ids = [f"p{i:04d}" for i in range(persons)]
    r = rng.integers(1, 6, persons)
    f = rng.integers(1, 6, persons)
    m = rng.integers(1, 6, persons)
    labels = np.select(
        [(r >= 4) & (f >= 4), (r <= 2) & (f >= 3), r <= 2],
        ["champions", "at_risk", "hibernating"],
        default="potential",
    )
    rfm = pd.DataFrame(
        {
            "person_id": ids,
            "recency_days": (6 - r) * 9 + rng.integers(0, 9, persons),
            "frequency": f * 2 + rng.integers(0, 2, persons),
            "monetary": np.round(m * 40 + rng.gamma(2, 10, persons), 2),
            "r_score": r,
            "f_score": f,
            "m_score": m,
            "rfm_segment": labels,
            "fm_score": np.round((f + m) / 2).astype(int),
        }
    )
    members = []
    for segment_id, name, share in (
        ("seg_power", "Power users", 0.2),
        ("seg_churn", "Churn risk", 0.35),
    ):
        chosen = rng.choice(ids, int(persons * share), replace=False)
        members.append(
            pd.DataFrame({"segment_id": segment_id, "person_id": chosen, "segment_name": name})
        )
    person_segments = pd.concat(members, ignore_index=True)
    sizes = (
        person_segments.groupby(["segment_id", "segment_name"])
        .size()
        .rename("persons")
        .reset_index()
    )
    sizes["share_of_persons"] = sizes["persons"] / persons
    sizes["as_of_day"] = START + pd.Timedelta(days=DAYS - 1)
    return {
        "marts.rfm": rfm,
        "marts.person_segments": person_segments,
        "marts.segment_sizes": sizes,
    }


def _ai(rng: np.random.Generator, brand: str, budget: float) -> dict[str, pd.DataFrame]:
    n = 240
    model = rng.choice(MODELS, n)
    status = rng.choice(["completed", "failed", "rejected"], n, p=[0.85, 0.1, 0.05])
    latency = np.where(status == "completed", rng.gamma(3.0, 400.0, n).astype(int), None)
    created = START + pd.to_timedelta(rng.uniform(0, DAYS, n) * 86400, unit="s")
    input_tokens = rng.integers(50, 800, n)
    output_tokens = np.where(model == "image-1", 0, rng.integers(100, 1500, n))
    cost = np.where(
        status == "completed",
        np.round(input_tokens * 2e-6 + output_tokens * 6e-6 + (model == "image-1") * 0.04, 8),
        0.0,
    )
    generations = pd.DataFrame(
        {
            "generation_id": [f"{brand}-g{i:04d}" for i in range(n)],
            "request_id": [f"{brand}-r{i:04d}" for i in range(n)],
            "model": model,
            "type": np.where(model == "image-1", "image", "text"),
            "status": status,
            "status_reason": np.where(status == "failed", "server_error: 503", None),
            "version": 1,
            "parent_generation_id": None,
            "collection_id": None,
            "prompt": "a prompt",
            "optimized_prompt": "an optimized prompt",
            "output": np.where(status == "completed", "output", None),
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost_usd": cost,
            "latency_ms": pd.array(latency, dtype="Int64"),
            "attempts": rng.integers(1, 3, n),
            "created_at": created,
            "completed_at": created + pd.Timedelta(seconds=2),
        }
    )
    g = generations.assign(day=generations["created_at"].dt.normalize())
    daily = (
        g.groupby(["day", "model"])
        .agg(
            requests=("generation_id", "size"),
            succeeded=("status", lambda s: int((s == "completed").sum())),
            failed=("status", lambda s: int((s == "failed").sum())),
            rejected=("status", lambda s: int((s == "rejected").sum())),
            input_tokens=("input_tokens", "sum"),
            output_tokens=("output_tokens", "sum"),
            cost_usd=("cost_usd", "sum"),
            latency_p50_ms=("latency_ms", lambda s: s.dropna().astype(float).median()),
            latency_p95_ms=("latency_ms", lambda s: s.dropna().astype(float).quantile(0.95)),
        )
        .reset_index()
    )
    daily["in_progress"] = 0
    monthly = (
        g.assign(month=g["day"].dt.to_period("M").dt.to_timestamp())
        .groupby("month")
        .agg(
            requests=("generation_id", "size"),
            succeeded=("status", lambda s: int((s == "completed").sum())),
            cost_usd=("cost_usd", "sum"),
        )
        .reset_index()
    )
    monthly["rejected_for_budget"] = 0
    monthly["budget_usd"] = budget
    monthly["budget_used_ratio"] = monthly["cost_usd"] / budget
    monthly["budget_remaining_usd"] = budget - monthly["cost_usd"]
    monthly["over_budget"] = monthly["cost_usd"] > budget
    completed = g[g["status"] == "completed"].assign(
        latency=lambda x: x["latency_ms"].astype(float)
    )
    latency_pct = (
        completed.groupby(["model", "type"])["latency"]
        .agg(
            generations="size",
            latency_p50_ms=lambda s: s.quantile(0.5),
            latency_p90_ms=lambda s: s.quantile(0.9),
            latency_p95_ms=lambda s: s.quantile(0.95),
            latency_p99_ms=lambda s: s.quantile(0.99),
            latency_max_ms="max",
        )
        .reset_index()
    )
    errors = []
    for m in MODELS:
        total = 100
        for error_type, attempts in (
            ("none", 88),
            ("server_error", 7),
            ("timeout", 3),
            ("rate_limited", 2),
        ):
            errors.append(
                {
                    "model": m,
                    "error_type": error_type,
                    "is_error": error_type != "none",
                    "attempts": attempts,
                    "generations_affected": attempts,
                    "model_attempts": total,
                    "attempt_share": attempts / total,
                }
            )
    return {
        "ai.generations": generations,
        "marts.ai_generation_daily": daily,
        "marts.ai_cost_by_brand_month": monthly,
        "marts.ai_latency_percentiles": latency_pct,
        "marts.ai_error_rates": pd.DataFrame(errors),
    }


def _ml(daily: pd.DataFrame, rng: np.random.Generator, model: str) -> dict[str, pd.DataFrame]:
    last = daily["day"].max()
    base = float(daily["revenue"].tail(28).mean())
    future = pd.date_range(last + pd.Timedelta(days=1), periods=HORIZON, freq="D")
    yhat = base * (1 + 0.15 * np.sin(2 * np.pi * np.arange(HORIZON) / 7))
    forecast = pd.DataFrame(
        {
            "day": future,
            "yhat": yhat,
            "yhat_lower": yhat * 0.75,
            "yhat_upper": yhat * 1.25,
            "model": model,
            "trained_through": last,
        }
    )
    # an older vintage, kept beside the newest: the report must chart only the newest
    month_ago = last - pd.Timedelta(days=28)
    older = forecast.assign(
        day=pd.date_range(month_ago + pd.Timedelta(days=1), periods=HORIZON, freq="D"),
        trained_through=month_ago,
    )
    forecast = pd.concat([older, forecast], ignore_index=True)
    accuracy = pd.DataFrame(
        [
            {
                "trained_through": month_ago,
                "run_id": "demo-run",
                "model": m,
                "horizon_from": lo,
                "horizon_to": hi,
                "n": min(hi, 27) - lo + 1,
                "mape": 0.2 + 0.05 * (m == "seasonal_naive"),
                "smape": 0.18 + 0.05 * (m == "seasonal_naive"),
                "coverage": 0.8,
                "scored_through": last - pd.Timedelta(days=1),
            }
            for lo, hi in ((1, 7), (8, 14), (15, 28))
            for m in (model, "seasonal_naive")
        ]
    )
    backtest = pd.DataFrame(
        [
            {
                "model": m,
                "origin": last - pd.Timedelta(days=28 * o),
                "horizon_days": 28,
                "n": 28,
                "mape": 0.18 + 0.06 * (m == "seasonal_naive") + rng.normal(0, 0.01),
                "smape": 0.16 + 0.05 * (m == "seasonal_naive") + rng.normal(0, 0.01),
                "coverage": 0.78 + rng.normal(0, 0.03),
            }
            for m in ("prophet", "seasonal_naive")
            for o in (1, 2, 3)
        ]
    )
    correlations = []
    for lag in (0, 1, 7):
        for a, b in combinations(DAILY_METRICS, 2):
            x, y = daily[a].astype(float), daily[b].astype(float).shift(-lag)
            r = float(x.corr(y))
            rho = float(x.corr(y, method="spearman"))
            n = int(y.notna().sum())
            p = float(np.clip(np.exp(-abs(r) * n / 10), 1e-12, 1))
            correlations.append(
                {
                    "metric_a": a,
                    "metric_b": b,
                    "lag_days": lag,
                    "n": n,
                    "pearson_r": r,
                    "spearman_rho": rho,
                    "p_value": p,
                    "spearman_p_value": p,
                    "q_value": min(1.0, p * 3),
                }
            )
    # an event name's series (ml.metric_correlations correlates frequent event names too):
    # among the strongest lagged correlations, never in the daily metrics' heatmap
    for lag in (0, 3):
        correlations.append(
            {
                "metric_a": "event:webinar_registered",
                "metric_b": "event:webinar_attended",
                "lag_days": lag,
                "n": 89 - lag,
                "pearson_r": 0.95 if lag else 0.01,
                "spearman_rho": 0.9 if lag else 0.0,
                "p_value": 1e-12 if lag else 0.9,
                "spearman_p_value": 1e-12 if lag else 0.9,
                "q_value": 1e-10 if lag else 1.0,
            }
        )
    funnel_corr = []
    for funnel_id in FUNNELS:
        for i, event in enumerate(
            ("view_pricing", "open_help", "invite_teammate", "error_shown", "use_ai")
        ):
            odds = float(np.exp(rng.normal(0, 1)))
            funnel_corr.append(
                {
                    "funnel_id": funnel_id,
                    "event_name": event,
                    "success_count": int(rng.integers(5, 60)),
                    "failure_count": int(rng.integers(5, 60)),
                    "success_total": 120,
                    "failure_total": 180,
                    "odds_ratio": odds,
                    "p_value": float(rng.uniform(0.0001, 0.2)) * (i + 1) / 5,
                    "correlation_type": "success" if odds > 1 else "failure",
                }
            )
    anomalies = []
    for metric in DAILY_METRICS:
        values = daily[metric].astype(float)
        expected = values.rolling(7, center=True, min_periods=1).median()
        residual = values - expected
        mad = float(np.median(np.abs(residual - np.median(residual)))) or 1.0
        z = residual / (1.4826 * mad)
        for day, v, e, res, score in zip(daily["day"], values, expected, residual, z, strict=True):
            anomalies.append(
                {
                    "day": day,
                    "metric": metric,
                    "value": v,
                    "expected": e,
                    "residual": res,
                    "robust_z": score,
                    "score": abs(score),
                    "is_anomaly": bool(abs(score) > 6),
                    "direction": "spike" if res >= 0 else "drop",
                }
            )
    return {
        "ml.revenue_forecast": forecast,
        "ml.revenue_forecast_backtest": backtest,
        "ml.forecast_accuracy": accuracy,
        "ml.metric_correlations": pd.DataFrame(correlations),
        "ml.funnel_correlations": pd.DataFrame(funnel_corr),
        "ml.metric_anomalies": pd.DataFrame(anomalies),
    }


def _event_daily(daily: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """marts.event_daily: a few event names sharing each day's events."""
    names = ["page_view", "product_view", "add_to_cart", "purchase", "signup"]
    weights = np.array([0.55, 0.25, 0.1, 0.05, 0.05])
    rows = []
    for day, events, persons in daily[["day", "events", "active_persons"]].itertuples(index=False):
        for name, count in zip(names, rng.multinomial(int(events), weights), strict=True):
            if count:
                rows.append((day, name, int(count), int(min(count, persons))))
    return pd.DataFrame(rows, columns=["day", "event_name", "events", "persons"])


UNCONVERTED = ("XTS", 5.0)
"""The second brand's purchase in a currency fx_rates has no rate for (revenue NULL)."""


def _events(index: int) -> pd.DataFrame:
    """marts.events, the revenue columns only: two purchases in the brand's currency and,
    for the second brand, one that could not be converted."""
    currency = CURRENCIES[index]
    rows = [
        (f"e{index}-1", 10.0, currency, 10.0, currency),
        (f"e{index}-2", 4.0, currency, 4.0, currency),
    ]
    if index == 1:
        code, amount = UNCONVERTED
        rows.append((f"e{index}-3", None, currency, amount, code))
    return pd.DataFrame(
        rows, columns=["event_id", "revenue", "currency", "original_revenue", "original_currency"]
    )


def brand_tables(brand: str, index: int) -> dict[str, pd.DataFrame]:
    """Every table of one brand, without the brand_id column."""
    rng = np.random.default_rng(1000 + index)
    daily = _daily(rng, index)
    tables: dict[str, pd.DataFrame] = {"marts.daily_brand_metrics": daily}
    tables["marts.event_daily"] = _event_daily(daily, rng)
    tables["marts.brands"] = pd.DataFrame({"currency": [CURRENCIES[index]]})
    tables["marts.events"] = _events(index)
    tables["marts.funnels"] = pd.DataFrame(
        {"funnel_id": list(FUNNELS), "funnel_name": [FUNNEL_NAMES[f] for f in FUNNELS]}
    )
    tables.update(_funnels(rng))
    tables.update(_cohorts(rng))
    tables["marts.lifecycle"] = _lifecycle(daily, rng)
    tables.update(_segments_rfm(rng))
    tables.update(_ai(rng, brand, budget=5.0 + 5 * index))
    tables.update(_ml(daily, rng, "prophet" if index == 0 else "seasonal_naive (short history)"))
    return tables


def build_demo_warehouse(path: Path, skip: Iterable[str] = ()) -> Path:
    """Write the marts/ml/ai tables of both brands into a fresh DuckDB file at `path`."""
    skipped = set(skip)
    per_table: dict[str, list[pd.DataFrame]] = {}
    for index, brand in enumerate(BRANDS):
        for table, df in brand_tables(brand, index).items():
            per_table.setdefault(table, []).append(df.assign(brand_id=brand))
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA ml; CREATE SCHEMA ai")
        for table, frames in per_table.items():
            if table in skipped:
                continue
            df = pd.concat(frames, ignore_index=True)
            df = df[["brand_id", *[c for c in df.columns if c != "brand_id"]]]
            _write(con, table, df)
    finally:
        con.close()
    return path


def build_demo_snapshot(root: Path, skip: Iterable[str] = ()) -> Path:
    """Build the warehouse under `root` and publish it; returns the published dir."""
    root.mkdir(parents=True, exist_ok=True)
    warehouse = build_demo_warehouse(root / "warehouse.duckdb", skip)
    published = root / "published"
    publish_snapshot(warehouse_path=warehouse, published_dir=published)
    return published


@cache
def demo_published_dir() -> Path:
    """The shared demo snapshot, built once per test process and removed when it exits."""
    root = Path(tempfile.mkdtemp(prefix="brandpulse-report-demo-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return build_demo_snapshot(root)
