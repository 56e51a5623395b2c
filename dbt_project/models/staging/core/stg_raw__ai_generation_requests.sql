-- AI Studio generation requests, typed.
select
    request_id,
    brand_id,
    user_id,
    lower(type) as request_type,
    model,
    prompt,
    parameters,
    collection_id,
    parent_generation_id,
    optimize_prompt,
    cast(requested_at as timestamp) as requested_at,
    _partition_date,
    _source_file,
    _line,
    _loaded_at
from {{ source('raw', 'ai_generation_requests') }}
