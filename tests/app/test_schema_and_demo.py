"""The app schema as Prisma creates it, and the demo world filled into it."""

from __future__ import annotations

import psycopg

from brandpulse.app.demo import fill_app_database, ingest_landing
from brandpulse.app.extract import _select
from brandpulse.app.tables import APP_TABLES_BY_NAME
from tests.app.appdb import extract, query


def test_schema_has_prisma_names_types_and_cursor_indexes(app_url: str) -> None:
    with psycopg.connect(app_url) as pg:
        cols = dict(
            pg.execute(
                """SELECT table_name || '.' || column_name, data_type FROM information_schema.columns
                   WHERE table_schema = 'public'"""
            ).fetchall()
        )
        indexes = {
            r[0] for r in pg.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        }
        enum_values = [
            r[0]
            for r in pg.execute(
                """SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
                   WHERE t.typname = 'FunnelOrder' ORDER BY e.enumsortorder"""
            )
        ]
        precision = pg.execute(
            """SELECT datetime_precision FROM information_schema.columns
               WHERE table_name = 'AnalyticsEvent' AND column_name = 'createdAt'"""
        ).fetchone()[0]
    assert cols["AnalyticsEvent.occurredAt"] == "timestamp without time zone" and precision == 3
    assert cols["AnalyticsEvent.properties"] == "jsonb"
    assert cols["AIGeneration.costUsd"] == "numeric"
    assert cols["AnalyticsFunnel.order"] == "USER-DEFINED"
    assert enum_values == ["ORDERED", "STRICT", "UNORDERED"]
    assert {
        "AnalyticsEvent_pkey",
        "AnalyticsEvent_createdAt_id_idx",
        "AnalyticsFunnel_updatedAt_id_idx",
        "AIGeneration_idempotencyKey_key",
        "AICollectionGeneration_pkey",
        "TeamMember_pkey",
    } <= indexes


def test_incremental_query_walks_the_cursor_index(app_url: str) -> None:
    """With enough rows for the planner to care, the batch query is an index range scan."""
    with psycopg.connect(app_url) as pg:
        pg.execute(
            """INSERT INTO "Brand" (id, name, slug, "updatedAt") VALUES ('b1', 'B', 'b', now())"""
        )
        pg.execute(
            """INSERT INTO "AnalyticsEvent" (id, "brandId", "eventName", "anonymousId", "occurredAt", "createdAt")
               SELECT 'e' || i, 'b1', 'x', 'a', now(), timestamp '2026-08-01' + i * interval '1 second'
               FROM generate_series(1, 20000) i"""
        )
        pg.execute('ANALYZE "AnalyticsEvent"')
        sql = _select(APP_TABLES_BY_NAME["AnalyticsEvent"], after=True)
        plan = "\n".join(
            r[0] for r in pg.execute(f"EXPLAIN {sql}", ["2026-08-01 05:00:00", "", 1000])
        )
    assert "AnalyticsEvent_createdAt_id_idx" in plan and "Seq Scan" not in plan


def test_demo_world_in_postgres_extracts_to_the_rows_the_files_load(
    app_url: str, demo_landing, tmp_path
) -> None:
    counts = fill_app_database(app_url, demo_landing)
    assert counts["AnalyticsEvent"] > 1000 and counts["AIGeneration"] > 10

    files = tmp_path / "files.duckdb"
    from brandpulse import db

    con = db.connect(files)
    ingest_landing(con, demo_landing)
    con.close()
    app = tmp_path / "app.duckdb"
    runs = extract(app_url, app, batch_rows=500)
    assert all(r.balanced for r in runs.values())
    assert runs["AnalyticsEvent"].rows_loaded == counts["AnalyticsEvent"]
    assert runs["AnalyticsEvent"].batches > 2  # bounded batches

    # the same events on the same arrival days (late ones included), and the same definitions
    for sql in (
        "SELECT brand_id, event_id, occurred_at, _partition_date, revenue FROM raw.events ORDER BY ALL",
        "SELECT brand_id, funnel_id, funnel_order, window_seconds, step_count FROM raw.funnels ORDER BY ALL",
        "SELECT * EXCLUDE (funnel_id) FROM raw.funnel_steps ORDER BY ALL",
        "SELECT brand_id, request_id, type, model, collection_id, requested_at "
        "FROM raw.ai_generation_requests ORDER BY ALL",
    ):
        assert query(app, sql) == query(files, sql)
    late = query(
        app, "SELECT count(*) FROM raw.events WHERE CAST(occurred_at AS DATE) < _partition_date - 1"
    )
    assert late[0][0] > 0
