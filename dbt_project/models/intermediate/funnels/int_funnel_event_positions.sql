-- The events the attempt search can use, numbered in each person's event order
-- (occurred_at, event_id): rn, grp_rn and time_grp, the integer person_key the search
-- joins on and event_row / event_check, the event's row in int_events_resolved (DuckDB's
-- search carries them instead of the event's strings). Only persons with an event that can open an attempt
-- are numbered; brands with a strict funnel or an any-event step number all their events,
-- others only those named like a step. Incremental runs read only the events of the persons and funnels they
-- recompute. Ephemeral: inlined into int_funnel_step_matches (see the folder YAML).
{{ config(materialized='ephemeral') }}
{%- set incremental_of = funnel_incremental_relation() %}

with steps as (
    select * from {{ ref('int_funnel_scoped_steps') }}
),
{%- if incremental_of is not none %}

touched as (
    {{ changed_keys('person_id', incremental_of) }}
),

-- touched persons and, for one int_funnel_continued_persons continues, the time from
-- which their attempts are searched again (none: no event of theirs changed)
touched_scope as (
    select t.brand_id, t.person_id, k.person_id is not null as is_continued, k.continue_from
    from touched as t
    left join {{ ref('int_funnel_continued_persons') }} as k
        on k.brand_id = t.brand_id
        and k.person_id = t.person_id
),

-- touched persons' events (continued ones from continue_from on), and every event of a
-- brand with a redefined funnel (materialized: the hash table is built on the few
-- touched persons, not on the million events)
person_events as {{ funnel_materialized() }} (
    select
        e.brand_id, e.person_id, e.event_id, e.event_name, e.occurred_at, e.properties,
        {{ funnel_event_reference('e') }},
        t.person_id is not null as is_touched
    from {{ ref('int_events_resolved') }} as e
    left join touched_scope as t
        on t.brand_id = e.brand_id
        and t.person_id = e.person_id
    where (t.person_id is not null and (not t.is_continued or e.occurred_at >= t.continue_from))
        or e.brand_id in (select brand_id from steps where is_redefined)
),
{%- endif %}

-- per brand: number every event (strict funnel or any-event step), carry properties (a
-- filtered any-event step), any event opens attempts (of any funnel / a redefined one)
scope_brands as (
    select
        brand_id,
        max(case when funnel_order = 'strict' or event_name is null then 1 else 0 end) = 1 as all_events,
        max(case when event_name is null and filter_count > 0 then 1 else 0 end) = 1 as with_properties,
        max(case when event_name is null and opens then 1 else 0 end) = 1 as any_event_starts,
        max(case when event_name is null and opens and is_redefined then 1 else 0 end) = 1
            as any_event_starts_redefined
    from steps
    group by brand_id
),

-- the same per step event name
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

scoped_events as (
    select
        e.brand_id,
        e.person_id,
        e.event_id,
        e.event_name,
        e.occurred_at,
        {%- if incremental_of is not none %}
        e.event_row,
        e.event_check,
        {%- else %}
        {{ funnel_event_reference('e') }},
        {%- endif %}
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

-- the persons with an event that can open an attempt (`where` filters are applied later:
-- a superset of those who enter), numbered
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
)

select
    e.brand_id,
    e.person_id,
    e.event_id,
    e.event_row,
    e.event_check,
    e.occurred_at,
    e.properties,
    e.event_name,
    p.person_key,
    p.is_touched,
    row_number() over (partition by p.person_key order by e.occurred_at, e.event_id) as rn,
    rank() over (partition by p.person_key order by e.occurred_at) as grp_rn,
    dense_rank() over (partition by p.person_key order by e.occurred_at) as time_grp
from scoped_events as e
inner join persons as p
    on p.brand_id = e.brand_id
    and p.person_id = e.person_id
