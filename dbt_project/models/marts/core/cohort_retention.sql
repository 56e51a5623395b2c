-- Retention per cohort definition, cohort period and period number (0..periods), in
-- the brand's calendar. Period 0 is the cohort size; period k counts cohort members
-- with a return event (return_event NULL = any event) in period cohort_start + k;
-- returns in the cohort's own period do not count. Rows exist for every k up to
-- `periods`; `is_observed` says whether period k has started by the brand's last day
-- of data. A period that has not started is unobserved: retained_persons and
-- retention_rate are NULL there, never 0 (nobody could have returned yet).
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

-- Distinct days first (a person has many events a day), then the period of each day:
-- active days (int_person_days) for cohorts returning on any event, days with the event
-- for the others.
active_days as (
    select brand_id, person_id, event_day
    from {{ ref('int_person_days') }}
),

return_event_days as (
    select distinct e.brand_id, e.person_id, e.event_name, e.event_day
    from {{ ref('int_events_resolved') }} as e
    where exists (
        select 1
        from definitions as d
        where d.brand_id = e.brand_id and d.return_event = e.event_name
    )
),

-- Each cohort's return days, then their distinct periods (days are already distinct).
return_candidates as (
    select brand_id, person_id, cast(null as {{ text_type() }}) as event_name, event_day from active_days
    union all
    select brand_id, person_id, event_name, event_day from return_event_days
),

return_days as (
    select d.brand_id, d.cohort_id, d.grain, r.person_id, r.event_day
    from definitions as d
    inner join return_candidates as r
        on r.brand_id = d.brand_id
        and (d.return_event is null and r.event_name is null or r.event_name = d.return_event)
),

return_periods as (
    select brand_id, cohort_id, person_id, event_day as return_period
    from return_days
    where grain = 'day'

    union all

    select distinct
        brand_id,
        cohort_id,
        person_id,
        {{ core_period_start('grain', 'event_day') }} as return_period
    from return_days
    where grain in ('week', 'month')
),

-- Returns after the last period any member follows are never reported (the
-- bound is the start of the period after it, so it holds for any cohort_start).
horizons as (
    select brand_id, cohort_id, max(periods) as max_periods
    from members
    group by brand_id, cohort_id
),

-- A member is one row per (brand, cohort, person, cohort_start) and has one return
-- period per period number, so count(*) counts distinct persons.
returns as (
    select
        m.brand_id,
        m.cohort_id,
        m.cohort_start,
        {{ core_period_index('m.grain', 'm.cohort_start', 'r.return_period') }} as period_number,
        count(*) as retained_persons
    from members as m
    inner join horizons as h on h.brand_id = m.brand_id and h.cohort_id = m.cohort_id
    inner join return_periods as r
        on r.brand_id = m.brand_id
        and r.cohort_id = m.cohort_id
        and r.person_id = m.person_id
        and r.return_period > m.cohort_start
    where r.return_period < {{ core_period_add('m.grain', '(h.max_periods + 1)', 'm.cohort_start') }}
    group by 1, 2, 3, 4
),

sizes as (
    select brand_id, cohort_id, grain, kind, periods, cohort_start, count(*) as cohort_size
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
),

observed as (
    select
        g.*,
        r.retained_persons as returned_persons,
        {{ core_period_add('g.grain', 'g.period_number', 'g.cohort_start') }} as period_start,
        coalesce(
            {{ core_period_add('g.grain', 'g.period_number', 'g.cohort_start') }} <= b.last_event_day,
            false
        ) as is_observed
    from grid as g
    left join returns as r
        on r.brand_id = g.brand_id
        and r.cohort_id = g.cohort_id
        and r.cohort_start = g.cohort_start
        and r.period_number = g.period_number
    left join brands as b on b.brand_id = g.brand_id
),

counted as (
    select
        *,
        case
            when period_number = 0 then cohort_size
            when is_observed then coalesce(returned_persons, 0)
        end as kept_persons
    from observed
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(cohort_id as {{ text_type() }}) as cohort_id,
    cast(cohort_start as date) as cohort_start,
    cast(period_number as integer) as period_number,
    cast(cohort_size as bigint) as cohort_size,
    cast(kept_persons as bigint) as retained_persons,
    cast(kept_persons as double) / cohort_size as retention_rate,
    cast(grain as {{ text_type() }}) as grain,
    cast(kind as {{ text_type() }}) as kind,
    period_start,
    is_observed
from counted
