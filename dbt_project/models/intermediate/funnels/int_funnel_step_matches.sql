-- One row per (funnel step, event) where the event matches the step: same event name
-- (or an any-event step) and every `where` filter equal. A view: the attempt builder
-- reads it once (into a materialized CTE), so it is never written to disk.
-- Every match carries the event's position in the person's event order (occurred_at,
-- event_id): `rn` (1, 2, ... over ALL the person's events, so strict funnels can test
-- adjacency) and `grp_rn` (the rn of the first event with the same occurred_at: "at or
-- after time t" is rn >= grp_rn). `idx`, the rank among the person's matches of the
-- step, is computed only for steps that share events with another step
-- (int_funnel_steps.shares_events): only there can the first match be an event the
-- attempt already used, and this window is the costliest part of the model.
{{ config(materialized='view') }}

with steps as (
    select * from {{ ref('int_funnel_steps') }}
),

filters as (
    select * from {{ ref('stg_raw__funnel_step_filters') }}
),

events as (
    select
        e.brand_id,
        e.person_id,
        e.event_id,
        e.event_name,
        e.occurred_at,
        e.properties,
        row_number() over (
            partition by e.brand_id, e.person_id order by e.occurred_at, e.event_id
        ) as rn,
        rank() over (
            partition by e.brand_id, e.person_id order by e.occurred_at
        ) as grp_rn
    from {{ ref('int_events_resolved') }} as e
    where e.brand_id in (select brand_id from steps)
),

-- (brand, name) pairs and any-event steps meet the events in one hash join each;
-- properties are only carried for steps that have `where` filters.
candidates as (
    select
        e.brand_id, e.person_id, e.event_id, e.occurred_at, e.rn, e.grp_rn,
        s.funnel_id, s.step_number, s.filter_count, s.funnel_order, s.shares_events,
        case when s.filter_count > 0 then e.properties end as properties
    from events as e
    inner join steps as s
        on s.brand_id = e.brand_id
        and s.event_name = e.event_name

    union all

    select
        e.brand_id, e.person_id, e.event_id, e.occurred_at, e.rn, e.grp_rn,
        s.funnel_id, s.step_number, s.filter_count, s.funnel_order, s.shares_events,
        case when s.filter_count > 0 then e.properties end as properties
    from events as e
    inner join steps as s
        on s.brand_id = e.brand_id
        and s.event_name is null
),

filter_hits as (
    select
        c.brand_id,
        c.funnel_id,
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
        and {{ funnel_json_text('c.properties', 'f.property') }} = f.value_text
    group by c.brand_id, c.funnel_id, c.step_number, c.event_id
),

matched as (
    select brand_id, funnel_id, step_number, person_id, event_id, occurred_at, rn, grp_rn, funnel_order,
        shares_events
    from candidates
    where filter_count = 0

    union all

    select c.brand_id, c.funnel_id, c.step_number, c.person_id, c.event_id, c.occurred_at, c.rn, c.grp_rn,
        c.funnel_order,
        c.shares_events
    from candidates as c
    inner join filter_hits as h
        on h.brand_id = c.brand_id
        and h.funnel_id = c.funnel_id
        and h.step_number = c.step_number
        and h.event_id = c.event_id
    where c.filter_count > 0 and h.hits = h.filter_count
)

select brand_id, funnel_id, step_number, person_id, event_id, occurred_at, rn, grp_rn,
    cast(null as bigint) as idx
from matched
where not shares_events

union all

select brand_id, funnel_id, step_number, person_id, event_id, occurred_at, rn, grp_rn,
    row_number() over (
        partition by brand_id, funnel_id, step_number, person_id order by rn
    ) as idx
from matched
where shares_events
