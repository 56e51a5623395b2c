-- Funnel results by entry day (the brand-local day of the counted attempt's step-1
-- event): persons who entered that day, how many converted, and how fast.
with persons as (
    select * from {{ ref('funnel_persons') }}
),

brands as (
    select brand_id, timezone from {{ ref('int_brands') }}
)

select
    p.brand_id,
    p.funnel_id,
    {{ brand_day('p.entered_at', "coalesce(b.timezone, 'UTC')") }} as day,
    count(*) as entered_persons,
    count(case when p.converted then 1 end) as converted_persons,
    count(case when p.converted then 1 end) * 1.0 / count(*) as conversion_rate,
    avg(p.seconds_to_convert) as avg_seconds_to_convert,
    {{ funnel_median('p.seconds_to_convert') }} as median_seconds_to_convert
from persons as p
left join brands as b
    on b.brand_id = p.brand_id
group by 1, 2, 3
