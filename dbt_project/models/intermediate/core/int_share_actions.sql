-- Every sharing act and revocation that landed, once each, on its brand-local day.
-- A share_id's records (shared, permission changed, revoked, shared again) repeat its
-- created_at or carry a revoked_at, so its distinct created_at are its sharing acts and
-- its distinct revoked_at its revocations. Daily counts read these rather than the
-- current state: a share revoked and shared again keeps its first day and its revocation.
with records as (
    select * from {{ ref('stg_raw__shared_resources') }}
),

brands as (
    select brand_id, timezone from {{ ref('stg_raw__brands') }}
),

actions as (
    select brand_id, share_id, 'shared' as action, created_at as action_at, min(shared_by) as shared_by
    from records
    group by all
    union all
    select brand_id, share_id, 'revoked' as action, revoked_at as action_at, min(shared_by) as shared_by
    from records
    where revoked_at is not null
    group by all
)

select
    a.brand_id,
    a.share_id,
    a.action,
    a.action_at,
    {{ brand_day('a.action_at', "coalesce(b.timezone, 'UTC')") }} as day,
    a.shared_by
from actions as a
left join brands as b on b.brand_id = a.brand_id
