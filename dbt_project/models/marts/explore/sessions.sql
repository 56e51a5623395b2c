-- One row per session (given session_id, or derived after 30 idle minutes): start,
-- end, duration, events, bounce, entry and exit page, UTM and referrer channel,
-- country, device and revenue in the brand's currency.
-- A view over int_sessions, which the change set keeps per session: a daily run rebuilds
-- no copy of every session (the published snapshot materialises it, like marts.events).
{{ config(materialized='view', contract={'enforced': true}) }}

with sessions as (
    select * from {{ ref('int_sessions') }}
),

brands as (
    select brand_id, currency from {{ ref('int_brands') }}
)

select
    cast(s.brand_id as {{ text_type() }}) as brand_id,
    cast(s.session_id as {{ text_type() }}) as session_id,
    cast(s.person_id as {{ text_type() }}) as person_id,
    cast(s.session_day as date) as session_day,
    cast(s.started_at as timestamp) as started_at,
    cast(s.ended_at as timestamp) as ended_at,
    cast(s.duration_seconds as double) as duration_seconds,
    cast(s.events as bigint) as events,
    cast(s.events = 1 as boolean) as is_bounce,
    cast(s.landing_page_url as {{ text_type() }}) as entry_page_url,
    cast(s.exit_page_url as {{ text_type() }}) as exit_page_url,
    cast(s.utm_source as {{ text_type() }}) as utm_source,
    cast(s.utm_medium as {{ text_type() }}) as utm_medium,
    cast(s.utm_campaign as {{ text_type() }}) as utm_campaign,
    cast(s.referrer as {{ text_type() }}) as referrer,
    cast(coalesce(
        s.utm_source,
        nullif({{ dbt.split_part(dbt.split_part('s.referrer', "'//'", 2), "'/'", 1) }}, ''),
        'direct'
    ) as {{ text_type() }}) as channel,
    cast(s.country as {{ text_type() }}) as country,
    cast(s.device as {{ text_type() }}) as device,
    cast(s.is_derived as boolean) as is_derived,
    cast(s.orders as bigint) as orders,
    cast(s.revenue as double) as revenue,
    cast(b.currency as {{ text_type() }}) as currency
from sessions as s
left join brands as b on b.brand_id = s.brand_id
