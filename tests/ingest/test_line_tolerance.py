"""Damage stays in its line: a bad byte, a byte-order mark, an over-long line, an empty file.

Worked by hand: the file below has 6 lines; line 1 starts with a BOM (a valid event), line 3
has an invalid UTF-8 byte, line 5 is longer than the 2,000-byte limit set here. So 4 events
load, lines 3 and 5 are rejected with their reasons, and the audit says 6 = 4 + 0 + 2.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from brandpulse import db
from brandpulse.ingest import load_partition, load_snapshot
from brandpulse.ingest.reader import EXCERPT_BYTES
from tests.ingest.landing import event, write_brands

DAY = "2026-08-01"
LIMIT = 2000


def _line(event_id: str, **fields) -> bytes:
    return json.dumps(event(event_id, **fields)).encode()


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BRANDPULSE_MAX_LINE_BYTES", str(LIMIT))
    landing = tmp_path / "landing"
    write_brands(landing)
    folder = landing / "events" / f"date={DAY}"
    folder.mkdir(parents=True)
    bad_byte = _line("bad_byte").replace(b"page_view", b"page\xffview")
    too_long = _line("too_long", properties={"blob": "x" * 5000})
    (folder / "mixed.jsonl").write_bytes(
        b"\n".join(
            [
                b"\xef\xbb\xbf" + _line("bom_first"),
                _line("second"),
                bad_byte,
                _line("fourth"),
                too_long,
                _line("sixth"),
            ]
        )
        + b"\n"
    )
    (folder / "empty.jsonl").write_bytes(b"")
    con = db.connect(tmp_path / "w.duckdb")
    load_snapshot(con, "brands", landing)
    report = load_partition(con, "events", date.fromisoformat(DAY), landing)
    yield con, report
    con.close()


def test_good_lines_load_around_damaged_ones(loaded) -> None:
    con, _ = loaded
    ids = {r[0] for r in con.execute("SELECT event_id FROM raw.events").fetchall()}
    assert ids == {"bom_first", "second", "fourth", "sixth"}


def test_exactly_the_damaged_lines_are_rejected_with_reason_and_excerpt(loaded) -> None:
    con, _ = loaded
    rows = con.execute(
        "SELECT line, reason, raw FROM raw.rejected_rows WHERE source = 'events' ORDER BY line"
    ).fetchall()
    assert [(line, reason.split(":")[0]) for line, reason, _ in rows] == [
        (3, "invalid_utf8"),
        (5, "line_too_long"),
    ]
    bad_raw, long_raw = rows[0][2], rows[1][2]
    assert "page\\xffview" in bad_raw  # the invalid byte, shown as an escape
    assert long_raw.startswith('{"event_id": "too_long"')
    assert len(long_raw.encode()) < EXCERPT_BYTES + 40  # bounded, not the 5 kB line
    assert f"{LIMIT}-byte limit" in rows[1][1]


def test_audit_balances_per_file_and_counts_the_empty_file(loaded) -> None:
    con, report = loaded
    audit = con.execute(
        """SELECT split_part(file, '/', -1), rows_read, rows_loaded, rows_duplicate, rows_rejected
           FROM raw.load_audit WHERE source = 'events' ORDER BY 1"""
    ).fetchall()
    assert audit == [("empty.jsonl", 0, 0, 0, 0), ("mixed.jsonl", 6, 4, 0, 2)]
    assert report.balanced


def test_a_file_of_only_invalid_bytes_loses_only_its_lines(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_brands(landing)
    folder = landing / "events" / f"date={DAY}"
    folder.mkdir(parents=True)
    (folder / "latin1.jsonl").write_bytes(b"caf\xe9\n" + _line("ok") + b"\n")
    with db.connect(tmp_path / "w.duckdb") as con:
        load_snapshot(con, "brands", landing)
        report = load_partition(con, "events", date.fromisoformat(DAY), landing)
        assert con.execute("SELECT event_id FROM raw.events").fetchall() == [("ok",)]
        assert report.total("rows_rejected") == 1 and report.balanced


def test_a_day_without_files_loads_nothing_and_fails_nothing(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_brands(landing)
    with db.connect(tmp_path / "w.duckdb") as con:
        load_snapshot(con, "brands", landing)
        report = load_partition(con, "events", date.fromisoformat(DAY), landing)
        assert report.files == [] and report.balanced
