-- Provider attempts per brand, model and error type ('none' = success), with the share
-- of the model's attempts each error type accounts for.
with attempts as (
    select a.brand_id, g.model, a.error_type, a.generation_id
    from {{ ref('stg_ai__generation_attempts') }} as a
    inner join {{ ref('stg_ai__generations') }} as g on g.generation_id = a.generation_id
),

by_type as (
    select
        brand_id,
        model,
        error_type,
        count(*) as attempts,
        count(distinct generation_id) as generations_affected
    from attempts
    group by brand_id, model, error_type
)

select
    brand_id,
    model,
    error_type,
    error_type <> 'none' as is_error,
    cast(attempts as bigint) as attempts,
    cast(generations_affected as bigint) as generations_affected,
    cast(sum(attempts) over (partition by brand_id, model) as bigint) as model_attempts,
    cast(attempts * 1.0 / sum(attempts) over (partition by brand_id, model) as double) as attempt_share
from by_type
