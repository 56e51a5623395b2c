-- Current state of every comment: its newest landed record (arrival order). A
-- comment deleted later still counts as a comment created on its day.
with comments as (
    select * from {{ ref('stg_raw__comments') }}
    where _arrival_rank = 1
),

brands as (
    select brand_id, timezone from {{ ref('stg_raw__brands') }}
)

select
    c.brand_id,
    c.comment_id,
    c.resource_type,
    c.resource_id,
    c.author_id,
    c.parent_comment_id,
    c.body,
    c.created_at,
    c.edited_at,
    c.deleted_at,
    c.is_deleted,
    {{ brand_day('c.created_at', "coalesce(b.timezone, 'UTC')") }} as created_day,
    {{ brand_day('c.deleted_at', "coalesce(b.timezone, 'UTC')") }} as deleted_day
from comments as c
left join brands as b on b.brand_id = c.brand_id
