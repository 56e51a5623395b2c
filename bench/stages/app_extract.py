"""App-database extraction: 1M `AnalyticsEvent` rows into raw.events against `psql \\copy`.

A throwaway PostgreSQL (brandpulse.app.local_cluster) holds the app schema with one brand
and N synthetic events (JSON properties and context like the demo's, spread over 90 days
of `createdAt`). Measured in the same run:
- `psql \\copy (SELECT * FROM "AnalyticsEvent") TO file`: the physical limit of getting
  the rows out of PostgreSQL;
- our full extraction (keyset batches through the postgres scanner -> Arrow, read one
  batch ahead -> the landing validation ->
  raw.events, with cursor and accounting), from an empty warehouse;
- after 1% new rows (events are append-only: a change is a new row), the incremental
  extraction, which reads only the rows past the cursor (plus the overlap window).
Throughput is rows read per second; the ratios are ours / psql and incremental / full.
"""

from __future__ import annotations

import subprocess
import time

from bench.measure import timed
from bench.stages import BenchContext

SYNTHETIC_EVENTS = """
INSERT INTO "AnalyticsEvent" ("id", "brandId", "eventName", "userId", "anonymousId", "sessionId",
    "properties", "context", "revenue", "currency", "occurredAt", "createdAt")
SELECT 'evt_' || lpad(i::text, 10, '0'), 'bench', (ARRAY['page_view', 'add_to_cart', 'purchase'])[1 + i %% 3],
       CASE WHEN i %% 4 = 0 THEN 'user_' || (i %% 50000) END, 'anon_' || (i %% 120000), 'sess_' || (i / 7),
       jsonb_build_object('path', '/p/' || (i %% 500), 'item', 'sku_' || (i %% 1000), 'qty', 1 + i %% 3),
       jsonb_build_object('country', 'DE', 'device', 'mobile', 'utm_source', 'newsletter'),
       CASE WHEN i %% 3 = 2 THEN (i %% 90) + 0.99 END, CASE WHEN i %% 3 = 2 THEN 'EUR' END,
       timestamp '2026-08-01' + (i::float / %s::bigint) * interval '90 days',
       timestamp '2026-08-01' + (i::float / %s::bigint) * interval '90 days' + interval '2 seconds'
FROM generate_series(%s::bigint, %s::bigint) i
"""


def _fill(url: str, start: int, end: int, total: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(SYNTHETIC_EVENTS, [total, total, start, end])
        pg.execute('VACUUM ANALYZE "AnalyticsEvent"')


def run(ctx: BenchContext) -> dict:
    import psycopg

    from brandpulse import db
    from brandpulse.app.connection import connect
    from brandpulse.app.extract import ExtractOptions, extract_table
    from brandpulse.app.local_cluster import start_cluster
    from brandpulse.app.schema import apply_schema
    from brandpulse.app.tables import APP_TABLES_BY_NAME

    events = 20_000 if ctx.quick else 1_000_000
    changed = max(1, events // 100)
    cluster = start_cluster()
    try:
        url = cluster.create_database("app")
        with psycopg.connect(url) as pg:
            apply_schema(pg)
            pg.execute(
                """INSERT INTO "Brand" ("id", "name", "slug", "timezone", "updatedAt")
                   VALUES ('bench', 'Bench', 'bench', 'UTC', timestamp '2026-07-01')"""
            )
            pg.commit()
        started = time.perf_counter()
        _fill(url, 1, events, events)
        fill_seconds = time.perf_counter() - started

        def psql_copy() -> float:
            out = ctx.work / "psql_copy.csv"
            copy_command = '\\copy (SELECT * FROM "AnalyticsEvent") TO STDOUT'
            with timed() as psql, out.open("wb") as handle:
                subprocess.run(
                    [str(cluster.bin_dir / "psql"), url, "-q", "-c", copy_command],
                    stdout=handle,
                    check=True,
                )
            out.unlink(missing_ok=True)
            return psql.seconds

        psql_before = psql_copy()

        warehouse = ctx.fresh_warehouse("app_extract")
        options = ExtractOptions()
        pg = connect(url, attempts=1)
        con = db.connect(warehouse)
        try:
            extract_table(pg, con, APP_TABLES_BY_NAME["Brand"], options, "bench-0")
            with timed() as full:
                full_run = extract_table(
                    pg, con, APP_TABLES_BY_NAME["AnalyticsEvent"], options, "bench-1"
                )
            pg.close()
            # not part of the ratio: what closing the warehouse would pay next (the data is
            # committed and durable already); reported so deferred work shows up
            with timed() as checkpoint:
                con.execute("CHECKPOINT")
            psql_after = psql_copy()
            _fill(url, events + 1, events + changed, events)  # 1% new rows after the cursor
            pg = connect(url, attempts=1)
            with timed() as incremental:
                inc_run = extract_table(
                    pg, con, APP_TABLES_BY_NAME["AnalyticsEvent"], options, "bench-2"
                )
            raw_rows = con.execute("SELECT count(*) FROM raw.events").fetchone()[0]
        finally:
            con.close()
            pg.close()
    finally:
        cluster.destroy()
    psql_seconds = (psql_before + psql_after) / 2  # before and after ours: a load change shows
    return {
        "metrics": {
            "events": events,
            "fill_seconds": round(fill_seconds, 3),
            "psql_copy_seconds": round(psql_seconds, 3),
            "psql_copy_seconds_before_after": [round(psql_before, 3), round(psql_after, 3)],
            "psql_rows_per_second": round(events / psql_seconds, 1),
            "full_seconds": round(full.seconds, 3),
            "full_rows_read": full_run.rows_read,
            "full_rows_loaded": full_run.rows_loaded,
            "full_batches": full_run.batches,
            "full_rows_per_second": round(full_run.rows_read / full.seconds, 1),
            "checkpoint_after_full_seconds": round(checkpoint.seconds, 3),
            "incremental_changed_rows": changed,
            "incremental_seconds": round(incremental.seconds, 3),
            "incremental_rows_read": inc_run.rows_read,
            "incremental_rows_loaded": inc_run.rows_loaded,
            "raw_events_rows": raw_rows,
        },
        "notes": [
            "psql \\copy and our extraction read the same table in the same run (psql once "
            "before and once after ours, averaged); ours also validates every row, "
            "de-duplicates, writes raw.events, the cursor and the accounting",
            f"batches of {options.batch_rows:,} rows, one warehouse transaction each",
        ],
    }
