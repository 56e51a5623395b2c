-- One row per (funnel step, event) where the event matches the step: its name (or an
-- any-event step) and every `where` filter (same JSON type and value), with the event's
-- position (int_funnel_event_positions) and the integer keys the attempt search uses.
-- `idx`, the rank among the person's matches of the step, only for steps that share events
-- with another step (the only ones whose first match can be an event the attempt already
-- used). A view on DuckDB: the attempt search (int_funnel_attempt_steps, a Python model)
-- reads it once, sorted. A table on Spark, whose attempt search stages read it by name.
{{ config(materialized='table' if target.type == 'spark' else 'view') }}

with steps as (
    select * from {{ ref('int_funnel_scoped_steps') }}
),

filters as (
    select * from {{ ref('stg_raw__funnel_step_filters') }}
),

events as (
    select * from {{ ref('int_funnel_event_positions') }}
),

-- (brand, name) pairs and any-event steps meet the events in one hash join each;
-- properties are only carried for steps that have `where` filters. This and `matched`
-- are read twice but not materialized: recomputing their hash joins on the numbered
-- events costs less than DuckDB's copy of every match (~0.3 s of 2 s at 1M events).
candidates as {{ funnel_not_materialized() }} (
    select
        e.brand_id, e.person_id, e.person_key, e.event_id, e.event_row, e.event_check,
        e.occurred_at, e.rn, e.grp_rn, e.time_grp,
        s.funnel_id, s.funnel_key, s.step_number, s.filter_count, s.shares_events,
        case when s.filter_count > 0 then e.properties end as properties
    from events as e
    inner join steps as s
        on s.brand_id = e.brand_id
        and s.event_name = e.event_name
    -- (always true in a full build) a person not touched is only matched to redefined funnels
    where e.is_touched or s.is_redefined

    union all

    select
        e.brand_id, e.person_id, e.person_key, e.event_id, e.event_row, e.event_check,
        e.occurred_at, e.rn, e.grp_rn, e.time_grp,
        s.funnel_id, s.funnel_key, s.step_number, s.filter_count, s.shares_events,
        case when s.filter_count > 0 then e.properties end as properties
    from events as e
    inner join steps as s
        on s.brand_id = e.brand_id
        and s.event_name is null
    where e.is_touched or s.is_redefined
),

filter_hits as (
    select
        c.funnel_key,
        c.step_number,
        c.event_id,
        max(c.filter_count) as filter_count,
        count(*) as hits
    from candidates as c
    inner join filters as f
        on f.brand_id = c.brand_id
        and f.funnel_id = c.funnel_id
        and f.step_number = c.step_number
    where c.filter_count > 0
        and {{ funnel_where_value_matches('c.properties', 'f.property', 'f.value_type', 'f.value_text') }}
    group by c.funnel_key, c.step_number, c.event_id
),

matched as {{ funnel_not_materialized() }} (
    select brand_id, funnel_id, funnel_key, step_number, person_id, person_key, event_id, event_row,
        event_check, occurred_at, rn, grp_rn, time_grp, shares_events
    from candidates
    where filter_count = 0

    union all

    select c.brand_id, c.funnel_id, c.funnel_key, c.step_number, c.person_id, c.person_key, c.event_id,
        c.event_row, c.event_check, c.occurred_at, c.rn, c.grp_rn, c.time_grp, c.shares_events
    from candidates as c
    inner join filter_hits as h
        on h.funnel_key = c.funnel_key
        and h.step_number = c.step_number
        and h.event_id = c.event_id
    where c.filter_count > 0 and h.hits = h.filter_count
)

select brand_id, funnel_id, funnel_key, step_number, person_id, person_key, event_id, event_row,
    event_check, occurred_at, rn, grp_rn, time_grp, cast(null as bigint) as idx
from matched
where not shares_events

union all

select brand_id, funnel_id, funnel_key, step_number, person_id, person_key, event_id, event_row,
    event_check, occurred_at, rn, grp_rn, time_grp,
    row_number() over (
        partition by funnel_key, step_number, person_key order by rn
    ) as idx
from matched
where shares_events
