-- Funnel results by a person attribute: dimension 'country' (the person's latest
-- country) and 'acquisition_channel' (first-touch utm_source, else 'direct'), from
-- int_persons. Unknown values are '(unknown)'.
with persons as (
    select
        f.*,
        coalesce(p.country, '(unknown)') as country,
        coalesce(p.acquisition_channel, '(unknown)') as acquisition_channel
    from {{ ref('funnel_persons') }} as f
    left join {{ ref('int_persons') }} as p
        on p.brand_id = f.brand_id
        and p.person_id = f.person_id
),

by_dimension as (
    select brand_id, funnel_id, 'country' as dimension, country as dimension_value,
        steps_completed, converted, seconds_to_convert
    from persons

    union all

    select brand_id, funnel_id, 'acquisition_channel' as dimension, acquisition_channel as dimension_value,
        steps_completed, converted, seconds_to_convert
    from persons
)

select
    brand_id,
    funnel_id,
    dimension,
    dimension_value,
    count(*) as entered_persons,
    count(case when converted then 1 end) as converted_persons,
    count(case when converted then 1 end) * 1e0 / count(*) as conversion_rate,
    avg(steps_completed * 1e0) as avg_steps_completed,
    avg(seconds_to_convert) as avg_seconds_to_convert
from by_dimension
group by brand_id, funnel_id, dimension, dimension_value
