-- One row per brand: its name, timezone (every day in the marts is a day in it),
-- currency (every revenue column of the brand is in it), plan, AI budget and quota,
-- and the span of its data.
{{ config(contract={'enforced': true}) }}

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(brand_name as {{ text_type() }}) as brand_name,
    cast(timezone as {{ text_type() }}) as timezone,
    cast(currency as {{ text_type() }}) as currency,
    cast(plan as {{ text_type() }}) as plan,
    cast(ai_monthly_budget_usd as double) as ai_monthly_budget_usd,
    cast(ai_daily_generation_quota as integer) as ai_daily_generation_quota,
    cast(created_at as timestamp) as created_at,
    cast(first_event_day as date) as first_event_day,
    cast(last_event_day as date) as last_event_day,
    cast(events as bigint) as events,
    cast(persons as bigint) as persons
from {{ ref('int_brands') }}
