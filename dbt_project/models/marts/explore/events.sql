-- One row per event, as analysts ask about it: the resolved person, the session, the
-- brand-local time and day, name, properties, context and revenue in the brand's
-- currency (converted with dated rates when paid in another; the original kept).
-- A view: the published snapshot materialises it; the warehouse keeps one copy.
{{ config(materialized='view', contract={'enforced': true}) }}

with events as (
    select * from {{ ref('int_events_resolved') }}
)

select
    cast(e.brand_id as {{ text_type() }}) as brand_id,
    cast(e.event_id as {{ text_type() }}) as event_id,
    cast(e.event_name as {{ text_type() }}) as event_name,
    cast(e.occurred_at as timestamp) as occurred_at,
    cast(e.occurred_at_local as timestamp) as occurred_at_local,
    cast(e.event_day as date) as event_day,
    cast(e.person_id as {{ text_type() }}) as person_id,
    cast(e.anonymous_id as {{ text_type() }}) as anonymous_id,
    cast(e.user_id as {{ text_type() }}) as user_id,
    cast(e.session_id as {{ text_type() }}) as session_id,
    cast(e.is_derived_session as boolean) as is_derived_session,
    e.properties,
    cast(e.page_url as {{ text_type() }}) as page_url,
    cast(e.referrer as {{ text_type() }}) as referrer,
    cast(e.utm_source as {{ text_type() }}) as utm_source,
    cast(e.utm_medium as {{ text_type() }}) as utm_medium,
    cast(e.utm_campaign as {{ text_type() }}) as utm_campaign,
    cast(e.country as {{ text_type() }}) as country,
    cast(e.device as {{ text_type() }}) as device,
    cast(e.os as {{ text_type() }}) as os,
    cast(e.browser as {{ text_type() }}) as browser,
    cast(e.revenue as double) as revenue,
    cast(e.currency as {{ text_type() }}) as currency,
    cast(e.original_revenue as double) as original_revenue,
    cast(e.original_currency as {{ text_type() }}) as original_currency,
    cast(e.fx_rate as double) as fx_rate
from events as e
