"""Failed is not forever: put `failed` generations back to `pending` so the next run sends them.

A failed generation is final twice over: its row in ai.generations, and its journaled
outcome in the ledger (a rerun replays the journal instead of calling again). Re-queueing
clears both, in that order: the ledger's outcome first, then the warehouse row. A crash
between the two leaves the row `failed` and the journal empty, so running the same
re-queue again finishes it; the other order could leave a `pending` row whose rerun
replays the old failure.

Filters (all optional, combined with AND, all bound as parameters): brand, model, the
landing day of the request (the partition to run again), and the error type (the code
before ':' in status_reason, e.g. `server_error`, `rate_limited`, `timeout`). The
attempts of the new try replace the failed try's rows in ai.generation_attempts; the old
reason is kept in the ledger (`requeued after: ...`) until the new try settles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from brandpulse.ai.budget import BudgetLedger
from brandpulse.db import transaction


@dataclass(frozen=True)
class RequeueFilter:
    brand_id: str | None = None
    model: str | None = None
    day: date | None = None  # landing day (partition) of the request
    error_type: str | None = None


@dataclass(frozen=True)
class RequeueResult:
    generations: int
    partitions: list[date]
    by_error_type: dict[str, int]


_SELECT = """SELECT generation_id, idempotency_key, _partition_date,
                    trim(split_part(coalesce(status_reason, ''), ':', 1)) AS error_type
             FROM ai.generations
             WHERE status = 'failed'
               AND (CAST(? AS VARCHAR) IS NULL OR brand_id = ?)
               AND (CAST(? AS VARCHAR) IS NULL OR model = ?)
               AND (CAST(? AS DATE) IS NULL OR _partition_date = ?)
               AND (CAST(? AS VARCHAR) IS NULL OR trim(split_part(coalesce(status_reason, ''), ':', 1)) = ?)
             ORDER BY _partition_date, generation_id"""


def requeue_failed(
    con: duckdb.DuckDBPyConnection,
    ledger: BudgetLedger,
    selection: RequeueFilter,
    *,
    dry_run: bool = False,
) -> RequeueResult:
    """Re-queue the failed generations `selection` matches; returns what (would have) moved."""
    f = selection
    params = [f.brand_id, f.brand_id, f.model, f.model, f.day, f.day, f.error_type, f.error_type]
    rows = con.execute(_SELECT, params).fetchall()
    by_error: dict[str, int] = {}
    for row in rows:
        by_error[row[3]] = by_error.get(row[3], 0) + 1
    result = RequeueResult(len(rows), sorted({r[2] for r in rows}), dict(sorted(by_error.items())))
    if dry_run or not rows:
        return result
    ledger.requeue([r[1] for r in rows], "requeued: the failed call will be sent again")
    with transaction(con):
        con.execute(
            """UPDATE ai.generations
               SET status = 'pending', status_reason = 'requeued after: ' || coalesce(status_reason, ''),
                   completed_at = NULL
               WHERE status = 'failed' AND generation_id IN (SELECT unnest(?))""",
            [[r[0] for r in rows]],
        )
    return result
