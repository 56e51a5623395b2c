-- Exclusion steps of a funnel (1-based from_step/to_step).
select
    brand_id,
    funnel_id,
    event_name,
    cast(from_step as integer) as from_step,
    cast(to_step as integer) as to_step
from {{ source('raw', 'funnel_exclusions') }}
