-- Collaboration per brand-local day: shares and comments created, shares revoked,
-- comments deleted, and active collaborators (distinct users who shared or
-- commented that day). Only days with some collaboration activity have a row.
{{ config(contract={'enforced': true}) }}

with share_actions as (
    select * from {{ ref('int_share_actions') }}
),

comments as (
    select * from {{ ref('int_comments_current') }}
),

activity as (
    select brand_id, day, 'share_created' as kind, shared_by as user_id from share_actions
    where action = 'shared'
    union all
    select brand_id, day, 'share_revoked' as kind, shared_by as user_id from share_actions
    where action = 'revoked'
    union all
    select brand_id, created_day as day, 'comment_created' as kind, author_id as user_id from comments
    union all
    select brand_id, deleted_day as day, 'comment_deleted' as kind, author_id as user_id from comments
    where deleted_day is not null
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(day as date) as day,
    cast(sum(case when kind = 'share_created' then 1 else 0 end) as bigint) as shares,
    cast(sum(case when kind = 'share_revoked' then 1 else 0 end) as bigint) as shares_revoked,
    cast(sum(case when kind = 'comment_created' then 1 else 0 end) as bigint) as comments,
    cast(sum(case when kind = 'comment_deleted' then 1 else 0 end) as bigint) as comments_deleted,
    cast(count(distinct case when kind in ('share_created', 'comment_created') then user_id end) as bigint)
        as active_collaborators
from activity
group by brand_id, day
