-- One row per resolved person (identity stitching, CONTRACTS section 2): first and last
-- seen, identified or not, latest country, first-touch acquisition channel, lifetime
-- events, sessions, orders and revenue in the brand's currency.
-- A view over int_persons, which the change set keeps per person: a daily run rebuilds no
-- copy of every person (the published snapshot materialises it, like marts.sessions).
{{ config(materialized='view', contract={'enforced': true}) }}

with persons as (
    select * from {{ ref('int_persons') }}
),

brands as (
    select brand_id, currency from {{ ref('int_brands') }}
)

select
    cast(p.brand_id as {{ text_type() }}) as brand_id,
    cast(p.person_id as {{ text_type() }}) as person_id,
    cast(p.first_seen_at as timestamp) as first_seen_at,
    cast(p.first_seen_day as date) as first_seen_day,
    cast(p.last_seen_at as timestamp) as last_seen_at,
    cast(p.last_seen_day as date) as last_seen_day,
    cast(p.is_identified as boolean) as is_identified,
    cast(p.anonymous_ids as bigint) as anonymous_ids,
    cast(p.signup_at as timestamp) as signup_at,
    cast(p.first_purchase_at as timestamp) as first_purchase_at,
    cast(p.country as {{ text_type() }}) as country,
    cast(p.acquisition_channel as {{ text_type() }}) as acquisition_channel,
    cast(p.utm_medium as {{ text_type() }}) as utm_medium,
    cast(p.utm_campaign as {{ text_type() }}) as utm_campaign,
    cast(p.plan as {{ text_type() }}) as plan,
    cast(p.events as bigint) as events,
    cast(p.sessions as bigint) as sessions,
    cast(p.orders as bigint) as orders,
    cast(p.revenue as double) as revenue,
    cast(b.currency as {{ text_type() }}) as currency
from persons as p
left join brands as b on b.brand_id = p.brand_id
