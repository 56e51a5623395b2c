-- One row per resolved person: first/last seen, signup, first purchase, latest
-- country and first-touch acquisition (utm_source of the person's first event that
-- has one, else 'direct'; medium and campaign from that same event).
with events as (
    select * from {{ ref('int_events_resolved') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by brand_id, person_id order by occurred_at, event_id
        ) as first_rank,
        case when country is not null then row_number() over (
            partition by brand_id, person_id, country is not null
            order by occurred_at desc, event_id desc
        ) end as latest_country_rank,
        case when utm_source is not null then row_number() over (
            partition by brand_id, person_id, utm_source is not null
            order by occurred_at, event_id
        ) end as first_touch_rank
    from events
),

sessions as (
    select brand_id, person_id, count(*) as sessions
    from {{ ref('int_sessions') }}
    group by brand_id, person_id
)

select
    r.brand_id,
    r.person_id,
    min(r.occurred_at) as first_seen_at,
    min(r.event_day) as first_seen_day,
    max(r.occurred_at) as last_seen_at,
    max(r.event_day) as last_seen_day,
    min(case when r.event_name = 'signup' then r.occurred_at end) as signup_at,
    min(case when r.revenue > 0 then r.occurred_at end) as first_purchase_at,
    max(case when r.latest_country_rank = 1 then r.country end) as country,
    coalesce(max(case when r.first_touch_rank = 1 then r.utm_source end), 'direct') as acquisition_channel,
    max(case when r.first_touch_rank = 1 then r.utm_medium end) as utm_medium,
    max(case when r.first_touch_rank = 1 then r.utm_campaign end) as utm_campaign,
    max(r.user_id) is not null as is_identified,
    count(distinct r.anonymous_id) as anonymous_ids,
    count(*) as events,
    coalesce(max(s.sessions), 0) as sessions,
    sum(case when r.revenue > 0 then 1 else 0 end) as orders,
    coalesce(sum(r.revenue), 0) as revenue
from ranked as r
left join sessions as s
    on s.brand_id = r.brand_id and s.person_id = r.person_id
group by r.brand_id, r.person_id
