"""Every table written from Python is declared once (brandpulse/raw_schema.py): the created
table, the Arrow schema of its inserts and the insert's column list all follow it."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from brandpulse.raw_schema import AI_TABLES, RAW_TABLES, ensure_ai_schema, ensure_raw_schema, table

DECLARED = [*RAW_TABLES.values(), *AI_TABLES.values()]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_raw_schema(con)
    ensure_ai_schema(con)
    return con


@pytest.mark.parametrize("declared", DECLARED, ids=lambda t: t.qualified)
def test_the_created_table_is_the_declaration(con, declared) -> None:
    got = con.execute(
        """SELECT column_name, data_type, is_nullable = 'NO' FROM information_schema.columns
           WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""",
        [declared.schema, declared.name],
    ).fetchall()
    assert got == [(c.name, c.sql_type, c.not_null) for c in declared.columns]


@pytest.mark.parametrize("declared", DECLARED, ids=lambda t: t.qualified)
def test_an_arrow_batch_of_the_declaration_inserts_as_is(con, declared) -> None:
    """An all-null row is typed by the declaration, so DuckDB casts nothing: the registered
    batch's column types are the table's."""
    batch = declared.to_arrow([{}])
    con.register("batch", batch)
    described = con.execute("DESCRIBE SELECT * FROM batch").fetchall()
    assert [(name, sql_type) for name, sql_type, *_ in described] == [
        (c.name, c.sql_type.replace("JSON", "VARCHAR")) for c in declared.columns
    ]


def test_values_round_trip_through_the_declared_insert(con) -> None:
    attempts = AI_TABLES["generation_attempts"]
    row = {
        "generation_id": "g1",
        "brand_id": "b1",
        "attempt_number": 2,
        "started_at": datetime(2026, 8, 1, 12, 30),
        "http_status": 429,
        "is_fallback": True,
        "not_a_column": "ignored",
    }
    con.register("batch", attempts.to_arrow([row]))
    con.execute(attempts.insert_sql("batch"))
    got = con.execute(
        "SELECT generation_id, attempt_number, started_at, http_status, is_fallback, model "
        "FROM ai.generation_attempts"
    ).fetchall()
    assert got == [("g1", 2, datetime(2026, 8, 1, 12, 30), 429, True, None)]


def test_an_insert_names_only_declared_columns_and_takes_expressions() -> None:
    events = RAW_TABLES["events"]
    sql = events.insert_sql("_fresh", ["event_id", "_loaded_at"], {"_loaded_at": "now()"})
    assert sql == "INSERT INTO raw.events (event_id, _loaded_at) SELECT event_id, now() FROM _fresh"
    with pytest.raises(ValueError, match="no columns"):
        events.insert_sql("_fresh", ["event_id", "nope"])


def test_a_declared_type_without_an_arrow_type_is_refused() -> None:
    with pytest.raises(ValueError, match="HUGEINT"):
        table("raw", "t", "a VARCHAR NOT NULL, b HUGEINT")
    declared = table("raw", "t", "a VARCHAR NOT NULL, d DATE, l VARCHAR[]")
    assert [c.not_null for c in declared.columns] == [True, False, False]
    batch = declared.to_arrow([{"a": "x", "d": date(2026, 8, 1), "l": ["p", "q"]}])
    assert batch.to_pylist() == [{"a": "x", "d": date(2026, 8, 1), "l": ["p", "q"]}]
