-- One row per (funnel step, event) where the event matches the step: same event name
-- (or an any-event step) and every `where` filter equal (same JSON type and value).
-- Every match carries the event's position in the person's event order (occurred_at,
-- event_id): `rn` (1, 2, ...), `grp_rn` (the rn of the first event with the same
-- occurred_at: "at or after time t" is rn >= grp_rn) and `time_grp` (1, 2, ... per
-- distinct occurred_at). For brands with a strict funnel they count ALL the person's
-- events (a strict step must lie in the same or the next time_grp as the step before);
-- elsewhere only the events that match some step of the brand are numbered (the order,
-- the only thing ordered and unordered funnels use, is the same, and the window sorts
-- fewer rows).
-- `idx`, the rank among the person's matches of the step, is computed only for steps
-- that share events with another step (int_funnel_steps.shares_events): only there can
-- the first match be an event the attempt already used.
-- The attempt search joins, partitions and sorts on integers: `funnel_key`
-- (int_funnel_steps) and `person_key` (one integer per (brand_id, person_id), numbered
-- here; the position window partitions on it too). Positions are computed only for
-- persons who have an event that can start an attempt (a step-1 event, or any step's
-- event for an unordered funnel): nobody else can enter a funnel.
-- Incremental runs of int_funnel_counted_steps (macros/funnels/funnel_incremental.sql):
-- only the events of touched persons (every funnel) and of persons who can start a
-- redefined funnel (that funnel only) are read, numbered and matched; a person
-- int_funnel_continued_persons continues is read from its `continue_from` on only (its
-- positions then count from there: only their order matters, never their values).
-- A view: the attempt search (int_funnel_attempt_steps) reads it once, sorted; nothing
-- else does. Spark: a table, since its attempt search's stages read it by name.
{{ config(materialized='table' if target.type == 'spark' else 'view') }}
{%- set incremental_of = funnel_incremental_relation() %}

with
{%- if incremental_of is not none %}
{{ funnel_changed_scope(incremental_of) }}
{%- endif %}

steps as (
    select
        s.*,
        -- a match of this step can open an attempt: step 1, or any step of an unordered funnel
        s.step_number = 1 or s.funnel_order = 'unordered' as opens,
        {%- if incremental_of is not none %}
        r.funnel_id is not null as is_redefined
        {%- else %}
        false as is_redefined
        {%- endif %}
    from {{ ref('int_funnel_steps') }} as s
    {%- if incremental_of is not none %}
    left join redefined as r
        on r.brand_id = s.brand_id
        and r.funnel_id = s.funnel_id
    {%- endif %}
),

filters as (
    select * from {{ ref('stg_raw__funnel_step_filters') }}
),

-- which events get a position: every event of a brand with a strict funnel (adjacency
-- over all events) or an any-event step (every event matches it); elsewhere the events
-- whose name is a step's. `with_properties`: a filtered step can match the event (the
-- `where` filters read the properties; the window below sorts what it carries).
scope_brands as (
    select
        brand_id,
        max(case when funnel_order = 'strict' or event_name is null then 1 else 0 end) = 1 as all_events,
        max(case when event_name is null and filter_count > 0 then 1 else 0 end) = 1 as with_properties,
        max(case when event_name is null and opens then 1 else 0 end) = 1 as any_event_starts,
        max(case when event_name is null and opens and is_redefined then 1 else 0 end) = 1
            as any_event_starts_redefined,
        max(case when is_redefined then 1 else 0 end) = 1 as any_redefined
    from steps
    group by brand_id
),

scope_names as (
    select
        brand_id,
        event_name,
        max(case when filter_count > 0 then 1 else 0 end) = 1 as with_properties,
        max(case when opens then 1 else 0 end) = 1 as starts,
        max(case when opens and is_redefined then 1 else 0 end) = 1 as starts_redefined
    from steps
    where event_name is not null
    group by brand_id, event_name
),

{%- if incremental_of is not none %}

-- touched persons, and where int_funnel_continued_persons continues one from the stored
-- rows, the time from which their attempts are searched again (none: no event changed)
touched_scope as (
    select t.brand_id, t.person_id, k.person_id is not null as is_continued, k.continue_from
    from touched as t
    left join {{ ref('int_funnel_continued_persons') }} as k
        on k.brand_id = t.brand_id
        and k.person_id = t.person_id
),

-- the events of the persons to recompute: touched persons (a continued one from its
-- continue_from on), and every person of a brand with a redefined funnel (materialized:
-- planned on its own, the hash table is built on the few touched persons, not on the
-- million events)
person_events as {{ funnel_materialized() }} (
    select
        e.brand_id,
        e.person_id,
        e.event_id,
        e.event_name,
        e.occurred_at,
        e.properties,
        t.person_id is not null as is_touched
    from {{ ref('int_events_resolved') }} as e
    left join touched_scope as t
        on t.brand_id = e.brand_id
        and t.person_id = e.person_id
    where (t.person_id is not null and (not t.is_continued or e.occurred_at >= t.continue_from))
        or e.brand_id in (select brand_id from redefined)
),
{%- endif %}

scoped_events as (
    select
        e.brand_id,
        e.person_id,
        e.event_id,
        e.event_name,
        e.occurred_at,
        case when b.with_properties or n.with_properties then e.properties end as properties,
        {%- if incremental_of is not none %}
        e.is_touched,
        case
            when e.is_touched then coalesce(n.starts, false) or b.any_event_starts
            else coalesce(n.starts_redefined, false) or b.any_event_starts_redefined
        end as starts
    from person_events as e
        {%- else %}
        true as is_touched,
        coalesce(n.starts, false) or b.any_event_starts as starts
    from {{ ref('int_events_resolved') }} as e
        {%- endif %}
    inner join scope_brands as b
        on b.brand_id = e.brand_id
    left join scope_names as n
        on n.brand_id = e.brand_id
        and n.event_name = e.event_name
    where b.all_events or n.brand_id is not null
),

-- the persons with an event named like a step that opens attempts (step 1, any step of an
-- unordered funnel; any event, for such an any-event step;
-- `where` filters are applied later, so this is a superset of those who enter)
persons as (
    select
        brand_id,
        person_id,
        is_touched,
        row_number() over (order by brand_id, person_id) as person_key
    from (
        select distinct brand_id, person_id, is_touched
        from scoped_events
        where starts
    ) as starting
),

events as (
    select
        e.brand_id,
        e.person_id,
        e.event_id,
        e.occurred_at,
        e.properties,
        e.event_name,
        p.person_key,
        p.is_touched,
        row_number() over (
            partition by p.person_key order by e.occurred_at, e.event_id
        ) as rn,
        rank() over (
            partition by p.person_key order by e.occurred_at
        ) as grp_rn,
        dense_rank() over (
            partition by p.person_key order by e.occurred_at
        ) as time_grp
    from scoped_events as e
    inner join persons as p
        on p.brand_id = e.brand_id
        and p.person_id = e.person_id
),

-- (brand, name) pairs and any-event steps meet the events in one hash join each;
-- properties are only carried for steps that have `where` filters. This and `matched`
-- are read twice but not materialized: recomputing their hash joins on the numbered
-- events costs less than DuckDB's copy of every match (~0.3 s of 2 s at 1M events).
candidates as {{ funnel_not_materialized() }} (
    select
        e.brand_id, e.person_id, e.person_key, e.event_id, e.occurred_at, e.rn, e.grp_rn, e.time_grp,
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
        e.brand_id, e.person_id, e.person_key, e.event_id, e.occurred_at, e.rn, e.grp_rn, e.time_grp,
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
    select brand_id, funnel_id, funnel_key, step_number, person_id, person_key, event_id, occurred_at, rn,
        grp_rn, time_grp, shares_events
    from candidates
    where filter_count = 0

    union all

    select c.brand_id, c.funnel_id, c.funnel_key, c.step_number, c.person_id, c.person_key, c.event_id,
        c.occurred_at, c.rn, c.grp_rn, c.time_grp, c.shares_events
    from candidates as c
    inner join filter_hits as h
        on h.funnel_key = c.funnel_key
        and h.step_number = c.step_number
        and h.event_id = c.event_id
    where c.filter_count > 0 and h.hits = h.filter_count
)

select brand_id, funnel_id, funnel_key, step_number, person_id, person_key, event_id, occurred_at, rn,
    grp_rn, time_grp, cast(null as bigint) as idx
from matched
where not shares_events

union all

select brand_id, funnel_id, funnel_key, step_number, person_id, person_key, event_id, occurred_at, rn,
    grp_rn,
    time_grp,
    row_number() over (
        partition by funnel_key, step_number, person_key order by rn
    ) as idx
from matched
where shares_events
