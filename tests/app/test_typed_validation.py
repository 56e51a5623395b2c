"""The typed-column validation (app rows) gives the landing JSON validation's reasons."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pyarrow as pa

from brandpulse.ingest.sources import SOURCES
from brandpulse.ingest.validate import typed_validation_sql, validation_sql
from brandpulse.raw_schema import ensure_raw_schema

GOOD = {
    "event_id": "e",
    "brand_id": "b1",
    "event_name": "view",
    "occurred_at": "2026-08-01T10:00:00.000Z",
    "anonymous_id": "a",
}
CASES = {
    "good": {},
    "no_ids": {"anonymous_id": None},
    "negative": {"revenue": -1.0, "currency": "USD"},
    "no_currency": {"revenue": 2.0},
    "lower_currency": {"revenue": 2.0, "currency": "usd"},
    "future": {"occurred_at": "2026-08-05T00:00:00.000Z"},
    "long_name": {"event_name": "x" * 201},
    "empty_name": {"event_name": " "},
    "unicode_blank_name": {"event_name": "\u00a0\u3000"},
    "padded_name": {"event_name": " view "},
    "tab_name": {"event_name": "\t"},
    "string_properties": {"properties": "{not an object}"},
    "null_properties": {"properties": None},
    "unknown_brand": {"brand_id": "b9"},
    "array_properties": {"properties": [1, 2]},
}


def test_typed_and_json_validation_agree_on_every_rule() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    ensure_raw_schema(con)
    con.execute("INSERT INTO raw.brands (brand_id, timezone) VALUES ('b1', 'UTC')")
    docs = {name: {**GOOD, "event_id": name, **change} for name, change in CASES.items()}
    day = date(2026, 8, 1)
    lines = pa.table(
        {
            "file": ["f"] * len(docs),
            "line": list(range(len(docs))),
            "raw": [json.dumps(d) for d in docs.values()],
            "reader_reason": pa.nulls(len(docs), pa.string()),
            "_partition_date": [day] * len(docs),
        }
    )
    con.register("lines", lines)
    by_json = dict(
        con.execute(
            f"SELECT json_extract_string(raw, '$.event_id'), reason FROM ({validation_sql(SOURCES['events'])})"
        ).fetchall()
    )
    fields = SOURCES["events"].fields
    con.execute(
        "CREATE TABLE typed_lines AS SELECT file, line, _partition_date, "
        + ", ".join(
            f"CAST(raw ->> '$.{f.name}' AS TIMESTAMP) AS {f.name}"
            if f.kind == "timestamp"
            else f"CAST(raw ->> '$.{f.name}' AS DOUBLE) AS {f.name}"
            if f.kind == "number"
            else f"raw -> '$.{f.name}' AS {f.name}"
            if f.kind == "object"
            else f"raw ->> '$.{f.name}' AS {f.name}"
            for f in fields
        )
        + " FROM lines"
    )
    by_typed = dict(
        con.execute(
            f"SELECT event_id, reason FROM ({typed_validation_sql(SOURCES['events'])})"
        ).fetchall()
    )
    assert by_typed == by_json
    assert by_json["good"] is None and sum(r is not None for r in by_json.values()) == 11
