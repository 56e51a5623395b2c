"""The funnel marts against hand-worked answers and against the Python oracle."""

from __future__ import annotations

from datetime import date

import pytest

from tests.funnels.cases import T0, hand_cases
from tests.funnels.reference import funnel_conversion, funnel_persons
from tests.funnels.warehouse import query

CASE_NAMES = [c.brand for c in hand_cases()] + ["tz_ny"]


def persons_of(w, brand: str, funnel_id: str = "f") -> dict[str, tuple[int, float, float]]:
    rows = query(
        w.path,
        """select person_id, steps_completed, entered_at, completed_at
           from marts.funnel_persons where brand_id = ? and funnel_id = ?""",
        [brand, funnel_id],
    )
    return {
        p: (k, (entered - T0).total_seconds(), (completed - T0).total_seconds())
        for p, k, entered, completed in rows
    }


@pytest.mark.parametrize("brand", CASE_NAMES)
def test_hand_worked_persons(funnel_warehouse, brand):
    case = next(c for c in funnel_warehouse.cases if c.brand == brand)
    assert persons_of(funnel_warehouse, brand) == case.expected


@pytest.mark.parametrize("brand", CASE_NAMES)
def test_oracle_agrees_with_hand_worked(funnel_warehouse, brand):
    """The oracle itself reproduces the paper answers (so the random test means something)."""
    case = next(c for c in funnel_warehouse.cases if c.brand == brand)
    got = {
        p: (
            r.steps_completed,
            (r.entered_at - T0).total_seconds(),
            (r.completed_at - T0).total_seconds(),
        )
        for (_, _, p), r in funnel_persons(case.events, [case.funnel]).items()
    }
    assert got == case.expected


def test_conversion_basic(funnel_warehouse):
    rows = query(
        funnel_warehouse.path,
        """select funnel_id, step_number, event_name, persons, conversion_from_previous, conversion_from_start,
                  avg_seconds_from_previous, median_seconds_from_previous
           from marts.funnel_conversion where brand_id = 'ord_basic' order by funnel_id, step_number""",
    )
    assert rows == [
        ("empty", 1, "never", 0, None, None, None, None),
        ("empty", 2, "view", 0, None, None, None, None),
        ("f", 1, "view", 3, 1.0, 1.0, None, None),
        ("f", 2, "cart", 1, pytest.approx(1 / 3), pytest.approx(1 / 3), 10.0, 10.0),
        ("f", 3, "buy", 1, 1.0, pytest.approx(1 / 3), 10.0, 10.0),
        ("f4", 1, "view", 3, 1.0, 1.0, None, None),
        ("f4", 2, "cart", 1, pytest.approx(1 / 3), pytest.approx(1 / 3), 10.0, 10.0),
        ("f4", 3, "buy", 1, 1.0, pytest.approx(1 / 3), 10.0, 10.0),
        ("f4", 4, "refund", 0, 0.0, 0.0, None, None),
    ]


def test_median_interpolates(funnel_warehouse):
    rows = query(
        funnel_warehouse.path,
        """select avg_seconds_from_previous, median_seconds_from_previous
           from marts.funnel_conversion where brand_id = 'timing' and step_number = 2""",
    )
    assert rows == [(40.0, 25.0)]


def test_unordered_times_are_chronological(funnel_warehouse):
    rows = query(
        funnel_warehouse.path,
        """select step_number, persons, avg_seconds_from_previous from marts.funnel_conversion
           where brand_id = 'unordered' order by step_number""",
    )
    # p1: 0,10,20 (gaps 10,10); p2: b0 a10 c20 (gaps 10,10); p4: 0,50 (gap 50)
    assert rows == [(1, 4, None), (2, 3, pytest.approx(70 / 3)), (3, 2, 10.0)]


def test_unordered_counts_persons_without_step_1(funnel_warehouse):
    """Step k counts persons with at least k distinct steps, whichever they were."""
    rows = query(
        funnel_warehouse.path,
        """select step_number, persons, avg_seconds_from_previous, median_seconds_from_previous
           from marts.funnel_conversion where brand_id = 'unord_contract' order by step_number""",
    )
    # step 2 gaps (1st -> 2nd step in time): q1 30, q2 10, q3 90, q4 60, q5 100, q6 0
    # step 3 gaps (2nd -> 3rd): q2 10, q4 30, q6 0
    assert rows == [
        (1, 7, None, None),
        (2, 6, pytest.approx(290 / 6), 45.0),
        (3, 3, pytest.approx(40 / 3), 10.0),
    ]
    steps = query(
        funnel_warehouse.path,
        """select step_number, step_position, seconds_from_previous from marts.funnel_person_steps
           where brand_id = 'unord_contract' and person_id = 'q1' order by step_position""",
    )
    assert steps == [(2, 1, None), (3, 2, 30.0)]


def test_conversion_columns(funnel_warehouse):
    rows = query(
        funnel_warehouse.path,
        """select person_id, seconds_to_convert, converted, window_end_at
           from marts.funnel_persons where brand_id = 'restart' or (brand_id = 'tie' and person_id = 'p1')
           order by brand_id, person_id""",
    )
    assert [(r[0], r[1], r[2], (r[3] - T0).total_seconds()) for r in rows] == [
        ("p1", 20.0, True, 300.0),
        ("p1", None, False, 100.0),
    ]


def test_daily_uses_brand_timezone(funnel_warehouse):
    rows = query(
        funnel_warehouse.path,
        """select day, entered_persons, converted_persons, conversion_rate, avg_seconds_to_convert
           from marts.funnel_daily where brand_id = 'tz_ny'""",
    )
    assert rows == [(date(2026, 7, 31), 1, 1, 1.0, 3600.0)]


def test_breakdown(funnel_warehouse):
    rows = query(
        funnel_warehouse.path,
        """select dimension, dimension_value, entered_persons, converted_persons
           from marts.funnel_breakdown where brand_id = 'ord_basic' and funnel_id = 'f' order by dimension""",
    )
    assert rows == [("acquisition_channel", "direct", 3, 1), ("country", "(unknown)", 3, 1)]


def test_person_steps(funnel_warehouse):
    rows = query(
        funnel_warehouse.path,
        """select step_number, step_position, event_id, seconds_from_previous from marts.funnel_person_steps
           where brand_id = 'any_unordered' and person_id = 'p2' order by step_position""",
    )
    assert rows == [
        (1, 1, "any_unordered-0002", None),
        (3, 2, "any_unordered-0003", 3.0),
        (2, 3, "any_unordered-0004", 2.0),
    ]


def test_random_streams_match_oracle(funnel_warehouse):
    w = funnel_warehouse
    brands = {f.brand_id for f in w.funnels if f.brand_id.startswith("rnd")}
    events = [e for e in w.events if e.brand_id in brands]
    funnels = [f for f in w.funnels if f.brand_id in brands]
    expected = {
        k: (r.steps_completed, r.entered_at, r.completed_at, r.seconds_to_convert)
        for k, r in funnel_persons(events, funnels).items()
    }
    rows = query(
        w.path,
        """select brand_id, funnel_id, person_id, steps_completed, entered_at, completed_at, seconds_to_convert
           from marts.funnel_persons where brand_id like 'rnd%'""",
    )
    got = {(b, f, p): (k, e, c, s) for b, f, p, k, e, c, s in rows}
    assert len(expected) > 100
    assert got == expected

    conv = funnel_conversion(events, funnels)
    rows = query(
        w.path,
        """select brand_id, funnel_id, step_number, persons, conversion_from_previous, conversion_from_start,
                  avg_seconds_from_previous, median_seconds_from_previous
           from marts.funnel_conversion where brand_id like 'rnd%'""",
    )
    assert len(rows) == len(conv)
    for b, f, n, persons, prev, start, avg, med in rows:
        r = conv[(b, f, n)]
        assert (persons, prev, start, avg, med) == (
            r.persons,
            pytest.approx(r.conversion_from_previous),
            pytest.approx(r.conversion_from_start),
            pytest.approx(r.avg_seconds_from_previous),
            pytest.approx(r.median_seconds_from_previous),
        ), (b, f, n)
