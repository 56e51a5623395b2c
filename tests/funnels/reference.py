"""Pure-Python oracle of the funnel semantics (CONTRACTS.md section 4).

Written for clarity, not speed: the SQL models are compared against it on hand-worked
and on random event streams. The rules where the contract is silent are the ones the
models implement and document (see dbt_project/models/marts/funnels/funnel_semantics.md):

* Matching: a step's `where` values must equal the event's properties as JSON values
  (same type; numbers compared as numbers).
* Event order: (occurred_at, event_id). Every attempt starts at an event matching
  step 1; its window is [entered_at, entered_at + window] (both ends inclusive).
* ordered: step k+1 is the first event in event order that matches step k+1, has
  occurred_at >= the step-k event's occurred_at (so equal timestamps may fill
  consecutive steps, whatever their event_ids), lies in the window and is not yet used
  by the attempt (one event fills at most one step).
* strict: as ordered, but step k+1 must lie at the step-k event's occurred_at or at the
  person's next event time after it: any other event of the person strictly between
  the two step times breaks the attempt; events at the same instant as a step do not
  (so the result never depends on event ids).
* unordered: step 1 has no special role. Every event that matches any step opens a
  window [occurred_at, occurred_at + window] (entered_at = its time); the events of
  the window fill steps 1..N in any order; one event fills at most one step (an event
  matching a named and an any-event step fills one of them). Steps are filled one
  after another, most specific first (named before any-event steps, more filters
  before fewer, then step number), each taking the first unused matching event of the
  window in event order. Conversion times of unordered funnels are between
  consecutive completed steps in time order. Exclusions never remove the person: a
  window with an exclusion event (other than its own step events) at opened_at <
  occurred_at <= window end is interrupted and does not count (from_step/to_step play
  no role; steps have no order).
* The person's counted attempt reaches the most steps; ties go to the earliest
  attempt (event order of the step-1 event; unordered: of the opening event).
* Exclusion of ordered/strict (event_name, from_step, to_step): the person is removed when an event of
  that name, other than the counted attempt's own step events, has occurred_at strictly
  between the times of from_step and to_step (unordered: the two times sorted), or, when
  to_step is not reached, after from_step up to the window end (inclusive). Not reaching
  from_step means no exclusion.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Event:
    brand_id: str
    event_id: str
    person_id: str
    event_name: str
    occurred_at: datetime
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> tuple[datetime, str]:
        return (self.occurred_at, self.event_id)


@dataclass(frozen=True)
class Step:
    event_name: str | None
    filters: tuple[tuple[str, str | int | float | bool], ...] = ()


@dataclass(frozen=True)
class Exclusion:
    event_name: str
    from_step: int
    to_step: int


@dataclass(frozen=True)
class Funnel:
    brand_id: str
    funnel_id: str
    order: str
    window_seconds: int
    steps: tuple[Step, ...]
    exclusions: tuple[Exclusion, ...] = ()


@dataclass(frozen=True)
class Attempt:
    """Filled steps of one attempt: step_number -> event."""

    start: Event
    filled: dict[int, Event]

    @property
    def steps_completed(self) -> int:
        return len(self.filled)

    def chronological_times(self) -> list[datetime]:
        return sorted(e.occurred_at for e in self.filled.values())


def same_json_value(have: Any, want: str | int | float | bool) -> bool:
    """A `where` value holds when the property has the same JSON type and value: strings
    and booleans equal, numbers equal as numbers (2 == 2.0); "2" is not 2."""
    if isinstance(want, bool) or isinstance(have, bool):
        return isinstance(want, bool) and isinstance(have, bool) and have == want
    if isinstance(want, str) or isinstance(have, str):
        return isinstance(want, str) and isinstance(have, str) and have == want
    return isinstance(have, int | float) and float(have) == float(want)


def matches(event: Event, step: Step) -> bool:
    if step.event_name is not None and event.event_name != step.event_name:
        return False
    return all(
        prop in event.properties and same_json_value(event.properties[prop], value)
        for prop, value in step.filters
    )


def _first_unused(
    events: list[Event], step: Step, lo: datetime, hi: datetime, used: set[str]
) -> Event | None:
    for e in events:  # events are in event order
        if lo <= e.occurred_at <= hi and e.event_id not in used and matches(e, step):
            return e
    return None


def _ordered(events: list[Event], funnel: Funnel, start: Event, end: datetime) -> Attempt:
    filled = {1: start}
    used = {start.event_id}
    last = start.occurred_at
    for number in range(2, len(funnel.steps) + 1):
        e = _first_unused(events, funnel.steps[number - 1], last, end, used)
        if e is None:
            break
        filled[number] = e
        used.add(e.event_id)
        last = e.occurred_at
    return Attempt(start, filled)


def _strict(events: list[Event], funnel: Funnel, start: Event, end: datetime) -> Attempt:
    filled = {1: start}
    used = {start.event_id}
    last = start.occurred_at
    for number in range(2, len(funnel.steps) + 1):
        later = [e.occurred_at for e in events if e.occurred_at > last]
        allowed = {last, min(later)} if later else {last}
        e = _first_unused(events, funnel.steps[number - 1], last, end, used)
        if e is None or e.occurred_at not in allowed:
            break
        filled[number] = e
        used.add(e.event_id)
        last = e.occurred_at
    return Attempt(start, filled)


def unordered_processing_order(funnel: Funnel) -> list[int]:
    """Steps 1..N, most specific first: named, more filters, then step number."""
    numbers = range(1, len(funnel.steps) + 1)
    return sorted(
        numbers,
        key=lambda n: (
            funnel.steps[n - 1].event_name is None,
            -len(funnel.steps[n - 1].filters),
            n,
        ),
    )


def _unordered(events: list[Event], funnel: Funnel, start: Event, end: datetime) -> Attempt:
    filled: dict[int, Event] = {}
    used: set[str] = set()
    for number in unordered_processing_order(funnel):
        e = _first_unused(events, funnel.steps[number - 1], start.occurred_at, end, used)
        if e is not None:
            filled[number] = e
            used.add(e.event_id)
    return Attempt(start, filled)


ATTEMPT_RULES = {"ordered": _ordered, "strict": _strict, "unordered": _unordered}


def opens_attempt(event: Event, funnel: Funnel) -> bool:
    """Step 1 opens ordered/strict attempts; any step opens an unordered window."""
    if funnel.order == "unordered":
        return any(matches(event, step) for step in funnel.steps)
    return matches(event, funnel.steps[0])


def is_interrupted(events: list[Event], funnel: Funnel, attempt: Attempt) -> bool:
    """Unordered: an exclusion event (not one of the window's step events) inside
    (opened_at, window end] discards the window."""
    lo = attempt.start.occurred_at
    hi = lo + timedelta(seconds=funnel.window_seconds)
    own = {e.event_id for e in attempt.filled.values()}
    names = {ex.event_name for ex in funnel.exclusions}
    return any(
        e.event_name in names and e.event_id not in own and lo < e.occurred_at <= hi for e in events
    )


def counted_attempt(events: list[Event], funnel: Funnel) -> Attempt | None:
    """The attempt reaching the most steps; ties go to the earliest one."""
    events = sorted(events, key=lambda e: e.key)
    window = timedelta(seconds=funnel.window_seconds)
    best: Attempt | None = None
    for start in events:
        if not opens_attempt(start, funnel):
            continue
        attempt = ATTEMPT_RULES[funnel.order](events, funnel, start, start.occurred_at + window)
        if funnel.order == "unordered" and is_interrupted(events, funnel, attempt):
            continue
        if best is None or attempt.steps_completed > best.steps_completed:
            best = attempt
    return best


def is_excluded(events: list[Event], funnel: Funnel, attempt: Attempt) -> bool:
    if funnel.order == "unordered":  # exclusions interrupt windows instead
        return False
    end = attempt.start.occurred_at + timedelta(seconds=funnel.window_seconds)
    own = {e.event_id for e in attempt.filled.values()}
    for ex in funnel.exclusions:
        if ex.from_step not in attempt.filled:
            continue
        lo = attempt.filled[ex.from_step].occurred_at
        if ex.to_step in attempt.filled:  # strictly between the two step times
            lo, hi = sorted((lo, attempt.filled[ex.to_step].occurred_at))
            hi_inclusive = False
        else:  # after the step, up to the window end (inclusive)
            hi, hi_inclusive = end, True
        for e in events:
            t = e.occurred_at
            if e.event_name != ex.event_name or e.event_id in own:
                continue
            if lo < t and (t < hi or (hi_inclusive and t == hi)):
                return True
    return False


@dataclass(frozen=True)
class PersonResult:
    brand_id: str
    funnel_id: str
    person_id: str
    steps_completed: int
    entered_at: datetime
    completed_at: datetime
    seconds_to_convert: float | None
    converted: bool
    step_gaps: tuple[float, ...]  # seconds between consecutive completed steps (chronological)


def funnel_persons(
    events: list[Event], funnels: list[Funnel]
) -> dict[tuple[str, str, str], PersonResult]:
    """marts.funnel_persons as a dict keyed by (brand_id, funnel_id, person_id)."""
    by_person: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in events:
        by_person[(e.brand_id, e.person_id)].append(e)
    out: dict[tuple[str, str, str], PersonResult] = {}
    for f in funnels:
        for (brand, person), evs in by_person.items():
            if brand != f.brand_id:
                continue
            evs = sorted(evs, key=lambda e: e.key)
            attempt = counted_attempt(evs, f)
            if attempt is None or is_excluded(evs, f, attempt):
                continue
            times = attempt.chronological_times()
            n = len(f.steps)
            entered, completed = attempt.start.occurred_at, times[-1]
            converted = attempt.steps_completed == n
            out[(brand, f.funnel_id, person)] = PersonResult(
                brand_id=brand,
                funnel_id=f.funnel_id,
                person_id=person,
                steps_completed=attempt.steps_completed,
                entered_at=entered,
                completed_at=completed,
                seconds_to_convert=(completed - entered).total_seconds() if converted else None,
                converted=converted,
                step_gaps=tuple(
                    (b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)
                ),
            )
    return out


@dataclass(frozen=True)
class StepResult:
    persons: int
    conversion_from_previous: float | None
    conversion_from_start: float | None
    avg_seconds_from_previous: float | None
    median_seconds_from_previous: float | None


def funnel_conversion(
    events: list[Event], funnels: list[Funnel]
) -> dict[tuple[str, str, int], StepResult]:
    """marts.funnel_conversion keyed by (brand_id, funnel_id, step_number)."""
    persons = funnel_persons(events, funnels)
    out: dict[tuple[str, str, int], StepResult] = {}
    for f in funnels:
        rows = [
            p for p in persons.values() if p.funnel_id == f.funnel_id and p.brand_id == f.brand_id
        ]
        start = sum(1 for p in rows if p.steps_completed >= 1)
        prev = start
        for k in range(1, len(f.steps) + 1):
            reached = [p for p in rows if p.steps_completed >= k]
            gaps = [p.step_gaps[k - 2] for p in reached] if k > 1 else []
            out[(f.brand_id, f.funnel_id, k)] = StepResult(
                persons=len(reached),
                conversion_from_previous=(len(reached) / prev) if prev else None,
                conversion_from_start=(len(reached) / start) if start else None,
                avg_seconds_from_previous=statistics.fmean(gaps) if gaps else None,
                median_seconds_from_previous=statistics.median(gaps) if gaps else None,
            )
            prev = len(reached)
    return out
