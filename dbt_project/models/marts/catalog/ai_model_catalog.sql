-- marts.ai_models (the seed of that name is the raw catalog): the AI Studio model
-- catalog with the prices in force on the day the warehouse was built (ai_model_prices: the latest row with valid_from <= that day) and the per-model
-- limits. Shared by every brand (no brand_id): brand-scoped query sessions include it.
{{ config(alias='ai_models', contract={'enforced': true}) }}

with models as (
    select * from {{ ref('ai_models') }}
),

prices as (
    select
        model, valid_from, usd_per_1k_input_tokens, usd_per_1k_output_tokens, usd_per_image,
        row_number() over (partition by model order by valid_from desc) as _rn
    from {{ ref('ai_model_prices') }}
    where valid_from <= current_date
),

limits as (
    select * from {{ ref('ai_model_limits') }}
)

select
    cast(m.model as {{ text_type() }}) as model,
    cast(m.provider as {{ text_type() }}) as provider,
    cast(m.type as {{ text_type() }}) as model_type,
    cast(m.context_window as integer) as context_window,
    cast(m.max_output_tokens as integer) as max_output_tokens,
    cast(m.description as {{ text_type() }}) as description,
    cast(p.usd_per_1k_input_tokens as double) as usd_per_1k_input_tokens,
    cast(p.usd_per_1k_output_tokens as double) as usd_per_1k_output_tokens,
    cast(p.usd_per_image as double) as usd_per_image,
    cast(p.valid_from as date) as price_valid_from,
    cast(l.max_generations_per_brand_day as integer) as max_generations_per_brand_day,
    cast(l.max_usd_per_brand_month as double) as max_usd_per_brand_month,
    cast(current_date as date) as priced_on
from models as m
left join prices as p on p.model = m.model and p._rn = 1
left join limits as l on l.model = m.model
