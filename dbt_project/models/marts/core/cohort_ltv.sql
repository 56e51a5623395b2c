-- Cumulative revenue per cohort member by cohort age: for period number k, the
-- revenue of the cohort's members in periods cohort_start .. cohort_start + k
-- (all their revenue events in those periods, also before the start event within
-- the cohort period), divided by the cohort size. A period that has not started by
-- the brand's last day of data is unobserved: its revenue columns are NULL, not 0.
-- Revenue is in the brand's currency (`currency`).
{{ config(contract={'enforced': true}) }}

with definitions as (
    select brand_id, cohort_id, grain from {{ ref('stg_raw__cohorts') }}
),

members as (
    select * from {{ ref('int_cohort_members') }}
),

revenue_periods as (
    select
        d.brand_id,
        d.cohort_id,
        e.person_id,
        {{ core_period_start('d.grain', 'e.event_day') }} as revenue_period,
        sum(e.revenue) as revenue,
        sum(e.orders) as orders
    from definitions as d
    inner join {{ ref('int_person_days') }} as e
        on e.brand_id = d.brand_id and e.orders > 0
    group by 1, 2, 3, 4
),

-- Revenue after the last period any member follows is never reported (the
-- bound is the start of the period after it, so it holds for any cohort_start).
horizons as (
    select brand_id, cohort_id, max(periods) as max_periods
    from members
    group by brand_id, cohort_id
),

member_revenue as (
    select
        m.brand_id,
        m.cohort_id,
        m.cohort_start,
        {{ core_period_index('m.grain', 'm.cohort_start', 'r.revenue_period') }} as period_number,
        sum(r.revenue) as revenue,
        sum(r.orders) as orders
    from members as m
    inner join horizons as h on h.brand_id = m.brand_id and h.cohort_id = m.cohort_id
    inner join revenue_periods as r
        on r.brand_id = m.brand_id
        and r.cohort_id = m.cohort_id
        and r.person_id = m.person_id
        and r.revenue_period >= m.cohort_start
    where r.revenue_period < {{ core_period_add('m.grain', '(h.max_periods + 1)', 'm.cohort_start') }}
    group by 1, 2, 3, 4
),

sizes as (
    -- members are unique per (brand, cohort, person, cohort_start) (tested)
    select brand_id, cohort_id, grain, periods, cohort_start, count(*) as cohort_size
    from members
    group by 1, 2, 3, 4, 5
),

numbers as (
    {{ core_numbers(52) }}
),

-- One integer per (brand, cohort, cohort_start) for the running sums below: a window
-- partitioned by one integer sorts far faster than by two strings and a date.
keyed_sizes as (
    select *, dense_rank() over (order by brand_id, cohort_id, cohort_start) as cohort_key
    from sizes
),

grid as (
    select s.*, n.n as period_number
    from keyed_sizes as s
    inner join numbers as n on n.n <= s.periods
),

brands as (
    select brand_id, currency, last_event_day from {{ ref('int_brands') }}
),

per_period as (
    select
        g.brand_id,
        g.cohort_id,
        g.cohort_start,
        g.period_number,
        g.cohort_size,
        g.cohort_key,
        coalesce(r.revenue, 0) as period_revenue,
        coalesce(r.orders, 0) as period_orders,
        b.currency,
        coalesce(
            {{ core_period_add('g.grain', 'g.period_number', 'g.cohort_start') }} <= b.last_event_day,
            false
        ) as is_observed
    from grid as g
    left join member_revenue as r
        on r.brand_id = g.brand_id
        and r.cohort_id = g.cohort_id
        and r.cohort_start = g.cohort_start
        and r.period_number = g.period_number
    left join brands as b on b.brand_id = g.brand_id
),

running as (
    select
        *,
        sum(period_revenue) over (
            partition by cohort_key order by period_number
            rows between unbounded preceding and current row
        ) as running_revenue,
        sum(period_orders) over (
            partition by cohort_key order by period_number
            rows between unbounded preceding and current row
        ) as running_orders
    from per_period
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(cohort_id as {{ text_type() }}) as cohort_id,
    cast(cohort_start as date) as cohort_start,
    cast(period_number as integer) as period_number,
    cast(cohort_size as bigint) as cohort_size,
    cast(case when is_observed then period_revenue end as double) as period_revenue,
    cast(case when is_observed then running_revenue end as double) as cumulative_revenue,
    cast(case when is_observed then running_revenue / cohort_size end as double) as ltv_per_person,
    cast(case when is_observed then running_orders end as bigint) as cumulative_orders,
    cast(currency as {{ text_type() }}) as currency,
    cast(is_observed as boolean) as is_observed
from running
