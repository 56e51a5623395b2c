-- Comment records as landed: a comment_id can appear several times (created, edited,
-- deleted). `_arrival_rank` = 1 marks the newest record of a comment.
select
    comment_id,
    brand_id,
    resource_type,
    resource_id,
    author_id,
    parent_comment_id,
    body,
    cast(created_at as timestamp) as created_at,
    cast(edited_at as timestamp) as edited_at,
    cast(deleted_at as timestamp) as deleted_at,
    deleted_at is not null as is_deleted,
    row_number() over (
        partition by brand_id, comment_id
        order by _partition_date desc nulls last, _loaded_at desc nulls last,
            _source_file desc nulls last, _line desc nulls last,
            deleted_at desc nulls last, edited_at desc nulls last, created_at desc
    ) as _arrival_rank,
    _partition_date,
    _source_file,
    _line,
    _loaded_at
from {{ source('raw', 'comments') }}
