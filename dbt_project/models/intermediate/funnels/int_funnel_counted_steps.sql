-- The step events of each person's counted attempt at each funnel (one row per
-- completed step), with the attempt's person-level result repeated on every row: the
-- counted attempt (most steps reached; on a tie the earliest: its step-1 event first
-- in event order (entered_at, attempt_id)) and whether an exclusion removes the
-- person. An exclusion (event_name, from_step, to_step) hits when an event of that
-- name, other than the attempt's own step events, has occurred_at strictly between the
-- times of from_step and to_step of the counted attempt (ordered and strict;
-- to_step not reached: after from_step up to the window end, inclusive). An
-- event at the same instant as a step is not between. An attempt that did not reach
-- from_step is not hit. Unordered funnels (CONTRACTS section 4): exclusions never remove
-- the person; an exclusion event in (opening time, window end] interrupts that window,
-- and the counted attempt is the best window no exclusion interrupted.
-- int_funnel_attempt_steps holds every attempt on integer keys (funnel_key, person_key,
-- attempt_rn); only the counted ones are kept here (marts funnel_persons and
-- funnel_person_steps read this table). Their text ids are looked up here: brand_id and
-- funnel_id from int_funnel_steps, person_id carried by the attempt search on the step-1 row.
-- Incremental over changed persons and redefined funnels: a run recomputes every funnel of
-- the changed persons (int_changed_keys), and every person of a funnel whose
-- definition_fingerprint (int_funnel_steps) it does not hold; int_funnel_step_matches reads
-- only their events. The changed_keys strategy deletes the changed persons' rows and the
-- rows of changed or removed definitions, and inserts the recomputed ones. See
-- macros/funnels/funnel_incremental.sql.
{{
    config(
        materialized='incremental',
        incremental_strategy='changed_keys',
        changed_key='person_id',
        definitions={'model': 'int_funnel_steps', 'columns': ['brand_id', 'funnel_id', 'definition_fingerprint']},
        on_schema_change='append_new_columns',
    )
}}
{%- set stored = funnel_incremental_relation() %}
{%- set columns = ['brand_id', 'funnel_id', 'person_id', 'attempt_id', 'funnel_order', 'step_count',
    'steps_completed', 'entered_at', 'window_end_at', 'completed_at', 'is_excluded', 'step_number',
    'step_position', 'event_id', 'occurred_at', 'seconds_from_previous', 'definition_fingerprint'] %}

with watermark as (
    {{ core_events_watermark() }}
),

attempt_steps as (
    select * from {{ ref('int_funnel_attempt_steps') }}
),

steps as (
    select * from {{ ref('int_funnel_steps') }}
    where step_number = 1
),

exclusions as (
    select * from {{ ref('stg_raw__funnel_exclusions') }}
),

exclusion_events as (
    select e.brand_id, e.person_id, e.event_id, e.event_name, e.occurred_at
    from {{ ref('int_events_resolved') }} as e
    where exists (
        select 1 from exclusions as x
        where x.brand_id = e.brand_id and x.event_name = e.event_name
    )
),

-- unordered funnels with exclusions: the windows an exclusion event interrupts (one of
-- that name, other than the window's own step events, with opened_at < occurred_at <=
-- window end) do not count; the person's result is the best window left
interrupted as (
    select distinct a.funnel_key, a.person_key, a.attempt_rn
    from attempt_steps as a
    inner join steps as f
        on f.funnel_key = a.funnel_key
    inner join exclusions as x
        on x.brand_id = f.brand_id
        and x.funnel_id = f.funnel_id
    inner join exclusion_events as e
        on e.brand_id = f.brand_id
        and e.person_id = a.person_id
        and e.event_name = x.event_name
        and e.occurred_at > a.occurred_at
        and e.occurred_at <= {{ funnel_add_seconds('a.occurred_at', 'f.window_seconds') }}
    left join attempt_steps as own
        on own.funnel_key = a.funnel_key
        and own.person_key = a.person_key
        and own.attempt_rn = a.attempt_rn
        and own.event_id = e.event_id
        and own.step_number > 0
    where a.step_number = 0
        and f.funnel_order = 'unordered'
        and own.event_id is null
),

-- the attempts that can be counted (all but the interrupted unordered windows). A left
-- join, not `not exists`: DuckDB plans the correlated form as a delim join that copies
-- every step row (0.2 s of CPU at 1M events even with nothing interrupted); this is one
-- hash join whose build side is the few interrupted windows.
countable_steps as (
    select a.*
    from attempt_steps as a
    left join interrupted as i
        on i.funnel_key = a.funnel_key
        and i.person_key = a.person_key
        and i.attempt_rn = a.attempt_rn
    where i.attempt_rn is null
),

-- one pass over the step rows: the row with the largest step_seq (ties: earliest
-- attempt) belongs to the counted attempt; its step_seq is the attempt's step count
-- and its reached_at the attempt's completed_at
counted as (
    {{ funnel_best_attempt('countable_steps') }}
),

-- the counted attempt's rows with their funnel's settings
counted_attempt_rows as (
    select
        s.funnel_key,
        s.person_key,
        s.person_id,
        s.step_number,
        s.event_id,
        s.occurred_at,
        s.previous_at,
        c.steps_completed,
        c.completed_at,
        f.funnel_order
    from attempt_steps as s
    inner join counted as c
        on c.funnel_key = s.funnel_key
        and c.person_key = s.person_key
        and c.attempt_rn = s.attempt_rn
    inner join steps as f
        on f.funnel_key = s.funnel_key
),

-- each row's place in time order (step_position) and the seconds since the previous
-- one. Ordered and strict attempts fill steps 1..k at non-decreasing times: their
-- step order is their time order, and the attempt search recorded each step's
-- previous step time (previous_at). Unordered: the k-th completed step in time
-- (order (occurred_at, step_number)) and the step before it in that order.
counted_rows as {{ funnel_materialized() }} (
    select
        funnel_key, person_key, person_id, step_number, event_id, occurred_at, steps_completed, completed_at,
        step_number as step_position,
        {{ seconds_between('previous_at', 'occurred_at') }} as seconds_from_previous
    from counted_attempt_rows
    where funnel_order <> 'unordered'

    union all

    -- unordered: the head row of the window's opening event (step_number 0; not a step)
    select
        funnel_key, person_key, person_id, step_number, event_id, occurred_at, steps_completed, completed_at,
        0 as step_position,
        cast(null as double) as seconds_from_previous
    from counted_attempt_rows
    where step_number = 0

    union all

    select
        funnel_key, person_key, person_id, step_number, event_id, occurred_at, steps_completed, completed_at,
        row_number() over w as step_position,
        {{ seconds_between('lag(occurred_at) over w', 'occurred_at') }} as seconds_from_previous
    from counted_attempt_rows
    where funnel_order = 'unordered'
        and step_number > 0
    window w as (partition by funnel_key, person_key order by occurred_at, step_number)
),

-- one row per counted attempt: its funnel's text ids and settings, entry and window, and
-- its person (person_id: carried by the attempt search on the step-1 row; a lookup of the
-- step-1 event joined the million events)
heads as {{ funnel_materialized() }} (
    select
        r.funnel_key,
        r.person_key,
        f.brand_id,
        f.funnel_id,
        r.person_id,
        r.event_id as attempt_id,
        f.funnel_order,
        f.step_count,
        f.definition_fingerprint,
        r.occurred_at as entered_at,
        {{ funnel_add_seconds('r.occurred_at', 'f.window_seconds') }} as window_end_at
    from counted_rows as r
    inner join steps as f
        on f.funnel_key = r.funnel_key
    -- the step-1 row (ordered, strict) or the opening event's head row (unordered)
    where r.step_number = case when f.funnel_order = 'unordered' then 0 else 1 end
),

exclusion_bounds as (
    select
        h.funnel_key,
        h.person_key,
        h.brand_id,
        h.person_id,
        x.event_name,
        least(f.occurred_at, coalesce(t.occurred_at, h.window_end_at)) as from_at,
        greatest(f.occurred_at, coalesce(t.occurred_at, h.window_end_at)) as to_at,
        -- to_step not reached: the range runs to the window end, which is inside
        t.occurred_at is null as to_is_window_end
    from exclusions as x
    inner join heads as h
        on h.brand_id = x.brand_id
        and h.funnel_id = x.funnel_id
        -- unordered funnels: exclusions interrupt windows (above), never remove the person
        and h.funnel_order <> 'unordered'
    inner join counted_rows as f
        on f.funnel_key = h.funnel_key
        and f.person_key = h.person_key
        and f.step_number = x.from_step
    left join counted_rows as t
        on t.funnel_key = h.funnel_key
        and t.person_key = h.person_key
        and t.step_number = x.to_step
),

excluded as (
    select distinct b.funnel_key, b.person_key
    from exclusion_bounds as b
    inner join exclusion_events as e
        on e.brand_id = b.brand_id
        and e.person_id = b.person_id
        and e.event_name = b.event_name
        and e.occurred_at > b.from_at
        and (e.occurred_at < b.to_at or (b.to_is_window_end and e.occurred_at = b.to_at))
    left join counted_rows as own
        on own.funnel_key = b.funnel_key
        and own.person_key = b.person_key
        and own.event_id = e.event_id
    where own.event_id is null
),

computed as (
    select
        h.brand_id,
        h.funnel_id,
        h.person_id,
        h.attempt_id,
        h.funnel_order,
        h.step_count,
        cast(r.steps_completed as integer) as steps_completed,
        h.entered_at,
        h.window_end_at,
        r.completed_at,
        x.person_key is not null as is_excluded,
        r.step_number,
        cast(r.step_position as integer) as step_position,
        r.event_id,
        r.occurred_at,
        r.seconds_from_previous,
        h.definition_fingerprint,
        w.events_watermark as _events_watermark
    from counted_rows as r
    cross join watermark as w
    inner join heads as h
        on h.funnel_key = r.funnel_key
        and h.person_key = r.person_key
    left join excluded as x
        on x.funnel_key = r.funnel_key
        and x.person_key = r.person_key
    where r.step_number > 0
)
{%- if stored is none %}

select * from computed
{%- else %},

-- persons continued from their stored rows (int_funnel_continued_persons): per funnel, the
-- stored counted attempt stays when it beats the best attempt searched again (more steps;
-- equal steps and an earlier start, so it started before continue_from and ended before
-- the new events), else the search's result replaces it. Their stored rows, of
-- definitions still current (their brands have none changed: one not current was
-- removed), in one scan of the stored table:
stored_rows as {{ funnel_materialized() }} (
    select {% for c in columns %}s.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    from {{ stored }} as s
    inner join {{ ref('int_funnel_continued_persons') }} as k
        on k.brand_id = s.brand_id
        and k.person_id = s.person_id
    inner join steps as f
        on f.brand_id = s.brand_id
        and f.funnel_id = s.funnel_id
        and f.definition_fingerprint = s.definition_fingerprint
),

stored_heads as (
    select distinct brand_id, funnel_id, person_id, steps_completed, entered_at
    from stored_rows
),

kept_heads as (
    select s.brand_id, s.funnel_id, s.person_id
    from stored_heads as s
    left join (
        select distinct brand_id, funnel_id, person_id, steps_completed, entered_at
        from computed
    ) as c
        on c.brand_id = s.brand_id
        and c.funnel_id = s.funnel_id
        and c.person_id = s.person_id
    where c.person_id is null
        or s.steps_completed > c.steps_completed
        or (s.steps_completed = c.steps_completed and s.entered_at < c.entered_at)
)

select c.*
from computed as c
left join kept_heads as k
    on k.brand_id = c.brand_id
    and k.funnel_id = c.funnel_id
    and k.person_id = c.person_id
where k.person_id is null

union all

select {% for c in columns %}s.{{ c }}, {% endfor %}w.events_watermark as _events_watermark
from stored_rows as s
inner join kept_heads as k
    on k.brand_id = s.brand_id
    and k.funnel_id = s.funnel_id
    and k.person_id = s.person_id
cross join watermark as w
{%- endif %}
