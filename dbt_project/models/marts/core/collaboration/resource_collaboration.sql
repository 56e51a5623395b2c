-- Collaboration per shared or commented resource: shares (all, and currently in
-- force), comments (all created, and not deleted), distinct commenters, first and
-- last activity, and the resource's discussion rank within the brand (1 = most
-- comments; ties share a rank).
{{ config(contract={'enforced': true}) }}

with shares as (
    select
        brand_id,
        resource_type,
        resource_id,
        count(*) as shares,
        sum(case when not is_revoked then 1 else 0 end) as active_shares,
        min(created_at) as first_shared_at,
        max(coalesce(revoked_at, created_at)) as last_share_activity_at
    from {{ ref('int_shares_current') }}
    group by 1, 2, 3
),

comments as (
    select
        brand_id,
        resource_type,
        resource_id,
        count(*) as comments,
        sum(case when not is_deleted then 1 else 0 end) as live_comments,
        count(distinct author_id) as commenters,
        min(created_at) as first_comment_at,
        max(coalesce(deleted_at, edited_at, created_at)) as last_comment_activity_at
    from {{ ref('int_comments_current') }}
    group by 1, 2, 3
),

resources as (
    select brand_id, resource_type, resource_id from shares
    union
    select brand_id, resource_type, resource_id from comments
),

joined as (
    select
        r.brand_id,
        r.resource_type,
        r.resource_id,
        coalesce(s.shares, 0) as shares,
        coalesce(s.active_shares, 0) as active_shares,
        coalesce(c.comments, 0) as comments,
        coalesce(c.live_comments, 0) as live_comments,
        coalesce(c.commenters, 0) as commenters,
        case
            when s.first_shared_at is null then c.first_comment_at
            when c.first_comment_at is null then s.first_shared_at
            when s.first_shared_at < c.first_comment_at then s.first_shared_at
            else c.first_comment_at
        end as first_activity_at,
        case
            when s.last_share_activity_at is null then c.last_comment_activity_at
            when c.last_comment_activity_at is null then s.last_share_activity_at
            when s.last_share_activity_at > c.last_comment_activity_at then s.last_share_activity_at
            else c.last_comment_activity_at
        end as last_activity_at
    from resources as r
    left join shares as s
        on s.brand_id = r.brand_id and s.resource_type = r.resource_type and s.resource_id = r.resource_id
    left join comments as c
        on c.brand_id = r.brand_id and c.resource_type = r.resource_type and c.resource_id = r.resource_id
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(resource_type as {{ text_type() }}) as resource_type,
    cast(resource_id as {{ text_type() }}) as resource_id,
    cast(shares as bigint) as shares,
    cast(active_shares as bigint) as active_shares,
    cast(comments as bigint) as comments,
    cast(live_comments as bigint) as live_comments,
    cast(commenters as bigint) as commenters,
    cast(first_activity_at as timestamp) as first_activity_at,
    cast(last_activity_at as timestamp) as last_activity_at,
    cast(dense_rank() over (partition by brand_id order by comments desc) as integer) as discussion_rank
from joined
