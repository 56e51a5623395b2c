-- Retention per cohort definition, cohort period and period number (0..periods), in
-- the brand's calendar. Period 0 is the cohort size; period k counts cohort members
-- with a return event (return_event NULL = any event) in period cohort_start + k;
-- returns in the cohort's own period do not count. Rows exist for every k up to
-- `periods`; `is_observed` says whether period k has started by the brand's last day
-- of data. A period that has not started is unobserved: retained_persons and
-- retention_rate are NULL there, never 0 (nobody could have returned yet).
{{ config(contract={'enforced': true}) }}

with members as (
    select * from {{ ref('int_cohort_members') }}
),

brands as (
    select brand_id, last_event_day from {{ ref('int_brands') }}
),

-- Members who returned in period k (int_cohort_member_periods keeps one row per member
-- and period number, up to the cohort's periods), so count(*) counts distinct persons.
returns as (
    select brand_id, cohort_id, cohort_start, period_number, count(*) as retained_persons
    from {{ ref('int_cohort_member_periods') }}
    where is_returned
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
