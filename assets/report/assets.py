"""The static HTML reports as a Dagster asset: ["reports", "brand_reports"].

It reads the PUBLISHED snapshot (through brandpulse.query, like every reader), not the
warehouse: readers never block runs, and the pages show exactly what analysts querying
the snapshot see. So it runs after ["published", "snapshot"] and takes no warehouse
pool slot; the marts/ml/ai tables it charts are listed as deps for lineage.
"""

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, MetadataValue, asset
from pydantic import Field

from brandpulse.config import get_settings
from brandpulse.resources import PublishedStoreResource

REPORT_KEY = AssetKey(["reports", "brand_reports"])
PUBLISHED_KEY = AssetKey(["published", "snapshot"])
CHARTED_TABLES: tuple[tuple[str, str], ...] = (
    ("marts", "daily_brand_metrics"),
    ("marts", "funnel_conversion"),
    ("marts", "funnel_persons"),
    ("marts", "funnel_breakdown"),
    ("marts", "funnel_daily"),
    ("marts", "cohort_retention"),
    ("marts", "cohort_ltv"),
    ("marts", "lifecycle"),
    ("marts", "person_segments"),
    ("marts", "segment_sizes"),
    ("marts", "rfm"),
    ("marts", "ai_generation_daily"),
    ("marts", "ai_cost_by_brand_month"),
    ("marts", "ai_error_rates"),
    ("marts", "ai_latency_percentiles"),
    ("ml", "revenue_forecast"),
    ("ml", "revenue_forecast_backtest"),
    ("ml", "forecast_accuracy"),
    ("ml", "metric_correlations"),
    ("ml", "funnel_correlations"),
    ("ml", "metric_anomalies"),
    ("ai", "generations"),
)


class BrandReportsConfig(Config):
    """Run config of the report asset."""

    strict: bool = True
    """Fail when a required contract table is missing from the snapshot (else: a warning on the page)."""
    workers: int = Field(default=2, ge=1)
    """Processes rendering brands in parallel (charts are CPU-bound matplotlib work)."""


@asset(
    key=REPORT_KEY,
    group_name="reports",
    description="One static HTML page per brand (overview, funnels, retention, segments, forecast, "
    "anomalies, correlations, AI Studio) plus index.html, under $BRANDPULSE_DATA_DIR/reports, "
    "read from the published snapshot. Self-contained: opens in any browser, no Python needed.",
    owners=["team:analytics"],
    kinds={"python", "html"},
    deps=[PUBLISHED_KEY, *(AssetKey(list(k)) for k in CHARTED_TABLES)],
)
def brand_reports(
    context: AssetExecutionContext,
    config: BrandReportsConfig,
    published_store: PublishedStoreResource,
) -> MaterializeResult:
    # imported here: it loads matplotlib, whose import writes its font cache (the
    # definitions import this module and must load without I/O)
    from brandpulse.report.build import write_reports

    out = get_settings().reports_dir
    reports = write_reports(
        None,
        out,
        published_dir=published_store.resolved_path,
        strict=config.strict,
        workers=config.workers,
    )
    rows = [
        f"| {r.brand} | {sum(r.charts.values())} | {', '.join(r.missing_optional) or '-'} |"
        for r in reports
    ]
    for report in reports:
        context.log.info(f"wrote {report.path}")
        if report.missing_required:
            context.log.warning(
                f"{report.brand}: missing required tables {report.missing_required}"
            )
    table = "\n".join(["| brand | charts | not available |", "|---|---|---|", *rows])
    return MaterializeResult(
        metadata={
            "brands": len(reports),
            "reports_dir": MetadataValue.path(str(out)),
            "index": MetadataValue.path(str(out / "index.html")),
            "charts": sum(sum(r.charts.values()) for r in reports),
            "preview": MetadataValue.md(table),
        }
    )
