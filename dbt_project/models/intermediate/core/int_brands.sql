-- Brand dimension: the brand's settings (timezone first of all) and the span of its
-- data, in UTC and in brand-local days. A brand that only appears in events (no brands
-- row) still gets a row, with timezone UTC.
with events as (
    select
        brand_id,
        min(first_event_at) as first_event_at,
        max(last_event_at) as last_event_at,
        min(event_day) as first_event_day,
        max(event_day) as last_event_day,
        cast(sum(events) as bigint) as events,
        count(distinct person_id) as persons
    from {{ ref('int_person_days') }}
    group by brand_id
),

brands as (
    select * from {{ ref('stg_raw__brands') }}
),

brand_ids as (
    select brand_id from brands
    union
    select brand_id from events
)

select
    i.brand_id,
    b.brand_name,
    coalesce(b.timezone, 'UTC') as timezone,
    b.currency,
    b.plan,
    b.ai_monthly_budget_usd,
    b.ai_daily_generation_quota,
    b.created_at,
    e.first_event_at,
    e.last_event_at,
    e.first_event_day,
    e.last_event_day,
    coalesce(e.events, 0) as events,
    coalesce(e.persons, 0) as persons
from brand_ids as i
left join brands as b on b.brand_id = i.brand_id
left join events as e on e.brand_id = i.brand_id
