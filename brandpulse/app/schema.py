"""The app schema (schema.sql, what `prisma db push` creates) applied to a PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

import psycopg

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


def apply_schema(pg: psycopg.Connection) -> None:
    """Create the app's enums, tables and indexes where missing (idempotent), and commit."""
    with pg.transaction():
        pg.execute(SCHEMA_SQL.read_text())
