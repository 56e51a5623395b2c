"""Incremental funnel runs that continue persons from their stored attempts.

Hand-worked: three loads of events into one brand, the funnel models run incrementally
after each (as the daily run does), the counted rows of an ordered funnel [a, b, c]
(window 1 h) asserted exactly after every run, and the last state compared with a full
refresh. Persons whose new events all come after their stored ones are continued from the
stored counted attempt (int_funnel_continued_persons); the cases are the ones that
continuation can get wrong:

- p1: an open attempt whose next step arrives in a later load (then a new, weaker attempt)
- p2: the window expires before the new event: the stored attempt stays as it was
- p3: the new event lands exactly at the window end, and the stored attempt starts exactly
  at the time from which attempts are searched again (both boundaries inclusive)
- p4: appended events start a new attempt that beats the stored one, and it is then
  continued in the next load
- p5: a new attempt that only ties the stored one: the earlier (stored) one stays
- p6: a late event (before a stored one): recomputed from all events, not continued
- p7: a new person
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from brandpulse.raw_schema import ensure_ai_schema, ensure_raw_schema
from tests.funnels.warehouse import FUNNEL_SELECTOR, query, run_dbt

BRAND = "finc"
ORDERED = "abc"  # ordered [a, b, c], window 3600 s
STRICT = "ab_strict"  # strict [a, b], window 600 s (only compared with a full refresh)


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-08-01 {hhmm}:00")


# (event_id, person, name, time) per load
LOADS: list[list[tuple[str, str, str, str]]] = [
    [
        # a person no later load touches: int_changed_keys would otherwise take a run that
        # rewrites every stored event for a build from scratch (and list every key)
        ("p0_e1", "p0", "x", "01:00"),
        ("p1_e1", "p1", "a", "09:00"),
        ("p1_e2", "p1", "b", "09:10"),
        ("p2_e1", "p2", "a", "08:00"),
        ("p2_e2", "p2", "b", "08:30"),
        ("p3_e1", "p3", "a", "07:00"),
        ("p3_e2", "p3", "b", "07:20"),
        ("p4_e1", "p4", "a", "06:00"),
        ("p5_e1", "p5", "a", "05:00"),
        ("p5_e2", "p5", "b", "05:10"),
        ("p6_e1", "p6", "a", "09:00"),
        ("p6_e2", "p6", "b", "09:30"),
    ],
    [
        ("p1_e3", "p1", "c", "09:50"),
        ("p2_e3", "p2", "c", "09:30"),
        ("p3_e3", "p3", "c", "08:00"),
        ("p4_e2", "p4", "a", "12:00"),
        ("p4_e3", "p4", "b", "12:10"),
        ("p5_e3", "p5", "a", "13:00"),
        ("p5_e4", "p5", "b", "13:05"),
        ("p6_e3", "p6", "b", "09:05"),
        ("p6_e4", "p6", "c", "09:40"),
    ],
    [
        ("p1_e4", "p1", "a", "10:30"),
        ("p4_e4", "p4", "c", "12:30"),
        ("p7_e1", "p7", "a", "14:00"),
    ],
]

# person -> (attempt_id, steps_completed, [(step_number, event_id), ...]) after each run
EXPECTED: list[dict[str, tuple[str, int, list[tuple[int, str]]]]] = [
    {
        "p1": ("p1_e1", 2, [(1, "p1_e1"), (2, "p1_e2")]),
        "p2": ("p2_e1", 2, [(1, "p2_e1"), (2, "p2_e2")]),
        "p3": ("p3_e1", 2, [(1, "p3_e1"), (2, "p3_e2")]),
        "p4": ("p4_e1", 1, [(1, "p4_e1")]),
        "p5": ("p5_e1", 2, [(1, "p5_e1"), (2, "p5_e2")]),
        "p6": ("p6_e1", 2, [(1, "p6_e1"), (2, "p6_e2")]),
    },
    {
        # c at 09:50, inside the window of the attempt opened at 09:00
        "p1": ("p1_e1", 3, [(1, "p1_e1"), (2, "p1_e2"), (3, "p1_e3")]),
        # c at 09:30, after the window (08:00-09:00): unchanged
        "p2": ("p2_e1", 2, [(1, "p2_e1"), (2, "p2_e2")]),
        # c at 08:00 = the window end (inclusive); the attempt opened at 07:00 = 08:00 - 1 h
        "p3": ("p3_e1", 3, [(1, "p3_e1"), (2, "p3_e2"), (3, "p3_e3")]),
        # the new attempt (a 12:00, b 12:10) reaches 2 steps, the stored one 1
        "p4": ("p4_e2", 2, [(1, "p4_e2"), (2, "p4_e3")]),
        # the new attempt ties the stored one (2 steps): the earlier one counts
        "p5": ("p5_e1", 2, [(1, "p5_e1"), (2, "p5_e2")]),
        # b at 09:05 arrived after b at 09:30: a 09:00, b 09:05, c 09:40
        "p6": ("p6_e1", 3, [(1, "p6_e1"), (2, "p6_e3"), (3, "p6_e4")]),
    },
    {
        # a new attempt at 10:30 (1 step) does not beat the stored 3 steps
        "p1": ("p1_e1", 3, [(1, "p1_e1"), (2, "p1_e2"), (3, "p1_e3")]),
        "p2": ("p2_e1", 2, [(1, "p2_e1"), (2, "p2_e2")]),
        "p3": ("p3_e1", 3, [(1, "p3_e1"), (2, "p3_e2"), (3, "p3_e3")]),
        # c at 12:30 continues the attempt opened at 12:00
        "p4": ("p4_e2", 3, [(1, "p4_e2"), (2, "p4_e3"), (3, "p4_e4")]),
        "p5": ("p5_e1", 2, [(1, "p5_e1"), (2, "p5_e2")]),
        "p6": ("p6_e1", 3, [(1, "p6_e1"), (2, "p6_e3"), (3, "p6_e4")]),
        "p7": ("p7_e1", 1, [(1, "p7_e1")]),
    },
]

# persons continued from their stored rows by each incremental run (not p6: a late event)
CONTINUED = [{"p1", "p2", "p3", "p4", "p5"}, {"p1", "p4", "p7"}]

COUNTED_SQL = """
    select person_id, attempt_id, steps_completed, step_number, event_id
    from intermediate.int_funnel_counted_steps
    where brand_id = ? and funnel_id = ?
    order by person_id, step_number
"""
# every column but the run stamp, every funnel
ALL_ROWS_SQL = """
    select * exclude (_events_watermark) from intermediate.int_funnel_counted_steps order by all
"""


def create_raw(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        ensure_raw_schema(con)
        ensure_ai_schema(con)
        con.execute(
            "INSERT INTO raw.brands (brand_id, name, timezone) VALUES (?, ?, 'UTC')", [BRAND, BRAND]
        )
        for funnel_id, order, window, steps in (
            (ORDERED, "ordered", 3600, ["a", "b", "c"]),
            (STRICT, "strict", 600, ["a", "b"]),
        ):
            con.execute(
                "INSERT INTO raw.funnels (funnel_id, brand_id, name, funnel_order, window_seconds, "
                "step_count, definition) VALUES (?, ?, ?, ?, ?, ?, '{}')",
                [funnel_id, BRAND, funnel_id, order, window, len(steps)],
            )
            for n, name in enumerate(steps, start=1):
                con.execute(
                    "INSERT INTO raw.funnel_steps VALUES (?, ?, ?, ?, 0)",
                    [BRAND, funnel_id, n, name],
                )
    finally:
        con.close()


def land(path: Path, load: int) -> None:
    """Insert load `load` (0-based) as ingest would: its own arrival day and load time."""
    arrived = date(2026, 8, 2 + load)
    loaded_at = datetime(2026, 8, 2 + load, 23, 0)
    con = duckdb.connect(str(path))
    try:
        con.executemany(
            "INSERT INTO raw.events (brand_id, event_id, event_name, occurred_at, user_id, "
            "properties, context, _partition_date, _loaded_at) VALUES (?, ?, ?, ?, ?, '{}', '{}', ?, ?)",
            [
                [BRAND, event_id, name, at(hhmm), person, arrived, loaded_at]
                for event_id, person, name, hhmm in LOADS[load]
            ],
        )
    finally:
        con.close()


def counted(path: Path) -> dict[str, tuple[str, int, list[tuple[int, str]]]]:
    result: dict[str, tuple[str, int, list[tuple[int, str]]]] = {}
    for person, attempt, steps, step_number, event_id in query(path, COUNTED_SQL, [BRAND, ORDERED]):
        result.setdefault(person, (attempt, steps, []))[2].append((step_number, event_id))
    return result


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run the funnel models after each load; keep what each run produced."""
    work = tmp_path_factory.mktemp("funnel_incremental")
    path = work / "incremental.duckdb"
    create_raw(path)
    run_dbt(path, "seed")
    after: list[dict[str, tuple[str, int, list[tuple[int, str]]]]] = []
    continued: list[set[str]] = []
    for load in range(len(LOADS)):
        land(path, load)
        run_dbt(path, "run", "--select", FUNNEL_SELECTOR)
        after.append(counted(path))
        if load > 0:
            continued.append(
                {
                    p
                    for (p,) in query(
                        path, "select person_id from intermediate.int_funnel_continued_persons"
                    )
                }
            )
    incremental_rows = query(path, ALL_ROWS_SQL)
    full = work / "full.duckdb"
    shutil.copy(path, full)
    run_dbt(full, "run", "--full-refresh", "--select", FUNNEL_SELECTOR)
    return {
        "after": after,
        "continued": continued,
        "incremental_rows": incremental_rows,
        "full_rows": query(full, ALL_ROWS_SQL),
    }


@pytest.mark.parametrize("run", range(len(LOADS)))
def test_counted_attempts_after_each_run(runs: dict[str, object], run: int) -> None:
    assert runs["after"][run] == EXPECTED[run]  # type: ignore[index]


def test_appended_persons_were_continued(runs: dict[str, object]) -> None:
    """The runs above went through the continuation (else they prove nothing about it)."""
    assert runs["continued"] == CONTINUED


def test_incremental_runs_equal_a_full_refresh(runs: dict[str, object]) -> None:
    assert runs["incremental_rows"]
    assert runs["incremental_rows"] == runs["full_rows"]
