-- AI Studio collections, one row per collection: its latest record (by updated_at; a
-- later arrival breaks a tie) is its state. `records` counts the changes seen.
with collections as (
    select * from {{ source('raw', 'ai_collections') }}
),

ranked as (
    select
        collection_id,
        brand_id,
        name,
        owner_id,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(deleted_at as timestamp) as deleted_at,
        row_number() over (
            partition by brand_id, collection_id
            order by updated_at desc, _partition_date desc nulls last, _source_file desc nulls last,
                _line desc nulls last
        ) as _latest_rank,
        count(*) over (partition by brand_id, collection_id) as records
    from collections
)

select
    collection_id,
    brand_id,
    name,
    owner_id,
    created_at,
    updated_at,
    deleted_at,
    deleted_at is not null as is_deleted,
    cast(records as bigint) as records
from ranked
where _latest_rank = 1
