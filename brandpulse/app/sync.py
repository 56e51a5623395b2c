"""Extract the app database into the warehouse with the configured settings (no Dagster)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from brandpulse import db
from brandpulse.app.connection import connect
from brandpulse.app.extract import ExtractOptions, extract_table
from brandpulse.app.load import TableRun
from brandpulse.app.tables import APP_TABLES, AppTable
from brandpulse.config import Settings, get_settings


def extract_options(settings: Settings, full: bool = False) -> ExtractOptions:
    return ExtractOptions(
        batch_rows=settings.app_batch_rows,
        statement_timeout_ms=settings.app_statement_timeout_ms,
        overlap=timedelta(seconds=settings.app_overlap_seconds),
        full=full,
    )


def sync(
    full: bool = False,
    tables: Iterable[AppTable] = APP_TABLES,
    log: Callable[[str], None] = lambda _: None,
    settings: Settings | None = None,
) -> list[TableRun]:
    """Extract the given app tables (all by default) into the configured warehouse."""
    from datetime import UTC, datetime

    settings = settings or get_settings()
    if not settings.app_database_url:
        raise RuntimeError("BRANDPULSE_APP_DATABASE_URL is not set: there is no app database")
    options = extract_options(settings, full)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    pg = connect(settings.app_database_url, attempts=settings.app_connect_attempts)
    try:
        with db.connect(settings.warehouse_path) as con:
            return [extract_table(pg, con, t, options, stamp, log) for t in tables]
    finally:
        pg.close()


def pending_request_days(pg) -> list[tuple[str, int, str]]:
    """(UTC day of createdAt, PENDING generations, newest updatedAt) per day: the AI job's
    partitions that have work waiting in the app."""
    rows = pg.execute(
        """SELECT CAST("createdAt" AS date), count(*), max("updatedAt") FROM "AIGeneration"
           WHERE "status" = 'PENDING' GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    pg.rollback()
    return [(day.isoformat(), int(n), str(newest)) for day, n, newest in rows]
