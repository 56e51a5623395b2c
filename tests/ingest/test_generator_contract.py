"""The generator's recorded bad input equals what ingestion rejects, file by file."""

from __future__ import annotations

from collections import Counter

import pytest

from brandpulse import db
from brandpulse.generator import generate
from brandpulse.ingest import PARTITIONED_SOURCES, SNAPSHOT_SOURCES, load_partitions, load_snapshot
from brandpulse.ingest.load import partitions_with_files


@pytest.fixture(scope="module", params=["jsonl", "parquet"])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The generator's landing zone in each file format, loaded."""
    root = tmp_path_factory.mktemp("gen")
    landing = root / "landing"
    manifest = generate(landing, seed=11, brands=3, persons=600, days=28, fmt=request.param)
    con = db.connect(root / "w.duckdb")
    for source in SNAPSHOT_SOURCES:
        load_snapshot(con, source.name, landing)
    for source in PARTITIONED_SOURCES:
        load_partitions(con, source.name, partitions_with_files(landing, source.name), landing)
    yield manifest, con
    con.close()


def test_loaded_duplicates_and_rejects_match_the_manifest(loaded) -> None:
    manifest, con = loaded
    events = manifest["events"]
    assert con.execute("SELECT count(*) FROM raw.events").fetchone()[0] == events["loadable_unique"]
    dup = con.execute(
        "SELECT sum(rows_duplicate) FROM raw.load_audit WHERE source = 'events'"
    ).fetchone()[0]
    assert dup == events["duplicates"]["total_extra_copies"]
    rejected = dict(
        con.execute(
            "SELECT split_part(reason, ':', 1), count(*) FROM raw.rejected_rows "
            "WHERE source = 'events' AND line IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert rejected == {k: v for k, v in events["malformed"].items() if v}


def test_every_file_balances_and_matches_its_manifest_record(loaded) -> None:
    manifest, con = loaded
    audit = {
        file: (read, good, dup, rej)
        for file, read, good, dup, rej in con.execute(
            "SELECT file, rows_read, rows_loaded, rows_duplicate, rows_rejected FROM raw.load_audit"
        ).fetchall()
    }
    truncated = manifest["truncated_file"]["path"]
    # the generator counts its invalid definitions as written rows; ingestion rejects them
    invalid = Counter(d["source"] for d in manifest["invalid_definitions"])
    for record in manifest["files"]:
        path = record["path"]
        read, good, dup, rej = audit[path]
        assert read == good + dup + rej, path
        if path == truncated:
            assert (read, rej) == (1, 1)  # an unreadable file is one rejected entry
            continue
        bad_definitions = invalid[path.split("/")[0]]
        expected = (
            record["rows_good"] - bad_definitions,
            record["duplicates"],
            sum(record["rejected"].values()) + bad_definitions,
        )
        assert (good, dup, rej) == expected, path


def test_truncated_file_and_invalid_definitions_are_reported(loaded) -> None:
    manifest, con = loaded
    rows = con.execute("SELECT file, reason FROM raw.rejected_rows WHERE line IS NULL").fetchall()
    assert [(f, r.split(":")[0]) for f, r in rows] == [
        (manifest["truncated_file"]["path"], "unreadable_file")
    ]
    reported = Counter(
        s
        for (s,) in con.execute(
            "SELECT source FROM raw.rejected_rows WHERE reason LIKE 'invalid_definition:%'"
        ).fetchall()
    )
    assert reported == Counter(d["source"] for d in manifest["invalid_definitions"])


def test_late_events_keep_their_true_day(loaded) -> None:
    manifest, con = loaded
    late = con.execute(
        "SELECT count(*) FROM raw.events WHERE CAST(occurred_at AS DATE) < _partition_date"
    ).fetchone()[0]
    assert late >= manifest["events"]["late_events"] > 0
