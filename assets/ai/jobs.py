"""`ai_requeue_job`: re-queue failed generations from the Dagster UI, with run config.

    ops:
      requeue_failed_generations:
        config: {brand_id: brand_01, model: gpt-4o-mini, day: "2026-08-03", error_type: server_error}

Every field is optional ("" = any). The op writes the warehouse briefly, so it is in the
single-writer pool. The re-queued generations are sent by the next run of their
partitions (the op's output metadata lists them).
"""

from datetime import date

from dagster import Config, MetadataValue, OpExecutionContext, Output, job, op

from assets.ai.requeue import RequeueFilter, requeue_failed
from brandpulse.resources import WAREHOUSE_POOL, AILedgerResource, WarehouseResource


class RequeueConfig(Config):
    """Which failed generations to re-queue ("" = any)."""

    brand_id: str = ""
    model: str = ""
    day: str = ""  # landing day YYYY-MM-DD (the partition)
    error_type: str = ""  # code before ':' in status_reason, e.g. server_error
    dry_run: bool = False


@op(
    pool=WAREHOUSE_POOL,
    description="Sets matching failed generations back to pending and clears their journaled outcome.",
)
def requeue_failed_generations(
    context: OpExecutionContext,
    config: RequeueConfig,
    warehouse: WarehouseResource,
    ai_ledger: AILedgerResource,
) -> Output[int]:
    selection = RequeueFilter(
        config.brand_id or None,
        config.model or None,
        date.fromisoformat(config.day) if config.day else None,
        config.error_type or None,
    )
    with warehouse.connect() as con:
        result = requeue_failed(con, ai_ledger.ledger(), selection, dry_run=config.dry_run)
    context.log.info(f"re-queued {result.generations} generation(s): {result.by_error_type}")
    return Output(
        result.generations,
        metadata={
            "requeued": MetadataValue.int(result.generations),
            "by_error_type": MetadataValue.json(result.by_error_type),
            "partitions_to_run": MetadataValue.json([d.isoformat() for d in result.partitions]),
            "dry_run": MetadataValue.bool(config.dry_run),
        },
    )


@job(
    description="Re-queue failed AI generations by brand, model, landing day or error type "
    "(they are sent by the next run of their partitions)."
)
def ai_requeue_job() -> None:
    requeue_failed_generations()
