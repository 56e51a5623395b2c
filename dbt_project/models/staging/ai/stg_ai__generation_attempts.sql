-- One row per provider attempt of a generation (retries included).
select
    a.generation_id,
    a.brand_id,
    cast(a.attempt_number as integer) as attempt_number,
    a.started_at,
    cast(a.http_status as integer) as http_status,
    a.error_type is null as is_success,
    coalesce(a.error_type, 'none') as error_type,
    a.error_message,
    cast(a.latency_ms as bigint) as latency_ms,
    cast(a.retry_after_ms as bigint) as retry_after_ms
from {{ source('ai', 'generation_attempts') }} as a
