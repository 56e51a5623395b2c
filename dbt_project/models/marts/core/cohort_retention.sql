-- Retention per cohort definition, cohort period and period number (0..periods), in
-- the brand's calendar. Period 0 is the cohort size; period k counts cohort members
-- with a return event (return_event NULL = any event) in period cohort_start + k;
-- returns in the cohort's own period do not count. Rows exist for every k up to
-- `periods`; `is_observed` says whether period k has started by the brand's last day
-- of data (later periods are 0 because they have not happened yet).
{{ config(contract={'enforced': true}) }}

with definitions as (
    select * from {{ ref('stg_raw__cohorts') }}
),

members as (
    select * from {{ ref('int_cohort_members') }}
),

brands as (
    select brand_id, last_event_day from {{ ref('int_brands') }}
),

return_periods as (
    select distinct
        d.brand_id,
        d.cohort_id,
        e.person_id,
        {{ core_period_start('d.grain', 'e.event_day') }} as return_period
    from definitions as d
    inner join {{ ref('int_events_resolved') }} as e
        on e.brand_id = d.brand_id
        and (d.return_event is null or e.event_name = d.return_event)
),

returns as (
    select
        m.brand_id,
        m.cohort_id,
        m.cohort_start,
        {{ core_period_index('m.grain', 'm.cohort_start', 'r.return_period') }} as period_number,
        count(distinct m.person_id) as retained_persons
    from members as m
    inner join return_periods as r
        on r.brand_id = m.brand_id
        and r.cohort_id = m.cohort_id
        and r.person_id = m.person_id
        and r.return_period > m.cohort_start
    group by 1, 2, 3, 4
),

sizes as (
    select brand_id, cohort_id, grain, kind, periods, cohort_start, count(distinct person_id) as cohort_size
    from members
    group by 1, 2, 3, 4, 5, 6
),

numbers as (
    {{ core_numbers(52) }}
),

grid as (
    select s.*, n.n as period_number
    from sizes as s
    inner join numbers as n on n.n <= s.periods
)

select
    cast(g.brand_id as varchar) as brand_id,
    cast(g.cohort_id as varchar) as cohort_id,
    cast(g.cohort_start as date) as cohort_start,
    cast(g.period_number as integer) as period_number,
    cast(g.cohort_size as bigint) as cohort_size,
    cast(case when g.period_number = 0 then g.cohort_size else coalesce(r.retained_persons, 0) end as bigint)
        as retained_persons,
    cast(
        case when g.period_number = 0 then g.cohort_size else coalesce(r.retained_persons, 0) end
        as double
    ) / g.cohort_size as retention_rate,
    cast(g.grain as varchar) as grain,
    cast(g.kind as varchar) as kind,
    {{ core_period_add('g.grain', 'g.period_number', 'g.cohort_start') }} as period_start,
    coalesce({{ core_period_add('g.grain', 'g.period_number', 'g.cohort_start') }} <= b.last_event_day, false)
        as is_observed
from grid as g
left join returns as r
    on r.brand_id = g.brand_id
    and r.cohort_id = g.cohort_id
    and r.cohort_start = g.cohort_start
    and r.period_number = g.period_number
left join brands as b on b.brand_id = g.brand_id
