"""The raw layer's Parquet lake (brandpulse.lake): layout, empty tables, atomic switch."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from brandpulse.lake import export_lake
from brandpulse.raw_schema import ensure_ai_schema, ensure_raw_schema


@pytest.fixture
def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_raw_schema(con)
    ensure_ai_schema(con)
    con.execute(
        "INSERT INTO raw.events (brand_id, event_id, event_name, occurred_at, anonymous_id, "
        "properties, _partition_date) VALUES "
        "('b1', 'e1', 'signup', TIMESTAMP '2026-08-01 10:00:00', 'a1', '{\"plan\": \"pro\"}', DATE '2026-08-01'), "
        "('b1', 'e2', 'order', TIMESTAMP '2026-08-02 11:00:00', 'a1', NULL, DATE '2026-08-02'), "
        "('b2', 'e3', 'order', TIMESTAMP '2026-08-02 12:00:00', 'a9', NULL, DATE '2026-08-02')"
    )
    con.execute(
        "INSERT INTO raw.rejected_rows (source, file, line, reason, raw, rejected_at, _partition_date) "
        "VALUES ('events', 'events/date=2026-08-02/a.jsonl', 3, 'bad_json: x', '{', now(), DATE '2026-08-02')"
    )
    return con


def test_partitioned_by_source_and_arrival_day(warehouse, tmp_path: Path) -> None:
    exported = {(t.schema, t.table): t.rows for t in export_lake(warehouse, tmp_path)}
    assert exported[("raw", "events")] == 3
    assert exported[("raw", "rejected_rows")] == 1
    events = tmp_path / "raw" / "events"
    assert sorted(p.name for p in events.iterdir()) == [
        "arrival_day=2026-08-01",
        "arrival_day=2026-08-02",
    ]
    assert (tmp_path / "raw/rejected_rows/source=events/arrival_day=2026-08-02").is_dir()
    rows = duckdb.sql(
        f"SELECT event_id, properties, arrival_day FROM read_parquet('{events}/*/*.parquet', "
        "hive_partitioning = true, hive_types_autocast = false) ORDER BY event_id"
    ).fetchall()
    # JSON is written as text; every row is there once, in its arrival day
    assert rows == [
        ("e1", '{"plan": "pro"}', "2026-08-01"),
        ("e2", None, "2026-08-02"),
        ("e3", None, "2026-08-02"),
    ]


def test_an_empty_table_keeps_its_schema(warehouse, tmp_path: Path) -> None:
    export_lake(warehouse, tmp_path)
    files = list((tmp_path / "raw" / "comments").rglob("*.parquet"))
    assert [f.parent.name for f in files] == ["arrival_day=none"]
    columns = [
        d[0]
        for d in duckdb.sql(
            f"SELECT * FROM read_parquet('{files[0]}', hive_partitioning = false)"
        ).description
    ]
    assert "comment_id" in columns and "arrival_day" not in columns
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{files[0]}')").fetchone() == (0,)


def test_a_failed_export_leaves_the_previous_lake(warehouse, tmp_path: Path) -> None:
    export_lake(warehouse, tmp_path)
    warehouse.execute("DROP TABLE raw.comments")  # the export fails at this table
    warehouse.execute("DELETE FROM raw.events WHERE event_id = 'e3'")
    with pytest.raises(LookupError, match=r"raw\.comments"):
        export_lake(warehouse, tmp_path)
    assert (tmp_path / "raw" / "comments").is_dir()
    # nothing half-written is left next to the tables
    assert not [p for p in (tmp_path / "raw").iterdir() if p.name.startswith(".")]
