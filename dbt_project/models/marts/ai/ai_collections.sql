-- AI Studio collections: what each collection holds, its version chains and its cost.
select
    brand_id,
    collection_id,
    cast(count(*) as bigint) as generations,
    cast(sum(case when status = 'completed' then 1 else 0 end) as bigint) as completed,
    cast(count(distinct root_generation_id) as bigint) as version_chains,
    cast(max(version) as integer) as max_version,
    cast(sum(cost_usd) as double) as cost_usd,
    min(day) as first_day,
    max(day) as last_day
from {{ ref('ai_generations_priced') }}
where collection_id is not null
group by brand_id, collection_id
