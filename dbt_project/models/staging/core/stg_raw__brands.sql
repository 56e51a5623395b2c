-- One row per brand: the newest loaded snapshot row wins (brands arrive as full
-- snapshots; a reload must not duplicate a brand). Missing timezone falls back to UTC.
with ranked as (
    select
        *,
        row_number() over (
            partition by brand_id
            order by _loaded_at desc nulls last, _source_file desc nulls last, _line desc nulls last
        ) as _rn
    from {{ source('raw', 'brands') }}
)

select
    brand_id,
    name as brand_name,
    coalesce(nullif(timezone, ''), 'UTC') as timezone,
    upper(currency) as currency,
    plan,
    cast(ai_monthly_budget_usd as double) as ai_monthly_budget_usd,
    ai_daily_generation_quota,
    cast(created_at as timestamp) as created_at,
    _loaded_at
from ranked
where _rn = 1
