-- Valid funnel definitions (invalid ones are in raw.rejected_rows, source 'funnels').
select
    funnel_id,
    brand_id,
    name as funnel_name,
    lower(funnel_order) as funnel_order,
    cast(window_seconds as bigint) as window_seconds,
    cast(step_count as integer) as step_count,
    _loaded_at
from {{ source('raw', 'funnels') }}
