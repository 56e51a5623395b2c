{#-
  What each cohort member contributes to the cohort marts, per period number after their
  cohort_start (up to the definition's `periods`): whether they returned (an event, or the
  cohort's return_event, in that later period: cohort_retention) and their revenue and
  orders in it (period 0 included: cohort_ltv). Only periods with a return or an order
  have a row. The marts add these rows up per cohort period, so a day run no longer joins
  every member with every return day.

  Incremental over changed persons, like int_cohort_members: a member's rows depend only
  on the person's own days and events and the cohort definition. A run recomputes the
  persons int_changed_keys lists, and every member of a cohort whose definition (including
  return_event, which int_cohort_members does not keep) is new or changed; the
  changed_keys strategy deletes their rows and the rows of definitions that no longer
  exist as stored.
-#}
{%- set definition_columns = ['brand_id', 'cohort_id', 'kind', 'grain', 'periods', 'start_event', 'return_event'] %}
{{
    config(
        materialized='incremental',
        incremental_strategy='changed_keys',
        changed_key='person_id',
        definitions={'model': 'stg_raw__cohorts', 'columns': definition_columns},
        on_schema_change='append_new_columns',
    )
}}

with watermark as (
    {{ core_events_watermark() }}
),

definitions as (
    select brand_id, cohort_id, kind, grain, periods, start_event, return_event
    from {{ ref('stg_raw__cohorts') }}
),

{% if is_incremental() %}
changed as (
    {{ changed_keys('person_id') }}
),

redefined as (
    select d.brand_id, d.cohort_id
    from definitions as d
    where not exists (
        select 1
        from (select distinct {{ definition_columns | join(', ') }} from {{ this }}) as s
        where {{ core_same_definition('s', 'd', definition_columns) }}
    )
),
{% endif %}

members as (
    select
        m.brand_id, m.cohort_id, d.kind, d.grain, d.periods, d.start_event, d.return_event,
        m.person_id, m.cohort_start
    from {{ ref('int_cohort_members') }} as m
    inner join definitions as d on d.brand_id = m.brand_id and d.cohort_id = m.cohort_id
    {%- if is_incremental() %}
    where exists (
            select 1 from changed as c
            where c.brand_id = m.brand_id and c.person_id = m.person_id
        )
        or exists (
            select 1 from redefined as r
            where r.brand_id = m.brand_id and r.cohort_id = m.cohort_id
        )
    {%- endif %}
),

{%- if is_incremental() %}
member_persons as (
    select distinct brand_id, person_id from members
),
{%- endif %}

-- the members' days (distinct per person), and their days with a cohort's return_event
person_days as (
    select p.brand_id, p.person_id, p.event_day, p.revenue, p.orders
    from {{ ref('int_person_days') }} as p
    {%- if is_incremental() %}
    where exists (
        select 1 from member_persons as m
        where m.brand_id = p.brand_id and m.person_id = p.person_id
    )
    {%- endif %}
),

return_event_days as (
    select distinct e.brand_id, e.person_id, e.event_name, e.event_day
    from {{ ref('int_events_resolved') }} as e
    where exists (
            select 1 from definitions as d
            where d.brand_id = e.brand_id and d.return_event = e.event_name
        )
        {%- if is_incremental() %}
        and exists (
            select 1 from member_persons as m
            where m.brand_id = e.brand_id and m.person_id = e.person_id
        )
        {%- endif %}
),

-- per member the distinct later periods with a return (any event when return_event is NULL)
returns as (
    select distinct m.brand_id, m.cohort_id, m.person_id, m.cohort_start,
        {{ core_period_start('m.grain', 'r.event_day') }} as period
    from members as m
    inner join person_days as r on r.brand_id = m.brand_id and r.person_id = m.person_id
    where m.return_event is null
    union
    select m.brand_id, m.cohort_id, m.person_id, m.cohort_start,
        {{ core_period_start('m.grain', 'r.event_day') }} as period
    from members as m
    inner join return_event_days as r
        on r.brand_id = m.brand_id and r.person_id = m.person_id and r.event_name = m.return_event
),

-- per member the revenue and orders of each period from their cohort period on
revenues as (
    select m.brand_id, m.cohort_id, m.person_id, m.cohort_start,
        {{ core_period_start('m.grain', 'r.event_day') }} as period,
        sum(r.revenue) as revenue,
        sum(r.orders) as orders
    from members as m
    inner join person_days as r on r.brand_id = m.brand_id and r.person_id = m.person_id and r.orders > 0
    group by 1, 2, 3, 4, 5
),

later_returns as (
    select * from returns
    where period > cohort_start
),

own_revenues as (
    select * from revenues
    where period >= cohort_start
),

contributions as (
    select
        coalesce(r.brand_id, v.brand_id) as brand_id,
        coalesce(r.cohort_id, v.cohort_id) as cohort_id,
        coalesce(r.person_id, v.person_id) as person_id,
        coalesce(r.cohort_start, v.cohort_start) as cohort_start,
        coalesce(r.period, v.period) as period,
        r.period is not null as is_returned,
        v.revenue,
        v.orders
    from later_returns as r
    full outer join own_revenues as v
        on v.brand_id = r.brand_id and v.cohort_id = r.cohort_id and v.person_id = r.person_id
        and v.cohort_start = r.cohort_start and v.period = r.period
)

select
    m.brand_id,
    m.cohort_id,
    m.kind,
    m.grain,
    m.periods,
    m.start_event,
    m.return_event,
    m.person_id,
    m.cohort_start,
    {{ core_period_index('m.grain', 'm.cohort_start', 'c.period') }} as period_number,
    c.is_returned,
    c.revenue,
    c.orders,
    w.events_watermark as _events_watermark
from contributions as c
inner join members as m
    on m.brand_id = c.brand_id and m.cohort_id = c.cohort_id and m.person_id = c.person_id
    and m.cohort_start = c.cohort_start
cross join watermark as w
where c.period < {{ core_period_add('m.grain', '(m.periods + 1)', 'm.cohort_start') }}
