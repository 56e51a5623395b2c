-- daily_brand_metrics loses no event and no revenue, and quiet days fill the gaps.
with totals as (
    select brand_id, count(*) as events, coalesce(sum(revenue), 0) as revenue
    from {{ ref('int_events_resolved') }}
    group by brand_id
),

metrics as (
    select brand_id, sum(events) as events, sum(revenue) as revenue,
        count(*) as days, {{ dbt.datediff('min(day)', 'max(day)', 'day') }} + 1 as span
    from {{ ref('daily_brand_metrics') }}
    group by brand_id
)

select t.brand_id
from totals as t
left join metrics as m on m.brand_id = t.brand_id
where m.brand_id is null or m.events <> t.events or abs(m.revenue - t.revenue) > 1e-6 or m.days <> m.span
