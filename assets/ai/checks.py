"""Asset checks of ["ai", "generations"]: invariants a user of AI Studio relies on."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from assets.ai.assets import CALLS_KEY, GENERATIONS_KEY
from brandpulse.resources import WAREHOUSE_POOL, AILedgerResource, WarehouseResource


@asset_check(
    asset=CALLS_KEY,
    description="Every budget reservation ended settled or released: none left `reserved` "
    "(a leftover is a call in flight elsewhere, or a process that died; the next run releases it).",
)
def ai_no_open_reservations(ai_ledger: AILedgerResource) -> AssetCheckResult:
    states = ai_ledger.ledger().states()
    return AssetCheckResult(
        passed=states.get("reserved", 0) == 0,
        severity=AssetCheckSeverity.WARN,
        metadata={"ledger_states": MetadataValue.json(states)},
    )


@asset_check(
    asset=GENERATIONS_KEY,
    pool=WAREHOUSE_POOL,
    description="Every request was finished: nothing left pending/processing.",
)
def ai_no_unfinished_generations(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        n = con.execute(
            "SELECT count(*) FROM ai.generations WHERE status IN ('pending', 'processing')"
        ).fetchone()[0]
    return AssetCheckResult(
        passed=n == 0,
        severity=AssetCheckSeverity.WARN,
        metadata={"unfinished": MetadataValue.int(n)},
    )


@asset_check(
    asset=GENERATIONS_KEY,
    pool=WAREHOUSE_POOL,
    description="One generation per (brand_id, request_id).",
)
def ai_one_generation_per_request(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        n = con.execute(
            "SELECT count(*) FROM (SELECT brand_id, request_id FROM ai.generations GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()[0]
    return AssetCheckResult(passed=n == 0, metadata={"duplicated_requests": MetadataValue.int(n)})


@asset_check(
    asset=GENERATIONS_KEY,
    pool=WAREHOUSE_POOL,
    description="ai.generations.attempts equals its rows in ai.generation_attempts.",
)
def ai_attempts_recorded(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        n = con.execute(
            """SELECT count(*) FROM ai.generations g
               LEFT JOIN (SELECT generation_id, count(*) AS n FROM ai.generation_attempts GROUP BY 1) a USING (generation_id)
               WHERE g.status IN ('completed', 'failed') AND g.attempts <> coalesce(a.n, 0)"""
        ).fetchone()[0]
    return AssetCheckResult(
        passed=n == 0, metadata={"mismatched_generations": MetadataValue.int(n)}
    )


@asset_check(
    asset=GENERATIONS_KEY,
    pool=WAREHOUSE_POOL,
    description="No brand spent more than its monthly AI budget (brand-local month).",
)
def ai_budgets_respected(warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        over = con.execute(
            """WITH brand AS (
                   SELECT brand_id, ai_monthly_budget_usd FROM raw.brands
                   QUALIFY row_number() OVER (PARTITION BY brand_id ORDER BY _loaded_at DESC NULLS LAST) = 1)
               SELECT l.brand_id, l.budget_month, sum(l.actual_usd) AS spent, any_value(b.ai_monthly_budget_usd) AS budget
               FROM ai.budget_ledger l JOIN brand b USING (brand_id)
               WHERE l.state = 'settled' AND b.ai_monthly_budget_usd IS NOT NULL
               GROUP BY ALL HAVING sum(l.actual_usd) > any_value(b.ai_monthly_budget_usd) + 1e-9"""
        ).fetchall()
    return AssetCheckResult(
        passed=not over,
        metadata={
            "over_budget": MetadataValue.json(
                [{"brand_id": b, "month": m, "spent": s, "budget": u} for b, m, s, u in over]
            )
        },
    )


ai_checks = [
    ai_no_open_reservations,
    ai_no_unfinished_generations,
    ai_one_generation_per_request,
    ai_attempts_recorded,
    ai_budgets_respected,
]
