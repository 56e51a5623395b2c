-- The step events of each person's counted attempt at each funnel (one row per
-- completed step), with the attempt's person-level result repeated on every row: the
-- counted attempt (most steps reached; on a tie the earliest: its step-1 event first
-- in event order (entered_at, attempt_id)) and whether an exclusion removes the
-- person. An exclusion (event_name, from_step, to_step) hits when an event of that
-- name, other than the attempt's own step events, has occurred_at in [time of
-- from_step, time of to_step] of the counted attempt (to_step not reached: up to the
-- window end; unordered: the two ends sorted). An attempt that did not reach
-- from_step is not hit.
-- int_funnel_attempt_steps (and int_funnel_step_matches) are views: the whole attempt
-- search runs here, once, and only the counted attempts are written (marts
-- funnel_persons and funnel_person_steps read this table).
{{ config(pre_hook=funnel_session_setup()) }}

with attempt_steps as {{ funnel_materialized() }} (
    select * from {{ ref('int_funnel_attempt_steps') }}
),

steps as (
    select * from {{ ref('int_funnel_steps') }}
    where step_number = 1
),

exclusions as (
    select * from {{ ref('stg_raw__funnel_exclusions') }}
),

-- one pass over the step rows: the row with the largest step_seq (ties: earliest
-- attempt) belongs to the counted attempt; its step_seq is the attempt's step count
-- and its reached_at the attempt's completed_at
counted as {{ funnel_materialized() }} (
    {{ funnel_best_attempt('attempt_steps') }}
),

counted_rows as (
    select
        s.brand_id,
        s.funnel_id,
        s.person_id,
        s.attempt_id,
        s.step_number,
        s.event_id,
        s.occurred_at,
        c.steps_completed,
        c.entered_at,
        c.window_end_at,
        c.completed_at
    from attempt_steps as s
    inner join counted as c
        on c.brand_id = s.brand_id
        and c.funnel_id = s.funnel_id
        and c.person_id = s.person_id
        and c.attempt_id = s.attempt_id
),

counted_steps as {{ funnel_materialized() }} (
    select * from counted_rows
),

exclusion_bounds as (
    select
        f.brand_id,
        f.funnel_id,
        f.person_id,
        x.event_name,
        least(f.occurred_at, coalesce(t.occurred_at, f.window_end_at)) as from_at,
        greatest(f.occurred_at, coalesce(t.occurred_at, f.window_end_at)) as to_at
    from exclusions as x
    inner join counted_steps as f
        on f.brand_id = x.brand_id
        and f.funnel_id = x.funnel_id
        and f.step_number = x.from_step
    left join counted_steps as t
        on t.brand_id = f.brand_id
        and t.funnel_id = f.funnel_id
        and t.person_id = f.person_id
        and t.step_number = x.to_step
),

exclusion_events as (
    select e.brand_id, e.person_id, e.event_id, e.event_name, e.occurred_at
    from {{ ref('int_events_resolved') }} as e
    where exists (
        select 1 from exclusions as x
        where x.brand_id = e.brand_id and x.event_name = e.event_name
    )
),

excluded as (
    select distinct b.brand_id, b.funnel_id, b.person_id
    from exclusion_bounds as b
    inner join exclusion_events as e
        on e.brand_id = b.brand_id
        and e.person_id = b.person_id
        and e.event_name = b.event_name
        and e.occurred_at >= b.from_at
        and e.occurred_at <= b.to_at
    left join counted_steps as own
        on own.brand_id = b.brand_id
        and own.funnel_id = b.funnel_id
        and own.person_id = b.person_id
        and own.event_id = e.event_id
    where own.event_id is null
)

select
    c.brand_id,
    c.funnel_id,
    c.person_id,
    c.attempt_id,
    s.funnel_order,
    s.step_count,
    cast(c.steps_completed as integer) as steps_completed,
    c.entered_at,
    c.window_end_at,
    c.completed_at,
    x.person_id is not null as is_excluded,
    c.step_number,
    c.event_id,
    c.occurred_at
from counted_steps as c
inner join steps as s
    on s.brand_id = c.brand_id
    and s.funnel_id = c.funnel_id
left join excluded as x
    on x.brand_id = c.brand_id
    and x.funnel_id = c.funnel_id
    and x.person_id = c.person_id
