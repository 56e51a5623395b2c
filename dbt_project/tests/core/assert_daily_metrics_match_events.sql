-- daily_brand_metrics loses no event and no revenue, and quiet days fill the gaps.
-- Revenue is DOUBLE: the two sums add the same values in different orders (DuckDB's
-- parallel aggregation), so they may differ by rounding. The bound is relative: at 10M
-- events a brand's 58 million of revenue differed by 2.3e-7 to 2.5e-7 in repeated
-- queries and by more than the former absolute bound of 1e-6 in one build; 1e-10 of the
-- total is above the worst-case rounding of its ~500k additions. A lost event fails the
-- count.
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
where m.brand_id is null or m.events <> t.events or abs(m.revenue - t.revenue) > 1e-10 * greatest(1.0, t.revenue) or m.days <> m.span
