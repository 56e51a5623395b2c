"""A batch of days is validated, de-duplicated and written as one unit: the worked tables
whatever the batching, a re-delivery is a duplicate again, and a crash at any step (before
or inside the write transaction) leaves raw, quarantine, audit and key digest as they were.

Landing worked by hand (brand b1 exists, b9 does not):
- day 1 `part-0000.jsonl`: a, b, a line that is not JSON, a again (the same file: a duplicate)
- day 2 `part-0000.jsonl`: a (a re-delivery of day 1's key: a duplicate), c, a blank line
  (not a row), d of brand b9 (rejected: unknown brand)
So raw holds a and b of day 1 and c of day 2; day 1's audit is 4 read = 2 + 1 + 1, day 2's
3 read = 1 + 1 + 1.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from brandpulse import db
from brandpulse.ingest import key_digest, load_partition, load_partitions, load_snapshot
from brandpulse.ingest import load as ingest_load
from tests.ingest.landing import event, write_brands, write_events

DAY1, DAY2 = date(2026, 8, 1), date(2026, 8, 2)
RAW = [
    ("a", "2026-08-01", "events/date=2026-08-01/part-0000.jsonl", 1),
    ("b", "2026-08-01", "events/date=2026-08-01/part-0000.jsonl", 2),
    ("c", "2026-08-02", "events/date=2026-08-02/part-0000.jsonl", 2),
]
AUDIT = [
    ("events/date=2026-08-01/part-0000.jsonl", 4, 2, 1, 1),
    ("events/date=2026-08-02/part-0000.jsonl", 3, 1, 1, 1),
]
REJECTED = [
    ("events/date=2026-08-01/part-0000.jsonl", 3, "invalid_json", "not json"),
    ("events/date=2026-08-02/part-0000.jsonl", 4, "unknown_brand", None),
]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    write_brands(root)
    write_events(root, "2026-08-01", [event("a"), event("b"), "not json", event("a")])
    at = "2026-08-02T09:00:00Z"
    write_events(
        root, "2026-08-02", [event("a", at), event("c", at), "", event("d", at, brand_id="b9")]
    )
    return root


@pytest.fixture
def con(tmp_path: Path, landing: Path):
    connection = db.connect(tmp_path / "w.duckdb")
    load_snapshot(connection, "brands", landing)
    yield connection
    connection.close()


def tables(con) -> dict[str, list[tuple]]:
    """Everything a load writes for events, without load times."""
    return {
        "raw": con.execute(
            "SELECT event_id, strftime(_partition_date, '%Y-%m-%d'), _source_file, _line "
            "FROM raw.events ORDER BY ALL"
        ).fetchall(),
        "audit": con.execute(
            "SELECT file, rows_read, rows_loaded, rows_duplicate, rows_rejected "
            "FROM raw.load_audit WHERE source = 'events' ORDER BY ALL"
        ).fetchall(),
        "rejected": con.execute(
            "SELECT file, line, split_part(reason, ':', 1), CASE WHEN raw = 'not json' THEN raw END "
            "FROM raw.rejected_rows WHERE source = 'events' ORDER BY ALL"
        ).fetchall(),
        "digest": con.execute(
            "SELECT key_hash, _partition_date FROM ingest_keys.events ORDER BY ALL"
        ).fetchall(),
    }


def test_one_batch_and_a_batch_per_day_write_the_worked_tables(con, landing, monkeypatch) -> None:
    report = load_partitions(con, "events", [DAY1, DAY2], landing)
    assert report.balanced and report.total("rows_duplicate") == 2
    one_batch = tables(con)
    assert (one_batch["raw"], one_batch["audit"], one_batch["rejected"]) == (RAW, AUDIT, REJECTED)
    assert len(one_batch["digest"]) == 3
    monkeypatch.setattr(ingest_load, "BATCH_BYTES", 1)
    load_partitions(con, "events", [DAY1, DAY2], landing)
    assert tables(con) == one_batch


def test_a_redelivered_day_is_a_duplicate_again(con, landing) -> None:
    load_partitions(con, "events", [DAY1, DAY2], landing)
    before = tables(con)
    for day in (DAY2, DAY1, DAY2):
        load_partition(con, "events", day, landing)
        assert tables(con) == before


def _fail(*_args, **_kwargs) -> None:
    raise RuntimeError("killed mid-load")


@pytest.mark.parametrize(
    "step",
    ["_held_earlier", "_holds_outside", "replace_days", "_before_commit"],
)
def test_a_crash_at_any_step_leaves_raw_as_it_was(con, landing, monkeypatch, step: str) -> None:
    """Day 2 and a re-delivery of day 1 fail at each step (the search for earlier copies,
    then inside the write transaction: the search for later copies, the digest's update
    after the rows' insert, just before COMMIT): raw, quarantine, audit and digest stay
    those of day 1 alone; then day 2 loads as if nothing had happened."""
    load_partition(con, "events", DAY1, landing)
    before = tables(con)
    module = key_digest if step == "replace_days" else ingest_load
    with monkeypatch.context() as patch:
        patch.setattr(module, step, _fail)
        for day in (DAY2, DAY1):
            with pytest.raises(RuntimeError, match="killed mid-load"):
                load_partition(con, "events", day, landing)
            assert tables(con) == before
    load_partition(con, "events", DAY2, landing)
    after = tables(con)
    assert (after["raw"], after["audit"], after["rejected"]) == (RAW, AUDIT, REJECTED)
