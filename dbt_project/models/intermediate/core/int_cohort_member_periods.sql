{#-
  What each cohort member adds to the cohort marts per period number after cohort_start (up
  to `periods`; a row only with a return or an order): returned in that later period (any
  event, or the cohort's return_event: cohort_retention), revenue and orders (period 0 too:
  cohort_ltv). Incremental like int_cohort_members (a member's rows depend only on the
  person's own days and events and the definition): a run recomputes the changed persons
  and every member of a cohort whose definition (return_event included) is new or changed.
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
        m.brand_id, m.cohort_id, m.grain, m.person_id, m.cohort_start,
        {{ core_period_add('m.grain', '(m.periods + 1)', 'm.cohort_start') }} as period_end
    from {{ ref('int_cohort_members') }} as m
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

-- per cohort and person, the distinct periods with a return (any event when return_event
-- is NULL), and the revenue and orders of each period with an order
return_periods as (
    select distinct d.brand_id, d.cohort_id, r.person_id, {{ core_period_start('d.grain', 'r.event_day') }} as period
    from definitions as d
    inner join person_days as r on r.brand_id = d.brand_id
    where d.return_event is null
    union
    select d.brand_id, d.cohort_id, r.person_id, {{ core_period_start('d.grain', 'r.event_day') }} as period
    from definitions as d
    inner join return_event_days as r on r.brand_id = d.brand_id and r.event_name = d.return_event
),

revenue_periods as (
    select
        d.brand_id, d.cohort_id, r.person_id, {{ core_period_start('d.grain', 'r.event_day') }} as period,
        sum(r.revenue) as revenue,
        sum(r.orders) as orders
    from definitions as d
    inner join person_days as r on r.brand_id = d.brand_id and r.orders > 0
    group by 1, 2, 3, 4
),

-- each member's periods: returns after the cohort period, revenue from it on, up to `periods`
contributions as (
    select
        m.brand_id, m.cohort_id, m.person_id, m.cohort_start,
        {{ core_period_index('m.grain', 'm.cohort_start', 'r.period') }} as period_number,
        true as is_returned,
        cast(null as double) as revenue,
        cast(null as bigint) as orders
    from members as m
    inner join return_periods as r
        on r.brand_id = m.brand_id and r.cohort_id = m.cohort_id and r.person_id = m.person_id
        and r.period > m.cohort_start and r.period < m.period_end
    union all
    select
        m.brand_id, m.cohort_id, m.person_id, m.cohort_start,
        {{ core_period_index('m.grain', 'm.cohort_start', 'r.period') }} as period_number,
        false as is_returned,
        r.revenue,
        r.orders
    from members as m
    inner join revenue_periods as r
        on r.brand_id = m.brand_id and r.cohort_id = m.cohort_id and r.person_id = m.person_id
        and r.period >= m.cohort_start and r.period < m.period_end
),

member_periods as (
    select
        brand_id, cohort_id, person_id, cohort_start, period_number,
        bool_or(is_returned) as is_returned,
        sum(revenue) as revenue,
        sum(orders) as orders
    from contributions
    group by 1, 2, 3, 4, 5
)

select
    c.brand_id,
    c.cohort_id,
    d.kind,
    d.grain,
    d.periods,
    d.start_event,
    d.return_event,
    c.person_id,
    c.cohort_start,
    c.period_number,
    c.is_returned,
    c.revenue,
    c.orders,
    w.events_watermark as _events_watermark
from member_periods as c
inner join definitions as d on d.brand_id = c.brand_id and d.cohort_id = c.cohort_id
cross join watermark as w
