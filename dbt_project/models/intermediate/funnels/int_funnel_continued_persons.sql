-- The changed persons whose funnel results int_funnel_counted_steps continues from its
-- stored rows (CONTRACTS section 4): since the change set the table consumed they only
-- gained events, all after every event they had, in a brand with no redefined funnel.
-- Their attempts from continue_from (first gained event minus the brand's longest window)
-- on are searched again; continue_from is NULL when none of their events changed. Empty
-- when int_funnel_counted_steps is built from scratch. Why this is exact: the folder YAML.
-- depends_on: {{ ref('int_event_changes') }}, {{ ref('int_events_resolved') }}, {{ ref('int_funnel_steps') }}, {{ ref('stg_raw__funnel_exclusions') }}
{{ config(materialized='table') }}
{%- set stored = funnel_stored_rows() %}

{%- if stored is none %}

select
    cast(null as {{ dbt.type_string() }}) as brand_id,
    cast(null as {{ dbt.type_string() }}) as person_id,
    cast(null as timestamp) as continue_from
where false

{%- else %}

with {{ funnel_changed_scope(stored) }}

consumed as (
    {{ core_consumed_watermark(stored) }}
),

changes as (
    select c.brand_id, c.event_id, c.change, c.person_id as stored_person_id
    from {{ ref('int_event_changes') }} as c
    where c._processed_at > (select * from consumed)
),

-- the events int_events_resolved wrote since (admitted or rebuilt), as they are now
written as (
    select e.brand_id, e.event_id, e.person_id, e.occurred_at
    from {{ ref('int_events_resolved') }} as e
    where e._processed_at > (select * from consumed)
),

-- events new to the stored funnel rows: admitted without a stored version
gained as (
    select w.brand_id, w.person_id, w.event_id, w.occurred_at
    from written as w
    inner join changes as c
        on c.brand_id = w.brand_id
        and c.event_id = w.event_id
    where c.change = 'admit' and c.stored_person_id is null
),

-- persons whose stored events changed: removed, re-ingested, or moved between persons
-- (both the person left and the person joined)
broken as (
    select c.brand_id, c.stored_person_id as person_id
    from changes as c
    where c.stored_person_id is not null
        and c.change in ('remove', 'admit')
    union
    select c.brand_id, c.stored_person_id
    from changes as c
    inner join written as w
        on w.brand_id = c.brand_id
        and w.event_id = c.event_id
    where c.change = 'rebuild' and w.person_id <> c.stored_person_id
    union
    select w.brand_id, w.person_id
    from changes as c
    inner join written as w
        on w.brand_id = c.brand_id
        and w.event_id = c.event_id
    where c.stored_person_id is not null
        and c.change in ('rebuild', 'admit')
        and w.person_id <> c.stored_person_id
),

longest_windows as (
    select brand_id, max(window_seconds) as window_seconds
    from {{ ref('int_funnel_steps') }}
    group by brand_id
),

candidates as (
    select
        t.brand_id,
        t.person_id,
        g.first_new_at,
        {{ funnel_add_seconds('g.first_new_at', '-coalesce(l.window_seconds, 0)') }} as continue_from
    from touched as t
    left join (
        select brand_id, person_id, min(occurred_at) as first_new_at
        from gained
        group by brand_id, person_id
    ) as g
        on g.brand_id = t.brand_id
        and g.person_id = t.person_id
    left join longest_windows as l
        on l.brand_id = t.brand_id
    where not exists (
        select 1 from broken as b
        where b.brand_id = t.brand_id and b.person_id = t.person_id
    )
        and t.brand_id not in (select brand_id from redefined)
        and not {{ changed_every_key(stored) }}
),

-- a gained event at or before an event the person already had: not appended
late as (
    select distinct c.brand_id, c.person_id
    from candidates as c
    inner join {{ ref('int_events_resolved') }} as e
        on e.brand_id = c.brand_id
        and e.person_id = c.person_id
        and e.occurred_at >= c.first_new_at
    where not exists (
        select 1 from gained as g
        where g.brand_id = e.brand_id and g.event_id = e.event_id
    )
),

-- a stored unordered window an exclusion may now interrupt (it is searched again and may
-- stop counting, and the best earlier window is not stored)
interruptible as (
    select distinct c.brand_id, c.person_id
    from candidates as c
    inner join {{ stored }} as s
        on s.brand_id = c.brand_id
        and s.person_id = c.person_id
        and s.entered_at >= c.continue_from
    where s.funnel_order = 'unordered'
        and exists (
            select 1 from {{ ref('stg_raw__funnel_exclusions') }} as x
            where x.brand_id = s.brand_id and x.funnel_id = s.funnel_id
        )
)

select c.brand_id, c.person_id, c.continue_from
from candidates as c
where not exists (
    select 1 from late as l
    where l.brand_id = c.brand_id and l.person_id = c.person_id
)
    and not exists (
        select 1 from interruptible as i
        where i.brand_id = c.brand_id and i.person_id = c.person_id
    )

{%- endif %}
