-- Share records as landed: a share_id can appear several times (created, later
-- revoked). `_arrival_rank` = 1 marks the newest record of a share (arrival order,
-- then its own timestamps), used for the current state.
select
    share_id,
    brand_id,
    resource_type,
    resource_id,
    shared_by,
    shared_with,
    lower(permission) as permission,
    cast(created_at as timestamp) as created_at,
    cast(revoked_at as timestamp) as revoked_at,
    revoked_at is not null as is_revoked,
    row_number() over (
        partition by brand_id, share_id
        order by _partition_date desc nulls last, _loaded_at desc nulls last,
            _source_file desc nulls last, _line desc nulls last,
            revoked_at desc nulls last, created_at desc
    ) as _arrival_rank,
    _partition_date,
    _source_file,
    _line,
    _loaded_at
from {{ source('raw', 'shared_resources') }}
