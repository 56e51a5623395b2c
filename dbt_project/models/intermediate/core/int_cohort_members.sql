-- Cohort membership per cohort definition: a person joins the cohort of the
-- (brand-local) period of their start event. `first_time`: only the period of the
-- person's first start event ever; `recurring`: every period with a start event.
-- start_event NULL means any event.
with definitions as (
    select * from {{ ref('stg_raw__cohorts') }}
),

events as (
    select brand_id, person_id, event_name, event_day
    from {{ ref('int_events_resolved') }}
),

start_periods as (
    select
        d.brand_id,
        d.cohort_id,
        d.kind,
        d.grain,
        d.periods,
        e.person_id,
        {{ core_period_start('d.grain', 'e.event_day') }} as cohort_start,
        min(e.event_day) as first_start_day
    from definitions as d
    inner join events as e
        on e.brand_id = d.brand_id
        and (d.start_event is null or e.event_name = d.start_event)
    group by 1, 2, 3, 4, 5, 6, 7
),

ranked as (
    select
        *,
        row_number() over (
            partition by brand_id, cohort_id, person_id order by cohort_start
        ) as start_rank
    from start_periods
)

select
    brand_id,
    cohort_id,
    kind,
    grain,
    periods,
    person_id,
    cohort_start,
    first_start_day
from ranked
where kind = 'recurring' or start_rank = 1
