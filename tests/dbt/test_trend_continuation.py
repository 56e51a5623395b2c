"""Paths and transitions continued from stored rows, worked out by hand.

Three loads into brand `tc` (UTC), the trend models run incrementally after each (as the
daily run does); int_person_paths and int_person_transitions asserted exactly after every
run, the continued persons of each run (int_session_event_deltas) asserted, and the last
state compared with a full refresh. Sessions are derived (no session_id: a gap of more
than 30 minutes starts a new one) unless a session is named.

Load 1 (08-01):  p0 x 01:00 (never touched again)
                 p1 a 10:00, b 10:10            p2 a 10:00, b 10:20
                 p3 a 10:00, b 10:05            p4 a 09:00, c 10:00 (two sessions)
                 p5 a 11:00 in session g1       a6 (anonymous) a 12:00
                 p8 a 14:00 in session g2
Load 2 (08-02):  p1 c 10:25: 15 min after b, the last session grows to [a, b, c]
                 p2 c 11:00: 40 min after b, a new session [c]
                 p3 c 10:35: exactly 30 min after b, still the same session [a, b, c]
                 p4 m 09:30: a late event between a and c, 30 min from each: the two stored
                    sessions become one [a, m, c]
                 p5 b 11:10 in g1 (a given session of p5 alone grows)
                 b 12:05 by a6 logged in as u6: a6's event moves to u6 (recomputed)
                 p7 a 13:00 (a new person)
Load 3 (08-03):  p1 d 12:00: a new session [d]
                 p2 f 13:00: a new session [f]; only [c] is rewritten, [a, b] is not read
                 p3 d 11:05:01: 30 min 1 s after c, a new session [d]
                 p4 e 10:30: exactly 30 min after c, [a, m, c, e]
                 p9 b 14:05 in g2, p8's session (shared by two persons: both recomputed)
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from streams import brand, event
from warehouse import create_warehouse, full_refresh_copy, insert_rows, query, run_dbt, same_rows

BRAND = "tc"
SELECTION = ["--select", "+top_paths +event_transitions +sessions"]


def ev(event_id: str, person: str, name: str, at: str, arrival: str, **kw: Any) -> dict[str, Any]:
    """An event of `person` (a user_id unless given as anon=...) landed on `arrival`."""
    if "anon" not in kw:
        kw["user"] = person
    return event(BRAND, event_id, name, f"2026-08-01 {at}", arrival=arrival, **kw)


LOADS = [
    [
        ev("p0_1", "p0", "x", "01:00:00", "2026-08-01"),
        ev("p1_1", "p1", "a", "10:00:00", "2026-08-01"),
        ev("p1_2", "p1", "b", "10:10:00", "2026-08-01"),
        ev("p2_1", "p2", "a", "10:00:00", "2026-08-01"),
        ev("p2_2", "p2", "b", "10:20:00", "2026-08-01"),
        ev("p3_1", "p3", "a", "10:00:00", "2026-08-01"),
        ev("p3_2", "p3", "b", "10:05:00", "2026-08-01"),
        ev("p4_1", "p4", "a", "09:00:00", "2026-08-01"),
        ev("p4_2", "p4", "c", "10:00:00", "2026-08-01"),
        ev("p5_1", "p5", "a", "11:00:00", "2026-08-01", session="g1"),
        ev("a6_1", "a6", "a", "12:00:00", "2026-08-01", anon="a6"),
        ev("p8_1", "p8", "a", "14:00:00", "2026-08-01", session="g2"),
    ],
    [
        ev("p1_3", "p1", "c", "10:25:00", "2026-08-02"),
        ev("p2_3", "p2", "c", "11:00:00", "2026-08-02"),
        ev("p3_3", "p3", "c", "10:35:00", "2026-08-02"),
        ev("p4_3", "p4", "m", "09:30:00", "2026-08-02"),
        ev("p5_2", "p5", "b", "11:10:00", "2026-08-02", session="g1"),
        ev("a6_2", "u6", "b", "12:05:00", "2026-08-02", anon="a6", user="u6"),
        ev("p7_1", "p7", "a", "13:00:00", "2026-08-02"),
    ],
    [
        ev("p1_4", "p1", "d", "12:00:00", "2026-08-03"),
        ev("p2_4", "p2", "f", "13:00:00", "2026-08-03"),
        ev("p3_4", "p3", "d", "11:05:01", "2026-08-03"),
        ev("p4_4", "p4", "e", "10:30:00", "2026-08-03"),
        ev("p9_1", "p9", "b", "14:05:00", "2026-08-03", session="g2"),
    ],
]

# person -> {(path_length, path, sessions, ended)} after each run
ONE_A = {(1, "a", 1, 1)}
AB = {(1, "a", 1, 0), (2, "a > b", 1, 1)}
ABC = {(1, "a", 1, 0), (2, "a > b", 1, 0), (3, "a > b > c", 1, 1)}
AMC = {(1, "a", 1, 0), (2, "a > m", 1, 0), (3, "a > m > c", 1, 1)}
PATHS: list[dict[str, set[tuple[int, str, int, int]]]] = [
    {
        "p0": {(1, "x", 1, 1)},
        "p1": AB,
        "p2": AB,
        "p3": AB,
        "p4": {(1, "a", 1, 1), (1, "c", 1, 1)},
        "p5": ONE_A,
        "a6": ONE_A,
        "p8": ONE_A,
    },
    {
        "p0": {(1, "x", 1, 1)},
        "p1": ABC,
        "p2": AB | {(1, "c", 1, 1)},
        "p3": ABC,  # exactly 30 minutes: the same session
        "p4": AMC,
        "p5": AB,
        "u6": AB,
        "p7": ONE_A,
        "p8": ONE_A,
    },
    {
        "p0": {(1, "x", 1, 1)},
        "p1": ABC | {(1, "d", 1, 1)},
        "p2": AB | {(1, "c", 1, 1), (1, "f", 1, 1)},
        "p3": ABC | {(1, "d", 1, 1)},  # 30 minutes and 1 second: a new session
        "p4": (AMC - {(3, "a > m > c", 1, 1)})
        | {(3, "a > m > c", 1, 0), (4, "a > m > c > e", 1, 1)},
        "p5": AB,
        "u6": AB,
        "p7": ONE_A,
        "p8": AB,  # g2 is p8's (first event): a > b, b being p9's
    },
]

# person -> {(from_event, to_event, transitions)} after each run
T_A = {("a", None, 1)}
T_AB = {("a", "b", 1), ("b", None, 1)}
T_ABC = {("a", "b", 1), ("b", "c", 1), ("c", None, 1)}
T_AMC = {("a", "m", 1), ("m", "c", 1), ("c", None, 1)}
TRANSITIONS: list[dict[str, set[tuple[str, str | None, int]]]] = [
    {
        "p0": {("x", None, 1)},
        "p1": T_AB,
        "p2": T_AB,
        "p3": T_AB,
        "p4": {("a", None, 1), ("c", None, 1)},
        "p5": T_A,
        "a6": T_A,
        "p8": T_A,
    },
    {
        "p0": {("x", None, 1)},
        "p1": T_ABC,
        "p2": T_AB | {("c", None, 1)},
        "p3": T_ABC,
        "p4": T_AMC,
        "p5": T_AB,
        "u6": T_AB,
        "p7": T_A,
        "p8": T_A,
    },
    {
        "p0": {("x", None, 1)},
        "p1": T_ABC | {("d", None, 1)},
        "p2": T_AB | {("c", None, 1), ("f", None, 1)},
        "p3": T_ABC | {("d", None, 1)},
        "p4": {("a", "m", 1), ("m", "c", 1), ("c", "e", 1), ("e", None, 1)},
        "p5": T_AB,
        "u6": T_AB,
        "p7": T_A,
        "p8": {("a", "b", 1)},
        "p9": {("b", None, 1)},
    },
]

# persons continued from their stored rows by each incremental run: not a6/u6 (an event
# moved between them), not p8/p9 (a session of two persons); p0 and (run 3) p5, u6, p7
# unchanged
CONTINUED = [{"p1", "p2", "p3", "p4", "p5", "p7"}, {"p1", "p2", "p3", "p4"}]

PATHS_SQL = (
    "select person_id, path_length, path, sessions, ended from intermediate.int_person_paths "
    "where brand_id = ?"
)
TRANSITIONS_SQL = (
    "select person_id, from_event, to_event, transitions "
    "from intermediate.int_person_transitions where brand_id = ?"
)
CONTINUED_SQL = "select distinct person_id from intermediate.int_session_event_deltas"
MARTS = {
    "top_paths": "select * from marts.top_paths order by all",
    "event_transitions": "select * from marts.event_transitions order by all",
    "int_sessions": (
        "select * exclude (_events_watermark) from intermediate.int_sessions order by all"
    ),
    "int_person_paths": (
        "select * exclude (_events_watermark) from intermediate.int_person_paths order by all"
    ),
    "int_person_transitions": (
        "select * exclude (_events_watermark) from intermediate.int_person_transitions order by all"
    ),
}


def by_person(rows: list[tuple[Any, ...]]) -> dict[str, set[tuple[Any, ...]]]:
    found: dict[str, set[tuple[Any, ...]]] = {}
    for person, *rest in rows:
        found.setdefault(person, set()).add(tuple(rest))
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Run the trend models after each load; keep what each run produced."""
    data_dir = tmp_path_factory.mktemp("trend_continuation")
    path = data_dir / "continuation.duckdb"
    create_warehouse(path, {"raw.brands": [brand(BRAND, "UTC")]})
    run_dbt(path, "seed", data_dir=data_dir)
    paths, transitions, continued = [], [], []
    for load, rows in enumerate(LOADS):
        con = duckdb.connect(str(path))
        try:
            insert_rows(con, "raw.events", rows)
        finally:
            con.close()
        run_dbt(path, "run", *SELECTION, data_dir=data_dir)
        paths.append(by_person(query(path, PATHS_SQL, [BRAND])))
        transitions.append(by_person(query(path, TRANSITIONS_SQL, [BRAND])))
        if load > 0:
            continued.append({p for (p,) in query(path, CONTINUED_SQL)})
    full = full_refresh_copy(path, SELECTION, data_dir)
    yield {
        "path": path,
        "full": full,
        "paths": paths,
        "transitions": transitions,
        "continued": continued,
    }


@pytest.mark.parametrize("run", range(len(LOADS)))
def test_paths_after_each_run(runs: dict[str, Any], run: int) -> None:
    assert runs["paths"][run] == PATHS[run]


@pytest.mark.parametrize("run", range(len(LOADS)))
def test_transitions_after_each_run(runs: dict[str, Any], run: int) -> None:
    assert runs["transitions"][run] == TRANSITIONS[run]


def test_the_appended_persons_were_continued(runs: dict[str, Any]) -> None:
    """Else the exact rows above would say nothing about the continuation."""
    assert runs["continued"] == CONTINUED


@pytest.mark.parametrize("table", sorted(MARTS))
def test_last_state_equals_a_full_refresh(runs: dict[str, Any], table: str) -> None:
    assert same_rows(runs["path"], runs["full"], MARTS[table])


def test_unchanged_persons_kept_their_stored_rows(runs: dict[str, Any]) -> None:
    """p0 was computed by the first run and never again; p5 not in the third."""
    stamps = dict(
        query(
            Path(runs["path"]),
            "select person_id, max(_events_watermark) from intermediate.int_person_paths "
            "where brand_id = ? group by 1",
            [BRAND],
        )
    )
    assert stamps["p0"] < stamps["p5"] < stamps["p1"] == stamps["p2"]


@pytest.mark.parametrize("rebuilt", ["int_events_resolved", "int_changed_keys"])
def test_a_rebuild_from_scratch_below_is_every_key(runs: dict[str, Any], rebuilt: str) -> None:
    """A model below rebuilt alone: int_events_resolved (every row stamped anew) or the
    change set itself (every key listed, stamped after what the models consumed, while the
    events keep their old stamps). The next incremental run of the session and trend models
    gets "every key", reads every event (not only the rows written since its change set),
    continues nobody, and still equals the full refresh."""
    path = Path(runs["path"])
    work = path.parent / f"every_key_{rebuilt}"
    work.mkdir()
    copy = work / path.name  # the same file name: its views name the database by it
    shutil.copy(path, copy)
    run_dbt(copy, "run", "--full-refresh", "--select", rebuilt, data_dir=work)
    run_dbt(copy, "run", *SELECTION, data_dir=work)
    assert query(copy, "select count(*) from intermediate.int_session_event_deltas") == [(0,)]
    for sql in MARTS.values():
        assert query(copy, sql) == query(runs["full"], sql)
