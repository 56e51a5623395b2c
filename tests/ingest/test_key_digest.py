"""The key digest (brandpulse/ingest/key_digest.py) holds one entry per landing row of raw,
stays so through crashes, re-deliveries and out-of-order loads, and never changes which
rows are duplicates.

Landing worked by hand: day 1 holds k and d1, day 2 holds m, n and d2, day 3 holds k
and m again (duplicates of days 1 and 2) and d3.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from brandpulse import db
from brandpulse.ingest import load as ingest_load
from brandpulse.ingest import load_partition, load_partitions, load_snapshot
from brandpulse.ingest.key_digest import PROBE
from tests.ingest.landing import event, write_brands, write_events

DAYS = [date(2026, 8, 1), date(2026, 8, 2), date(2026, 8, 3)]
AT = "T10:00:00Z"


def _day(d: date) -> str:
    return d.isoformat()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    write_brands(root)
    write_events(
        root, _day(DAYS[0]), [event("k", f"2026-08-01{AT}"), event("d1", f"2026-08-01{AT}")]
    )
    write_events(
        root,
        _day(DAYS[1]),
        [event(e, f"2026-08-02{AT}") for e in ("m", "n", "d2")],
    )
    write_events(
        root,
        _day(DAYS[2]),
        [
            event("k", f"2026-08-01{AT}"),
            event("m", f"2026-08-02{AT}"),
            event("d3", f"2026-08-03{AT}"),
        ],
    )
    return root


@pytest.fixture
def con(tmp_path: Path, landing: Path):
    connection = db.connect(tmp_path / "w.duckdb")
    load_snapshot(connection, "brands", landing)
    yield connection
    connection.close()


def digest(con) -> list[tuple]:
    """The digest as (event_id, day): each entry named by the raw key whose hash it holds."""
    return con.execute(
        """SELECT e.event_id, CAST(k._partition_date AS VARCHAR)
           FROM ingest_keys.events k
           LEFT JOIN (SELECT DISTINCT brand_id, event_id, hash(brand_id, event_id) AS h
                      FROM raw.events) e ON e.h = k.key_hash
           ORDER BY 2, 1"""
    ).fetchall()


def landing_rows(con) -> list[tuple]:
    """What the digest must hold: raw's landing rows as (event_id, day)."""
    return con.execute(
        """SELECT event_id, CAST(_partition_date AS VARCHAR) FROM raw.events
           WHERE NOT starts_with(coalesce(_source_file, ''), 'app:') AND _partition_date IS NOT NULL
           ORDER BY 2, 1"""
    ).fetchall()


def events(con) -> list[tuple]:
    return con.execute(
        "SELECT event_id, CAST(_partition_date AS VARCHAR) FROM raw.events ORDER BY 2, 1"
    ).fetchall()


KEPT = [
    ("d1", "2026-08-01"),
    ("k", "2026-08-01"),
    ("d2", "2026-08-02"),
    ("m", "2026-08-02"),
    ("n", "2026-08-02"),
    ("d3", "2026-08-03"),
]


def test_one_entry_per_landing_row_in_one_batch_or_many(con, landing: Path, monkeypatch) -> None:
    load_partitions(con, "events", DAYS, landing)
    assert events(con) == KEPT
    assert digest(con) == landing_rows(con) == KEPT
    monkeypatch.setattr(ingest_load, "BATCH_BYTES", 1)  # a batch per day, searching the digest
    report = load_partitions(con, "events", DAYS, landing)
    assert report.total("rows_duplicate") == 2
    assert digest(con) == landing_rows(con) == KEPT


def test_out_of_order_loads_replace_later_copies_in_the_digest(con, landing: Path) -> None:
    """Day 3 first keeps k and m there; days 2 and 1 replace them: their digest entries
    move with the rows."""
    load_partition(con, "events", DAYS[2], landing)
    assert digest(con) == [("d3", "2026-08-03"), ("k", "2026-08-03"), ("m", "2026-08-03")]
    for day in (DAYS[1], DAYS[0]):
        load_partition(con, "events", day, landing)
        assert digest(con) == landing_rows(con)
    assert digest(con) == KEPT


def test_a_crash_leaves_the_digest_as_it_was(con, landing: Path, monkeypatch) -> None:
    load_partitions(con, "events", DAYS[:2], landing)
    before = (events(con), digest(con))

    def crash(_con) -> None:
        raise RuntimeError("killed before commit")

    monkeypatch.setattr(ingest_load, "_before_commit", crash)
    with pytest.raises(RuntimeError, match="killed"):
        load_partition(con, "events", DAYS[2], landing)
    with pytest.raises(RuntimeError, match="killed"):  # a re-delivery of day 1 too
        load_partition(con, "events", DAYS[0], landing)
    assert (events(con), digest(con)) == before
    monkeypatch.setattr(ingest_load, "_before_commit", lambda _con: None)
    load_partition(con, "events", DAYS[2], landing)
    assert digest(con) == landing_rows(con) == KEPT


def test_a_redelivered_partition_replaces_its_keys(con, landing: Path) -> None:
    """Day 1 arrives again without k and with x: its digest holds d1 and x; day 3's k is
    then no longer a duplicate when day 3 loads again."""
    load_partitions(con, "events", DAYS, landing)
    write_events(
        landing, _day(DAYS[0]), [event("d1", f"2026-08-01{AT}"), event("x", f"2026-08-01{AT}")]
    )
    load_partition(con, "events", DAYS[0], landing)
    assert [e for e, d in digest(con) if d == "2026-08-01"] == ["d1", "x"]
    load_partition(con, "events", DAYS[2], landing)
    assert digest(con) == landing_rows(con)
    assert ("k", "2026-08-03") in events(con)
    assert ("m", "2026-08-03") not in events(con)


def test_a_warehouse_without_the_digest_gets_it_built(con, landing: Path) -> None:
    load_partitions(con, "events", DAYS[:2], landing)
    con.execute("DROP SCHEMA ingest_keys CASCADE")
    report = load_partition(con, "events", DAYS[2], landing)
    assert report.total("rows_duplicate") == 2  # k and m, found through the rebuilt digest
    assert digest(con) == landing_rows(con) == KEPT


def test_rows_written_around_ingest_are_found(con, landing: Path) -> None:
    """A landing row another writer put into raw (day 2026-07-31, key d3) makes day 3's d3
    a duplicate: the start of the load finds that day's count changed."""
    load_partitions(con, "events", DAYS[:2], landing)
    con.execute(
        """INSERT INTO raw.events (brand_id, event_id, event_name, occurred_at, anonymous_id,
               _partition_date, _source_file, _line, _loaded_at)
           VALUES ('b1', 'd3', 'page_view', TIMESTAMP '2026-07-31 10:00:00', 'a1',
                   DATE '2026-07-31', 'events/date=2026-07-31/part-0000.jsonl', 1, now())"""
    )
    report = load_partition(con, "events", DAYS[2], landing)
    assert report.total("rows_duplicate") == 3
    assert digest(con) == landing_rows(con)


def test_app_rows_count_as_earlier_copies_without_being_in_the_digest(con, landing: Path) -> None:
    con.execute(
        """INSERT INTO raw.events (brand_id, event_id, event_name, occurred_at, anonymous_id,
               _partition_date, _source_file, _line, _loaded_at)
           VALUES ('b1', 'd1', 'page_view', TIMESTAMP '2026-07-31 10:00:00', 'a1',
                   DATE '2026-07-31', 'app:AnalyticsEvent', NULL, now())"""
    )
    report = load_partition(con, "events", DAYS[0], landing)
    assert report.total("rows_duplicate") == 1
    assert digest(con) == landing_rows(con) == [("k", "2026-08-01")]


def test_a_digest_match_is_confirmed_in_raw(con, landing: Path) -> None:
    """An entry of day 1 holding n's hash (as a collision would, the day's count unchanged)
    does not make day 2's n a duplicate: raw's day 1 does not hold n."""
    load_partition(con, "events", DAYS[0], landing)
    con.execute(
        """UPDATE ingest_keys.events SET key_hash = hash('b1', 'n')
           WHERE key_hash = hash('b1', 'd1')"""
    )
    report = load_partition(con, "events", DAYS[1], landing)
    assert report.total("rows_duplicate") == 0
    assert ("n", "2026-08-02") in events(con)


def test_a_changed_hash_function_rebuilds_the_digest(con, landing: Path) -> None:
    load_partitions(con, "events", DAYS[:2], landing)
    con.execute(f"UPDATE {PROBE.qualified} SET probe = probe + 1")
    con.execute("UPDATE ingest_keys.events SET key_hash = key_hash // 2")  # as a new hash would
    report = load_partition(con, "events", DAYS[2], landing)
    assert report.total("rows_duplicate") == 2
    assert digest(con) == landing_rows(con) == KEPT
