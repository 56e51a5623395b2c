"""The tables written from Python, each declared once: DDL, Arrow schema and inserts.

`raw.*` is what ingestion writes and what dbt's sources read; `ai.*` is what the AI
generation job writes. Each table is one `Table` (its columns as DDL text, parsed once
into `Column`s): `ensure_raw_schema`/`ensure_ai_schema` create it from the declaration,
`Table.arrow_schema` types the Arrow batches registered for its inserts, and
`Table.insert_sql` names its columns, so a column added here reaches all three.

Every table carries `brand_id` and lineage columns (`_partition_date`: the landing
arrival day for partitioned sources, `_source_file`, `_line`, `_loaded_at`).
Timestamps are UTC `TIMESTAMP` (naive, always UTC); JSON payloads are `JSON`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "JSON": pa.string(),  # DuckDB parses the text on insert
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()),
}


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    not_null: bool = False

    @property
    def ddl(self) -> str:
        return f"{self.name} {self.sql_type}{' NOT NULL' if self.not_null else ''}"

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.sql_type]


@dataclass(frozen=True)
class Table:
    """One table written from Python: the single declaration its DDL, Arrow schema and
    inserts are made from. Names are code, never input."""

    schema: str
    name: str
    columns: tuple[Column, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def create_sql(self) -> str:
        columns = ", ".join(c.ddl for c in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.qualified} ({columns})"

    def arrow_schema(self, names: Iterable[str] | None = None) -> pa.Schema:
        """The Arrow schema of all columns, or of `names` in that order."""
        by_name = {c.name: c for c in self.columns}
        wanted = self.column_names if names is None else tuple(names)
        return pa.schema([(n, by_name[n].arrow_type) for n in wanted])

    def to_arrow(
        self, rows: Iterable[Mapping[str, Any]], names: Iterable[str] | None = None
    ) -> pa.Table:
        """Rows (dicts; a missing key is null, extra keys are ignored) as an Arrow table typed
        by the declaration."""
        schema = self.arrow_schema(names)
        rows = list(rows)
        return pa.table(
            {f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in schema}, schema=schema
        )

    def insert_sql(
        self,
        source: str,
        names: Iterable[str] | None = None,
        expressions: Mapping[str, str] | None = None,
    ) -> str:
        """`INSERT INTO <table> (<columns>) SELECT <columns> FROM <source>` over all columns or
        `names`; `expressions` gives a column's value as SQL over `source` (default: the
        same-named column). Source, names and expressions are code."""
        names = self.column_names if names is None else tuple(names)
        unknown = sorted(set(names) - set(self.column_names))
        if unknown:
            raise ValueError(f"{self.qualified} has no columns {unknown}")
        values = ", ".join((expressions or {}).get(n, n) for n in names)
        return f"INSERT INTO {self.qualified} ({', '.join(names)}) SELECT {values} FROM {source}"


def table(schema: str, name: str, columns: str) -> Table:
    """A `Table` from DDL column text (`name TYPE [NOT NULL], ...`)."""
    parsed = []
    for text in re.split(r",\s*(?![^()]*\))", columns.strip()):
        column, sql_type = text.split(None, 1)
        not_null = sql_type.upper().endswith("NOT NULL")
        sql_type = sql_type.upper().removesuffix("NOT NULL").strip()
        if sql_type not in ARROW_TYPES:
            raise ValueError(f"{schema}.{name}.{column}: type {sql_type} has no Arrow type")
        parsed.append(Column(column, sql_type, not_null))
    return Table(schema, name, tuple(parsed))


LINEAGE = "_partition_date DATE, _source_file VARCHAR, _line BIGINT, _loaded_at TIMESTAMP"

RAW_COLUMNS: dict[str, str] = {
    "events": f"""
        brand_id VARCHAR NOT NULL, event_id VARCHAR NOT NULL, event_name VARCHAR NOT NULL,
        occurred_at TIMESTAMP NOT NULL, anonymous_id VARCHAR, user_id VARCHAR, session_id VARCHAR,
        properties JSON, context JSON, revenue DOUBLE, currency VARCHAR, {LINEAGE}""",
    "ai_generation_requests": f"""
        request_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, user_id VARCHAR, type VARCHAR NOT NULL,
        model VARCHAR NOT NULL, prompt VARCHAR NOT NULL, parameters JSON, collection_id VARCHAR,
        parent_generation_id VARCHAR, optimize_prompt BOOLEAN NOT NULL, requested_at TIMESTAMP NOT NULL,
        {LINEAGE}""",
    "shared_resources": f"""
        share_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, resource_type VARCHAR NOT NULL,
        resource_id VARCHAR NOT NULL, shared_by VARCHAR, shared_with VARCHAR NOT NULL,
        permission VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP, {LINEAGE}""",
    "comments": f"""
        comment_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, resource_type VARCHAR NOT NULL,
        resource_id VARCHAR NOT NULL, author_id VARCHAR, parent_comment_id VARCHAR, body VARCHAR,
        created_at TIMESTAMP NOT NULL, edited_at TIMESTAMP, deleted_at TIMESTAMP, {LINEAGE}""",
    # AI Studio collections and their membership history (the landing zone's sources; the
    # app database's "AICollection" / "AICollectionGeneration" fill the same tables: the app
    # hard-deletes its join rows, so there a removal is the moment extraction saw the key gone).
    "ai_collections": f"""
        collection_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, name VARCHAR, owner_id VARCHAR,
        created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, deleted_at TIMESTAMP, {LINEAGE}""",
    "ai_collection_memberships": f"""
        collection_id VARCHAR NOT NULL, generation_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL,
        action VARCHAR NOT NULL, occurred_at TIMESTAMP NOT NULL, {LINEAGE}""",
    "brands": f"""
        brand_id VARCHAR NOT NULL, name VARCHAR, timezone VARCHAR NOT NULL, currency VARCHAR,
        plan VARCHAR, ai_monthly_budget_usd DOUBLE, ai_daily_generation_quota INTEGER,
        created_at TIMESTAMP, {LINEAGE}""",
    # Definitions: validated at ingest; `definition` keeps the whole row as sent.
    "funnels": f"""
        funnel_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, name VARCHAR,
        funnel_order VARCHAR NOT NULL, window_seconds BIGINT NOT NULL, step_count INTEGER NOT NULL,
        definition JSON, {LINEAGE}""",
    "funnel_steps": """
        brand_id VARCHAR NOT NULL, funnel_id VARCHAR NOT NULL, step_number INTEGER NOT NULL,
        event_name VARCHAR, filter_count INTEGER NOT NULL""",
    "funnel_step_filters": """
        brand_id VARCHAR NOT NULL, funnel_id VARCHAR NOT NULL, step_number INTEGER NOT NULL,
        property VARCHAR NOT NULL, value_text VARCHAR, value_type VARCHAR""",
    "funnel_exclusions": """
        brand_id VARCHAR NOT NULL, funnel_id VARCHAR NOT NULL, event_name VARCHAR NOT NULL,
        from_step INTEGER NOT NULL, to_step INTEGER NOT NULL""",
    "cohorts": f"""
        cohort_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, name VARCHAR, start_event VARCHAR,
        return_event VARCHAR, grain VARCHAR NOT NULL, kind VARCHAR NOT NULL, periods INTEGER NOT NULL,
        definition JSON, {LINEAGE}""",
    "segments": f"""
        segment_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, name VARCHAR, rules JSON,
        definition JSON, {LINEAGE}""",
    "segment_rule_nodes": """
        brand_id VARCHAR NOT NULL, segment_id VARCHAR NOT NULL, node_id INTEGER NOT NULL,
        parent_node_id INTEGER, depth INTEGER NOT NULL, node_type VARCHAR NOT NULL,
        feature VARCHAR, feature_param VARCHAR, op VARCHAR, value_number DOUBLE, value_text VARCHAR,
        value_list VARCHAR[]""",
    # From the app database (brandpulse/app): teams and their members.
    "teams": f"""
        team_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, name VARCHAR, created_at TIMESTAMP,
        {LINEAGE}""",
    "team_members": f"""
        team_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL,
        role VARCHAR NOT NULL, created_at TIMESTAMP, deleted_at TIMESTAMP, {LINEAGE}""",
    # Extraction cursor per app table: the last (cursor value, id) committed to raw.*.
    "app_cursors": """
        app_table VARCHAR NOT NULL, cursor_at TIMESTAMP, cursor_id VARCHAR,
        extracted_at TIMESTAMP NOT NULL""",
    # `row_id`: the app row's id (its key columns joined by '/') of a rejected app row.
    "rejected_rows": """
        source VARCHAR NOT NULL, file VARCHAR NOT NULL, line BIGINT, reason VARCHAR NOT NULL,
        raw VARCHAR, rejected_at TIMESTAMP NOT NULL, brand_id VARCHAR, _partition_date DATE,
        row_id VARCHAR""",
    "load_audit": """
        source VARCHAR NOT NULL, _partition_date DATE, file VARCHAR NOT NULL, rows_read BIGINT NOT NULL,
        rows_loaded BIGINT NOT NULL, rows_duplicate BIGINT NOT NULL, rows_rejected BIGINT NOT NULL,
        loaded_at TIMESTAMP NOT NULL""",
}


RAW_TABLES: dict[str, Table] = {n: table("raw", n, c) for n, c in RAW_COLUMNS.items()}


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `raw` schema and its tables when missing (idempotent); a table of an
    older warehouse gets the columns added since (nullable: its rows predate them)."""
    _ensure(con, "raw", RAW_TABLES)


def _ensure(con: duckdb.DuckDBPyConnection, schema: str, tables: Mapping[str, Table]) -> None:
    """Create the missing tables of `schema` and add missing columns to the others.

    One catalog query for the whole schema (a warehouse holds hundreds of dbt relations,
    and each catalog scan costs ~20 ms), then statements only for what is missing: every
    app extraction and landing load calls this, and a `CREATE TABLE IF NOT EXISTS` per
    declared table cost ~8 ms a call when nothing was missing."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    existing: dict[str, set[str]] = {}
    for table_name, column_name in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = ?", [schema]
    ).fetchall():
        existing.setdefault(table_name, set()).add(column_name)
    for declared in tables.values():
        if declared.name not in existing:
            con.execute(declared.create_sql())
            continue
        # a table of an older warehouse gets the columns declared since (nullable: its
        # rows predate them)
        for column in declared.columns:
            if column.name not in existing[declared.name]:
                con.execute(
                    f"ALTER TABLE {declared.qualified} ADD COLUMN {column.name} {column.sql_type}"
                )


AI_COLUMNS: dict[str, str] = {
    "generations": """
        generation_id VARCHAR NOT NULL, request_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL,
        user_id VARCHAR, type VARCHAR, model VARCHAR NOT NULL, status VARCHAR NOT NULL,
        status_reason VARCHAR, version INTEGER NOT NULL, parent_generation_id VARCHAR,
        root_generation_id VARCHAR, collection_id VARCHAR, prompt VARCHAR, optimized_prompt VARCHAR,
        output VARCHAR, input_tokens BIGINT, output_tokens BIGINT, images INTEGER, cost_usd DOUBLE,
        latency_ms BIGINT, attempts INTEGER NOT NULL, idempotency_key VARCHAR NOT NULL,
        requested_at TIMESTAMP, created_at TIMESTAMP NOT NULL, completed_at TIMESTAMP,
        _partition_date DATE, served_model VARCHAR, provider VARCHAR""",
    "generation_attempts": """
        generation_id VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, attempt_number INTEGER NOT NULL,
        started_at TIMESTAMP NOT NULL, http_status INTEGER, error_type VARCHAR, error_message VARCHAR,
        latency_ms BIGINT, retry_after_ms BIGINT, model VARCHAR, provider VARCHAR, is_fallback BOOLEAN""",
    # Mirror of the budget ledger (brandpulse/ai/budget.py keeps the authoritative SQLite file):
    # one row per idempotency key, reserved/settled/released/rejected, for analysts.
    "budget_ledger": """
        idempotency_key VARCHAR NOT NULL, brand_id VARCHAR NOT NULL, generation_id VARCHAR,
        model VARCHAR, budget_month VARCHAR NOT NULL, budget_day DATE, state VARCHAR NOT NULL,
        reserved_usd DOUBLE, actual_usd DOUBLE, reason VARCHAR, created_at TIMESTAMP,
        updated_at TIMESTAMP""",
}


AI_TABLES: dict[str, Table] = {n: table("ai", n, c) for n, c in AI_COLUMNS.items()}

# The data dictionary of the ai.* tables: one description per column of AI_COLUMNS
# (published as DuckDB column comments; tests/query/test_column_docs.py checks both
# declarations name the same columns).
AI_COLUMN_DOCS: dict[str, dict[str, str]] = {
    "generations": {
        "generation_id": "The generation.",
        "request_id": "The request it answers (landing ai_generation_requests).",
        "brand_id": "The brand.",
        "user_id": "User who asked.",
        "type": "text or image.",
        "model": "Model requested.",
        "status": "pending, processing, completed, failed, rejected or cancelled.",
        "status_reason": "Why it failed or was rejected (budget, quota, unknown model, provider error).",
        "version": "1 for a new generation; n for the n-th version of its root generation.",
        "parent_generation_id": "Earlier generation this is a new version of.",
        "root_generation_id": "First generation of its version chain.",
        "collection_id": "Collection it was requested into.",
        "prompt": "Prompt as sent by the user.",
        "optimized_prompt": "Prompt after the rule-based optimization (when asked for).",
        "output": "Generated text, or the image's reference.",
        "input_tokens": "Input tokens billed.",
        "output_tokens": "Output tokens billed.",
        "images": "Images billed.",
        "cost_usd": "Cost in USD at the model's price of the day.",
        "latency_ms": "Milliseconds of the successful provider call.",
        "attempts": "Provider calls made (retries and fallbacks included).",
        "idempotency_key": "Key that makes a retried request one generation, charged once.",
        "requested_at": "When the user asked (UTC).",
        "created_at": "When the warehouse planned it (UTC).",
        "completed_at": "When it reached a final status (UTC).",
        "_partition_date": "Landing day of the request (the Dagster partition).",
        "served_model": "Model that answered (differs from `model` after a fallback).",
        "provider": "Provider that answered.",
    },
    "generation_attempts": {
        "generation_id": "The generation (ai.generations).",
        "brand_id": "The brand.",
        "attempt_number": "1 for the first call, then each retry or fallback.",
        "started_at": "When the call started (UTC).",
        "http_status": "Provider's HTTP status (NULL when no answer: timeout, connection error).",
        "error_type": "Kind of failure (rate_limited, server_error, timeout, ...); NULL on success.",
        "error_message": "The error's text.",
        "latency_ms": "Milliseconds until the answer or the failure.",
        "retry_after_ms": "Wait the provider asked for (Retry-After), in milliseconds.",
        "model": "Model called.",
        "provider": "Provider called.",
        "is_fallback": "The call went to a fallback model, not the one requested.",
    },
    "budget_ledger": {
        "idempotency_key": "The generation's idempotency key: one ledger row each.",
        "brand_id": "The brand.",
        "generation_id": "The generation charged.",
        "model": "Model priced.",
        "budget_month": "Month (YYYY-MM) of the brand's AI budget charged.",
        "budget_day": "Day of the brand's daily generation quota counted.",
        "state": "reserved (call in flight), settled, released (not charged) or rejected.",
        "reserved_usd": "USD reserved before the call (the worst case at the day's price).",
        "actual_usd": "USD charged once settled.",
        "reason": "Why it was released or rejected.",
        "created_at": "When the reservation was made (UTC).",
        "updated_at": "Last change of state (UTC).",
    },
}


def ensure_ai_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `ai` schema and its tables when missing (idempotent).

    dbt reads `ai.generations` for daily metrics even before any AI job ran, so the
    tables exist (empty) from the first ingest on.
    """
    _ensure(con, "ai", AI_TABLES)
