-- Identity stitching: every anonymous_id of a brand and the person it belongs to.
-- An anonymous_id seen together with a user_id belongs to that user, retroactively
-- (its earlier anonymous events count for the user too). If it was seen with several
-- user_ids, the user of its earliest linking event wins (ties on occurred_at broken by
-- the smaller event_id), so the mapping is deterministic. Never linked: its own person.
with events as (
    select brand_id, event_id, occurred_at, anonymous_id, user_id
    from {{ ref('stg_raw__events') }}
    where anonymous_id is not null
),

links as (
    select
        brand_id,
        anonymous_id,
        user_id,
        occurred_at,
        row_number() over (
            partition by brand_id, anonymous_id order by occurred_at, event_id
        ) as link_rank,
        {{ count_distinct_over("user_id", "brand_id, anonymous_id") }} as linked_user_count
    from events
    where user_id is not null
),

anonymous_ids as (
    select brand_id, anonymous_id, min(occurred_at) as first_seen_at
    from events
    group by brand_id, anonymous_id
)

select
    a.brand_id,
    a.anonymous_id,
    coalesce(l.user_id, a.anonymous_id) as person_id,
    l.user_id is not null as is_linked,
    l.occurred_at as linked_at,
    coalesce(l.linked_user_count, 0) as linked_user_count,
    a.first_seen_at
from anonymous_ids as a
left join links as l
    on l.brand_id = a.brand_id
    and l.anonymous_id = a.anonymous_id
    and l.link_rank = 1
