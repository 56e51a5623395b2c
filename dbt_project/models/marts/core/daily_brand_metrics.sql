-- One row per brand and brand-local day, from the brand's first to its last day of
-- any activity (events, AI generations, shares, comments); quiet days are zeros so
-- time series stay continuous. Revenue is in the brand's currency (`currency`).
{{ config(contract={'enforced': true}) }}

with brands as (
    select brand_id, timezone, currency from {{ ref('int_brands') }}
),

event_days as (
    select
        brand_id,
        event_day as day,
        count(*) as active_persons,
        sum(events) as events,
        sum(orders) as orders,
        sum(revenue) as revenue
    from {{ ref('int_person_days') }}
    group by brand_id, event_day
),

new_person_days as (
    select brand_id, first_seen_day as day, count(*) as new_persons
    from {{ ref('int_persons') }}
    group by brand_id, first_seen_day
),

session_days as (
    select brand_id, session_day as day, count(*) as sessions
    from {{ ref('int_sessions') }}
    group by brand_id, session_day
),

-- A generation counts on the brand-local day it was requested (not when the job ran it),
-- at the price valid on that day (re-priced by ai_generations_priced, so a price change
-- re-prices history here too).
ai_days as (
    select
        g.brand_id,
        g.day,
        count(*) as ai_generations,
        sum(case when g.status = 'completed' then 1 else 0 end) as ai_generations_completed,
        coalesce(sum(g.cost_usd), 0) as ai_cost_usd
    from {{ ref('ai_generations_priced') }} as g
    group by 1, 2
),

share_days as (
    select brand_id, day, count(*) as shares
    from {{ ref('int_share_actions') }}
    where action = 'shared'
    group by brand_id, day
),

comment_days as (
    select brand_id, created_day as day, count(*) as comments
    from {{ ref('int_comments_current') }}
    group by brand_id, created_day
),

activity_days as (
    select brand_id, day from event_days
    union all
    select brand_id, day from ai_days
    union all
    select brand_id, day from share_days
    union all
    select brand_id, day from comment_days
),

bounds as (
    select brand_id, min(day) as first_day, max(day) as last_day
    from activity_days
    where day is not null
    group by brand_id
),

spine as (
    {{ brand_day_spine('bounds') }}
)

select
    cast(s.brand_id as {{ text_type() }}) as brand_id,
    cast(s.day as date) as day,
    cast(coalesce(e.active_persons, 0) as bigint) as active_persons,
    cast(coalesce(n.new_persons, 0) as bigint) as new_persons,
    cast(coalesce(ss.sessions, 0) as bigint) as sessions,
    cast(coalesce(e.events, 0) as bigint) as events,
    cast(coalesce(e.orders, 0) as bigint) as orders,
    cast(coalesce(e.revenue, 0) as double) as revenue,
    cast(coalesce(a.ai_generations, 0) as bigint) as ai_generations,
    cast(coalesce(a.ai_cost_usd, 0) as double) as ai_cost_usd,
    cast(coalesce(sh.shares, 0) as bigint) as shares,
    cast(coalesce(c.comments, 0) as bigint) as comments,
    cast(coalesce(a.ai_generations_completed, 0) as bigint) as ai_generations_completed,
    cast(case when coalesce(e.orders, 0) > 0 then e.revenue / e.orders end as double) as avg_order_value,
    cast(b.currency as {{ text_type() }}) as currency
from spine as s
left join brands as b on b.brand_id = s.brand_id
left join event_days as e on e.brand_id = s.brand_id and e.day = s.day
left join new_person_days as n on n.brand_id = s.brand_id and n.day = s.day
left join session_days as ss on ss.brand_id = s.brand_id and ss.day = s.day
left join ai_days as a on a.brand_id = s.brand_id and a.day = s.day
left join share_days as sh on sh.brand_id = s.brand_id and sh.day = s.day
left join comment_days as c on c.brand_id = s.brand_id and c.day = s.day
