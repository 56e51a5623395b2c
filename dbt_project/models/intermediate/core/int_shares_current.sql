-- Current state of every share: its newest landed record (arrival order). Revoked
-- when that record carries revoked_at.
with shares as (
    select * from {{ ref('stg_raw__shared_resources') }}
    where _arrival_rank = 1
),

brands as (
    select brand_id, timezone from {{ ref('stg_raw__brands') }}
)

select
    s.brand_id,
    s.share_id,
    s.resource_type,
    s.resource_id,
    s.shared_by,
    s.shared_with,
    s.permission,
    s.created_at,
    s.revoked_at,
    s.is_revoked,
    {{ brand_day('s.created_at', "coalesce(b.timezone, 'UTC')") }} as created_day,
    {{ brand_day('s.revoked_at', "coalesce(b.timezone, 'UTC')") }} as revoked_day
from shares as s
left join brands as b on b.brand_id = s.brand_id
