-- AI generations per brand, brand-local day and model: outcomes, tokens, re-priced cost
-- and latency percentiles (of completed generations).
select
    brand_id,
    day,
    model,
    cast(count(*) as bigint) as requests,
    cast(sum(case when status = 'completed' then 1 else 0 end) as bigint) as succeeded,
    cast(sum(case when status = 'failed' then 1 else 0 end) as bigint) as failed,
    cast(sum(case when status = 'rejected' then 1 else 0 end) as bigint) as rejected,
    cast(sum(case when status in ('pending', 'processing') then 1 else 0 end) as bigint) as in_progress,
    cast(sum(case when status = 'cancelled' then 1 else 0 end) as bigint) as cancelled,
    cast(sum(input_tokens) as bigint) as input_tokens,
    cast(sum(output_tokens) as bigint) as output_tokens,
    cast(sum(images) as bigint) as images,
    cast(sum(attempts) as bigint) as attempts,
    cast(round(sum(cost_usd), 8) as double) as cost_usd,
    cast(round(percentile_cont(0.5) within group (order by case when status = 'completed' then latency_ms end), 3) as double) as latency_p50_ms,
    cast(round(percentile_cont(0.95) within group (order by case when status = 'completed' then latency_ms end), 3) as double) as latency_p95_ms
from {{ ref('ai_generations_priced') }}
group by brand_id, day, model
