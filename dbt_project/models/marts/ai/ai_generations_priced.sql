-- Every generation priced from the seeds: tokens and images x the price row valid on
-- the generation's brand-local day. Rebuilding after a price change re-prices history.
-- Only completed generations cost money; failed and rejected ones cost 0. Rounded to
-- 8 decimals like the job's own cost (brandpulse/ai/catalog.py). A generation served by a
-- fallback model is priced with that model (served_model), as the job charged it.
with generations as (
    select * from {{ ref('stg_ai__generations') }}
),

prices as (
    select
        model,
        valid_from,
        lead(valid_from) over (partition by model order by valid_from) as valid_to,
        usd_per_1k_input_tokens,
        usd_per_1k_output_tokens,
        usd_per_image
    from {{ ref('ai_model_prices') }}
)

select
    g.generation_id,
    g.brand_id,
    g.request_id,
    g.generation_day as day,
    cast({{ dbt.date_trunc('month', 'g.generation_day') }} as date) as month,
    g.model,
    g.served_model,
    g.provider,
    g.type,
    g.status,
    g.reason_code,
    g.version,
    g.root_generation_id,
    g.collection_id,
    g.input_tokens,
    g.output_tokens,
    g.images,
    g.latency_ms,
    g.attempts,
    p.valid_from as price_valid_from,
    cast(round(
        case
            when g.status <> 'completed' then 0
            else g.input_tokens / 1000.0 * coalesce(p.usd_per_1k_input_tokens, 0)
                + g.output_tokens / 1000.0 * coalesce(p.usd_per_1k_output_tokens, 0)
                + g.images * coalesce(p.usd_per_image, 0)
        end, 8) as double
    ) as cost_usd,
    g.recorded_cost_usd
from generations as g
left join prices as p
    on p.model = coalesce(g.served_model, g.model)
    and g.generation_day >= p.valid_from
    and (p.valid_to is null or g.generation_day < p.valid_to)
