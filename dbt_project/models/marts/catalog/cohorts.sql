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
        cast(null as varchar) as invalid_reason
    from valid

    union all

    select
        brand_id, definition_id, definition_name, cast(null as varchar), cast(null as varchar),
        cast(null as varchar), cast(null as varchar), cast(null as integer),
        cast(null as timestamp), reason
    from invalid
)

select
    cast(brand_id as varchar) as brand_id,
    cast(cohort_id as varchar) as cohort_id,
    cast(cohort_name as varchar) as cohort_name,
    cast(case
        when invalid_reason is not null then 'invalid'
        when deleted_at is not null then 'deleted'
        else 'active'
    end as varchar) as status,
    cast(start_event as varchar) as start_event,
    cast(return_event as varchar) as return_event,
    cast(grain as varchar) as grain,
    cast(kind as varchar) as kind,
    cast(periods as integer) as periods,
    cast(deleted_at as timestamp) as deleted_at,
    cast(invalid_reason as varchar) as invalid_reason
from catalog
