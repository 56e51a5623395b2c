"""top_paths, event_transitions and sessions after an incremental run, worked out by hand.

Brand `tp` (UTC), all sessions given. Batch 1 (arrival 08-01/08-02):
  s1  a1: page_view 10:00, add_to_cart 10:10, purchase 10:20
  s2  u1: page_view 11:00, signup 11:05, logout 11:10 (removed in batch 2)
  s3  a2 page_view 12:00, u2 search 12:01, a2 page_view 12:02 (one session, two persons)
  s5  a3: page_view 08-02 09:00 (nothing of batch 2 touches it)
  s6  a4 page_view 08-04 14:00, u3 search 14:01 (one session, two persons)
Batch 2 (arrival 08-10): a late `search` 10:05 lands in the middle of s1; u2's late `click`
12:01:30 in the middle of s3; `login` 08-10 09:00 carries a1 and u1 (a1 is u1 from then on,
retroactively: s1 moves to u1); logout leaves raw (its partition re-ingested without it);
a4 starts a new session s7 (page_view 08-10 15:00): a4 changes, s6 and u3 do not, but a4's
transition in s6 leads to u3's event.

After batch 2: s1 u1 [page_view, search, add_to_cart, purchase]; s2 u1 [page_view, signup];
s3 a2 [page_view, search, click, page_view] (search and click are u2's); s4 u1 [login];
s5 a3 [page_view]; s6 a4 [page_view, search] (search is u3's); s7 a4 [page_view].
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from streams import brand, event
from warehouse import (
    built_changed_and_rebuilt,
    compared_rows,
    insert_rows,
    query,
)

SELECTION = ["--select", "+top_paths +event_transitions +sessions"]

BATCH1 = [
    event("tp", "e1", "page_view", "2026-08-01 10:00:00", anon="a1", session="s1"),
    event("tp", "e2", "add_to_cart", "2026-08-01 10:10:00", anon="a1", session="s1"),
    event("tp", "e3", "purchase", "2026-08-01 10:20:00", anon="a1", session="s1"),
    event("tp", "f1", "page_view", "2026-08-01 11:00:00", user="u1", session="s2"),
    event("tp", "f2", "signup", "2026-08-01 11:05:00", user="u1", session="s2"),
    event("tp", "f3", "logout", "2026-08-01 11:10:00", user="u1", session="s2"),
    event("tp", "g1", "page_view", "2026-08-01 12:00:00", anon="a2", session="s3"),
    event("tp", "g2", "search", "2026-08-01 12:01:00", user="u2", session="s3"),
    event("tp", "g3", "page_view", "2026-08-01 12:02:00", anon="a2", session="s3"),
    event("tp", "k1", "page_view", "2026-08-02 09:00:00", anon="a3", session="s5"),
    event("tp", "m1", "page_view", "2026-08-04 14:00:00", anon="a4", session="s6"),
    event("tp", "m2", "search", "2026-08-04 14:01:00", user="u3", session="s6"),
]
BATCH2 = [
    event(
        "tp", "e9", "search", "2026-08-01 10:05:00", anon="a1", session="s1", arrival="2026-08-10"
    ),
    event(
        "tp", "c1", "click", "2026-08-01 12:01:30", user="u2", session="s3", arrival="2026-08-10"
    ),
    event("tp", "h1", "login", "2026-08-10 09:00:00", anon="a1", user="u1", session="s4"),
    event("tp", "m3", "page_view", "2026-08-10 15:00:00", anon="a4", session="s7"),
]
REMOVED = ("tp", "f3")

PATHS = (
    "select path_length, path, parent_path, sessions, persons, ended, continued, "
    "round(drop_off_rate, 4), round(share_of_parent, 4), path_rank from marts.top_paths "
    "where brand_id = 'tp' order by path_length, path_rank"
)
TRANSITIONS = (
    "select from_event, to_event, transitions, persons from marts.event_transitions "
    "where brand_id = 'tp' order by all"
)
SESSIONS = (
    "select session_id, person_id, events, is_bounce, currency from marts.sessions "
    "where brand_id = 'tp' order by session_id"
)


def remove_by_reingest(con: duckdb.DuckDBPyConnection, brand_id: str, event_id: str) -> None:
    """The event leaves raw the way a re-ingest of its partition removes it: the
    partition's other rows are loaded again (a later _loaded_at)."""
    ((partition,),) = con.execute(
        "SELECT _partition_date FROM raw.events WHERE brand_id = ? AND event_id = ?",
        [brand_id, event_id],
    ).fetchall()
    ((loaded_at,),) = con.execute(
        "SELECT max(_loaded_at) + INTERVAL 1 MINUTE FROM raw.events"
    ).fetchall()
    con.execute("DELETE FROM raw.events WHERE brand_id = ? AND event_id = ?", [brand_id, event_id])
    con.execute(
        "UPDATE raw.events SET _loaded_at = ? WHERE _partition_date = ?", [loaded_at, partition]
    )


@pytest.fixture(scope="module")
def trend_warehouses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Batch 1 built, batch 2 run incrementally on it; the same data built from scratch."""
    data_dir = tmp_path_factory.mktemp("trendinc")
    path = data_dir / "trendinc.duckdb"

    def late_batch(con: duckdb.DuckDBPyConnection) -> None:
        remove_by_reingest(con, *REMOVED)
        insert_rows(con, "raw.events", BATCH2)  # loaded 08-10 23:00, after every batch 1 load

    yield built_changed_and_rebuilt(
        path,
        {"raw.brands": [brand("tp", "UTC")], "raw.events": BATCH1},
        SELECTION,
        data_dir,
        (PATHS, TRANSITIONS, SESSIONS),
        late_batch,
    )


def test_batch_1_paths_before_the_late_events(trend_warehouses: dict[str, Any]) -> None:
    before = trend_warehouses["before"]
    paths = {(p[1], p[3], p[4]) for p in before[PATHS]}
    assert ("page_view > add_to_cart", 1, 1) in paths  # s1 without the late search
    assert ("page_view > search > page_view", 1, 1) in paths  # s3 without the late click
    assert ("signup", "logout", 1, 1) in before[TRANSITIONS]
    assert ("s1", "a1", 3, False, "USD") in before[SESSIONS]


def test_top_paths_after_late_events_a_merge_and_a_removal(
    trend_warehouses: dict[str, Any],
) -> None:
    pv_search = "page_view > search"
    pv_add, pv_click = f"{pv_search} > add_to_cart", f"{pv_search} > click"
    assert compared_rows(trend_warehouses, PATHS) == [
        # page_view starts s1, s2 (both u1), s3 (a2), s5 (a3), s6, s7 (both a4); s5, s7 end there
        (1, "page_view", None, 6, 4, 2, 4, 0.3333, 1.0, 1),
        (1, "login", None, 1, 1, 1, 0, 1.0, 1.0, 2),
        (2, pv_search, "page_view", 3, 3, 1, 2, 0.3333, 0.5, 1),  # s1, s3, s6 (ends)
        (2, "page_view > signup", "page_view", 1, 1, 1, 0, 1.0, 0.1667, 2),
        (3, pv_add, pv_search, 1, 1, 0, 1, 0.0, 0.3333, 1),  # the late search in s1
        (3, pv_click, pv_search, 1, 1, 0, 1, 0.0, 0.3333, 2),  # the late click in s3
        (4, f"{pv_add} > purchase", pv_add, 1, 1, 1, 0, 1.0, 1.0, 1),
        (4, f"{pv_click} > page_view", pv_click, 1, 1, 1, 0, 1.0, 1.0, 2),
    ]


def test_event_transitions_after_late_events_a_merge_and_a_removal(
    trend_warehouses: dict[str, Any],
) -> None:
    assert compared_rows(trend_warehouses, TRANSITIONS) == sorted(
        [
            ("page_view", "search", 3, 3),  # u1 in s1, a2 in s3, a4 in s6 (u3's search)
            ("search", "add_to_cart", 1, 1),
            ("add_to_cart", "purchase", 1, 1),
            ("purchase", None, 1, 1),
            ("page_view", "signup", 1, 1),
            ("signup", None, 1, 1),  # logout removed: s2 ends after signup
            ("search", "click", 1, 1),  # u2's, inside a2's session
            ("click", "page_view", 1, 1),  # u2's click, followed by a2's page_view
            ("page_view", None, 3, 3),  # a2 ends s3, a3 s5, a4 s7
            ("search", None, 1, 1),  # u3 ends s6
            ("login", None, 1, 1),
        ],
        key=lambda r: (r[0], r[1] is None, r[1] or ""),
    )


def test_sessions_after_late_events_a_merge_and_a_removal(
    trend_warehouses: dict[str, Any],
) -> None:
    assert compared_rows(trend_warehouses, SESSIONS) == [
        ("s1", "u1", 4, False, "USD"),
        ("s2", "u1", 2, False, "USD"),
        ("s3", "a2", 4, False, "USD"),
        ("s4", "u1", 1, True, "USD"),
        ("s5", "a3", 1, True, "USD"),
        ("s6", "a4", 2, False, "USD"),
        ("s7", "a4", 1, True, "USD"),
    ]


def test_the_incremental_run_kept_the_untouched_persons_rows(
    trend_warehouses: dict[str, Any],
) -> None:
    """a3 (only s5) and u3 (only in s6) were computed in batch 1 and kept; the others were
    recomputed (the 08-01 partition was re-ingested, a4 has a new session)."""
    incremental = trend_warehouses["incremental"]
    paths = dict(
        query(
            incremental,
            "select person_id, max(_events_watermark) from intermediate.int_person_paths "
            "where brand_id = 'tp' group by 1",
        )
    )
    assert set(paths) == {"u1", "a2", "a3", "a4"}  # a1 owns nothing any more
    assert paths["a3"] < paths["u1"] == paths["a2"] == paths["a4"]
    transitions = dict(
        query(
            incremental,
            "select person_id, max(_events_watermark) from intermediate.int_person_transitions "
            "where brand_id = 'tp' group by 1",
        )
    )
    assert set(transitions) == {"u1", "u2", "u3", "a2", "a3", "a4"}
    assert transitions["u3"] == transitions["a3"] < transitions["a4"] == transitions["u2"]
