-- The `where` of a step: the step matches an event when, for every row here, its
-- property holds value_text as a JSON value of value_type (string, number, boolean).
select
    brand_id,
    funnel_id,
    cast(step_number as integer) as step_number,
    property,
    value_text,
    value_type
from {{ source('raw', 'funnel_step_filters') }}
