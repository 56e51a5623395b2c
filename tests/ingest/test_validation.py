"""One test per bad-input kind: the reason is recorded and the good rows around it load."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import duckdb
import pytest

from brandpulse import db
from brandpulse.ingest import load_partition, load_snapshot
from tests.ingest.landing import event, write_brands, write_events, write_lines

DAY = "2026-08-01"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    write_brands(root)
    return root


@pytest.fixture
def con(tmp_path: Path):
    connection = db.connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def load_events(con, landing: Path, rows: list) -> tuple[list[str], list[tuple]]:
    """Load good-bad-good and return (loaded event ids, rejected (line, reason))."""
    load_snapshot(con, "brands", landing)
    write_events(landing, DAY, [event("good1"), *rows, event("good2")])
    report = load_partition(con, "events", date.fromisoformat(DAY), landing)
    assert report.balanced
    loaded = [
        r[0] for r in con.execute("SELECT event_id FROM raw.events ORDER BY event_id").fetchall()
    ]
    rejected = con.execute(
        "SELECT line, reason FROM raw.rejected_rows WHERE source = 'events' ORDER BY line"
    ).fetchall()
    return loaded, rejected


BAD_ROWS = {
    "invalid_json": '{"event_id": "x", "brand_id": ',
    "not_an_object": "[1, 2, 3]",
    "missing_event_id": event("x") | {"event_id": None},
    "empty_event_id": event("x") | {"event_id": ""},
    "missing_brand": {k: v for k, v in event("x").items() if k != "brand_id"},
    "missing_ids": {k: v for k, v in event("x").items() if k != "anonymous_id"},
    "bad_timestamp": event("x", occurred_at="last tuesday"),
    "timestamp_without_offset": event("x", occurred_at="2026-08-01T10:00:00"),
    "future_timestamp": event("x", occurred_at="2026-08-03T00:00:01Z"),
    "negative_revenue": event("x", event_name="purchase", revenue=-5, currency="USD"),
    "revenue_without_currency": event("x", event_name="purchase", revenue=5),
    "revenue_not_number": event("x", event_name="purchase", revenue="5", currency="USD"),
    "bad_currency": event("x", event_name="purchase", revenue=5, currency="dollars"),
    "unknown_brand": event("x", brand_id="nobody"),
    "event_name_too_long": event("x", event_name="e" * 201),
    "properties_not_object": event("x", properties=[1]),
}
EXPECTED_CODE = {
    "invalid_json": "invalid_json",
    "not_an_object": "invalid_json",
    "missing_event_id": "missing_field",
    "empty_event_id": "missing_field",
    "missing_brand": "missing_field",
    "missing_ids": "missing_field",
    "bad_timestamp": "bad_timestamp",
    "timestamp_without_offset": "bad_timestamp",
    "future_timestamp": "future_timestamp",
    "negative_revenue": "negative_revenue",
    "revenue_without_currency": "revenue_without_currency",
    "revenue_not_number": "invalid_field",
    "bad_currency": "invalid_field",
    "unknown_brand": "unknown_brand",
    "event_name_too_long": "invalid_field",
    "properties_not_object": "invalid_field",
}


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_bad_row_is_rejected_with_reason_and_neighbours_load(kind: str, con, landing: Path) -> None:
    loaded, rejected = load_events(con, landing, [BAD_ROWS[kind]])
    assert loaded == ["good1", "good2"]
    assert len(rejected) == 1
    line, reason = rejected[0]
    assert line == 2
    assert reason.split(":")[0] == EXPECTED_CODE[kind], reason


def test_event_one_day_after_arrival_day_is_accepted(con, landing: Path) -> None:
    loaded, rejected = load_events(
        con, landing, [event("edge", occurred_at="2026-08-03T00:00:00Z")]
    )
    assert "edge" in loaded and rejected == []


def test_offsets_are_normalised_to_utc(con, landing: Path) -> None:
    load_events(con, landing, [event("tokyo", occurred_at="2026-08-01T09:30:00+09:00")])
    ts = con.execute("SELECT occurred_at FROM raw.events WHERE event_id = 'tokyo'").fetchone()[0]
    assert ts.isoformat() == "2026-08-01T00:30:00"


def test_iso_8601_forms_of_a_timestamp_are_read(con, landing: Path) -> None:
    """A comma before the fraction of a second is ISO 8601 as much as a dot is; so are
    offsets without a colon."""
    forms = {
        "comma": "2026-08-01T09:30:00,25+09:00",
        "dot": "2026-08-01T00:30:00.25Z",
        "compact_offset": "2026-08-01T06:00:00.25+0530",
    }
    loaded, rejected = load_events(
        con, landing, [event(k, occurred_at=v) for k, v in forms.items()]
    )
    assert rejected == []
    times = dict(
        con.execute(
            "SELECT event_id, occurred_at FROM raw.events WHERE NOT starts_with(event_id, 'good')"
        ).fetchall()
    )
    assert {k: t.isoformat() for k, t in times.items()} == dict.fromkeys(
        forms, "2026-08-01T00:30:00.250000"
    )


def test_truncated_gzip_is_one_rejected_entry_and_other_files_load(con, landing: Path) -> None:
    load_snapshot(con, "brands", landing)
    write_events(landing, DAY, [event("ok")], name="a.jsonl")
    blob = gzip.compress(b'{"event_id": "lost"}\n' * 100)
    (landing / "events" / f"date={DAY}" / "b.jsonl.gz").write_bytes(blob[: len(blob) // 2])
    report = load_partition(con, "events", date.fromisoformat(DAY), landing)
    assert con.execute("SELECT event_id FROM raw.events").fetchall() == [("ok",)]
    rows = con.execute("SELECT file, line, reason FROM raw.rejected_rows").fetchall()
    assert len(rows) == 1 and rows[0][0].endswith("b.jsonl.gz") and rows[0][1] is None
    assert rows[0][2].startswith("unreadable_file:")
    assert report.balanced


def test_duplicates_within_a_file_are_kept_once_and_counted(con, landing: Path) -> None:
    load_snapshot(con, "brands", landing)
    write_events(landing, DAY, [event("d"), event("d"), event("d", brand_id="b2"), event("e")])
    report = load_partition(con, "events", date.fromisoformat(DAY), landing)
    assert (
        con.execute("SELECT count(*) FROM raw.events").fetchone()[0] == 3
    )  # same id in two brands is two events
    assert (
        report.total("rows_read"),
        report.total("rows_loaded"),
        report.total("rows_duplicate"),
    ) == (4, 3, 1)


def test_duplicate_keys_with_null_parts_are_one_key(con, landing: Path) -> None:
    """Comments de-duplicate on (brand, comment, edited_at, deleted_at): NULL parts are equal.

    The creation (both NULL) arrives twice, in two files: the first file's copy is kept; the
    edit is a different fact and stays; blank and whitespace-only lines are not rows.
    """
    load_snapshot(con, "brands", landing)
    created = {
        "comment_id": "c1",
        "brand_id": "b1",
        "resource_type": "dashboard",
        "resource_id": "r1",
        "created_at": "2026-08-01T10:00:00Z",
    }
    edited = created | {"edited_at": "2026-08-01T11:00:00Z", "body": "edited"}
    folder = landing / "comments" / f"date={DAY}"
    write_lines(folder / "a.jsonl", [created | {"body": "first"}, "", "   ", edited])
    write_lines(folder / "b.jsonl", [created | {"body": "second"}])
    report = load_partition(con, "comments", date.fromisoformat(DAY), landing)
    rows = con.execute(
        "SELECT body, _source_file FROM raw.comments ORDER BY edited_at NULLS FIRST"
    ).fetchall()
    assert [(body, file.endswith("a.jsonl")) for body, file in rows] == [
        ("first", True),
        ("edited", True),
    ]
    assert (
        report.total("rows_read"),
        report.total("rows_loaded"),
        report.total("rows_duplicate"),
        report.total("rows_rejected"),
    ) == (3, 2, 1, 0)


def test_parquet_files_load_like_jsonl(con, landing: Path, tmp_path: Path) -> None:
    import polars as pl

    load_snapshot(con, "brands", landing)
    folder = landing / "events" / f"date={DAY}"
    folder.mkdir(parents=True)
    pl.DataFrame(
        [event("p1"), event("p2", revenue=3.5, currency="JPY", anonymous_id="a2")]
    ).write_parquet(folder / "part.parquet")
    load_partition(con, "events", date.fromisoformat(DAY), landing)
    assert con.execute("SELECT event_id, revenue FROM raw.events ORDER BY 1").fetchall() == [
        ("p1", None),
        ("p2", 3.5),
    ]


def test_share_records_are_duplicates_only_when_the_same_fact(con, landing: Path) -> None:
    """A share_id's permission change, revocation and re-share (new created_at) are new
    records; the same record again is a duplicate."""
    load_snapshot(con, "brands", landing)
    shared = {
        "share_id": "s1",
        "brand_id": "b1",
        "resource_type": "dashboard",
        "resource_id": "r1",
        "shared_with": "public",
        "permission": "view",
        "created_at": "2026-08-01T09:00:00Z",
    }
    records = [
        shared,
        shared | {"permission": "edit"},
        shared,  # the same fact again
        shared | {"permission": "edit", "revoked_at": "2026-08-01T10:00:00Z"},
        shared | {"created_at": "2026-08-01T11:00:00Z"},  # shared again
    ]
    write_lines(landing / "shared_resources" / f"date={DAY}" / "a.jsonl", records)
    report = load_partition(con, "shared_resources", date.fromisoformat(DAY), landing)
    assert (report.total("rows_loaded"), report.total("rows_duplicate")) == (4, 1)
    assert con.execute("SELECT _line FROM raw.shared_resources ORDER BY _line").fetchall() == [
        (1,),
        (2,),
        (4,),
        (5,),
    ]


def test_parquet_object_columns_may_hold_json_text(con, landing: Path) -> None:
    """Parquet has no JSON object type: exporters write properties/context as JSON text.
    Text holding an object loads as the object; text that is not one is rejected."""
    import polars as pl

    load_snapshot(con, "brands", landing)
    folder = landing / "events" / f"date={DAY}"
    folder.mkdir(parents=True)
    pl.DataFrame(
        [
            event("t1", properties='{"plan": "pro", "n": 2}', context='{"country": "JP"}'),
            event("t2", properties="not json", context=None),
            event("t3", properties='["a list"]', context=None),
        ]
    ).write_parquet(folder / "part.parquet")
    load_partition(con, "events", date.fromisoformat(DAY), landing)
    assert con.execute(
        "SELECT event_id, properties->>'plan', properties->>'n', context->>'country' FROM raw.events"
    ).fetchall() == [("t1", "pro", "2", "JP")]
    assert con.execute("SELECT line, reason FROM raw.rejected_rows ORDER BY line").fetchall() == [
        (2, "invalid_field: properties must be a JSON object"),
        (3, "invalid_field: properties must be a JSON object"),
    ]


def test_json_lines_object_fields_stay_strict(con, landing: Path) -> None:
    """In JSON Lines an object is written as one: a string holding JSON is rejected."""
    load_snapshot(con, "brands", landing)
    write_lines(
        landing / "events" / f"date={DAY}" / "part.jsonl",
        [event("s1", properties='{"plan": "pro"}')],
    )
    load_partition(con, "events", date.fromisoformat(DAY), landing)
    assert con.execute("SELECT reason FROM raw.rejected_rows").fetchall() == [
        ("invalid_field: properties must be a JSON object",)
    ]


def test_invalid_definitions_are_reported_by_id_and_others_load(con, landing: Path) -> None:
    load_snapshot(con, "brands", landing)
    write_lines(
        landing / "funnels" / "funnels.jsonl",
        [
            {
                "funnel_id": "ok",
                "brand_id": "b1",
                "name": "Buy",
                "steps": [
                    {"event_name": "a"},
                    {"event_name": "b", "where": {"plan": "pro", "n": 2, "x": 2.5, "vip": True}},
                ],
            },
            {"funnel_id": "one_step", "brand_id": "b1", "steps": [{"event_name": "a"}]},
            {
                "funnel_id": "bad_order",
                "brand_id": "b1",
                "order": "sideways",
                "steps": [{"event_name": "a"}, {"event_name": "b"}],
            },
            {
                "funnel_id": "bad_excl",
                "brand_id": "b1",
                "steps": [{"event_name": "a"}, {"event_name": "b"}],
                "exclusions": [{"event_name": "x", "from_step": 2, "to_step": 1}],
            },
        ],
    )
    write_lines(
        landing / "segments" / "segments.jsonl",
        [
            {
                "segment_id": "ok",
                "brand_id": "b1",
                "rules": {"any": [{"feature": "country", "op": "=", "value": "JP"}]},
            },
            {
                "segment_id": "unknown_feature",
                "brand_id": "b1",
                "rules": {"feature": "shoe_size", "op": ">", "value": 1},
            },
            {
                "segment_id": "unknown_op",
                "brand_id": "b1",
                "rules": {"feature": "frequency", "op": "LIKE", "value": 1},
            },
            {
                "segment_id": "sql",
                "brand_id": "b1",
                "rules": {"feature": "country", "op": "=", "value": "x' OR 1=1 --"},
            },
        ],
    )
    write_lines(
        landing / "cohorts" / "cohorts.jsonl",
        [
            {
                "cohort_id": "ok",
                "brand_id": "b1",
                "grain": "week",
                "kind": "first_time",
                "periods": 4,
            },
            {
                "cohort_id": "too_long",
                "brand_id": "b1",
                "grain": "week",
                "kind": "first_time",
                "periods": 53,
            },
        ],
    )
    for source in ("funnels", "segments", "cohorts"):
        load_snapshot(con, source, landing)
    assert con.execute("SELECT funnel_id FROM raw.funnels").fetchall() == [("ok",)]
    # `where` values keep their JSON type (matched as the same type and value)
    assert con.execute(
        "SELECT property, value_text, value_type FROM raw.funnel_step_filters ORDER BY 1"
    ).fetchall() == [
        ("n", "2", "number"),
        ("plan", "pro", "string"),
        ("vip", "true", "boolean"),
        ("x", "2.5", "number"),
    ]
    assert sorted(r[0] for r in con.execute("SELECT segment_id FROM raw.segments").fetchall()) == [
        "ok",
        "sql",
    ]
    # a value is data: it is stored as a value, never turned into SQL
    assert (
        con.execute(
            "SELECT value_text FROM raw.segment_rule_nodes WHERE segment_id = 'sql'"
        ).fetchone()[0]
        == "x' OR 1=1 --"
    )
    assert con.execute("SELECT cohort_id FROM raw.cohorts").fetchall() == [("ok",)]
    rejected = con.execute(
        "SELECT source, raw, reason FROM raw.rejected_rows ORDER BY source, line"
    ).fetchall()
    ids = {(s, r.split('"')[3]): reason for s, r, reason in rejected}
    assert ids[("funnels", "one_step")].startswith("invalid_definition: steps")
    assert ids[("funnels", "bad_order")].startswith("invalid_definition: order")
    assert "from_step" in ids[("funnels", "bad_excl")]
    assert "unknown feature" in ids[("segments", "unknown_feature")]
    assert "unknown operator" in ids[("segments", "unknown_op")]
    assert "periods" in ids[("cohorts", "too_long")]


def test_an_older_warehouse_gets_the_raw_columns_added_since() -> None:
    """A raw table created before a column existed gains it (NULL in its old rows)."""
    from brandpulse.raw_schema import ensure_raw_schema

    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE raw.funnel_step_filters (brand_id VARCHAR NOT NULL, funnel_id VARCHAR NOT NULL,"
        " step_number INTEGER NOT NULL, property VARCHAR NOT NULL, value_text VARCHAR)"
    )
    con.execute("INSERT INTO raw.funnel_step_filters VALUES ('b1', 'f', 2, 'plan', 'pro')")
    ensure_raw_schema(con)
    ensure_raw_schema(con)  # idempotent
    assert con.execute("SELECT * FROM raw.funnel_step_filters").fetchall() == [
        ("b1", "f", 2, "plan", "pro", None)
    ]


def test_collections_and_memberships_validate_and_quarantine(con, landing: Path) -> None:
    """Collection records and membership adds/removes load; a bad action, a missing id, a
    record updated before it was created and an unknown brand are rejected with their reason;
    the same record twice is a duplicate."""
    load_snapshot(con, "brands", landing)
    created = {
        "collection_id": "c1", "brand_id": "b1", "name": "Launch", "owner_id": "u1",
        "created_at": "2026-08-01T09:00:00Z", "updated_at": "2026-08-01T09:00:00Z",
    }  # fmt: skip
    collections = [
        created,
        created | {"name": "Launch v2", "updated_at": "2026-08-01T10:00:00Z"},
        created,  # duplicate
        created | {"collection_id": "c2", "updated_at": "2026-08-01T08:00:00Z"},  # before created
        created | {"collection_id": "c3", "brand_id": "nope"},
    ]
    write_lines(landing / "ai_collections" / f"date={DAY}" / "a.jsonl", collections)
    added = {"collection_id": "c1", "generation_id": "g1", "brand_id": "b1", "action": "add",
             "occurred_at": "2026-08-01T09:05:00Z"}  # fmt: skip
    memberships = [
        added,
        added | {"action": "remove", "occurred_at": "2026-08-01T09:06:00Z"},
        added | {"action": "archive"},
        {k: v for k, v in added.items() if k != "generation_id"},
    ]
    write_lines(landing / "ai_collection_memberships" / f"date={DAY}" / "a.jsonl", memberships)
    day = date.fromisoformat(DAY)
    report = load_partition(con, "ai_collections", day, landing)
    assert report.balanced and (report.total("rows_loaded"), report.total("rows_duplicate")) == (
        2,
        1,
    )
    report = load_partition(con, "ai_collection_memberships", day, landing)
    assert report.balanced and report.total("rows_loaded") == 2
    reasons = con.execute(
        "SELECT source, line, split_part(reason, ':', 1) FROM raw.rejected_rows ORDER BY source, line"
    ).fetchall()
    assert reasons == [
        ("ai_collection_memberships", 3, "invalid_field"),
        ("ai_collection_memberships", 4, "missing_field"),
        ("ai_collections", 4, "invalid_field"),
        ("ai_collections", 5, "unknown_brand"),
    ]
    assert con.execute("SELECT name FROM raw.ai_collections ORDER BY updated_at").fetchall() == [
        ("Launch",),
        ("Launch v2",),
    ]
