"""The AI Studio generation job as a Dagster asset: ["ai", "generations"].

Partitioned by the request landing day with the same `daily_partitions` as the ingest
assets (pipelines/partitions.py). Why landing day and not `requested_at`: a partition
must be a fixed set of work. Requests land once, in the file of their arrival day, so
partition D of ai.generations processes exactly the rows of partition D of
raw.ai_generation_requests: the dependency is one-to-one, a late-arriving request is
new work in a new partition (never a change to a processed one), and the sensor can
map a new landing file straight to the partition to run. The brand-local
`requested_at` day still drives pricing, quotas and the marts.

One asset writes ai.generations, ai.generation_attempts and ai.budget_ledger (they
are one unit of work; dbt's sources map both tables to this key). Provider calls run
outside warehouse transactions; results are written per batch (see processing.py).
"""

from contextlib import ExitStack, nullcontext
from datetime import date
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.ai.budget import BudgetLedger
from assets.ai.catalog import Catalog
from assets.ai.processing import PartitionProcessor, PartitionReport, ProcessingOptions
from assets.ai.providers import build_provider
from assets.ai.retry import RetryPolicy
from brandpulse.config import get_settings
from pipelines.partitions import daily_partitions, single_run_backfill
from pipelines.resources import WAREHOUSE_POOL, WarehouseResource

OWNERS = ["team:ai-studio"]
GENERATIONS_KEY = AssetKey(["ai", "generations"])
REQUESTS_KEY = AssetKey(["raw", "ai_generation_requests"])
BRANDS_KEY = AssetKey(["raw", "brands"])


def default_ledger_path() -> Path:
    """The budget ledger lives beside the warehouse data, outside the DuckDB file."""
    return get_settings().data_dir / "ai" / "budget_ledger.sqlite"


class AIGenerationConfig(Config):
    """Run config of the generation job (defaults suit the demo)."""

    batch_size: int = 20
    prompt_optimizer: str = "rules"  # "rules" or "provider"
    optimizer_model: str = "gpt-4o-mini"
    local_failure_rate: float = 0.1
    max_attempts: int = 0  # 0 = BRANDPULSE_AI_MAX_ATTEMPTS
    retry_base_delay_s: float = 0.5
    retry_max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0
    ledger_path: str = ""  # "" = $BRANDPULSE_DATA_DIR/ai/budget_ledger.sqlite


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
        "requests": MetadataValue.int(sum(r.requests for r in reports)),
        "provider_calls": MetadataValue.int(sum(r.provider_calls for r in reports)),
        "attempts": MetadataValue.int(sum(r.attempts for r in reports)),
        "replayed_from_journal": MetadataValue.int(sum(r.replayed_from_journal for r in reports)),
        "this_run_by_status": MetadataValue.json(dict(sorted(statuses.items()))),
        "partition_by_status": MetadataValue.json(dict(sorted(partition_status.items()))),
        "cost_usd_this_run": MetadataValue.float(round(sum(r.cost_usd for r in reports), 6)),
        "budget_use": MetadataValue.json(budget),
        "preview": MetadataValue.md(
            preview.astype(str).to_markdown(index=False) if len(preview) else "(empty)"
        ),
    }


@asset(
    key=GENERATIONS_KEY,
    group_name="ai",
    description="AI Studio generations of one request landing day: each pending request is validated, "
    "priced, checked against the brand's budget/quota (reserved in the budget ledger), sent to the "
    "provider with retries and an idempotency key, and recorded in ai.generations, "
    "ai.generation_attempts and ai.budget_ledger. Reruns skip completed work and never charge twice.",
    owners=OWNERS,
    kinds={"python", "duckdb", "openai"},
    partitions_def=daily_partitions,
    backfill_policy=single_run_backfill,
    pool=WAREHOUSE_POOL,
    deps=[REQUESTS_KEY, BRANDS_KEY],
)
def ai_generations(
    context: AssetExecutionContext, config: AIGenerationConfig, warehouse: WarehouseResource
) -> MaterializeResult:
    settings = get_settings()
    stack = ExitStack()
    provider = build_provider(settings, local_failure_rate=config.local_failure_rate)
    if callable(getattr(provider, "close", None)):
        stack.callback(provider.close)
    policy = RetryPolicy(
        max_attempts=config.max_attempts or settings.ai_max_attempts,
        base_delay_s=config.retry_base_delay_s,
        max_delay_s=config.retry_max_delay_s,
        max_retry_after_s=config.max_retry_after_s,
    )
    # One connection for the whole run: reopening the warehouse per batch costs a checkpoint
    # on every close. Transactions stay short; provider calls happen between them.
    con = stack.enter_context(warehouse.connect())
    processor = PartitionProcessor(
        lambda: nullcontext(con),
        provider,
        Catalog(),
        BudgetLedger(config.ledger_path or default_ledger_path()),
        ProcessingOptions(
            config.batch_size, policy, config.prompt_optimizer, config.optimizer_model
        ),
        log=context.log.info,
    )
    days = [date.fromisoformat(k) for k in context.partition_keys]
    reports = []
    with stack:
        for day in days:
            report = processor.process(day)
            context.log.info(
                f"{day}: {report.requests} requests, {report.provider_calls} sent, {report.skipped_final} already final, "
                f"statuses {dict(report.statuses)}, cost {report.cost_usd:.6f} USD"
            )
            reports.append(report)
    return MaterializeResult(metadata=_metadata(reports, warehouse, days))
