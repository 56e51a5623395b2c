"""First line of defence of `brandpulse query`: accept exactly one read-only SELECT.

The SQL is parsed by DuckDB itself (`extract_statements`, then `json_serialize_sql`
for the syntax tree), never by regular expressions, so what is checked is what runs.
The locked-down session (brandpulse.scoped_session) is the second line: it would
refuse files, ATTACH, extensions and settings changes even if a query got past here.
Validate on the locked connection only: DuckDB's parser itself reads files for some
statements (IMPORT DATABASE reads schema.sql while parsing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import duckdb

ALLOWED = (
    "a single read-only SELECT (WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN SELECT)"
)

# Table or scalar functions a query may not call, even though they parse as SELECT:
# they read files, run SQL hidden in a string, or change the session's state.
DENIED_FUNCTIONS = frozenset(
    {
        "glob",
        "query",
        "query_table",
        "json_execute_serialized_sql",
        "sniff_csv",
        "enable_logging",
        "disable_logging",
        "truncate_duckdb_logs",
        "enable_profiling",
        "disable_profiling",
        "checkpoint",
        "force_checkpoint",
        "python_map_function",
        "getenv",
    }
)
DENIED_PREFIXES = (
    "read_",
    "parquet_",
    "iceberg_",
    "delta_",
    "sqlite_",
    "postgres_",
    "mysql_",
    "ducklake_",
)
DENIED_SUFFIXES = ("_scan", "_scan_dumb")

_EXPLAIN = re.compile(r"^\s*explain\s+(?:analy[sz]e\s+)?", re.IGNORECASE)


class QueryRejected(ValueError):
    """The SQL is not a single read-only query; nothing was executed."""


def validate_query(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Statement:
    """Return the one statement of `sql` when it is an allowed read-only query.

    Raises QueryRejected with a message that says why otherwise.
    """
    if not sql or not sql.strip():
        raise QueryRejected("no SQL given")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRejected(f"SQL does not parse: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise QueryRejected(
            f"expected exactly one statement, got {len(statements)}: send {ALLOWED}"
        )
    statement = statements[0]
    kind = statement.type
    if kind == duckdb.StatementType.EXPLAIN:
        inner = _EXPLAIN.sub("", statement.query, count=1)
        if inner == statement.query:
            raise QueryRejected(f"EXPLAIN must be followed by a SELECT: send {ALLOWED}")
        _check_select(con, inner)
        return statement
    if kind != duckdb.StatementType.SELECT:
        raise QueryRejected(f"{kind.name} statements are not allowed: send {ALLOWED}")
    _check_select(con, statement.query)
    return statement


def _check_select(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Walk the syntax tree of one SELECT and refuse denied functions."""
    try:
        inner = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRejected(f"SQL does not parse: {_first_line(exc)}") from None
    if len(inner) != 1 or inner[0].type != duckdb.StatementType.SELECT:
        raise QueryRejected(f"only {ALLOWED} is allowed")
    serialized = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0]
    tree = json.loads(serialized)
    if tree.get("error"):
        # PRAGMA shorthands parse as SELECT but are not plain queries.
        raise QueryRejected(
            f"only {ALLOWED} is allowed ({tree.get('error_message', 'unsupported')})"
        )
    for name in _function_names(tree):
        lowered = name.lower()
        if (
            lowered in DENIED_FUNCTIONS
            or lowered.startswith(DENIED_PREFIXES)
            or lowered.endswith(DENIED_SUFFIXES)
        ):
            raise QueryRejected(f"function {name}() is not allowed in brandpulse query")


def _function_names(node: Any) -> Iterator[str]:
    """Every function name called anywhere in a serialized syntax tree."""
    if isinstance(node, dict):
        if node.get("class") == "FUNCTION" and isinstance(node.get("function_name"), str):
            yield node["function_name"]
        for value in node.values():
            yield from _function_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _function_names(item)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


CATALOG_SCHEMAS = frozenset({"information_schema", "pg_catalog"})


def referenced_tables(sql: str) -> set[tuple[str, str]] | None:
    """(schema, table) of every table `sql` names ('' when unqualified), or None when that
    cannot be told (not one plain SELECT) or the query reads the catalog (duckdb_*()
    functions, information_schema): the caller then copies every table, with comments.

    Parsed on a fresh, locked in-memory connection: the parser never touches a file.
    Table macros count as naming the tables they read.
    """
    from brandpulse.scoped_session import LOCKDOWN
    from brandpulse.snapshot_macros import REQUIRED_TABLES

    con = duckdb.connect(":memory:")
    try:
        for statement in LOCKDOWN:
            con.execute(statement)
        statements = con.extract_statements(sql)
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            return None
        tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    except duckdb.Error:
        return None
    finally:
        con.close()
    if tree.get("error"):
        return None
    tables: set[tuple[str, str]] = set()
    _collect_tables(tree, tables)
    functions = {name.lower() for name in _function_names(tree)}
    if any(f.startswith(("duckdb_", "pragma_")) for f in functions) or any(
        schema in CATALOG_SCHEMAS for schema, _ in tables
    ):
        return None
    if "funnel_between" in functions:
        tables |= set(REQUIRED_TABLES)
    return tables


def _collect_tables(node: Any, out: set[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "BASE_TABLE" and isinstance(node.get("table_name"), str):
            out.add(((node.get("schema_name") or "").lower(), node["table_name"].lower()))
        for value in node.values():
            _collect_tables(value, out)
    elif isinstance(node, list):
        for item in node:
            _collect_tables(item, out)
