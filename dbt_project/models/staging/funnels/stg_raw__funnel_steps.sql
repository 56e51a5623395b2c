-- One row per step of a valid funnel; event_name NULL means "any event".
select
    brand_id,
    funnel_id,
    cast(step_number as integer) as step_number,
    event_name,
    cast(filter_count as integer) as filter_count
from {{ source('raw', 'funnel_steps') }}
