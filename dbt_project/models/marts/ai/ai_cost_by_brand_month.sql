-- AI spend per brand and brand-local month against the brand's monthly budget.
with spend as (
    select
        brand_id,
        month,
        count(*) as requests,
        sum(case when status = 'completed' then 1 else 0 end) as succeeded,
        sum(case when status = 'rejected' and reason_code in ('budget_exceeded', 'model_budget_exceeded') then 1 else 0 end)
            as rejected_for_budget,
        sum(cost_usd) as cost_usd
    from {{ ref('ai_generations_priced') }}
    group by brand_id, month
)

select
    s.brand_id,
    s.month,
    cast(s.requests as bigint) as requests,
    cast(s.succeeded as bigint) as succeeded,
    cast(s.rejected_for_budget as bigint) as rejected_for_budget,
    cast(s.cost_usd as double) as cost_usd,
    cast(b.ai_monthly_budget_usd as double) as budget_usd,
    cast(case when b.ai_monthly_budget_usd > 0 then s.cost_usd / b.ai_monthly_budget_usd end as double) as budget_used_ratio,
    cast(b.ai_monthly_budget_usd - s.cost_usd as double) as budget_remaining_usd,
    coalesce(s.cost_usd > b.ai_monthly_budget_usd, false) as over_budget
from spend as s
left join {{ ref('stg_raw__brands') }} as b on b.brand_id = s.brand_id
