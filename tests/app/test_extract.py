"""Extraction semantics against a real PostgreSQL, from small hand-made app rows."""

from __future__ import annotations

import json
from datetime import timedelta

import psycopg
import pytest

from brandpulse import db
from brandpulse.app.connection import AppDatabaseUnavailable, connect
from brandpulse.app.extract import AppSchemaError
from brandpulse.raw_schema import ensure_raw_schema
from tests.app.appdb import T0, brand, event, extract, insert, query

STEPS = [{"event_name": "signup"}, {"event_name": "purchase"}]


def funnel(pg, funnel_id: str, updated, **extra) -> None:
    values = {
        "id": funnel_id,
        "brandId": "b1",
        "name": funnel_id,
        "steps": STEPS,
        "order": "ORDERED",
        "conversionWindowValue": 7,
        "conversionWindowUnit": "DAY",
        "updatedAt": updated,
        **extra,
    }
    insert(pg, "AnalyticsFunnel", **values)


def test_events_incremental_overlap_and_late_events(app_url: str, tmp_path) -> None:
    wh = tmp_path / "w.duckdb"
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        for i in range(5):
            event(pg, f"e{i}", T0 + timedelta(minutes=i))
    first = extract(app_url, wh, batch_rows=2)["AnalyticsEvent"]
    assert (first.rows_read, first.rows_loaded, first.batches) == (5, 5, 3)
    with psycopg.connect(app_url, autocommit=True) as pg:
        # committed late: stored 2 minutes before the cursor (inside the 10-minute overlap)
        event(pg, "late_commit", T0 + timedelta(minutes=2, seconds=30))
        # an offline client: happened 3 days before the app stored it
        event(pg, "offline", T0 + timedelta(days=1), occurredAt=T0 - timedelta(days=2))
    second = extract(app_url, wh, batch_rows=2)["AnalyticsEvent"]
    # re-read from cursor - overlap: e0..e4 (5) again as duplicates, plus the two new rows
    assert (second.rows_read, second.rows_loaded, second.rows_duplicate) == (7, 2, 5)
    assert second.balanced
    rows = query(
        wh,
        "SELECT event_id, CAST(occurred_at AS DATE), _partition_date FROM raw.events "
        "WHERE event_id IN ('late_commit', 'offline') ORDER BY 1",
    )
    assert [(r[0], str(r[1]), str(r[2])) for r in rows] == [
        ("late_commit", "2026-08-01", "2026-08-01"),
        ("offline", "2026-07-30", "2026-08-02"),
    ]
    assert query(wh, "SELECT count(*), count(DISTINCT event_id) FROM raw.events") == [(7, 7)]
    audit = query(
        wh,
        "SELECT rows_read, rows_loaded, rows_duplicate, rows_rejected FROM raw.load_audit "
        "WHERE source = 'events' AND starts_with(file, 'app:AnalyticsEvent@') ORDER BY loaded_at",
    )
    assert audit == [(5, 5, 0, 0), (7, 2, 5, 0)]


def test_first_batch_is_small_then_full_batches_lose_nothing(
    app_url: str, tmp_path, monkeypatch
) -> None:
    """The reader starts with a small batch (so the writer starts early), then full ones;
    every row arrives once and the accounting balances."""
    import brandpulse.app.extract as extract_module

    monkeypatch.setattr(extract_module, "FIRST_BATCH_ROWS", 2)
    wh = tmp_path / "w.duckdb"
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        for i in range(7):
            event(pg, f"e{i}", T0 + timedelta(minutes=i))
    run = extract(app_url, wh, batch_rows=3)["AnalyticsEvent"]
    assert (run.rows_read, run.rows_loaded, run.batches) == (7, 7, 3)  # 2 + 3 + 2
    assert run.balanced and run.rows_rejected == 0
    assert query(wh, "SELECT count(*), count(DISTINCT event_id) FROM raw.events") == [(7, 7)]


def test_a_run_into_empty_raw_skips_the_key_join_and_still_duplicates_nothing(
    app_url: str, tmp_path, monkeypatch
) -> None:
    """A run that starts on an empty raw.events skips the de-duplication join (its only
    rows are its own earlier batches, read from one snapshot in keyset order, keyed by the
    app's primary key); any row held before the run, from the app or a landing file,
    turns the join back on. Each case's counts worked out by hand."""
    import brandpulse.app.extract as extract_module
    from brandpulse.app import load as load_module

    monkeypatch.setattr(extract_module, "FIRST_BATCH_ROWS", 2)
    joins: list[bool] = []
    fresh_rows = load_module._fresh_rows

    def spy(table, run, days):
        sql = fresh_rows(table, run, days)
        if table.raw_table == "events":
            joins.append("JOIN" in sql)
        return sql

    monkeypatch.setattr(load_module, "_fresh_rows", spy)
    wh = tmp_path / "w.duckdb"
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        for i in range(7):
            event(pg, f"e{i}", T0 + timedelta(minutes=i))
    first = extract(app_url, wh, batch_rows=3)["AnalyticsEvent"]
    assert joins == [False, False, False]  # batches of 2 + 3 + 2, none joined
    assert (first.rows_read, first.rows_loaded, first.rows_duplicate) == (7, 7, 0)
    assert query(wh, "SELECT count(*), count(DISTINCT event_id) FROM raw.events") == [(7, 7)]

    joins.clear()  # a full re-sync over the same rows: raw is not empty, all 7 are duplicates
    again = extract(app_url, wh, batch_rows=3, full=True)["AnalyticsEvent"]
    assert joins == [True, True, True]
    assert (again.rows_read, again.rows_loaded, again.rows_duplicate) == (7, 0, 7)
    assert query(wh, "SELECT count(*) FROM raw.events") == [(7,)]

    # a landing file's copy of e3 on another arrival day (5 days later), loaded before the
    # first extraction: e3 is a duplicate (landing rows are probed on every day)
    other = tmp_path / "other.duckdb"
    con = db.connect(other)
    try:
        ensure_raw_schema(con)
        con.execute(
            """INSERT INTO raw.events (brand_id, event_id, event_name, occurred_at, anonymous_id,
                   _partition_date, _source_file, _line, _loaded_at)
               VALUES ('b1', 'e3', 'page_view', ?, 'a1', ?, 'events/2026-08-01/part-0.jsonl', 1,
                       ?)""",
            [T0, T0.date() + timedelta(days=5), T0],
        )
    finally:
        con.close()
    joins.clear()
    landing_first = extract(app_url, other, batch_rows=3)["AnalyticsEvent"]
    assert joins == [True, True, True]
    assert (landing_first.rows_loaded, landing_first.rows_duplicate) == (6, 1)
    assert query(other, "SELECT count(*), count(DISTINCT event_id) FROM raw.events") == [(7, 7)]


def test_the_writer_gets_its_threads_back_after_an_extraction(
    app_url: str, tmp_path, monkeypatch
) -> None:
    """The extraction runs the writer with one DuckDB thread fewer (the reader keeps a
    core busy); the database's setting is restored afterwards, also when a batch fails,
    and the failed batch's temp objects do not stop the connection's next batch."""
    from brandpulse.app import load as load_module
    from brandpulse.app.extract import ExtractOptions, extract_table
    from brandpulse.app.tables import APP_TABLES_BY_NAME

    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        event(pg, "e1", T0)
    pg = connect(app_url, attempts=1)
    con = db.connect(tmp_path / "w.duckdb")
    try:
        con.execute("SET threads = 3")
        seen: list[str] = []

        def fail(c) -> None:
            seen.append(c.execute("SELECT current_setting('threads')").fetchone()[0])
            raise RuntimeError("injected")

        extract_table(pg, con, APP_TABLES_BY_NAME["Brand"], ExtractOptions(), "t1")
        original = load_module._before_commit
        load_module._before_commit = fail
        try:
            with pytest.raises(RuntimeError, match="injected"):
                extract_table(pg, con, APP_TABLES_BY_NAME["AnalyticsEvent"], ExtractOptions(), "t2")
        finally:
            load_module._before_commit = original
        assert [int(s) for s in seen] == [2]
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 3
        # the same connection writes again: the failed 1-row batch was validated into a
        # temp table, this 3-row one goes through a view (limit lowered to 2 rows)
        monkeypatch.setattr(load_module, "VALIDATED_VIEW_FROM_ROWS", 2)
        with psycopg.connect(app_url, autocommit=True) as app:
            event(app, "e2", T0 + timedelta(minutes=1))
            event(app, "e3", T0 + timedelta(minutes=2))
        again = extract_table(pg, con, APP_TABLES_BY_NAME["AnalyticsEvent"], ExtractOptions(), "t3")
        assert (again.rows_read, again.rows_loaded) == (3, 3)
    finally:
        con.close()
        pg.close()


def test_load_times_mark_exactly_the_days_that_gained_events(app_url: str, tmp_path) -> None:
    """dbt treats a day with newly loaded rows as reloaded, so a day that gains an event in a
    later run has all its rows restamped; a first extraction's batches are not rewritten
    (each keeps its own commit's time) and days that gained nothing keep theirs."""
    wh = tmp_path / "w.duckdb"
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        for i in range(4):  # day 1: d1_0..d1_3, day 2: d2_0..d2_3
            event(pg, f"d1_{i}", T0 + timedelta(minutes=i))
            event(pg, f"d2_{i}", T0 + timedelta(days=1, minutes=i))
    extract(app_url, wh, batch_rows=2)
    stamps = "SELECT count(DISTINCT _loaded_at) FROM raw.events WHERE event_id LIKE ?"
    assert query(wh, stamps, ["d1_%"]) == [(2,)]  # two batches, neither rewritten
    assert query(wh, stamps, ["d2_%"]) == [(2,)]
    before = dict(query(wh, "SELECT event_id, _loaded_at FROM raw.events"))
    with psycopg.connect(app_url, autocommit=True) as pg:
        event(pg, "d2_new", T0 + timedelta(days=1, minutes=30))
    extract(app_url, wh, batch_rows=2)
    after = dict(query(wh, "SELECT event_id, _loaded_at FROM raw.events"))
    assert {e for e in before if after[e] != before[e]} == {f"d2_{i}" for i in range(4)}
    assert {after[f"d2_{i}"] for i in range(4)} == {after["d2_new"]}


def test_updates_and_soft_deletes_of_definitions_propagate(app_url: str, tmp_path) -> None:
    wh = tmp_path / "w.duckdb"
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        funnel(pg, "f1", T0)
        funnel(pg, "f2", T0)
    extract(app_url, wh)
    assert query(wh, "SELECT funnel_id, step_count FROM raw.funnels ORDER BY 1") == [
        ("f1", 2),
        ("f2", 2),
    ]
    with psycopg.connect(app_url, autocommit=True) as pg:
        three = [*STEPS, {"event_name": "renew"}]
        pg.execute(
            """UPDATE "AnalyticsFunnel" SET "steps" = %s, "order" = 'STRICT', "updatedAt" = %s
               WHERE id = 'f1'""",
            [json.dumps(three), T0 + timedelta(days=1)],
        )
        pg.execute(
            """UPDATE "AnalyticsFunnel" SET "deletedAt" = %s, "updatedAt" = %s WHERE id = 'f2'""",
            [T0 + timedelta(days=1), T0 + timedelta(days=1)],
        )
    run = extract(app_url, wh)["AnalyticsFunnel"]
    assert run.rows_deleted == 1 and run.balanced
    assert query(wh, "SELECT funnel_id, funnel_order, step_count FROM raw.funnels") == [
        ("f1", "strict", 3)
    ]
    assert query(wh, "SELECT funnel_id, count(*) FROM raw.funnel_steps GROUP BY 1 ORDER BY 1") == [
        ("f1", 3)
    ]


def test_join_table_deletes_become_remove_records(app_url: str, tmp_path) -> None:
    wh = tmp_path / "w.duckdb"
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        insert(pg, "AICollection", id="c1", brandId="b1", name="C", ownerId="u1", updatedAt=T0)
        for g in ("g1", "g2"):
            insert(
                pg,
                "AIGeneration",
                id=g,
                brandId="b1",
                type="TEXT",
                model="m",
                prompt="p",
                status="COMPLETED",
                idempotencyKey=f"k{g}",
                updatedAt=T0,
            )
            insert(pg, "AICollectionGeneration", collectionId="c1", generationId=g, addedAt=T0)
    extract(app_url, wh)
    with psycopg.connect(app_url, autocommit=True) as pg:
        pg.execute("""DELETE FROM "AICollectionGeneration" WHERE "generationId" = 'g1'""")
        pg.execute("""UPDATE "AICollection" SET "deletedAt" = %s, "updatedAt" = %s""", [T0, T0])
    run = extract(app_url, wh)["AICollectionGeneration"]
    assert (run.rows_read, run.rows_duplicate, run.rows_removed, run.balanced) == (1, 1, 1, True)
    records = query(
        wh,
        "SELECT generation_id, action FROM raw.ai_collection_memberships ORDER BY 1, occurred_at",
    )
    assert records == [("g1", "add"), ("g1", "remove"), ("g2", "add")]
    # a third run with nothing changed adds no record
    extract(app_url, wh)
    assert len(query(wh, "SELECT * FROM raw.ai_collection_memberships")) == 3
    assert query(wh, "SELECT collection_id, deleted_at IS NOT NULL FROM raw.ai_collections") == [
        ("c1", True)
    ]


def test_bad_rows_are_quarantined_with_table_row_id_and_app_row(app_url: str, tmp_path) -> None:
    wh = tmp_path / "w.duckdb"
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        event(pg, "ok", T0)
        event(pg, "neg", T0, revenue=-5, currency="USD")
        event(pg, "noid", T0, anonymousId=None)
        event(pg, "nocur", T0, revenue=3)
        event(pg, "future", T0, occurredAt=T0 + timedelta(days=5))
        event(pg, "arr", T0, properties=[1, 2])
        funnel(pg, "bad_funnel", T0, steps=[{"event_name": "only_one"}])
        pg.execute("""ALTER TYPE "FunnelOrder" ADD VALUE 'REVERSED'""")
        funnel(pg, "new_enum", T0, order="REVERSED")
    runs = extract(app_url, wh)
    ev = runs["AnalyticsEvent"]
    assert (ev.rows_read, ev.rows_loaded, ev.rows_rejected, ev.balanced) == (6, 1, 5, True)
    rejected = {
        r[0]: (r[1], r[2], r[3])
        for r in query(
            wh,
            "SELECT row_id, source, file, split_part(reason, ':', 1) FROM raw.rejected_rows",
        )
    }
    assert rejected == {
        "neg": ("events", "app:AnalyticsEvent", "negative_revenue"),
        "noid": ("events", "app:AnalyticsEvent", "missing_field"),
        "nocur": ("events", "app:AnalyticsEvent", "revenue_without_currency"),
        "future": ("events", "app:AnalyticsEvent", "future_timestamp"),
        "arr": ("events", "app:AnalyticsEvent", "invalid_field"),
        "bad_funnel": ("funnels", "app:AnalyticsFunnel", "invalid_definition"),
        "new_enum": ("funnels", "app:AnalyticsFunnel", "unknown_enum"),
    }
    raw = json.loads(query(wh, "SELECT raw FROM raw.rejected_rows WHERE row_id = 'neg'")[0][0])
    assert raw["id"] == "neg" and raw["brandId"] == "b1"  # the row as the app holds it
    reason = query(wh, "SELECT reason FROM raw.rejected_rows WHERE row_id = 'new_enum'")[0][0]
    assert "AnalyticsFunnel.order" in reason
    assert query(wh, "SELECT count(*) FROM raw.funnels") == [(0,)]
    # re-reading the same rows replaces their rejections, never piles them up
    extract(app_url, wh, full=True)
    assert query(wh, "SELECT count(*) FROM raw.rejected_rows") == [(7,)]


def test_renamed_column_is_a_clear_error_and_changes_nothing(app_url: str, tmp_path) -> None:
    wh = tmp_path / "w.duckdb"
    with psycopg.connect(app_url, autocommit=True) as pg:
        brand(pg)
        event(pg, "e1", T0)
    extract(app_url, wh)
    before = query(wh, "SELECT * FROM raw.events")
    with psycopg.connect(app_url, autocommit=True) as pg:
        pg.execute("""ALTER TABLE "AnalyticsEvent" RENAME COLUMN "eventName" TO "name" """)
    with pytest.raises(AppSchemaError, match=r'"AnalyticsEvent" has no column "eventName"'):
        extract(app_url, wh)
    assert query(wh, "SELECT * FROM raw.events") == before


def test_unreachable_database_is_one_line_naming_the_host_not_the_password() -> None:
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://reader:s3cret-pw@127.0.0.1:{port}/app"
    with pytest.raises(AppDatabaseUnavailable) as failure:
        connect(url, attempts=3, base_delay_s=0.01)
    message = str(failure.value)
    assert f"127.0.0.1:{port}/app" in message and "3 attempts" in message
    assert "s3cret" not in message and "\n" not in message


def test_only_a_table_keyed_by_its_creation_time_narrows_the_probe_to_its_days() -> None:
    """raw's copies of a re-read event sit on the event's own arrival day (createdAt never
    changes: events are append-only), so the probe is narrowed to the batch's days; a table
    whose cursor is updatedAt can hold a copy on any earlier day, so it probes everything."""
    from datetime import date

    import pyarrow as pa

    from brandpulse.app.load import _batch_days
    from brandpulse.app.tables import APP_TABLES_BY_NAME

    stamps = [T0 + timedelta(days=2), T0, T0 + timedelta(days=1, hours=13)]
    batch = pa.table({"createdAt": pa.array(stamps, pa.timestamp("ms"))})
    events = APP_TABLES_BY_NAME["AnalyticsEvent"]
    assert _batch_days(events, batch) == (date(2026, 8, 1), date(2026, 8, 3))
    assert _batch_days(events, batch.slice(0, 0)) is None
    with_null = pa.table({"createdAt": pa.array([T0, None], pa.timestamp("ms"))})
    assert _batch_days(events, with_null) is None
    for name in ("AIGeneration", "Comment", "SharedResource"):
        assert _batch_days(APP_TABLES_BY_NAME[name], batch) is None
