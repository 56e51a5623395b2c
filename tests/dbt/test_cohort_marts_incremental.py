"""cohort_retention and cohort_ltv after an incremental run, worked out by hand.

Brand `co` (UTC), one cohort `c_day`: first_time by the first event of any kind, day
grain, 3 periods, any event is a return. Batch 1 (arrival 08-01..08-03):
  a1 page_view 08-01;  a2 page_view 08-01, 08-03;  a4 page_view 08-01, 08-02;
  u1 page_view 08-02, purchase 08-03 (revenue 10).
  Cohort 08-01 = {a1, a2, a4}: day 1 a4 returns, day 2 a2; day 3 unobserved (last day 08-03).
  Cohort 08-02 = {u1}: day 1 u1 (and its 10 of revenue).
Batch 2 (arrival 08-10): `login` 08-10 carries a1 and u1 (a1's history becomes u1's, so
u1 starts on 08-01 and cohort 08-02 disappears); a2's page_view of 08-02 arrives late; a3
starts on 08-10. a4 is untouched.
  Cohort 08-01 = {u1, a2, a4}: day 1 all three; day 2 u1 and a2; day 3 nobody (observed now);
  u1's purchase is day 2's revenue: 10 over 3 members.
  Cohort 08-10 = {a3}: only day 0 observed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from streams import brand, cohort, event
from warehouse import (
    built_changed_and_rebuilt,
    compared_rows,
    insert_rows,
    query,
)

SELECTION = ["--select", "+cohort_retention +cohort_ltv"]

BATCH1 = [
    event("co", "a1_1", "page_view", "2026-08-01 10:00:00", anon="a1"),
    event("co", "a2_1", "page_view", "2026-08-01 11:00:00", anon="a2"),
    event("co", "a2_3", "page_view", "2026-08-03 11:00:00", anon="a2"),
    event("co", "a4_1", "page_view", "2026-08-01 13:00:00", anon="a4"),
    event("co", "a4_2", "page_view", "2026-08-02 13:00:00", anon="a4"),
    event("co", "u1_2", "page_view", "2026-08-02 10:00:00", user="u1"),
    event("co", "u1_3", "purchase", "2026-08-03 10:00:00", user="u1", revenue=10.0),
]
BATCH2 = [
    event("co", "login", "login", "2026-08-10 09:00:00", anon="a1", user="u1"),
    event("co", "a2_2", "page_view", "2026-08-02 12:00:00", anon="a2", arrival="2026-08-10"),
    event("co", "a3_10", "page_view", "2026-08-10 12:00:00", anon="a3"),
]

RETENTION = (
    "select cast(cohort_start as varchar), period_number, cohort_size, retained_persons, "
    "is_observed from marts.cohort_retention where brand_id = 'co' order by 1, 2"
)
LTV = (
    "select cast(cohort_start as varchar), period_number, cohort_size, period_revenue, "
    "cumulative_revenue, round(ltv_per_person, 4), cumulative_orders, is_observed "
    "from marts.cohort_ltv where brand_id = 'co' order by 1, 2"
)


@pytest.fixture(scope="module")
def cohort_warehouses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Batch 1 built, batch 2 run incrementally on it; the same data built from scratch."""
    data_dir = tmp_path_factory.mktemp("cohortinc")
    path = data_dir / "cohortinc.duckdb"
    yield built_changed_and_rebuilt(
        path,
        {
            "raw.brands": [brand("co", "UTC")],
            "raw.cohorts": [cohort("co", "c_day", None, None, "day", "first_time", 3)],
            "raw.events": BATCH1,
        },
        SELECTION,
        data_dir,
        (RETENTION, LTV),
        lambda con: insert_rows(con, "raw.events", BATCH2),
    )


def test_batch_1_cohorts(cohort_warehouses: dict[str, Any]) -> None:
    before = cohort_warehouses["before"]
    assert before[RETENTION] == [
        ("2026-08-01", 0, 3, 3, True),
        ("2026-08-01", 1, 3, 1, True),  # a4
        ("2026-08-01", 2, 3, 1, True),  # a2
        ("2026-08-01", 3, 3, None, False),
        ("2026-08-02", 0, 1, 1, True),
        ("2026-08-02", 1, 1, 1, True),  # u1
        ("2026-08-02", 2, 1, None, False),
        ("2026-08-02", 3, 1, None, False),
    ]
    assert ("2026-08-02", 1, 1, 10.0, 10.0, 10.0, 1, True) in before[LTV]


def test_retention_after_a_merge_and_a_late_event_on_old_days(
    cohort_warehouses: dict[str, Any],
) -> None:
    assert compared_rows(cohort_warehouses, RETENTION) == [
        ("2026-08-01", 0, 3, 3, True),
        ("2026-08-01", 1, 3, 3, True),  # u1 (its own 08-02), a2 (late), a4
        ("2026-08-01", 2, 3, 2, True),  # u1's purchase, a2
        ("2026-08-01", 3, 3, 0, True),  # observed now: nobody
        ("2026-08-10", 0, 1, 1, True),
        ("2026-08-10", 1, 1, None, False),
        ("2026-08-10", 2, 1, None, False),
        ("2026-08-10", 3, 1, None, False),
    ]


def test_ltv_after_a_merge_moved_the_revenue_to_an_older_cohort(
    cohort_warehouses: dict[str, Any],
) -> None:
    assert compared_rows(cohort_warehouses, LTV) == [
        ("2026-08-01", 0, 3, 0.0, 0.0, 0.0, 0, True),
        ("2026-08-01", 1, 3, 0.0, 0.0, 0.0, 0, True),
        ("2026-08-01", 2, 3, 10.0, 10.0, 3.3333, 1, True),
        ("2026-08-01", 3, 3, 0.0, 10.0, 3.3333, 1, True),
        ("2026-08-10", 0, 1, 0.0, 0.0, 0.0, 0, True),
        ("2026-08-10", 1, 1, None, None, None, None, False),
        ("2026-08-10", 2, 1, None, None, None, None, False),
        ("2026-08-10", 3, 1, None, None, None, None, False),
    ]


def test_the_incremental_run_kept_the_untouched_members_rows(
    cohort_warehouses: dict[str, Any],
) -> None:
    """a4 was computed in batch 1 and kept; u1, a2 and a3 were (re)computed; a1 is gone."""
    stamps = dict(
        query(
            cohort_warehouses["incremental"],
            "select person_id, max(_events_watermark) from intermediate.int_cohort_members "
            "where brand_id = 'co' group by 1",
        )
    )
    assert set(stamps) == {"u1", "a2", "a3", "a4"}
    assert stamps["a4"] < stamps["u1"] == stamps["a2"] == stamps["a3"]


# A cohort redefined between runs, worked out by hand. Brand `rd` (UTC), two first_time
# day cohorts: `c_rd` starting on `signup`, `c_keep` starting on `signup` too.
# Batch 1: p1 signup 08-01, page_view 08-02; p2 page_view 08-01, signup 08-03.
#   c_rd = c_keep = {p1 from 08-01, p2 from 08-03}.
# Then c_rd starts on any event (start_event NULL) and p3's page_view of 08-04 lands; p1
# and p2 get no event (not in the change set), so only the redefinition recomputes them:
#   c_rd = {p1 from 08-01, p2 from 08-01 (its page_view), p3 from 08-04};
#   c_keep unchanged = {p1 from 08-01, p2 from 08-03} (p3 has no signup).
REDEFINED_BATCH1 = [
    event("rd", "p1_1", "signup", "2026-08-01 10:00:00", user="p1"),
    event("rd", "p1_2", "page_view", "2026-08-02 10:00:00", user="p1"),
    event("rd", "p2_1", "page_view", "2026-08-01 11:00:00", user="p2"),
    event("rd", "p2_3", "signup", "2026-08-03 11:00:00", user="p2"),
]
REDEFINED_BATCH2 = [event("rd", "p3_4", "page_view", "2026-08-04 09:00:00", user="p3")]
MEMBERS = (
    "select cohort_id, person_id, cast(cohort_start as varchar), "
    "cast(first_start_day as varchar), start_event "
    "from intermediate.int_cohort_members where brand_id = 'rd' order by all"
)


@pytest.fixture(scope="module")
def redefined_warehouses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Batch 1 built; c_rd redefined and batch 2 run incrementally; the same from scratch."""
    data_dir = tmp_path_factory.mktemp("cohortredef")
    path = data_dir / "cohortredef.duckdb"

    def redefine_and_load(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("update raw.cohorts set start_event = null where cohort_id = 'c_rd'")
        insert_rows(con, "raw.events", REDEFINED_BATCH2)

    yield built_changed_and_rebuilt(
        path,
        {
            "raw.brands": [brand("rd", "UTC")],
            "raw.cohorts": [
                cohort("rd", "c_rd", "signup", None, "day", "first_time", 2),
                cohort("rd", "c_keep", "signup", None, "day", "first_time", 2),
            ],
            "raw.events": REDEFINED_BATCH1,
        },
        ["--select", "+int_cohort_members"],
        data_dir,
        (MEMBERS,),
        redefine_and_load,
    )


def test_a_redefined_cohort_recomputes_the_persons_the_run_did_not_change(
    redefined_warehouses: dict[str, Any],
) -> None:
    assert redefined_warehouses["before"][MEMBERS] == [
        ("c_keep", "p1", "2026-08-01", "2026-08-01", "signup"),
        ("c_keep", "p2", "2026-08-03", "2026-08-03", "signup"),
        ("c_rd", "p1", "2026-08-01", "2026-08-01", "signup"),
        ("c_rd", "p2", "2026-08-03", "2026-08-03", "signup"),
    ]
    assert compared_rows(redefined_warehouses, MEMBERS) == [
        ("c_keep", "p1", "2026-08-01", "2026-08-01", "signup"),
        ("c_keep", "p2", "2026-08-03", "2026-08-03", "signup"),
        ("c_rd", "p1", "2026-08-01", "2026-08-01", None),
        ("c_rd", "p2", "2026-08-01", "2026-08-01", None),  # its page_view now starts it
        ("c_rd", "p3", "2026-08-04", "2026-08-04", None),
    ]
