-- Latency distribution of completed generations per brand, model and type.
select
    brand_id,
    model,
    type,
    cast(count(*) as bigint) as generations,
    cast(round(percentile_cont(0.5) within group (order by latency_ms), 3) as double) as latency_p50_ms,
    cast(round(percentile_cont(0.9) within group (order by latency_ms), 3) as double) as latency_p90_ms,
    cast(round(percentile_cont(0.95) within group (order by latency_ms), 3) as double) as latency_p95_ms,
    cast(round(percentile_cont(0.99) within group (order by latency_ms), 3) as double) as latency_p99_ms,
    cast(max(latency_ms) as bigint) as latency_max_ms
from {{ ref('ai_generations_priced') }}
where status = 'completed' and latency_ms is not null
group by brand_id, model, type
