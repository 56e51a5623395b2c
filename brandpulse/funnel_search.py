"""The funnel attempt search: every attempt of every person at every funnel, with the steps
it filled (CONTRACTS.md section 4), as a loop that runs until no attempt is left going.

Why Python: the search is a per-attempt state machine whose next step is "the first match
of the step at or after a lower bound". DuckDB runs that lookup as an ASOF join, but not
inside a recursive CTE, so the SQL form needed one unrolled round per step, with the round
count read from the warehouse while compiling. Here each round is a binary search
(`numpy.searchsorted`) over the step's matches sorted by (funnel, person, position), and
the loop ends when no attempt is left: the data decides how many rounds run. Chunks of
funnels are searched on a second thread while the next is read, and only the attempts
int_funnel_counted_steps can count are returned (bench/README, "Funnel engine").

Input: the rows of `int_funnel_step_matches` sorted by (funnel_key, person_key, rn,
step_number), as Arrow batches, and `int_funnel_steps` as numpy columns. Output: numpy
columns (ATTEMPT_COLUMNS), one row per (attempt, filled step), plus, for unordered
funnels, a head row (step_number 0, step_seq 0) for the event that opened the window: of
every attempt, or only of each person's best one (search_attempts' `every_attempt_of`).
Events are referenced by `event_row` (their row in int_events_resolved) and `event_check`
(a hash of the event the join back compares), so no string crosses into Python; the dbt
model joins event_id and person_id back. Only numpy and DuckDB touch the data: pyarrow's
own conversions (to_numpy, pa.array) and DuckDB's scan of Arrow output import pandas,
~0.4 s of every dbt run that builds the model.

The rules, per attempt (identified by funnel, person and attempt_rn = the position of
its opening event in the person's event order):
- ordered / strict: an attempt opens at each step-1 match; unordered: at each event that
  matches any step (a window; step 1 has no special role).
- Steps are filled one at a time in processing_position order, each by the first match
  of that step, at or after a lower bound, that the attempt has not used yet, inside the
  window [opening time, opening time + window_seconds] (both ends inclusive). The lower
  bound is the group position (`grp_rn`, the first event at the same instant) of the
  previously filled step for ordered/strict attempts (equal timestamps can fill
  consecutive steps), and of the opening event for unordered ones.
- strict: the match must also lie at the previous step's instant or the person's next
  instant after it (time_grp at most one more).
- A step that cannot be filled ends an ordered/strict attempt; an unordered attempt
  leaves it unfilled and goes on to the next one.
Only funnels with steps that share events (int_funnel_steps.shares_events) can meet a
match the attempt already used; only they keep the list of used positions.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyarrow as pa

Columns = dict[str, np.ndarray]

# The search's output columns and their numpy types, declared once: the dbt Python model
# hands them to DuckDB as they are (datetime64 NaT is NULL) and joins the event's strings.
ATTEMPT_COLUMNS: dict[str, np.dtype] = {
    "funnel_key": np.dtype(np.int64),
    "person_key": np.dtype(np.int64),
    "attempt_rn": np.dtype(np.int64),
    "step_number": np.dtype(np.int32),
    "step_seq": np.dtype(np.int32),
    "event_row": np.dtype(np.int64),
    "event_check": np.dtype(np.int64),
    "occurred_at": np.dtype("datetime64[us]"),
    "reached_at": np.dtype("datetime64[us]"),
    "previous_at": np.dtype("datetime64[us]"),
    # the row that carries person_id (each attempt's first row)
    "carries_person": np.dtype(bool),
}

# The columns of int_funnel_step_matches the search reads (all integers or timestamps, no
# NULLs), and the order it reads them in.
MATCH_COLUMNS = (
    "funnel_key",
    "person_key",
    "rn",
    "step_number",
    "grp_rn",
    "time_grp",
    "occurred_at",
    "event_row",
    "event_check",
)
MATCH_ORDER = "funnel_key, person_key, rn, step_number"

_ORDERED, _STRICT, _UNORDERED = 0, 1, 2
_KINDS = {"ordered": _ORDERED, "strict": _STRICT, "unordered": _UNORDERED}
_NO_TIME = np.iinfo(np.int64).min  # datetime64's NaT: NULL once in DuckDB


class FunnelDefinitions:
    """int_funnel_steps as lookup arrays indexed by funnel_key (small: one row per step)."""

    def __init__(self, steps: Mapping[str, np.ndarray]) -> None:
        funnel_key = np.asarray(steps["funnel_key"], np.int64)
        step_number = np.asarray(steps["step_number"], np.int64)
        position = np.asarray(steps["processing_position"], np.int64)
        size = int(funnel_key.max()) + 1 if len(funnel_key) else 1
        steps_per_funnel = int(step_number.max()) + 1 if len(step_number) else 1
        self.kind = np.zeros(size, np.int8)
        self.window_us = np.zeros(size, np.int64)
        self.shares_events = np.zeros(size, bool)
        # position_of[funnel, step] = processing_position; step_at[funnel, position] = step
        self.position_of = np.full((size, steps_per_funnel), -1, np.int64)
        self.step_at = np.full(
            (size, int(position.max()) + 2 if len(position) else 1), -1, np.int64
        )
        orders = steps["funnel_order"]
        windows = np.asarray(steps["window_seconds"], np.int64)
        shares = np.asarray(steps["shares_events"], bool)
        for i, funnel in enumerate(funnel_key):
            self.kind[funnel] = _KINDS[orders[i]]
            self.window_us[funnel] = windows[i] * 1_000_000
            self.shares_events[funnel] |= bool(shares[i])
            self.position_of[funnel, step_number[i]] = position[i]
            self.step_at[funnel, position[i]] = step_number[i]

    def step_at_position(self, funnel: np.ndarray, position: int) -> np.ndarray:
        """The step each funnel fills at `position` (-1: the funnel has no such position)."""
        if position >= self.step_at.shape[1]:
            return np.full(len(funnel), -1, np.int64)
        return self.step_at[funnel, position]


def search_attempts(
    steps: Mapping[str, np.ndarray],
    matches: Iterable[pa.RecordBatch],
    rows_per_chunk: int = 500_000,
    every_attempt_of: Collection[int] | None = None,
) -> Iterator[Columns]:
    """The attempt steps of `matches` (batches of MATCH_COLUMNS sorted by MATCH_ORDER), as
    ATTEMPT_COLUMNS, a chunk at a time.

    `every_attempt_of`: None keeps every attempt; a set of funnel keys keeps every attempt
    of those funnels and, of all others, only each person's best attempt (most steps, ties
    to the earliest), the one int_funnel_counted_steps counts. Only an unordered funnel
    with exclusions needs every attempt there: an exclusion can interrupt its best window.

    Funnels are independent, so the matches are searched a few funnels at a time (chunks
    of about `rows_per_chunk` rows, cut where funnel_key changes): memory stays bounded on
    any warehouse size (a 10M-event build peaked at 4.29 GiB with 2M-row chunks, over the
    4 GiB target), while each chunk is large enough for numpy to pay off.
    """
    definitions = FunnelDefinitions(steps)
    keeps_every_attempt = np.ones(len(definitions.kind), bool)
    if every_attempt_of is not None:
        keeps_every_attempt[:] = False
        keys = np.fromiter(every_attempt_of, np.int64)
        keeps_every_attempt[keys[keys < len(keeps_every_attempt)]] = True
    # the chunks are searched on a second thread while the next one is read (numpy and
    # DuckDB's reader release the GIL), at most two chunks in flight to bound memory
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: deque[Future[Columns]] = deque()
        for chunk in _funnel_chunks(matches, rows_per_chunk):
            pending.append(pool.submit(_search_chunk, definitions, chunk, keeps_every_attempt))
            if len(pending) == 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def concatenate(parts: Iterable[Columns]) -> Columns:
    """The chunks search_attempts yields as one set of ATTEMPT_COLUMNS."""
    parts = list(parts)
    if not parts:
        return {name: np.zeros(0, dtype) for name, dtype in ATTEMPT_COLUMNS.items()}
    return _joined(parts)


def _joined(parts: list[Columns]) -> Columns:
    """Columns of the same names, each the parts' arrays end to end."""
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _int64_values(array: pa.Array) -> np.ndarray:
    """An integer or timestamp[us] Arrow array's values as an int64 copy, read from its
    data buffer: pyarrow's to_numpy would import pandas (see the module docstring)."""
    kind = array.type
    if array.null_count or not (
        pa.types.is_integer(kind) or (pa.types.is_timestamp(kind) and kind.unit == "us")
    ):
        raise TypeError(f"funnel search: expected non-null integers or timestamp[us], got {kind}")
    width = kind.bit_width // 8
    sign = "u" if pa.types.is_unsigned_integer(kind) else "i"
    values = np.frombuffer(
        array.buffers()[1], np.dtype(f"<{sign}{width}"), len(array), array.offset * width
    )
    return values.astype(np.int64)


def _funnel_chunks(batches: Iterable[pa.RecordBatch], rows_per_chunk: int) -> Iterator[Columns]:
    """Re-cut sorted batches into numpy columns of whole funnels of about rows_per_chunk rows."""
    pending: list[Columns] = []
    pending_rows = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append({name: _int64_values(batch.column(name)) for name in MATCH_COLUMNS})
        pending_rows += batch.num_rows
        if pending_rows < rows_per_chunk:
            continue
        chunk = _joined(pending)
        funnel = chunk["funnel_key"]
        cut = int(np.searchsorted(funnel, funnel[-1], side="left"))
        if cut == 0:  # one funnel larger than a chunk: keep reading until it ends
            pending = [chunk]
            continue
        yield {name: values[:cut] for name, values in chunk.items()}
        pending = [{name: values[cut:] for name, values in chunk.items()}]
        pending_rows = len(funnel) - cut
    if pending_rows:
        yield _joined(pending)


def _search_chunk(
    definitions: FunnelDefinitions, chunk: Columns, keeps_every_attempt: np.ndarray
) -> Columns:
    """The attempt steps of one chunk of whole funnels (see the module docstring)."""
    funnel, person, rn, step = (chunk[n] for n in ("funnel_key", "person_key", "rn", "step_number"))
    grp_rn, time_grp, occurred = chunk["grp_rn"], chunk["time_grp"], chunk["occurred_at"]
    kind = definitions.kind[funnel]
    position = definitions.position_of[funnel, step]

    # a dense number per (funnel, person), increasing in the sort order: (group, rn) is
    # then one sortable int64 key, so "first match at or after" is a binary search
    new_group = np.ones(len(funnel), bool)
    new_group[1:] = (funnel[1:] != funnel[:-1]) | (person[1:] != person[:-1])
    group = np.cumsum(new_group) - 1
    span = int(rn.max()) + 2
    if (int(group[-1]) + 2) * span >= np.iinfo(np.int64).max:
        raise OverflowError("funnel search: too many positions in one chunk; lower rows_per_chunk")

    # the attempts: ordered/strict at each step-1 match; unordered at each event that
    # matches any step (the first row of each (funnel, person, rn): rows are sorted by it)
    first_of_event = np.ones(len(funnel), bool)
    first_of_event[1:] = new_group[1:] | (rn[1:] != rn[:-1])
    opens = np.where(kind == _UNORDERED, first_of_event, step == 1)
    opening = np.nonzero(opens)[0]
    ordered = kind[opening] != _UNORDERED

    # the state of every attempt still going, indexed by attempt
    attempt_funnel = funnel[opening]
    strict = kind[opening] == _STRICT
    window_end = occurred[opening] + definitions.window_us[attempt_funnel]
    lower = grp_rn[opening].copy()
    last_time_grp = time_grp[opening].copy()
    filled = np.where(ordered, 1, 0)
    reached = occurred[opening].copy()
    used = _UsedPositions(definitions.shares_events[attempt_funnel], rn[opening], ordered)
    # the steps filled, one entry per round: attempt, chunk row, step, step_seq, reached_at
    # and the previous step's time (written once the kept attempts are known)
    fills_by_round: list[tuple[np.ndarray, ...]] = []

    live = np.arange(len(opening))
    round_position = 0
    while len(live):
        round_position += 1
        target_step = definitions.step_at_position(attempt_funnel[live], round_position)
        has_step = target_step >= 0
        live, target_step = live[has_step], target_step[has_step]
        if not len(live):
            break
        # the matches of the steps processed at this position (one step per funnel),
        # still sorted by (group, rn)
        targets = np.nonzero(position == round_position)[0]
        keys = group[targets] * span + rn[targets]
        attempt_group = group[opening[live]]
        end_of_group = (attempt_group + 1) * span
        pick = np.searchsorted(keys, attempt_group * span + lower[live], side="left")
        found = pick < len(keys)
        found[found] = keys[pick[found]] < end_of_group[found]
        pick, found = used.skip_used(live, pick, found, keys, end_of_group, rn[targets])

        row = np.zeros(len(live), np.int64)  # the chunk row of each pick (row 0 where none)
        row[found] = targets[pick[found]]
        fills = (
            found
            & (occurred[row] <= window_end[live])
            & (~strict[live] | (time_grp[row] <= last_time_grp[live] + 1))
        )
        filling, row = live[fills], row[fills]
        previous = np.where(ordered[filling], reached[filling], _NO_TIME)
        reached[filling] = np.maximum(reached[filling], occurred[row])
        filled[filling] += 1
        fills_by_round.append(
            (filling, row, target_step[fills], filled[filling], reached[filling], previous)
        )

        lower[filling] = np.where(ordered[filling], grp_rn[row], lower[filling])
        last_time_grp[filling] = time_grp[row]
        used.add(filling, rn[row])
        # ordered/strict attempts end at the first step they cannot fill
        going_on = live[~fills & ~ordered[live]]
        live = np.concatenate([filling, going_on])

    kept = keeps_every_attempt[attempt_funnel]
    kept[_best_attempts(group[opening], filled)] = True
    # each kept attempt's first row: the step-1 row of an ordered/strict attempt, the head
    # row (step 0) of an unordered one; then a row per filled step
    first = opening[kept]
    first_step = ordered[kept].astype(np.int32)
    if fills_by_round:
        attempt, row, target, step_seq, reached_at, previous = (
            np.concatenate(part) for part in zip(*fills_by_round, strict=True)
        )
        keep = kept[attempt]
        attempt, row, target, step_seq = attempt[keep], row[keep], target[keep], step_seq[keep]
        reached_at, previous = reached_at[keep], previous[keep]
    else:
        attempt = row = target = step_seq = reached_at = previous = np.zeros(0, np.int64)
    head = np.concatenate([first, opening[attempt]])
    event = np.concatenate([first, row])
    columns = {
        "funnel_key": funnel[head],
        "person_key": person[head],
        "attempt_rn": rn[head],
        "step_number": np.concatenate([first_step, target]),
        "step_seq": np.concatenate([first_step, step_seq]),
        "event_row": chunk["event_row"][event],
        "event_check": chunk["event_check"][event],
        "occurred_at": occurred[event],
        "reached_at": np.concatenate([occurred[first], reached_at]),
        "previous_at": np.concatenate([np.full(len(first), _NO_TIME), previous]),
        "carries_person": np.arange(len(head)) < len(first),
    }
    return {
        name: columns[name].view(dtype) if dtype.kind == "M" else columns[name].astype(dtype)
        for name, dtype in ATTEMPT_COLUMNS.items()
    }


def _best_attempts(attempt_group: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Per (funnel, person) group the attempt with the most steps, ties to the earliest.

    Attempts are in chunk order: by group, then by opening position (attempt_rn)."""
    if not len(attempt_group):
        return np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, attempt_group[1:] != attempt_group[:-1]])
    most = np.maximum.reduceat(filled, starts)
    is_most = filled == np.repeat(most, np.diff(np.r_[starts, len(filled)]))
    candidates = np.flatnonzero(is_most)
    group_of = attempt_group[candidates]
    return candidates[np.r_[True, group_of[1:] != group_of[:-1]]]


class _UsedPositions:
    """The positions each attempt has used, kept only for funnels whose steps share events.

    At most one position per step (at most 20 steps, CONTRACTS.md section 4), so a small
    fixed-width matrix with a fill count per attempt."""

    _WIDTH = 21

    def __init__(self, shares: np.ndarray, opening_rn: np.ndarray, ordered: np.ndarray) -> None:
        self.rows = np.nonzero(shares)[0]
        self.slot = np.full(len(shares), -1, np.int64)
        self.slot[self.rows] = np.arange(len(self.rows))
        self.positions = np.zeros((len(self.rows), self._WIDTH), np.int64)
        # ordered: the step-1 event is used; unordered: nothing yet (position 0 is no event's)
        self.positions[:, 0] = np.where(ordered[self.rows], opening_rn[self.rows], 0)
        self.count = np.ones(len(self.rows), np.int64)

    def skip_used(self, live, pick, found, keys, end_of_group, target_rn):
        """Move each pick past the matches its attempt already used (same funnel and person)."""
        if not len(self.rows):
            return pick, found
        pick = pick.copy()
        found = found.copy()
        for _ in range(self._WIDTH):
            candidates = np.nonzero(found & (self.slot[live] >= 0))[0]
            if not len(candidates):
                break
            slots = self.slot[live[candidates]]
            is_used = (self.positions[slots] == target_rn[pick[candidates]][:, None]).any(axis=1)
            if not is_used.any():
                break
            moving = candidates[is_used]
            nxt = pick[moving] + 1
            inside = nxt < len(keys)
            inside[inside] = keys[nxt[inside]] < end_of_group[moving][inside]
            pick[moving] = np.where(inside, nxt, 0)
            found[moving] = inside
        return pick, found

    def add(self, attempts: np.ndarray, rn: np.ndarray) -> None:
        slots = self.slot[attempts]
        keep = slots >= 0
        slots, rn = slots[keep], rn[keep]
        self.positions[slots, self.count[slots]] = rn
        self.count[slots] += 1
