-- One row per AI generation as the generation job recorded it, with the brand's
-- timezone and the generation's brand-local day/month (from requested_at): the day
-- that drives pricing, quotas and the AI marts.
with generations as (
    select * from {{ source('ai', 'generations') }}
),

brands as (
    select brand_id, timezone from {{ ref('stg_raw__brands') }}
)

select
    g.generation_id,
    g.request_id,
    g.brand_id,
    g.user_id,
    g.type,
    g.model,
    coalesce(g.served_model, g.model) as served_model,
    g.provider,
    g.status,
    g.status_reason,
    case when g.status_reason is null then null else trim({{ dbt.split_part('g.status_reason', "':'", 1) }}) end as reason_code,
    cast(g.version as integer) as version,
    g.parent_generation_id,
    coalesce(g.root_generation_id, g.generation_id) as root_generation_id,
    g.collection_id,
    g.prompt,
    g.optimized_prompt,
    g.optimized_prompt is not null as prompt_optimized,
    g.output,
    cast(coalesce(g.input_tokens, 0) as bigint) as input_tokens,
    cast(coalesce(g.output_tokens, 0) as bigint) as output_tokens,
    cast(coalesce(g.images, 0) as bigint) as images,
    cast(g.cost_usd as double) as recorded_cost_usd,
    cast(g.latency_ms as bigint) as latency_ms,
    cast(g.attempts as integer) as attempts,
    coalesce(g.requested_at, g.created_at) as requested_at,
    g.created_at,
    g.completed_at,
    coalesce(b.timezone, 'UTC') as timezone,
    {{ brand_day('coalesce(g.requested_at, g.created_at)', "coalesce(b.timezone, 'UTC')") }} as generation_day,
    g._partition_date
from generations as g
left join brands as b on b.brand_id = g.brand_id
