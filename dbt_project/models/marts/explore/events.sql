-- One row per event, as analysts ask about it: the resolved person, the session, the
-- brand-local time and day, name, properties, context and revenue in the brand's
-- currency (converted with dated rates when paid in another; the original kept).
-- A view: the published snapshot materialises it; the warehouse keeps one copy.
{{ config(materialized='view', contract={'enforced': true}) }}

with events as (
    select * from {{ ref('int_events_resolved') }}
)

select
    cast(e.brand_id as varchar) as brand_id,
    cast(e.event_id as varchar) as event_id,
    cast(e.event_name as varchar) as event_name,
    cast(e.occurred_at as timestamp) as occurred_at,
    cast(e.occurred_at_local as timestamp) as occurred_at_local,
    cast(e.event_day as date) as event_day,
    cast(e.person_id as varchar) as person_id,
    cast(e.anonymous_id as varchar) as anonymous_id,
    cast(e.user_id as varchar) as user_id,
    cast(e.session_id as varchar) as session_id,
    cast(e.is_derived_session as boolean) as is_derived_session,
    e.properties,
    cast(e.page_url as varchar) as page_url,
    cast(e.referrer as varchar) as referrer,
    cast(e.utm_source as varchar) as utm_source,
    cast(e.utm_medium as varchar) as utm_medium,
    cast(e.utm_campaign as varchar) as utm_campaign,
    cast(e.country as varchar) as country,
    cast(e.device as varchar) as device,
    cast(e.os as varchar) as os,
    cast(e.browser as varchar) as browser,
    cast(e.revenue as double) as revenue,
    cast(e.currency as varchar) as currency,
    cast(e.original_revenue as double) as original_revenue,
    cast(e.original_currency as varchar) as original_currency,
    cast(e.fx_rate as double) as fx_rate
from events as e
