-- Every cohort definition by name: the valid ones with their events, grain, kind and
-- periods, and the ones rejected at ingest (status 'invalid', with the reason).
{{ config(contract={'enforced': true}) }}

with valid as (
    select * from {{ ref('stg_raw__cohorts') }}
),

invalid as (
    {{ core_invalid_definitions('cohorts', ref('stg_raw__cohorts'), 'cohort_id') }}
),

catalog as (
    select
        brand_id, cohort_id, cohort_name, start_event, return_event, grain, kind, periods,
        {{ core_definition_deleted_at('definition') }} as deleted_at,
        cast(null as {{ text_type() }}) as invalid_reason
    from valid

    union all

    select
        brand_id, definition_id, definition_name, cast(null as {{ text_type() }}), cast(null as {{ text_type() }}),
        cast(null as {{ text_type() }}), cast(null as {{ text_type() }}), cast(null as integer),
        cast(null as timestamp), reason
    from invalid
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(cohort_id as {{ text_type() }}) as cohort_id,
    cast(cohort_name as {{ text_type() }}) as cohort_name,
    cast(case
        when invalid_reason is not null then 'invalid'
        when deleted_at is not null then 'deleted'
        else 'active'
    end as {{ text_type() }}) as status,
    cast(start_event as {{ text_type() }}) as start_event,
    cast(return_event as {{ text_type() }}) as return_event,
    cast(grain as {{ text_type() }}) as grain,
    cast(kind as {{ text_type() }}) as kind,
    cast(periods as integer) as periods,
    cast(deleted_at as timestamp) as deleted_at,
    cast(invalid_reason as {{ text_type() }}) as invalid_reason
from catalog
