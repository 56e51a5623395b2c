"""`brandpulse generate --app-database URL`: the demo world in the app's PostgreSQL.

The generated landing zone is loaded by the ordinary file ingestion into a scratch DuckDB
(validated and de-duplicated: the same rows the warehouse holds from the files), and those
rows are written into the app schema as the app would hold them: an event's `createdAt`
is its arrival day (late events keep their true `occurredAt`), a request is a PENDING
`AIGeneration` whose `idempotencyKey` is the request id, a share or comment is its latest
state, collections and their join rows come from the requests' collection ids, and every
brand gets one team. Data moves as CSV through DuckDB's writer and PostgreSQL's COPY.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import psycopg

from brandpulse.app.schema import apply_schema
from brandpulse.ingest import PARTITIONED_SOURCES, SNAPSHOT_SOURCES
from brandpulse.ingest.load import load_partitions, load_snapshot, partitions_with_files

# (app table, its columns, DuckDB query over the scratch warehouse's raw.* giving them)
_ROWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "Brand",
        (
            "id",
            "name",
            "slug",
            "timezone",
            "currency",
            "plan",
            "aiMonthlyBudgetUsd",
            "aiDailyGenerationQuota",
            "createdAt",
            "updatedAt",
        ),
        """SELECT brand_id, coalesce(name, brand_id), brand_id, timezone, coalesce(currency, 'USD'),
                  plan, ai_monthly_budget_usd, ai_daily_generation_quota,
                  coalesce(created_at, TIMESTAMP '2026-01-01'), coalesce(created_at, TIMESTAMP '2026-01-01')
           FROM raw.brands""",
    ),
    (
        "Team",
        ("id", "brandId", "name", "createdAt"),
        "SELECT 'team_' || brand_id, brand_id, 'Core team', coalesce(created_at, TIMESTAMP '2026-01-01') "
        "FROM raw.brands",
    ),
    (
        "TeamMember",
        ("teamId", "userId", "role", "createdAt", "deletedAt"),
        """SELECT 'team_' || brand_id, user_id, CASE WHEN n = 1 THEN 'OWNER' ELSE 'MEMBER' END,
                  first_seen, NULL
           FROM (SELECT *, row_number() OVER (PARTITION BY brand_id ORDER BY first_seen, user_id) AS n
                 FROM (SELECT brand_id, user_id, min(occurred_at) AS first_seen
                       FROM raw.events WHERE user_id IS NOT NULL GROUP BY brand_id, user_id))
           WHERE n <= 3""",
    ),
    (
        "AnalyticsEvent",
        (
            "id",
            "brandId",
            "eventName",
            "userId",
            "anonymousId",
            "sessionId",
            "properties",
            "context",
            "revenue",
            "currency",
            "occurredAt",
            "createdAt",
        ),
        # stored on its arrival day at the time of day it happened: a late event's
        # createdAt is days after its occurredAt
        """SELECT event_id, brand_id, event_name, user_id, anonymous_id, session_id,
                  CAST(properties AS VARCHAR), CAST(context AS VARCHAR), revenue, currency,
                  occurred_at,
                  CAST(_partition_date AS TIMESTAMP) + (occurred_at - date_trunc('day', occurred_at))
           FROM raw.events""",
    ),
    (
        "AnalyticsFunnel",
        (
            "id",
            "brandId",
            "name",
            "steps",
            "order",
            "conversionWindowValue",
            "conversionWindowUnit",
            "exclusions",
            "createdAt",
            "updatedAt",
        ),
        """SELECT funnel_id, brand_id, coalesce(name, funnel_id), CAST(definition -> '$.steps' AS VARCHAR),
                  upper(funnel_order),
                  coalesce(CAST(definition ->> '$.conversion_window.value' AS INTEGER), 14),
                  upper(coalesce(definition ->> '$.conversion_window.unit', 'day')),
                  CAST(definition -> '$.exclusions' AS VARCHAR),
                  TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01'
           FROM raw.funnels""",
    ),
    (
        "AnalyticsCohort",
        (
            "id",
            "brandId",
            "name",
            "startEvent",
            "returnEvent",
            "grain",
            "kind",
            "periods",
            "createdAt",
            "updatedAt",
        ),
        """SELECT cohort_id, brand_id, coalesce(name, cohort_id), start_event, return_event,
                  upper(grain), upper(kind), periods, TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01'
           FROM raw.cohorts""",
    ),
    (
        "AnalyticsSegment",
        ("id", "brandId", "name", "rules", "createdAt", "updatedAt"),
        """SELECT segment_id, brand_id, coalesce(name, segment_id), CAST(rules AS VARCHAR),
                  TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01'
           FROM raw.segments""",
    ),
    (
        "AIGeneration",
        (
            "id",
            "brandId",
            "userId",
            "type",
            "model",
            "prompt",
            "optimizePrompt",
            "parameters",
            "parentGenerationId",
            "version",
            "status",
            "attempts",
            "idempotencyKey",
            "createdAt",
            "updatedAt",
        ),
        """SELECT 'gen_' || r.request_id, r.brand_id, r.user_id, upper(r.type), r.model, r.prompt,
                  coalesce(r.optimize_prompt, false), CAST(r.parameters AS VARCHAR),
                  CASE WHEN p.request_id IS NOT NULL THEN r.parent_generation_id END,
                  1, 'PENDING', 0, r.request_id,
                  CAST(r._partition_date AS TIMESTAMP) + (r.requested_at - date_trunc('day', r.requested_at)),
                  CAST(r._partition_date AS TIMESTAMP) + (r.requested_at - date_trunc('day', r.requested_at))
           FROM raw.ai_generation_requests r
           LEFT JOIN raw.ai_generation_requests p
               ON p.brand_id = r.brand_id AND 'gen_' || p.request_id = r.parent_generation_id
           ORDER BY r.requested_at""",
    ),
    (
        "AICollection",
        ("id", "brandId", "name", "ownerId", "createdAt", "updatedAt"),
        """SELECT collection_id, brand_id, 'Collection ' || collection_id, arg_min(user_id, requested_at),
                  min(requested_at), min(requested_at)
           FROM raw.ai_generation_requests WHERE collection_id IS NOT NULL GROUP BY ALL""",
    ),
    (
        "AICollectionGeneration",
        ("collectionId", "generationId", "addedAt"),
        """SELECT collection_id, 'gen_' || request_id, requested_at
           FROM raw.ai_generation_requests WHERE collection_id IS NOT NULL""",
    ),
    (
        "SharedResource",
        (
            "id",
            "brandId",
            "resourceType",
            "resourceId",
            "sharedById",
            "sharedWithType",
            "sharedWithId",
            "permission",
            "createdAt",
            "updatedAt",
            "revokedAt",
        ),
        """SELECT share_id, brand_id, resource_type, resource_id, shared_by,
                  CASE WHEN shared_with = 'public' THEN 'PUBLIC'
                       WHEN starts_with(shared_with, 'team') THEN 'TEAM' ELSE 'USER' END,
                  CASE WHEN shared_with <> 'public' THEN shared_with END, upper(permission),
                  created_at, greatest(created_at, coalesce(revoked_at, created_at)), revoked_at
           FROM raw.shared_resources
           QUALIFY row_number() OVER (PARTITION BY share_id
                   ORDER BY _partition_date DESC, created_at DESC, revoked_at DESC NULLS LAST) = 1""",
    ),
    (
        "Comment",
        (
            "id",
            "brandId",
            "resourceType",
            "resourceId",
            "authorId",
            "parentId",
            "body",
            "createdAt",
            "updatedAt",
            "editedAt",
            "deletedAt",
        ),
        """SELECT comment_id, brand_id, resource_type, resource_id, author_id, parent_comment_id,
                  coalesce(body, ''), created_at,
                  greatest(created_at, coalesce(edited_at, created_at), coalesce(deleted_at, created_at)),
                  edited_at, deleted_at
           FROM raw.comments
           QUALIFY row_number() OVER (PARTITION BY comment_id
                   ORDER BY coalesce(deleted_at, edited_at, created_at) DESC) = 1""",
    ),
)


def ingest_landing(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> None:
    """Load a landing zone into `con`'s raw.* with the file ingestion."""
    for source in SNAPSHOT_SOURCES:
        load_snapshot(con, source.name, landing_dir)
    for source in PARTITIONED_SOURCES:
        days = partitions_with_files(landing_dir, source.name)
        if days:
            load_partitions(con, source.name, days, landing_dir)


def copy_rows(
    con: duckdb.DuckDBPyConnection,
    pg: psycopg.Connection,
    table: str,
    columns,
    query: str,
    tmp: Path,
) -> int:
    """Write the rows of a DuckDB query into app table `table` (CSV through COPY)."""
    path = tmp / f"{table}.csv"
    con.execute(f"COPY ({query}) TO '{path}' (FORMAT csv, HEADER false, NULLSTR '\\N')")
    cols = ", ".join(f'"{c}"' for c in columns)
    statement = f"COPY \"{table}\" ({cols}) FROM STDIN (FORMAT csv, NULL '\\N')"
    with pg.cursor() as cur, cur.copy(statement) as copy, path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            copy.write(chunk)
    return pg.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def fill_app_database(
    url: str, landing_dir: Path, progress: Callable[[str], None] = lambda _: None
) -> dict[str, int]:
    """Fill the app database at `url` (schema created if missing, must be empty) from the
    landing zone; rows written per table."""
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bp-app-demo-") as tmp:
        con = duckdb.connect(str(Path(tmp) / "scratch.duckdb"))
        con.execute("SET TimeZone = 'UTC'")
        ingest_landing(con, landing_dir)
        with psycopg.connect(url) as pg:
            apply_schema(pg)
            with pg.transaction():
                for table, columns, query in _ROWS:
                    counts[table] = copy_rows(con, pg, table, columns, query, Path(tmp))
                    progress(f"{table}: {counts[table]:,} rows")
        con.close()
    return counts
