"""The AI Studio generation job as three Dagster assets, so provider waits never hold the writer.

    ai/generation_plan  (pool duckdb_warehouse, short) plan the day's requests, write them
                        `pending` (or `rejected`), store the plans in the AI ledger file
    ai/provider_calls   (no pool, no warehouse)        call the providers concurrently;
                        reservations, outcomes and journal go to the AI ledger file
    ai/generations      (pool duckdb_warehouse, short) write the finished outcomes

Only the two short warehouse steps are in the single-writer pool; the calls step, which
waits on providers for minutes or hours, is not, so ingest and dbt steps launched
meanwhile proceed. The ledger (SQLite, WAL) is the `ai_ledger` resource; providers are
the `ai_providers` resource (routing by the model catalog's `provider` column).

All three are partitioned by the request landing day with the same `daily_partitions` as
the ingest assets (brandpulse/resources/partitions.py). Why landing day and not `requested_at`: a
partition must be a fixed set of work. Requests land once, in the file of their arrival
day, so partition D of ai.generations processes exactly the rows of partition D of
raw.ai_generation_requests. The brand-local `requested_at` day still drives pricing,
quotas and the marts.
"""

from contextlib import nullcontext
from datetime import date

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.ai.processing import PartitionProcessor, PartitionReport, ProcessingOptions
from brandpulse.ai.catalog import Catalog
from brandpulse.ai.retry import RetryPolicy
from brandpulse.ai.routing import Router
from brandpulse.config import get_settings
from brandpulse.resources import (
    WAREHOUSE_POOL,
    AILedgerResource,
    AIProvidersResource,
    WarehouseResource,
    daily_partitions,
    single_run_backfill,
)

OWNERS = ["team:ai-studio"]
GENERATIONS_KEY = AssetKey(["ai", "generations"])
PLAN_KEY = AssetKey(["ai", "generation_plan"])
CALLS_KEY = AssetKey(["ai", "provider_calls"])
REQUESTS_KEY = AssetKey(["raw", "ai_generation_requests"])
BRANDS_KEY = AssetKey(["raw", "brands"])


class AIPlanConfig(Config):
    """Run config of the planning step."""

    prompt_optimizer: str = "rules"  # "rules" (when planned) or "provider" (in the calls step)


class AICallConfig(Config):
    """Run config of the calls step (defaults suit the demo)."""

    optimizer_model: str = "gpt-4o-mini"
    local_failure_rate: float = 0.1
    max_attempts: int = 0  # 0 = BRANDPULSE_AI_MAX_ATTEMPTS
    retry_base_delay_s: float = 0.5
    retry_max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0
    max_workers: int = 0  # concurrent calls; 0 = the sum of the providers' max_concurrency


def _no_warehouse():
    raise RuntimeError("the provider calls step must not open the warehouse")


def _days(context: AssetExecutionContext) -> list[date]:
    return [date.fromisoformat(k) for k in context.partition_keys]


def _budget_use(con, months: list[str]) -> list[dict]:
    if not months:
        return []
    rows = con.execute(
        """WITH brand AS (
               SELECT brand_id, ai_monthly_budget_usd FROM raw.brands
               QUALIFY row_number() OVER (PARTITION BY brand_id ORDER BY _loaded_at DESC NULLS LAST) = 1)
           SELECT l.brand_id, l.budget_month,
                  round(sum(CASE WHEN l.state = 'settled' THEN l.actual_usd ELSE 0 END), 6) AS spent_usd,
                  round(sum(CASE WHEN l.state = 'reserved' THEN l.reserved_usd ELSE 0 END), 6) AS reserved_usd,
                  any_value(b.ai_monthly_budget_usd) AS budget_usd
           FROM ai.budget_ledger l LEFT JOIN brand b USING (brand_id)
           WHERE l.budget_month IN (SELECT unnest(?))
           GROUP BY ALL ORDER BY 1, 2""",
        [months],
    ).fetchall()
    return [
        {
            "brand_id": r[0],
            "month": r[1],
            "spent_usd": r[2],
            "reserved_usd": r[3],
            "budget_usd": r[4],
            "budget_used_pct": None if not r[4] else round(100.0 * (r[2] or 0) / r[4], 2),
        }
        for r in rows
    ]


def _metadata(
    reports: list[PartitionReport], warehouse: WarehouseResource, days: list[date]
) -> dict[str, object]:
    statuses: dict[str, int] = {}
    for report in reports:
        for status, n in report.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    with warehouse.connect(read_only=True) as con:
        total = con.execute("SELECT count(*) FROM ai.generations").fetchone()[0]
        months = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT budget_month FROM ai.budget_ledger WHERE generation_id IN "
                "(SELECT generation_id FROM ai.generations WHERE _partition_date IN (SELECT unnest(?)))",
                [days],
            ).fetchall()
        ]
        budget = _budget_use(con, months)
        partition_status = dict(
            con.execute(
                "SELECT status, count(*) FROM ai.generations WHERE _partition_date IN (SELECT unnest(?)) GROUP BY 1",
                [days],
            ).fetchall()
        )
        preview = con.execute(
            """SELECT generation_id, brand_id, model, status, version, input_tokens, output_tokens, cost_usd,
                      latency_ms, attempts, status_reason FROM ai.generations
               WHERE _partition_date IN (SELECT unnest(?)) ORDER BY requested_at LIMIT 10""",
            [days],
        ).df()
    return {
        "dagster/row_count": MetadataValue.int(total),
        "attempts": MetadataValue.int(sum(r.attempts for r in reports)),
        "this_run_by_status": MetadataValue.json(dict(sorted(statuses.items()))),
        "partition_by_status": MetadataValue.json(dict(sorted(partition_status.items()))),
        "cost_usd_this_run": MetadataValue.float(round(sum(r.cost_usd for r in reports), 6)),
        "budget_use": MetadataValue.json(budget),
        "preview": MetadataValue.md(
            preview.astype(str).to_markdown(index=False) if len(preview) else "(empty)"
        ),
    }


@asset(
    key=PLAN_KEY,
    group_name="ai",
    description="Plans the AI Studio requests of one landing day: validation, pricing, versions, "
    "rule-based prompt optimization and routing (a model whose provider is not configured is rejected); "
    "writes them to ai.generations as pending/rejected and stores the plans in the AI ledger file. "
    "Short: in the single-writer pool.",
    owners=OWNERS,
    kinds={"python", "duckdb", "sqlite"},
    partitions_def=daily_partitions,
    backfill_policy=single_run_backfill,
    pool=WAREHOUSE_POOL,
    deps=[REQUESTS_KEY, BRANDS_KEY],
)
def ai_generation_plan(
    context: AssetExecutionContext,
    config: AIPlanConfig,
    warehouse: WarehouseResource,
    ai_ledger: AILedgerResource,
    ai_providers: AIProvidersResource,
) -> MaterializeResult:
    catalog = Catalog()
    router = ai_providers.router(catalog)
    # one connection for the step: reopening per day costs a checkpoint on every close
    with warehouse.connect() as con:
        try:
            processor = PartitionProcessor(
                lambda: nullcontext(con), router, catalog, ai_ledger.ledger(),
                ProcessingOptions(optimizer=config.prompt_optimizer), log=context.log.info,
            )  # fmt: skip
            reports = [processor.plan_partition(day) for day in _days(context)]
        finally:
            router.close()
    return MaterializeResult(
        metadata={
            "requests": MetadataValue.int(sum(r.requests for r in reports)),
            "already_final": MetadataValue.int(sum(r.skipped_final for r in reports)),
        }
    )


@asset(
    key=CALLS_KEY,
    group_name="ai",
    description="Sends the planned generations of one landing day to their providers, concurrently "
    "(per-provider and per-model limits, RPM/TPM buckets, circuit breaker, retries, fallback models), "
    "reserving and settling each call's cost in the AI ledger file. Never opens the warehouse and is "
    "not in the single-writer pool: ingest and dbt run meanwhile.",
    owners=OWNERS,
    kinds={"python", "openai", "sqlite"},
    partitions_def=daily_partitions,
    backfill_policy=single_run_backfill,
    deps=[PLAN_KEY],
)
def ai_provider_calls(
    context: AssetExecutionContext,
    config: AICallConfig,
    ai_ledger: AILedgerResource,
    ai_providers: AIProvidersResource,
) -> MaterializeResult:
    settings = get_settings()
    catalog = Catalog()
    router = ai_providers.router(catalog, local_failure_rate=config.local_failure_rate)
    policy = RetryPolicy(
        max_attempts=config.max_attempts or settings.ai_max_attempts,
        base_delay_s=config.retry_base_delay_s,
        max_delay_s=config.retry_max_delay_s,
        max_retry_after_s=config.max_retry_after_s,
    )
    options = ProcessingOptions(
        retry=policy, optimizer_model=config.optimizer_model, max_workers=config.max_workers
    )
    ledger = ai_ledger.ledger()
    try:
        processor = PartitionProcessor(
            _no_warehouse, router, catalog, ledger, options, log=context.log.info
        )
        reports = [processor.call_partition(day) for day in _days(context)]
        breakers = {
            name: {"state": slot.breaker.state, "times_opened": slot.breaker.times_opened}
            for name, slot in router.slots.items()
        }
    finally:
        router.close()
    return MaterializeResult(
        metadata={
            "provider_calls": MetadataValue.int(sum(r.provider_calls for r in reports)),
            "replayed_from_journal": MetadataValue.int(
                sum(r.replayed_from_journal for r in reports)
            ),
            "in_flight_elsewhere": MetadataValue.int(sum(r.in_flight_elsewhere for r in reports)),
            "ledger_states": MetadataValue.json(ledger.states()),
            "circuit_breakers": MetadataValue.json(breakers),
        }
    )


@asset(
    key=GENERATIONS_KEY,
    group_name="ai",
    description="AI Studio generations of one request landing day: the journaled outcomes of the "
    "provider calls written to ai.generations, ai.generation_attempts and ai.budget_ledger in one short "
    "transaction. Reruns skip completed work and never charge twice.",
    owners=OWNERS,
    kinds={"python", "duckdb"},
    partitions_def=daily_partitions,
    backfill_policy=single_run_backfill,
    pool=WAREHOUSE_POOL,
    deps=[CALLS_KEY],
)
def ai_generations(
    context: AssetExecutionContext, warehouse: WarehouseResource, ai_ledger: AILedgerResource
) -> MaterializeResult:
    catalog = Catalog()
    days = _days(context)
    reports = []
    with warehouse.connect() as con:
        processor = PartitionProcessor(
            lambda: nullcontext(con), Router({}, catalog), catalog, ai_ledger.ledger(),
            log=context.log.info,
        )  # fmt: skip
        for day in days:
            report = processor.write_partition(day)
            context.log.info(
                f"{day}: statuses {dict(report.statuses)}, cost {report.cost_usd:.6f} USD"
            )
            reports.append(report)
    return MaterializeResult(metadata=_metadata(reports, warehouse, days))
