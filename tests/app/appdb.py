"""Helpers of the app-database tests: insert app rows, run an extraction, read the warehouse."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import psycopg

from brandpulse import db
from brandpulse.app.connection import connect
from brandpulse.app.extract import ExtractOptions, extract_all
from brandpulse.app.load import TableRun

T0 = datetime(2026, 8, 1, 12, 0, 0)


def insert(pg: psycopg.Connection, table: str, **values) -> None:
    """Insert one app row (column names are test code; values are parameters)."""
    cols = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join(["%s"] * len(values))
    params = [json.dumps(v) if isinstance(v, dict | list) else v for v in values.values()]
    pg.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', params)


def brand(pg: psycopg.Connection, brand_id: str = "b1", **extra) -> None:
    insert(
        pg,
        "Brand",
        id=brand_id,
        name=brand_id.upper(),
        slug=brand_id,
        timezone="UTC",
        currency="USD",
        createdAt=T0,
        updatedAt=T0,
        **extra,
    )


def event(pg: psycopg.Connection, event_id: str, created: datetime, **extra) -> None:
    values = {
        "id": event_id,
        "brandId": "b1",
        "eventName": "page_view",
        "anonymousId": "a1",
        "occurredAt": created,
        "createdAt": created,
        **extra,
    }
    insert(pg, "AnalyticsEvent", **values)


def extract(url: str, warehouse: Path, **options) -> dict[str, TableRun]:
    pg = connect(url, attempts=1)
    con = db.connect(warehouse)
    try:
        runs = extract_all(pg, con, ExtractOptions(**options))
    finally:
        con.close()
        pg.close()
    return {r.table: r for r in runs}


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
