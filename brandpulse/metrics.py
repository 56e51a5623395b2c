"""The daily metrics of marts.daily_brand_metrics (CONTRACTS.md section 3), named once.

Analytics (correlations, anomalies), the report and the notebooks all work on these
columns; the dbt contract on the mart guarantees they exist.
"""

DAILY_METRICS: tuple[str, ...] = (
    "active_persons",
    "new_persons",
    "sessions",
    "events",
    "orders",
    "revenue",
    "ai_generations",
    "ai_cost_usd",
    "shares",
    "comments",
)

EVENT_SERIES_PREFIX = "event:"
"""ml.metric_correlations also correlates each frequent event name's daily count, as the
series `event:<event_name>` (from marts.event_daily)."""
