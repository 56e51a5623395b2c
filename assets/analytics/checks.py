"""Asset checks on the ml.* tables: the promises a reader of the forecasts relies on."""

import duckdb
from dagster import AssetCheckResult, AssetKey, asset_check

from assets.analytics.anomalies import MIN_HISTORY_DAYS
from brandpulse.resources import WAREHOUSE_POOL, WarehouseResource

FORECAST = AssetKey(["ml", "revenue_forecast"])
CORRELATIONS = AssetKey(["ml", "metric_correlations"])
FUNNEL_CORRELATIONS = AssetKey(["ml", "funnel_correlations"])
ANOMALIES = AssetKey(["ml", "metric_anomalies"])


def _count(warehouse: WarehouseResource, sql: str) -> tuple[int | None, str | None]:
    """First column of the first row, or (None, error) when a table is missing."""
    try:
        with warehouse.connect() as con:
            return int(con.execute(sql).fetchone()[0]), None
    except duckdb.Error as exc:
        return None, str(exc).splitlines()[0]


def _result(bad: int | None, error: str | None, what: str) -> AssetCheckResult:
    if error is not None:
        return AssetCheckResult(passed=False, metadata={"error": error})
    return AssetCheckResult(passed=bad == 0, metadata={what: bad})


@asset_check(
    asset=FORECAST,
    pool=WAREHOUSE_POOL,
    description="Every forecast row (every vintage) has 0 <= yhat_lower <= yhat <= yhat_upper, "
    "none null: revenue is never negative.",
)
def forecast_intervals_contain_yhat(warehouse: WarehouseResource) -> AssetCheckResult:
    bad, error = _count(
        warehouse,
        """select count(*) from ml.revenue_forecast
           where yhat is null or yhat_lower is null or yhat_upper is null
              or not (0 <= yhat_lower and yhat_lower <= yhat and yhat <= yhat_upper)""",
    )
    return _result(bad, error, "rows_outside_interval")


@asset_check(
    asset=FORECAST,
    pool=WAREHOUSE_POOL,
    description="No brand silently missing: every brand of int_brands with daily metrics "
    "has forecast rows.",
)
def forecast_covers_every_brand(warehouse: WarehouseResource) -> AssetCheckResult:
    sql = """
        select b.brand_id from intermediate.int_brands as b
        where exists (select 1 from marts.daily_brand_metrics as d where d.brand_id = b.brand_id)
          and not exists (select 1 from ml.revenue_forecast as f where f.brand_id = b.brand_id)
        order by 1"""
    try:
        with warehouse.connect() as con:
            missing = [r[0] for r in con.execute(sql).fetchall()]
    except duckdb.Error as exc:
        return AssetCheckResult(passed=False, metadata={"error": str(exc).splitlines()[0]})
    return AssetCheckResult(
        passed=not missing,
        metadata={"missing_brands": len(missing), "examples": ", ".join(missing[:20]) or "-"},
    )


@asset_check(
    asset=CORRELATIONS,
    pool=WAREHOUSE_POOL,
    description="pearson_r and spearman_rho within [-1, 1], p and q values within [0, 1], no NaN.",
)
def correlations_in_range(warehouse: WarehouseResource) -> AssetCheckResult:
    bad, error = _count(
        warehouse,
        """select count(*) from ml.metric_correlations
           where not (pearson_r between -1 and 1) or not (spearman_rho between -1 and 1)
              or not (p_value between 0 and 1) or not (q_value between 0 and 1)
              or isnan(pearson_r) or isnan(spearman_rho) or q_value < p_value - 1e-12""",
    )
    return _result(bad, error, "rows_out_of_range")


@asset_check(
    asset=FUNNEL_CORRELATIONS,
    pool=WAREHOUSE_POOL,
    description="Counts within their totals, odds ratios positive, p-values in [0, 1], and "
    "correlation_type agreeing with the odds ratio.",
)
def funnel_correlations_consistent(warehouse: WarehouseResource) -> AssetCheckResult:
    bad, error = _count(
        warehouse,
        """select count(*) from ml.funnel_correlations
           where success_count > success_total or failure_count > failure_total
              or odds_ratio <= 0 or not (p_value between 0 and 1)
              or correlation_type <> case when odds_ratio > 1 then 'success' else 'failure' end""",
    )
    return _result(bad, error, "inconsistent_rows")


@asset_check(
    asset=ANOMALIES,
    pool=WAREHOUSE_POOL,
    description=f"Every brand with more than {MIN_HISTORY_DAYS + 1} days of daily metrics is "
    f"scored (a day needs {MIN_HISTORY_DAYS} days of past and a later day that closes it).",
)
def anomalies_cover_every_brand_with_history(warehouse: WarehouseResource) -> AssetCheckResult:
    missing, error = _count(
        warehouse,
        f"""select count(*) from (
                select brand_id from marts.daily_brand_metrics
                group by brand_id
                having max(day) - min(day) + 1 > {int(MIN_HISTORY_DAYS) + 1}
            ) as b
            where b.brand_id not in (select brand_id from ml.metric_anomalies)""",  # noqa: S608
    )
    return _result(missing, error, "brands_with_history_not_scored")  # severity: ERROR (default)


analytics_checks = [
    forecast_intervals_contain_yhat,
    forecast_covers_every_brand,
    correlations_in_range,
    funnel_correlations_consistent,
    anomalies_cover_every_brand_with_history,
]
