-- Every funnel definition by name: the valid ones with their order, window, steps and
-- exclusions, and the ones rejected at ingest (status 'invalid', with the reason).
-- status 'deleted' when the app soft-deleted it (deleted_at set).
{{ config(contract={'enforced': true}) }}

with valid as (
    select f.*, r.definition
    from {{ ref('stg_raw__funnels') }} as f
    left join {{ source('raw', 'funnels') }} as r
        on r.brand_id = f.brand_id and r.funnel_id = f.funnel_id
),

exclusions as (
    select brand_id, funnel_id, count(*) as exclusions
    from {{ ref('stg_raw__funnel_exclusions') }}
    group by brand_id, funnel_id
),

invalid as (
    {{ core_invalid_definitions('funnels', ref('stg_raw__funnels'), 'funnel_id') }}
),

catalog as (
    select
        v.brand_id,
        v.funnel_id,
        v.funnel_name,
        v.funnel_order,
        v.window_seconds,
        v.step_count,
        coalesce(x.exclusions, 0) as exclusions,
        {{ core_definition_deleted_at('v.definition') }} as deleted_at,
        cast(null as {{ text_type() }}) as invalid_reason
    from valid as v
    left join exclusions as x on x.brand_id = v.brand_id and x.funnel_id = v.funnel_id

    union all

    select
        brand_id, definition_id, definition_name, cast(null as {{ text_type() }}), cast(null as bigint),
        cast(null as integer), cast(null as bigint), cast(null as timestamp), reason
    from invalid
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(funnel_id as {{ text_type() }}) as funnel_id,
    cast(funnel_name as {{ text_type() }}) as funnel_name,
    cast(case
        when invalid_reason is not null then 'invalid'
        when deleted_at is not null then 'deleted'
        else 'active'
    end as {{ text_type() }}) as status,
    cast(funnel_order as {{ text_type() }}) as funnel_order,
    cast(window_seconds as bigint) as window_seconds,
    cast(step_count as integer) as step_count,
    cast(exclusions as bigint) as exclusions,
    cast(deleted_at as timestamp) as deleted_at,
    cast(invalid_reason as {{ text_type() }}) as invalid_reason
from catalog
