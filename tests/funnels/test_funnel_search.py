"""The funnel attempt search (brandpulse/funnel_search.py) on hand-worked match tables.

Each case gives int_funnel_steps and int_funnel_step_matches rows as the dbt models would
and the attempt steps worked out on paper. tests/funnels' warehouse checks the whole
chain (matching, search, counting, marts) against an independent reference."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pytest

from brandpulse.funnel_search import MATCH_COLUMNS, concatenate, search_attempts

T0 = datetime(2026, 8, 1)


def _at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _steps(
    order: str, window: int, positions: list[int], shares: list[bool], funnel_key: int = 1
) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "funnel_key": funnel_key,
                "step_number": n + 1,
                "funnel_order": order,
                "window_seconds": window,
                "processing_position": p,
                "shares_events": s,
            }
            for n, (p, s) in enumerate(zip(positions, shares, strict=True))
        ]
    )


def _matches(rows: list[tuple]) -> pa.Table:
    """(funnel_key, step, person_key, event_id, seconds, rn, grp_rn, time_grp), sorted as the
    dbt model reads them. The search reads MATCH_COLUMNS, which name the event by its row
    (`event_row`); event_id and person_id stay beside them for _search to join back, as the
    dbt model does with int_events_resolved."""
    event_rows = {event: row for row, event in enumerate(sorted({r[3] for r in rows}))}
    records = [
        {
            "funnel_key": f,
            "person_key": p,
            "rn": rn,
            "step_number": step,
            "grp_rn": grp,
            "time_grp": tg,
            "occurred_at": _at(sec),
            "event_row": event_rows[event],
            "event_check": -event_rows[event],
            "event_id": event,
            "person_id": f"p{p}",
        }
        for f, step, p, event, sec, rn, grp, tg in rows
    ]
    records.sort(key=lambda r: (r["funnel_key"], r["person_key"], r["rn"], r["step_number"]))
    return pa.Table.from_pylist(records).select([*MATCH_COLUMNS, "event_id", "person_id"])


def _search(
    steps: pa.Table,
    matches: pa.Table,
    rows_per_chunk: int = 2_000_000,
    every_attempt_of: set[int] | None = None,
) -> list[dict]:
    found = concatenate(
        search_attempts(
            steps.to_pydict(), matches.to_batches(max_chunksize=3), rows_per_chunk, every_attempt_of
        )
    )
    event_ids = dict(
        zip(*matches.select(["event_row", "event_id"]).to_pydict().values(), strict=True)
    )
    person_ids = dict(
        zip(*matches.select(["person_key", "person_id"]).to_pydict().values(), strict=True)
    )
    rows = [
        dict(zip(found, values, strict=True))
        for values in zip(*(column.tolist() for column in found.values()), strict=True)
    ]
    for row in rows:
        assert row.pop("event_check") == -row["event_row"]  # carried with its event
        row["event_id"] = event_ids[row.pop("event_row")]
        row["person_id"] = person_ids[row["person_key"]] if row.pop("carries_person") else None
    return sorted(
        rows, key=lambda r: (r["funnel_key"], r["person_key"], r["attempt_rn"], r["step_seq"])
    )


def _brief(rows: list[dict], *keys: str) -> list[tuple]:
    return [tuple(r[k] for k in keys) for r in rows]


def test_ordered_equal_timestamps_and_repeated_steps() -> None:
    """[a, a, b]: two a events at the same second (rn 1 = e1, rn 2 = e2). The attempt from the
    first a takes the second a for step 2 (its own event is used); the attempt from the second
    a may take the first a (same time counts as "at or after"). Both then take b."""
    steps = _steps("ordered", 60, [0, 1, 2], [True, True, False])
    matches = _matches(
        [
            (1, 1, 7, "e1", 0, 1, 1, 1),
            (1, 1, 7, "e2", 0, 2, 1, 1),
            (1, 2, 7, "e1", 0, 1, 1, 1),
            (1, 2, 7, "e2", 0, 2, 1, 1),
            (1, 3, 7, "e3", 60, 3, 3, 3),
        ]
    )
    rows = _search(steps, matches)
    assert _brief(rows, "attempt_rn", "step_number", "step_seq", "event_id", "previous_at") == [
        (1, 1, 1, "e1", None),
        (1, 2, 2, "e2", _at(0)),
        (1, 3, 3, "e3", _at(0)),
        (2, 1, 1, "e2", None),
        (2, 2, 2, "e1", _at(0)),
        (2, 3, 3, "e3", _at(0)),
    ]
    assert [r["person_id"] for r in rows] == ["p7", None, None, "p7", None, None]
    assert [r["reached_at"] for r in rows] == [_at(0), _at(0), _at(60)] * 2


def test_ordered_window_is_inclusive() -> None:
    """[a, b], window 60 s: b exactly 60 s later is in (person 1); 61 s is out (person 2)."""
    steps = _steps("ordered", 60, [0, 1], [False, False])
    matches = _matches(
        [
            (1, 1, 1, "e1", 0, 1, 1, 1),
            (1, 2, 1, "e2", 60, 2, 2, 2),
            (1, 1, 2, "e3", 0, 1, 1, 1),
            (1, 2, 2, "e4", 61, 2, 2, 2),
        ]
    )
    rows = _search(steps, matches)
    assert _brief(rows, "person_key", "step_number", "event_id", "reached_at") == [
        (1, 1, "e1", _at(0)),
        (1, 2, "e2", _at(60)),
        (2, 1, "e3", _at(0)),
    ]


def test_strict_other_event_breaks_attempt() -> None:
    """strict [a, b]: a(rn 1), x(rn 2, matches nothing), a(rn 3), b(rn 4), one second apart.
    The first attempt is broken (x and the second a lie between it and b); the second
    reaches b."""
    steps = _steps("strict", 60, [0, 1], [False, False])
    matches = _matches(
        [
            (1, 1, 7, "e1", 0, 1, 1, 1),
            (1, 1, 7, "e3", 2, 3, 3, 3),
            (1, 2, 7, "e4", 3, 4, 4, 4),
        ]
    )
    rows = _search(steps, matches)
    assert _brief(rows, "attempt_rn", "step_number", "event_id", "previous_at") == [
        (1, 1, "e1", None),
        (3, 1, "e3", None),
        (3, 2, "e4", _at(2)),
    ]


def test_strict_events_at_a_step_instant_do_not_break() -> None:
    """strict [a, b], person 7: b (e1) and a (e2) at the same instant (b first by event_id):
    they fill steps 1 and 2. Person 8: a (e3) at 0 s, then x (matches nothing) and b (e5)
    both at 60 s: x is not between the steps, so b fills step 2 (the next instant)."""
    steps = _steps("strict", 60, [0, 1], [False, False])
    matches = _matches(
        [
            (1, 2, 7, "e1", 0, 1, 1, 1),
            (1, 1, 7, "e2", 0, 2, 1, 1),
            (1, 1, 8, "e3", 0, 1, 1, 1),
            (1, 2, 8, "e5", 60, 3, 2, 2),
        ]
    )
    rows = _search(steps, matches)
    assert _brief(rows, "person_key", "attempt_rn", "step_number", "event_id", "previous_at") == [
        (7, 2, 1, "e2", None),
        (7, 2, 2, "e1", _at(0)),
        (8, 1, 1, "e3", None),
        (8, 1, 2, "e5", _at(0)),
    ]


def _unordered_a_any_b() -> tuple[pa.Table, pa.Table]:
    """unordered [a, any, b] (b, a named step, before the any-event step) with a@0 (e1),
    b@10 (e2), c@20 (e3) of person 7."""
    steps = _steps("unordered", 100, [1, 3, 2], [True, True, True])
    matches = _matches(
        [
            (1, 1, 7, "e1", 0, 1, 1, 1),
            (1, 2, 7, "e1", 0, 1, 1, 1),
            (1, 2, 7, "e2", 10, 2, 2, 2),
            (1, 2, 7, "e3", 20, 3, 3, 3),
            (1, 3, 7, "e2", 10, 2, 2, 2),
        ]
    )
    return steps, matches


def test_unordered_specific_steps_first() -> None:
    """unordered [a, any, b] with a@0, b@10, c@20: every event that matches a step opens a
    window (a head row, step_number 0). In the window of a, the named steps a and b are
    filled first, then the any-event step skips the used a and b and takes c. The window of
    b has no a (before it): b, then c. The window of c: c fills the any-event step only."""
    steps, matches = _unordered_a_any_b()
    rows = _search(steps, matches)
    assert _brief(
        rows, "attempt_rn", "step_number", "step_seq", "event_id", "reached_at", "person_id"
    ) == [
        (1, 0, 0, "e1", _at(0), "p7"),
        (1, 1, 1, "e1", _at(0), None),
        (1, 3, 2, "e2", _at(10), None),
        (1, 2, 3, "e3", _at(20), None),
        (2, 0, 0, "e2", _at(10), "p7"),
        (2, 3, 1, "e2", _at(10), None),
        (2, 2, 2, "e3", _at(20), None),
        (3, 0, 0, "e3", _at(20), "p7"),
        (3, 2, 1, "e3", _at(20), None),
    ]
    assert all(r["previous_at"] is None for r in rows)


def test_chunks_cut_between_funnels_give_the_same_rows() -> None:
    """Three funnels searched in chunks of a few rows (cut where funnel_key changes, one
    funnel larger than a chunk) give the rows of one chunk."""
    steps = pa.concat_tables(
        [_steps("ordered", 60, [0, 1], [False, False], funnel_key=k) for k in (1, 2, 3)]
    )
    rows = []
    for f in (1, 2, 3):
        for p in range(1, 4):
            rows += [(f, 1, p, f"a{f}{p}", 0, 1, 1, 1), (f, 2, p, f"b{f}{p}", 30 * p, 2, 2, 2)]
    matches = _matches(rows)
    whole = _search(steps, matches)
    assert len(whole) == 9 + 6  # persons 1 and 2 reach b within 60 s; person 3 at 90 s does not
    for size in (1, 4, 7, 100):
        assert _search(steps, matches, rows_per_chunk=size) == whole


def test_no_matches_give_no_rows() -> None:
    steps = _steps("ordered", 60, [0, 1], [False, False])
    assert _search(steps, _matches([(1, 1, 1, "e", 0, 1, 1, 1)]).slice(0, 0)) == []


@pytest.mark.parametrize("order", ["ordered", "strict"])
def test_an_attempt_ends_at_the_first_step_it_cannot_fill(order: str) -> None:
    """[a, b, c]: no b inside the window, so c (present) is never reached."""
    steps = _steps(order, 60, [0, 1, 2], [False, False, False])
    matches = _matches(
        [(1, 1, 1, "a", 0, 1, 1, 1), (1, 2, 1, "b", 61, 2, 2, 2), (1, 3, 1, "c", 62, 3, 3, 3)]
    )
    assert _brief(_search(steps, matches), "step_number", "event_id") == [(1, "a")]


def test_a_step_nobody_matched() -> None:
    """[a, b, c] with no b at all: ordered attempts stop at step 1; an unordered window
    leaves b unfilled and still takes c."""
    for order, expected in (("ordered", [(1, "a")]), ("unordered", [(0, "a"), (1, "a"), (3, "c")])):
        positions = [0, 1, 2] if order == "ordered" else [1, 2, 3]
        steps = _steps(order, 60, positions, [False, False, False])
        matches = _matches([(1, 1, 1, "a", 0, 1, 1, 1), (1, 3, 1, "c", 5, 2, 2, 2)])
        rows = [r for r in _search(steps, matches) if r["attempt_rn"] == 1]
        assert _brief(rows, "step_number", "event_id") == expected


def test_only_each_persons_best_attempt_is_kept_unless_the_funnel_keeps_every_attempt() -> None:
    """ordered [a, b, c], window 60 s. Person 1: a@0, a@10, b@20, c@100: both attempts reach
    b and miss c (100 > 60, 100 > 70), so the tie goes to the earlier one (rn 1). Person 2:
    a@0, b@10, a@50, b@60, c@105: the first attempt reaches b, the second (a@50) reaches c at
    105 <= 110 and is the best. With the funnel in every_attempt_of, all four attempts stay."""
    steps = _steps("ordered", 60, [0, 1, 2], [False, False, False])
    matches = _matches(
        [
            (1, 1, 1, "p1a0", 0, 1, 1, 1),
            (1, 1, 1, "p1a10", 10, 2, 2, 2),
            (1, 2, 1, "p1b20", 20, 3, 3, 3),
            (1, 3, 1, "p1c100", 100, 4, 4, 4),
            (1, 1, 2, "p2a0", 0, 1, 1, 1),
            (1, 2, 2, "p2b10", 10, 2, 2, 2),
            (1, 1, 2, "p2a50", 50, 3, 3, 3),
            (1, 2, 2, "p2b60", 60, 4, 4, 4),
            (1, 3, 2, "p2c105", 105, 5, 5, 5),
        ]
    )
    best = _search(steps, matches, every_attempt_of=set())
    assert _brief(best, "person_key", "attempt_rn", "step_number", "step_seq", "event_id") == [
        (1, 1, 1, 1, "p1a0"),
        (1, 1, 2, 2, "p1b20"),
        (2, 3, 1, 1, "p2a50"),
        (2, 3, 2, 2, "p2b60"),
        (2, 3, 3, 3, "p2c105"),
    ]
    every = _search(steps, matches)
    assert {(r["person_key"], r["attempt_rn"]) for r in every} == {(1, 1), (1, 2), (2, 1), (2, 3)}
    assert _search(steps, matches, every_attempt_of={1}) == every
    assert _search(steps, matches, rows_per_chunk=2, every_attempt_of={2}) == best


def test_an_unordered_funnel_keeps_its_best_window_or_every_window() -> None:
    """The windows of test_unordered_specific_steps_first fill 3, 2 and 1 steps: only the
    first (with its head row) stays, unless the funnel keeps every window (an unordered
    funnel with exclusions, where an exclusion can interrupt the best one)."""
    steps, matches = _unordered_a_any_b()
    best = _search(steps, matches, every_attempt_of=set())
    assert _brief(best, "attempt_rn", "step_number", "event_id") == [
        (1, 0, "e1"),
        (1, 1, "e1"),
        (1, 3, "e2"),
        (1, 2, "e3"),
    ]
    assert len(_search(steps, matches, every_attempt_of={1})) == 9
