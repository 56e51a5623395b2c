"""Tiny pure-Python reference of retention and lifecycle (CONTRACTS.md section 4).

Written straight from the contract text, independent of the SQL, so the dbt models
can be compared with it on randomized streams.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def local_day(occurred_at_utc: datetime, timezone: str) -> date:
    """Brand-local calendar day of a naive UTC timestamp."""
    return occurred_at_utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(timezone)).date()


def period_start(day: date, grain: str) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())  # Monday
    return day.replace(day=1)


def add_periods(start: date, n: int, grain: str) -> date:
    if grain == "day":
        return start + timedelta(days=n)
    if grain == "week":
        return start + timedelta(days=7 * n)
    months = start.year * 12 + start.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


def retention(
    events: Iterable[tuple[str, str, date]],
    start_event: str | None,
    return_event: str | None,
    grain: str,
    kind: str,
    periods: int,
    last_day: date | None = None,
) -> dict[tuple[date, int], tuple[int, int | None]]:
    """{(cohort_start, k): (cohort_size, retained)} from (person, event_name, local_day).

    retained is None for a period that has not started by `last_day` (the brand's last
    day of data): it is unobserved, not zero.
    """
    events = list(events)
    starts: dict[str, set[date]] = defaultdict(set)
    returns: dict[str, set[date]] = defaultdict(set)
    for person, name, day in events:
        if start_event is None or name == start_event:
            starts[person].add(period_start(day, grain))
        if return_event is None or name == return_event:
            returns[person].add(period_start(day, grain))
    cohorts: dict[date, set[str]] = defaultdict(set)
    for person, person_starts in starts.items():
        for start in [min(person_starts)] if kind == "first_time" else person_starts:
            cohorts[start].add(person)
    result: dict[tuple[date, int], tuple[int, int]] = {}
    for start, members in cohorts.items():
        result[(start, 0)] = (len(members), len(members))
        for k in range(1, periods + 1):
            target = add_periods(start, k, grain)
            if last_day is not None and target > last_day:
                result[(start, k)] = (len(members), None)
                continue
            result[(start, k)] = (len(members), sum(1 for p in members if target in returns[p]))
    return result


def lifecycle(events: Iterable[tuple[str, date]]) -> dict[date, tuple[int, int, int, int]]:
    """{day: (new, returning, resurrecting, dormant)} from (person, local_day)."""
    active: dict[date, set[str]] = defaultdict(set)
    first: dict[str, date] = {}
    for person, day in events:
        active[day].add(person)
        first[person] = min(first.get(person, day), day)
    result = {}
    day, last = min(active), max(active)
    while day <= last:
        today, yesterday = active.get(day, set()), active.get(day - timedelta(days=1), set())
        new = {p for p in today if first[p] == day}
        result[day] = (
            len(new),
            len(today & yesterday),
            len(today - yesterday - new),
            len(yesterday - today),
        )
        day += timedelta(days=1)
    return result
