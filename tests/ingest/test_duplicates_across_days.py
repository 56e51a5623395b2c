"""The earliest arrival of an event wins, whatever order its days load in, in one batch or many.

Cases worked by hand: event k arrives on day 1 and again on day 3, m on days 2 and 3,
n twice on day 2 (two files), and each day has one event of its own (d1, d2, d3).
Kept: k from day 1, m from day 2, n from day 2's first file; duplicates: day 2 one (n),
day 3 two (k, m).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from brandpulse import db
from brandpulse.ingest import load as ingest_load
from brandpulse.ingest import load_partition, load_partitions, load_snapshot
from tests.ingest.landing import event, write_brands, write_events

DAYS = [date(2026, 8, 1), date(2026, 8, 2), date(2026, 8, 3)]
EXPECTED_EVENTS = [
    ("d1", "2026-08-01", "date=2026-08-01/part-0000.jsonl"),
    ("d2", "2026-08-02", "date=2026-08-02/part-0000.jsonl"),
    ("d3", "2026-08-03", "date=2026-08-03/part-0000.jsonl"),
    ("k", "2026-08-01", "date=2026-08-01/part-0000.jsonl"),
    ("m", "2026-08-02", "date=2026-08-02/part-0000.jsonl"),
    ("n", "2026-08-02", "date=2026-08-02/part-0000.jsonl"),
]
EXPECTED_AUDIT = [  # day, file, read, loaded, duplicate, rejected
    ("2026-08-01", "date=2026-08-01/part-0000.jsonl", 2, 2, 0, 0),
    ("2026-08-02", "date=2026-08-02/part-0000.jsonl", 3, 3, 0, 0),
    ("2026-08-02", "date=2026-08-02/part-0001.jsonl", 1, 0, 1, 0),
    ("2026-08-03", "date=2026-08-03/part-0000.jsonl", 3, 1, 2, 0),
]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    write_brands(root)
    at = "T10:00:00Z"
    write_events(
        root, "2026-08-01", [event("k", f"2026-08-01{at}"), event("d1", f"2026-08-01{at}")]
    )
    write_events(
        root,
        "2026-08-02",
        [
            event("m", f"2026-08-02{at}"),
            event("n", f"2026-08-02{at}"),
            event("d2", f"2026-08-02{at}"),
        ],
    )
    write_events(root, "2026-08-02", [event("n", f"2026-08-02{at}")], name="part-0001.jsonl")
    write_events(
        root,
        "2026-08-03",
        [
            event("k", f"2026-08-01{at}"),
            event("m", f"2026-08-02{at}"),
            event("d3", f"2026-08-03{at}"),
        ],
    )
    return root


@pytest.fixture
def con(tmp_path: Path, landing: Path):
    connection = db.connect(tmp_path / "w.duckdb")
    load_snapshot(connection, "brands", landing)
    yield connection
    connection.close()


def tables(con, landing: Path) -> tuple[list[tuple], list[tuple]]:
    events = con.execute(
        "SELECT event_id, CAST(_partition_date AS VARCHAR), _source_file FROM raw.events ORDER BY 1"
    ).fetchall()
    audit = con.execute(
        """SELECT CAST(_partition_date AS VARCHAR), file, rows_read, rows_loaded, rows_duplicate,
                  rows_rejected FROM raw.load_audit WHERE source = 'events' ORDER BY 1, 2"""
    ).fetchall()
    prefix = "events/"
    return (
        [(e, d, f.removeprefix(prefix)) for e, d, f in events],
        [(d, f.removeprefix(prefix), *rest) for d, f, *rest in audit],
    )


def test_one_batch(con, landing: Path) -> None:
    report = load_partitions(con, "events", DAYS, landing)
    assert tables(con, landing) == (EXPECTED_EVENTS, EXPECTED_AUDIT)
    assert (report.total("rows_loaded"), report.total("rows_duplicate")) == (6, 3)


def test_a_batch_per_day_reads_ahead_and_gives_the_same_tables(
    con, landing: Path, monkeypatch
) -> None:
    """Each day its own batch and transaction: days 2 and 3 find their copies in the
    warehouse (loaded by the earlier batches), while the next day's files are read ahead."""
    monkeypatch.setattr(ingest_load, "BATCH_BYTES", 1)
    seen: list[list[date]] = []
    report = load_partitions(
        con, "events", DAYS, landing, progress=lambda r: seen.append(r.partitions)
    )
    assert seen == [[d] for d in DAYS]
    assert tables(con, landing) == (EXPECTED_EVENTS, EXPECTED_AUDIT)
    assert (report.total("rows_loaded"), report.total("rows_duplicate")) == (6, 3)


def test_days_loaded_newest_first_end_the_same(con, landing: Path) -> None:
    """Day 3 alone first keeps k and m there; day 2 then replaces m's later copy, day 1
    k's: the audit of day 3 is that of its own load (nothing was a duplicate then)."""
    replaced = [
        load_partition(con, "events", day, landing).replaced_later_copies for day in reversed(DAYS)
    ]
    assert replaced == [0, 1, 1]
    events, audit = tables(con, landing)
    assert events == EXPECTED_EVENTS
    assert audit[-1] == ("2026-08-03", "date=2026-08-03/part-0000.jsonl", 3, 3, 0, 0)
    # reloading day 3 now finds k and m in earlier partitions: the same tables as in order
    load_partition(con, "events", DAYS[2], landing)
    assert tables(con, landing) == (EXPECTED_EVENTS, EXPECTED_AUDIT)


def test_a_rerun_gives_the_same_tables(con, landing: Path) -> None:
    load_partitions(con, "events", DAYS, landing)
    first = tables(con, landing)
    load_partitions(con, "events", DAYS, landing)
    load_partition(con, "events", DAYS[1], landing)
    assert tables(con, landing) == first
