-- The `where` of a step: the step matches an event when every row here has
-- properties ->> property = value_text.
select
    brand_id,
    funnel_id,
    cast(step_number as integer) as step_number,
    property,
    value_text
from {{ source('raw', 'funnel_step_filters') }}
