"""A field's JSON type and text as the validation reads them from one parse of the line.

The validation tells a value's JSON type from the first character of its JSON text and
takes a string's content from between its quotes unless it holds an escape: these cases
pin what that must give (the same as reading each field with json_type and
json_extract_string).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from brandpulse import db
from brandpulse.ingest import load_partition, load_snapshot
from tests.ingest.landing import BRANDS, event, write_brands, write_events

DAY = "2026-08-01"


@pytest.fixture
def con(tmp_path: Path):
    connection = db.connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def load(con, landing: Path, rows: list) -> dict[str, object]:
    """Load one day of events; {event_id or line: the loaded row, or the rejection reason}."""
    load_snapshot(con, "brands", landing)
    write_events(landing, DAY, rows)
    report = load_partition(con, "events", date.fromisoformat(DAY), landing)
    assert report.balanced
    out: dict[str, object] = {}
    for row in con.execute(
        "SELECT event_id, event_name, user_id, revenue, properties, occurred_at FROM raw.events"
    ).fetchall():
        out[row[0]] = row[1:]
    for line, reason in con.execute(
        "SELECT line, reason FROM raw.rejected_rows WHERE source = 'events'"
    ).fetchall():
        out[f"line {line}"] = reason
    return out


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    write_brands(root)
    return root


def test_string_content_with_and_without_escapes(con, landing: Path) -> None:
    name = 'say "hi"\\ \u00e9\n\t/end'
    rows = [
        json.dumps(event("plain", event_name="page_view")),
        json.dumps(event("escaped", event_name=name)),  # \" \\ \u00e9 \n \t escaped by dumps
        json.dumps(event("utf8", event_name="caf\u00e9 \u2603"), ensure_ascii=False),
        '{"event_id": "slash", "brand_id": "b1", "event_name": "a\\/b", '
        '"occurred_at": "2026-08-01T10:00:00Z", "anonymous_id": "a1"}',
    ]
    out = load(con, landing, rows)
    assert out["plain"][0] == "page_view"
    assert out["escaped"][0] == name
    assert out["utf8"][0] == "caf\u00e9 \u2603"
    assert out["slash"][0] == "a/b"


@pytest.mark.parametrize("value", [5, 1.5, True, False, {"a": 1}, [1], "s"])
def test_a_string_field_accepts_only_a_string(con, landing: Path, value) -> None:
    out = load(con, landing, [event("x", user_id=value)])
    if isinstance(value, str):
        assert out["x"][1] == "s"
    else:
        assert out == {"line 1": "invalid_field: user_id must be a string"}


def test_json_null_is_an_absent_value(con, landing: Path) -> None:
    out = load(con, landing, [event("x", user_id=None), event("y", event_name=None)])
    assert out["x"][1] is None
    assert out["line 2"] == "missing_field: event_name is required"


@pytest.mark.parametrize(
    ("value", "loaded"), [(5, 5.0), (0, 0.0), (1.25, 1.25), (1e3, 1000.0), (-0.0, 0.0)]
)
def test_numbers_of_every_form_are_numbers(con, landing: Path, value, loaded) -> None:
    out = load(con, landing, [event("x", revenue=value, currency="USD")])
    assert out["x"][2] == loaded


@pytest.mark.parametrize("value", [True, {"v": 5}, [5]])
def test_a_number_field_rejects_other_types(con, landing: Path, value) -> None:
    out = load(con, landing, [event("x", revenue=value, currency="USD")])
    assert out == {"line 1": "invalid_field: revenue must be a number"}


def test_objects_keep_their_json_and_other_types_are_rejected(con, landing: Path) -> None:
    props = {"plan": "pro", "n": [1, 2.5, {"deep": None}], "q": 'a"b'}
    out = load(
        con,
        landing,
        [
            event("obj", properties=props),
            event("arr", properties=[props]),
            event("t", properties=True),
        ],
    )
    assert json.loads(out["obj"][3]) == props
    assert out["line 2"] == "invalid_field: properties must be a JSON object"
    assert out["line 3"] == "invalid_field: properties must be a JSON object"


def test_lines_that_are_not_objects_and_objects_after_whitespace(con, landing: Path) -> None:
    rows = ["  " + json.dumps(event("spaced")), '"just a string"', "42", "[{}]", "{"]
    out = load(con, landing, rows)
    assert out["spaced"][4] == datetime(2026, 8, 1, 10, 0)
    assert (
        out["line 2"]
        == out["line 3"]
        == out["line 4"]
        == ("invalid_json: line is not a JSON object")
    )
    assert out["line 5"] == "invalid_json: line is not valid JSON"


def test_a_repeated_key_reads_its_first_value(con, landing: Path) -> None:
    line = (
        '{"event_id": "first", "event_id": "second", "brand_id": "b1", '
        '"event_name": "page_view", "occurred_at": "2026-08-01T10:00:00Z", "anonymous_id": "a1"}'
    )
    assert list(load(con, landing, [line])) == ["first"]


def test_an_integer_field_tells_integers_from_other_numbers(con, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_brands(
        landing,
        [
            BRANDS[0] | {"ai_daily_generation_quota": 100},
            BRANDS[1] | {"ai_daily_generation_quota": 1.5},
            BRANDS[0] | {"brand_id": "b3", "ai_daily_generation_quota": "7"},
        ],
    )
    load_snapshot(con, "brands", landing)
    assert con.execute("SELECT brand_id, ai_daily_generation_quota FROM raw.brands").fetchall() == [
        ("b1", 100)
    ]
    assert sorted(
        con.execute("SELECT line, reason FROM raw.rejected_rows WHERE source = 'brands'").fetchall()
    ) == [
        (2, "invalid_field: ai_daily_generation_quota must be an integer"),
        (3, "invalid_field: ai_daily_generation_quota must be an integer"),
    ]
