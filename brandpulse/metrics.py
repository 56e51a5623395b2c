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
