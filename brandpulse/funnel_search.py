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
step_number) and `int_funnel_steps`. Output: the rows of `int_funnel_attempt_steps`
(ATTEMPT_STEPS_SCHEMA), one per (attempt, filled step), plus, for unordered funnels, a
head row (step_number 0, step_seq 0) for the event that opened the window: of every
attempt, or only of each person's best one (search_attempts' `every_attempt_of`).

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
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pyarrow as pa

# The columns of int_funnel_attempt_steps, declared once: the dbt Python model returns
# batches of this schema and the tests build their expectations from it.
ATTEMPT_STEPS_SCHEMA = pa.schema(
    [
        ("funnel_key", pa.int64()),
        ("person_key", pa.int64()),
        ("attempt_rn", pa.int64()),
        ("step_number", pa.int32()),
        ("step_seq", pa.int32()),
        ("event_id", pa.string()),
        ("occurred_at", pa.timestamp("us")),
        ("reached_at", pa.timestamp("us")),
        ("previous_at", pa.timestamp("us")),
        ("person_id", pa.string()),
    ]
)

# The columns of int_funnel_step_matches the search reads, in the order it sorts by.
MATCH_COLUMNS = (
    "funnel_key",
    "person_key",
    "rn",
    "step_number",
    "grp_rn",
    "time_grp",
    "occurred_at",
    "event_id",
    "person_id",
)
MATCH_ORDER = "funnel_key, person_key, rn, step_number"

_ORDERED, _STRICT, _UNORDERED = 0, 1, 2
_KINDS = {"ordered": _ORDERED, "strict": _STRICT, "unordered": _UNORDERED}
_NO_TIME = np.iinfo(np.int64).min


class FunnelDefinitions:
    """int_funnel_steps as lookup arrays indexed by funnel_key (small: one row per step)."""

    def __init__(self, steps: pa.Table) -> None:
        funnel_key = steps.column("funnel_key").to_numpy().astype(np.int64)
        step_number = steps.column("step_number").to_numpy().astype(np.int64)
        position = steps.column("processing_position").to_numpy().astype(np.int64)
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
        orders = steps.column("funnel_order").to_pylist()
        windows = steps.column("window_seconds").to_numpy().astype(np.int64)
        shares = steps.column("shares_events").to_numpy(zero_copy_only=False)
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
    steps: pa.Table,
    matches: Iterable[pa.RecordBatch],
    rows_per_chunk: int = 500_000,
    every_attempt_of: Collection[int] | None = None,
) -> Iterator[pa.RecordBatch]:
    """The attempt steps of `matches` (batches of MATCH_COLUMNS sorted by MATCH_ORDER).

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
        pending: deque[Future[list[pa.RecordBatch]]] = deque()
        for chunk in _funnel_chunks(matches, rows_per_chunk):
            pending.append(
                pool.submit(
                    lambda c: list(_search_chunk(definitions, c, keeps_every_attempt)), chunk
                )
            )
            if len(pending) == 2:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _funnel_chunks(batches: Iterable[pa.RecordBatch], rows_per_chunk: int) -> Iterator[pa.Table]:
    """Re-cut sorted batches into tables of whole funnels of about rows_per_chunk rows."""
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        pending_rows += batch.num_rows
        if pending_rows < rows_per_chunk:
            continue
        table = pa.Table.from_batches(pending).combine_chunks()
        funnel = table.column("funnel_key").to_numpy()
        cut = int(np.searchsorted(funnel, funnel[-1], side="left"))
        if cut == 0:  # one funnel larger than a chunk: keep reading until it ends
            continue
        yield table.slice(0, cut)
        pending = table.slice(cut).to_batches()
        pending_rows = table.num_rows - cut
    if pending_rows:
        yield pa.Table.from_batches(pending).combine_chunks()


def _int64(table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name)
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.timestamp("us")).cast(pa.int64())
    return column.to_numpy().astype(np.int64, copy=False)


def _search_chunk(
    definitions: FunnelDefinitions, chunk: pa.Table, keeps_every_attempt: np.ndarray
) -> Iterator[pa.RecordBatch]:
    """The attempt steps of one chunk of whole funnels (see the module docstring)."""
    funnel = _int64(chunk, "funnel_key")
    person = _int64(chunk, "person_key")
    rn = _int64(chunk, "rn")
    step = _int64(chunk, "step_number")
    grp_rn = _int64(chunk, "grp_rn")
    time_grp = _int64(chunk, "time_grp")
    occurred = _int64(chunk, "occurred_at")
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
    yield _opening_rows(chunk, opening[kept], funnel, person, rn, occurred, ordered[kept])
    if fills_by_round:
        attempt, row, target, step_seq, reached_at, previous = (
            np.concatenate(part) for part in zip(*fills_by_round, strict=True)
        )
        keep = kept[attempt]
        yield _filled_rows(
            chunk,
            row[keep],
            opening[attempt[keep]],
            funnel,
            person,
            rn,
            target[keep],
            step_seq[keep],
            occurred,
            reached_at[keep],
            previous[keep],
        )


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


def _timestamps(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.int64(), mask=values == _NO_TIME).cast(pa.timestamp("us"))


def _opening_rows(chunk, opening, funnel, person, rn, occurred, ordered) -> pa.RecordBatch:
    """The step-1 row of each ordered/strict attempt, the head row of each unordered one."""
    first = np.where(ordered, 1, 0).astype(np.int32)
    index = pa.array(opening)
    return pa.RecordBatch.from_arrays(
        [
            pa.array(funnel[opening]),
            pa.array(person[opening]),
            pa.array(rn[opening]),
            pa.array(first),
            pa.array(first),
            chunk.column("event_id").take(index).combine_chunks().cast(pa.string()),
            _timestamps(occurred[opening]),
            _timestamps(occurred[opening]),
            pa.nulls(len(opening), pa.timestamp("us")),
            chunk.column("person_id").take(index).combine_chunks().cast(pa.string()),
        ],
        schema=ATTEMPT_STEPS_SCHEMA,
    )


def _filled_rows(
    chunk, row, head, funnel, person, rn, step, step_seq, occurred, reached, previous
) -> pa.RecordBatch:
    """One row per filled step (`row`: its event's chunk row; `head`: its attempt's)."""
    return pa.RecordBatch.from_arrays(
        [
            pa.array(funnel[head]),
            pa.array(person[head]),
            pa.array(rn[head]),
            pa.array(step.astype(np.int32)),
            pa.array(step_seq.astype(np.int32)),
            chunk.column("event_id").take(pa.array(row)).combine_chunks().cast(pa.string()),
            _timestamps(occurred[row]),
            _timestamps(reached),
            _timestamps(previous),
            pa.nulls(len(row), pa.string()),
        ],
        schema=ATTEMPT_STEPS_SCHEMA,
    )
