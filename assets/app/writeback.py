"""Write-back assets (group `app`): forecasts and AI generation results to the app database."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from brandpulse.app.writeback import write_generation_results, write_predictions
from brandpulse.resources import WAREHOUSE_POOL, AppDatabaseResource, WarehouseResource

OWNERS = ["team:data-platform"]


@asset(
    key=AssetKey(["app", "analytics_prediction"]),
    group_name="app",
    description='ml.revenue_forecast written to the app\'s "AnalyticsPrediction" (metric REVENUE): '
    "each brand's forecast run (trainedThrough) replaced as a whole in one transaction.",
    owners=OWNERS,
    kinds={"postgres", "python"},
    pool=WAREHOUSE_POOL,
    deps=[AssetKey(["ml", "revenue_forecast"])],
)
def app_analytics_prediction(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
) -> MaterializeResult:
    with warehouse.connect(read_only=True) as con, app_database.connect() as pg:
        result = write_predictions(pg, con)
    context.log.info(f"predictions to {app_database.describe()}: {result}")
    return MaterializeResult(metadata=result)


@asset(
    key=AssetKey(["app", "ai_generation_results"]),
    group_name="app",
    description='Finished generations of app requests written back to "AIGeneration" (status, '
    'output, tokens, cost, attempts, completedAt) and "AIVersion", by idempotencyKey; only rows '
    "still PENDING/PROCESSING change, so reruns write nothing twice.",
    owners=OWNERS,
    kinds={"postgres", "python"},
    pool=WAREHOUSE_POOL,
    deps=[AssetKey(["ai", "generations"])],
)
def app_ai_generation_results(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    app_database: AppDatabaseResource,
) -> MaterializeResult:
    with warehouse.connect(read_only=True) as con, app_database.connect() as pg:
        report = write_generation_results(pg, con)
    context.log.info(f"generation results to {app_database.describe()}: {report}")
    return MaterializeResult(
        metadata={
            "final_in_warehouse": report.final_in_warehouse,
            "generations_updated": report.updated,
            "versions_inserted": report.versions_inserted,
        }
    )


app_writeback_assets = [app_analytics_prediction, app_ai_generation_results]
