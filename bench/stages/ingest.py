"""Ingestion throughput: `load_partitions` into raw.events against plain DuckDB read_json.

Both read the same events files of the landing zone into a fresh DuckDB file opened
with the same settings. The plain baseline only parses JSON into a table
(`read_json(..., ignore_errors=true)`): the physical limit for newline-delimited JSON
here. Ours also validates every field, records rejected rows, de-duplicates and
writes lineage columns. Throughput is landing rows read per second, so the ratio is
the plain time over our time for the same input.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bench.measure import timed
from bench.stages import BenchContext, copy_database

RAW_ONLY = "raw_only"
"""Copy of the freshly ingested warehouse (raw.* only), for the incremental stage."""


@contextmanager
def cpu_seconds() -> Iterator[list[float]]:
    """CPU seconds of this process (all threads: DuckDB's too) spent in the block, as the
    one item of the yielded list: steadier than wall time on a shared box."""
    spent = [0.0]
    started = time.process_time()
    try:
        yield spent
    finally:
        spent[0] = time.process_time() - started


def warm_page_cache(files: list[Path]) -> int:
    """Read every file once so neither contender pays the cold-disk read alone."""
    total = 0
    for path in files:
        with path.open("rb") as fh:
            while chunk := fh.read(16 << 20):
                total += len(chunk)
    return total


def load_everything(
    con, landing: Path, days_by_source: dict[str, list[date]] | None = None
) -> dict[str, dict]:
    """Snapshots (brands first), then every partitioned source over its days; the reports."""
    from brandpulse.ingest import (
        PARTITIONED_SOURCES,
        SNAPSHOT_SOURCES,
        load_partitions,
        load_snapshot,
    )
    from brandpulse.ingest.load import partitions_with_files

    reports = {}
    for source in SNAPSHOT_SOURCES:
        reports[source.name] = load_snapshot(con, source.name, landing).as_metadata()
    for source in PARTITIONED_SOURCES:
        days = (days_by_source or {}).get(source.name) or partitions_with_files(
            landing, source.name
        )
        reports[source.name] = load_partitions(con, source.name, days, landing).as_metadata()
    return reports


def plain_duckdb_load(path: Path, glob: str) -> tuple[int, float, float]:
    """(rows, wall seconds, CPU seconds) of CREATE TABLE AS read_json over `glob` in a
    fresh file."""
    from brandpulse import db

    con = db.connect(path)
    try:
        with timed() as t, cpu_seconds() as cpu:
            con.execute(
                "CREATE TABLE t AS SELECT * FROM read_json(?, format = 'newline_delimited', ignore_errors = true)",
                [glob],
            )
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        con.close()
    return rows, t.seconds, cpu[0]


def run(ctx: BenchContext) -> dict:
    from brandpulse import db
    from brandpulse.ingest import (
        PARTITIONED_SOURCES,
        SNAPSHOT_SOURCES,
        load_partitions,
        load_snapshot,
    )
    from brandpulse.ingest.reader import list_files

    days = ctx.days("events")
    files = [p for d in days for p in list_files(ctx.landing / "events" / f"date={d.isoformat()}")]
    landing_bytes = warm_page_cache(files)

    # Plain DuckDB first: the same files, only the uncompressed ones (the generator's
    # one truncated .jsonl.gz would abort read_json, and ours rejects it as unreadable).
    plain_rows, plain_seconds, plain_cpu = plain_duckdb_load(
        ctx.fresh_warehouse("plain_read_json"), str(ctx.landing / "events" / "date=*" / "*.jsonl")
    )
    ctx.warehouse("plain_read_json").unlink(missing_ok=True)

    warehouse = ctx.fresh_warehouse("warehouse")
    con = db.connect(warehouse)
    try:
        with timed() as snap:
            for source in SNAPSHOT_SOURCES:  # brands first: events of unknown brands are rejected
                load_snapshot(con, source.name, ctx.landing)
        with timed() as ours, cpu_seconds() as ours_cpu:
            report = load_partitions(con, "events", days, ctx.landing)
        with timed() as others:
            other_rows = 0
            for source in PARTITIONED_SOURCES:
                if source.name != "events":
                    other = load_partitions(con, source.name, ctx.days(source.name), ctx.landing)
                    other_rows += other.total("rows_loaded")
        raw_events = con.execute("SELECT count(*) FROM raw.events").fetchone()[0]
        rejected = con.execute(
            "SELECT count(*) FROM raw.rejected_rows WHERE source = 'events'"
        ).fetchone()[0]
    finally:
        con.close()
    copy_database(warehouse, ctx.warehouse(RAW_ONLY))
    ctx.state["warehouse"] = warehouse
    ctx.state["raw_only"] = ctx.warehouse(RAW_ONLY)

    rows_read = report.total("rows_read")
    return {
        "metrics": {
            "event_files": len(files),
            "event_days": len(days),
            "landing_event_bytes": landing_bytes,
            "ours_seconds": round(ours.seconds, 3),
            "ours_rows_read": rows_read,
            "ours_rows_loaded": report.total("rows_loaded"),
            "ours_rows_duplicate": report.total("rows_duplicate"),
            "ours_rows_rejected": report.total("rows_rejected"),
            "raw_events_rows": raw_events,
            "rejected_event_rows": rejected,
            "ours_events_per_second": round(rows_read / ours.seconds, 1) if ours.seconds else None,
            "ours_cpu_seconds": round(ours_cpu[0], 3),
            "plain_seconds": round(plain_seconds, 3),
            "plain_cpu_seconds": round(plain_cpu, 3),
            "cpu_ratio": round(plain_cpu / (ours_cpu[0] * plain_rows / rows_read), 3)
            if ours_cpu[0] and rows_read
            else None,
            "plain_rows": plain_rows,
            "plain_events_per_second": round(plain_rows / plain_seconds, 1)
            if plain_seconds
            else None,
            "snapshots_seconds": round(snap.seconds, 3),
            "other_sources_seconds": round(others.seconds, 3),
            "other_sources_rows": other_rows,
        },
        "notes": [
            "throughput = landing rows read per second; both read the same warmed files into a fresh "
            "DuckDB file with the same settings (threads, memory_limit, preserve_insertion_order=false)",
            "cpu_ratio: the same ratio in CPU seconds of the process (all threads), "
            "steadier than wall time on a shared box",
        ],
    }
