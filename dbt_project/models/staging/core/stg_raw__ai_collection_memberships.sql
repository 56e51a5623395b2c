-- Membership history of AI Studio collections: every add and remove of a generation,
-- as landed (de-duplicated at ingest).
select
    collection_id,
    generation_id,
    brand_id,
    lower(action) as action,
    cast(occurred_at as timestamp) as occurred_at,
    _partition_date
from {{ source('raw', 'ai_collection_memberships') }}
