"""Writing the warehouse's results back to the app database, idempotently.

Forecasts: each forecast run of a brand (brand, metric, trainedThrough) is replaced as a
whole in one transaction, so a rerun leaves exactly that run's rows. Generations: the
app's PENDING/PROCESSING `AIGeneration` rows whose request the AI job finished get
status, output, tokens, cost, latency, attempts and completedAt, and a completed one its
`AIVersion` row, matched by `idempotencyKey`. The UPDATE only moves a row out of a
non-final status and the version insert does nothing on conflict, in one transaction per
batch: a rerun (or a retry after a crash before COMMIT) writes nothing twice. The
provider is never called here: results come from ai.generations, which the AI job
journals (assets/ai) so it never calls the provider twice for one idempotency key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb
import psycopg

from brandpulse.app.tables import APP_TABLES_BY_NAME

GENERATION_ORIGIN = APP_TABLES_BY_NAME["AIGeneration"].origin
FINAL = ("completed", "failed", "rejected")
BATCH = 500


def _prediction_id(brand_id: str, metric: str, trained_through, day, model: str) -> str:
    digest = hashlib.sha256(
        f"{brand_id}\x1f{metric}\x1f{trained_through}\x1f{day}\x1f{model}".encode()
    )
    return "pred_" + digest.hexdigest()[:24]


def write_predictions(pg: psycopg.Connection, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Replace, per brand, the app's predictions of the forecast run in ml.revenue_forecast."""
    rows = con.execute(
        """SELECT brand_id, day, yhat, yhat_lower, yhat_upper, model, trained_through
           FROM ml.revenue_forecast WHERE yhat IS NOT NULL ORDER BY brand_id, day"""
    ).fetchall()
    brands = sorted({r[0] for r in rows})
    pg.read_only = False
    with pg.transaction():
        known = {
            r[0] for r in pg.execute('SELECT "id" FROM "Brand" WHERE "id" = ANY(%s)', [brands])
        }
        runs = sorted({(r[0], r[6]) for r in rows if r[0] in known})
        deleted = 0
        with pg.cursor() as cur:
            for brand_id, trained_through in runs:
                cur.execute(
                    """DELETE FROM "AnalyticsPrediction" WHERE "brandId" = %s
                       AND "metric" = 'REVENUE' AND "trainedThrough" = %s""",
                    [brand_id, trained_through],
                )
                deleted += cur.rowcount
            cur.executemany(
                """INSERT INTO "AnalyticsPrediction" ("id", "brandId", "metric", "day", "value",
                       "lower", "upper", "model", "trainedThrough", "createdAt")
                   VALUES (%s, %s, 'REVENUE', %s, %s, %s, %s, %s, %s, now() AT TIME ZONE 'UTC')""",
                [
                    (
                        _prediction_id(b, "REVENUE", t, d, m),
                        b,
                        d,
                        yhat,
                        lo,
                        hi,
                        m,
                        t,
                    )
                    for b, d, yhat, lo, hi, m, t in rows
                    if b in known
                ],
            )
    written = sum(1 for r in rows if r[0] in known)
    return {"runs": len(runs), "rows_written": written, "rows_replaced": deleted}


def _before_commit(pg: psycopg.Connection) -> None:
    """Hook called inside each write-back transaction before COMMIT (tests inject crashes)."""


@dataclass
class GenerationWriteBack:
    final_in_warehouse: int = 0
    updated: int = 0
    versions_inserted: int = 0


def write_generation_results(
    pg: psycopg.Connection, con: duckdb.DuckDBPyConnection
) -> GenerationWriteBack:
    """Write finished generations of app requests back to AIGeneration and AIVersion."""
    rows = con.execute(
        f"""SELECT g.request_id, upper(g.status), g.status_reason, g.output, g.optimized_prompt,
                   g.input_tokens, g.output_tokens, g.cost_usd, g.latency_ms, g.attempts,
                   g.completed_at, g.version, coalesce(g.optimized_prompt, g.prompt)
            FROM ai.generations g
            SEMI JOIN raw.ai_generation_requests r
                ON r.brand_id = g.brand_id AND r.request_id = g.request_id
               AND r._source_file = '{GENERATION_ORIGIN}'
            WHERE g.status IN {FINAL}
            ORDER BY g.completed_at, g.request_id"""
    ).fetchall()
    report = GenerationWriteBack(final_in_warehouse=len(rows))
    pg.read_only = False
    for start in range(0, len(rows), BATCH):
        with pg.transaction(), pg.cursor() as cur:
            for row in rows[start : start + BATCH]:
                key, status, reason, output, optimized = row[:5]
                tokens_in, tokens_out, cost, latency, attempts, completed, version, prompt = row[5:]
                cur.execute(
                    """UPDATE "AIGeneration" SET "status" = %s::"GenerationStatus",
                           "statusReason" = %s, "output" = %s,
                           "optimizedPrompt" = coalesce(%s, "optimizedPrompt"),
                           "inputTokens" = %s, "outputTokens" = %s, "costUsd" = %s,
                           "latencyMs" = %s, "attempts" = %s, "completedAt" = %s,
                           "version" = %s, "updatedAt" = now() AT TIME ZONE 'UTC'
                       WHERE "idempotencyKey" = %s AND "status" IN ('PENDING', 'PROCESSING')
                       RETURNING "id" """,
                    [
                        status,
                        reason,
                        output,
                        optimized,
                        tokens_in,
                        tokens_out,
                        cost,
                        latency,
                        attempts,
                        completed,
                        version,
                        key,
                    ],
                )
                updated = cur.fetchone()
                if not updated:
                    continue
                report.updated += 1
                if status == "COMPLETED":
                    cur.execute(
                        """INSERT INTO "AIVersion" ("id", "generationId", "version", "prompt",
                               "output", "createdAt")
                           VALUES (%s, %s, %s, %s, %s, %s)
                           ON CONFLICT ("generationId", "version") DO NOTHING""",
                        [
                            f"ver_{updated[0]}_{version}",
                            updated[0],
                            version,
                            prompt,
                            output,
                            completed,
                        ],
                    )
                    report.versions_inserted += cur.rowcount
            _before_commit(pg)
    return report
