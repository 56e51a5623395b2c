-- Current state of every comment: its newest landed record (arrival order), except
-- that a deletion is final: a comment with any record carrying deleted_at is deleted, at
-- its earliest deleted_at (a later edit record does not bring it back). A comment
-- deleted later still counts as a comment created on its day.
with records as (
    select * from {{ ref('stg_raw__comments') }}
),

comments as (
    select * from records
    where _arrival_rank = 1
),

deletions as (
    select brand_id, comment_id, min(deleted_at) as deleted_at
    from records
    where deleted_at is not null
    group by brand_id, comment_id
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
    d.deleted_at,
    d.deleted_at is not null as is_deleted,
    {{ brand_day('c.created_at', "coalesce(b.timezone, 'UTC')") }} as created_day,
    {{ brand_day('d.deleted_at', "coalesce(b.timezone, 'UTC')") }} as deleted_day
from comments as c
left join deletions as d on d.brand_id = c.brand_id and d.comment_id = c.comment_id
left join brands as b on b.brand_id = c.brand_id
