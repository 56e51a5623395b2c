"""The scanner path's read guarantees, checked on a real PostgreSQL 15.

One snapshot per extraction (rows committed after it began are not seen), read only and
REPEATABLE READ, the statement timeout enforced by the server, values quoted by psycopg
(an id holding a quote is a value, not SQL), and no password in any error.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import psycopg
import pytest

from brandpulse.app.connection import AppDatabaseUnavailable
from brandpulse.app.extract import column_types, fetch_batch
from brandpulse.app.local_cluster import PASSWORD, LocalCluster
from brandpulse.app.scanner import ScannerSnapshot, extension_path
from brandpulse.app.tables import APP_TABLES_BY_NAME

EVENTS = APP_TABLES_BY_NAME["AnalyticsEvent"]


def _insert_events(pg: psycopg.Connection, ids: list[str], first_second: int = 0) -> None:
    for i, event_id in enumerate(ids, start=first_second):
        pg.execute(
            """INSERT INTO "AnalyticsEvent" (id, "brandId", "eventName", "anonymousId",
                   "properties", "revenue", "occurredAt", "createdAt")
               VALUES (%s, 'b1', 'purchase', 'a', '{"k": "v"}', 12.345678901234567890123456789,
                       timestamp '2026-08-01', timestamp '2026-08-01 00:00:00' + %s * interval '1 second')""",
            [event_id, i],
        )
    pg.commit()


def test_extension_is_the_packaged_build_of_the_pinned_duckdb() -> None:
    assert extension_path().is_file()
    assert f"v{duckdb.__version__}" in str(extension_path())


def test_one_read_only_repeatable_read_snapshot_with_timeout(app_url: str) -> None:
    with psycopg.connect(app_url) as pg:
        pg.execute("""INSERT INTO "Brand" (id, name, slug, timezone, "updatedAt")
                      VALUES ('b1', 'B', 'b', 'UTC', now())""")
        _insert_events(pg, ["e1", "e2", "e'3"])
        types = column_types(pg, EVENTS)
        pg.rollback()
        with ScannerSnapshot(pg, statement_timeout_ms=1500) as snapshot:
            settings = snapshot.query(
                """SELECT current_setting('transaction_isolation') AS iso,
                          current_setting('transaction_read_only') AS ro,
                          current_setting('statement_timeout') AS timeout""",
                [],
                "checking",
            ).to_pylist()
            assert settings == [{"iso": "repeatable read", "ro": "on", "timeout": "1500ms"}]

            first = fetch_batch(snapshot, EVENTS, types, None, 2)
            assert first.column("id").to_pylist() == ["e1", "e2"]
            # committed after the snapshot began: the extraction's later batches miss it
            with psycopg.connect(app_url, autocommit=True) as other:
                _insert_events(other, ["e4"], first_second=10)
            rest = fetch_batch(snapshot, EVENTS, types, (datetime(2026, 8, 1, 0, 0, 1), "e2"), 10)
            assert rest.column("id").to_pylist() == ["e'3"]  # the quote is a value
            # jsonb as its text, numeric(65,30) as exact decimal text, never a float
            assert rest.column("properties").to_pylist() == ['{"k": "v"}']
            assert rest.column("revenue").to_pylist() == ["12.345678901234567890123456789000"]

            with pytest.raises(AppDatabaseUnavailable) as timeout:
                snapshot.query("SELECT pg_sleep(5)", [], 'reading "AnalyticsEvent"')
            assert "statement timeout" in str(timeout.value)


def test_unreachable_database_names_the_host_never_the_password(
    app_url: str, pg_cluster: LocalCluster
) -> None:
    with psycopg.connect(app_url) as pg:
        dbname = pg.info.dbname
        with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')
        try:
            with pytest.raises(AppDatabaseUnavailable) as failure, ScannerSnapshot(pg, 1000):
                pass
        finally:
            with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')
    message = str(failure.value)
    assert PASSWORD not in message and "\n" not in message
    assert f"127.0.0.1:{pg_cluster.port}/{dbname}" in message
