-- Generations per AI Studio collection over time: per brand-local day with a membership
-- change, the generations that joined and left and the count held at the end of the day.
-- An add of a generation already in the collection, or a remove of one not in it, changes
-- nothing (the app's membership is a set); equal timestamps apply add before remove.
with memberships as (
    select * from {{ ref('stg_raw__ai_collection_memberships') }}
),

collections as (
    select * from {{ ref('stg_raw__ai_collections') }}
),

brands as (
    select brand_id, timezone from {{ ref('stg_raw__brands') }}
),

ordered as (
    select
        brand_id,
        collection_id,
        generation_id,
        action,
        occurred_at,
        lag(action) over (
            partition by brand_id, collection_id, generation_id order by occurred_at, action
        ) as previous_action
    from memberships
),

changes as (
    select
        o.brand_id,
        o.collection_id,
        {{ brand_day('o.occurred_at', "coalesce(b.timezone, 'UTC')") }} as day,
        case
            when o.action = 'add' and coalesce(o.previous_action, 'remove') = 'remove' then 1
            when o.action = 'remove' and o.previous_action = 'add' then -1
            else 0
        end as delta
    from ordered as o
    left join brands as b on b.brand_id = o.brand_id
),

daily as (
    select
        brand_id,
        collection_id,
        day,
        sum(case when delta = 1 then 1 else 0 end) as generations_added,
        sum(case when delta = -1 then 1 else 0 end) as generations_removed,
        sum(delta) as net_change
    from changes
    group by brand_id, collection_id, day
)

select
    d.brand_id,
    d.collection_id,
    c.name as collection_name,
    c.owner_id,
    d.day,
    cast(d.generations_added as bigint) as generations_added,
    cast(d.generations_removed as bigint) as generations_removed,
    cast(sum(d.net_change) over (
        partition by d.brand_id, d.collection_id order by d.day
        rows between unbounded preceding and current row
    ) as bigint) as generations,
    coalesce(c.deleted_at is not null and d.day >= {{ brand_day('c.deleted_at', "coalesce(b.timezone, 'UTC')") }}, false)
        as collection_deleted
from daily as d
left join collections as c on c.brand_id = d.brand_id and c.collection_id = d.collection_id
left join brands as b on b.brand_id = d.brand_id
