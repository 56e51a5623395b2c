"""Extraction that dies midway: kill -9 of the process, and the database stopped mid-run.

Each batch commits with its cursor, so whatever point the run dies at, the warehouse
holds whole batches and a cursor that matches them; the rerun loses and duplicates nothing.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta

import psycopg
import pytest

import brandpulse.app.load as load_module
from brandpulse.app.connection import AppDatabaseUnavailable
from brandpulse.app.local_cluster import PASSWORD, start_cluster
from brandpulse.app.schema import apply_schema
from brandpulse.config import REPO_ROOT
from tests.app.appdb import T0, brand, extract, query

N_EVENTS = 50


def _fill(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as pg:
        brand(pg)
        pg.execute(
            """INSERT INTO "AnalyticsEvent" (id, "brandId", "eventName", "anonymousId", "occurredAt", "createdAt")
               SELECT 'e' || lpad(i::text, 3, '0'), 'b1', 'page_view', 'a' || i, %s + i * interval '1 hour',
                      %s + i * interval '1 hour'
               FROM generate_series(1, %s) i""",
            [T0, T0, N_EVENTS],
        )


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    import brandpulse.app.load as load
    from tests.app.appdb import extract

    calls = 0

    def kill_in_third_batch(con):
        global calls
        if con.execute("SELECT count(*) FROM _app_lines WHERE file = 'app:AnalyticsEvent'").fetchone()[0]:
            calls += 1
            if calls == 3:
                os.kill(os.getpid(), signal.SIGKILL)

    load._before_commit = kill_in_third_batch
    extract(sys.argv[1], sys.argv[2], batch_rows=10)
    """
)


def test_kill_9_mid_extraction_then_rerun_loses_and_duplicates_nothing(app_url, tmp_path) -> None:
    _fill(app_url)
    wh = tmp_path / "w.duckdb"
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, app_url, str(wh)], cwd=REPO_ROOT, capture_output=True
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    # two batches committed with their cursor; the third died before COMMIT
    assert query(wh, "SELECT count(*) FROM raw.events") == [(20,)]
    assert query(
        wh, "SELECT cursor_id FROM raw.app_cursors WHERE app_table = 'AnalyticsEvent'"
    ) == [("e020",)]
    run = extract(app_url, wh, batch_rows=10)["AnalyticsEvent"]
    assert run.balanced and run.rows_loaded == N_EVENTS - 20
    ids = query(
        wh,
        "SELECT count(*), count(DISTINCT event_id), min(event_id), max(event_id) FROM raw.events",
    )
    assert ids == [(N_EVENTS, N_EVENTS, "e001", "e050")]


def test_database_stopped_mid_run_fails_cleanly_then_retries_cleanly(tmp_path, monkeypatch) -> None:
    cluster = start_cluster()
    try:
        url = cluster.create_database("app")
        with psycopg.connect(url) as pg:
            apply_schema(pg)
        _fill(url)
        wh = tmp_path / "w.duckdb"
        batches = 0

        def stop_after_first_event_batch(con) -> None:
            nonlocal batches
            if con.execute(
                "SELECT count(*) FROM _app_lines WHERE file = 'app:AnalyticsEvent'"
            ).fetchone()[0]:
                batches += 1
                if batches == 1:
                    cluster.stop("fast")  # clients are disconnected

        monkeypatch.setattr(load_module, "_before_commit", stop_after_first_event_batch)
        with pytest.raises(AppDatabaseUnavailable) as failure:
            extract(url, wh, batch_rows=5)
        message = str(failure.value)
        assert f"127.0.0.1:{cluster.port}/app" in message and '"AnalyticsEvent"' in message
        assert PASSWORD not in message and "\n" not in message
        # the batches read before the stop (the first, and at most the two read ahead of
        # it) are committed with their cursor; nothing after them
        ((committed, distinct, last),) = query(
            wh, "SELECT count(*), count(DISTINCT event_id), max(event_id) FROM raw.events"
        )
        assert committed in (5, 10, 15) and distinct == committed
        assert query(
            wh, "SELECT cursor_id FROM raw.app_cursors WHERE app_table = 'AnalyticsEvent'"
        ) == [(last,)]

        # while it is down: retries with backoff, then one line naming the host
        with pytest.raises(AppDatabaseUnavailable, match="unreachable after 1 attempts"):
            extract(url, wh, batch_rows=5)

        cluster.start()
        monkeypatch.setattr(load_module, "_before_commit", lambda con: None)
        runs = extract(url, wh, batch_rows=5, overlap=timedelta(0))
        assert runs["AnalyticsEvent"].rows_loaded == N_EVENTS - committed
        assert query(wh, "SELECT count(*), count(DISTINCT event_id) FROM raw.events") == [
            (N_EVENTS, N_EVENTS)
        ]
    finally:
        cluster.destroy()
