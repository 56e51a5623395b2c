-- The 10 most discussed resources of each brand (by comments created; ties share a
-- rank, so a brand can have more than 10 rows). Resources without comments are left out.
{{ config(contract={'enforced': true}) }}

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(discussion_rank as integer) as discussion_rank,
    cast(resource_type as {{ text_type() }}) as resource_type,
    cast(resource_id as {{ text_type() }}) as resource_id,
    cast(comments as bigint) as comments,
    cast(commenters as bigint) as commenters,
    cast(last_activity_at as timestamp) as last_activity_at
from {{ ref('resource_collaboration') }}
where comments > 0 and discussion_rank <= 10
