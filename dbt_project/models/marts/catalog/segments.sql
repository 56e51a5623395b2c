-- Every segment definition by name: the valid ones with their rule tree (JSON text)
-- and current size, and the ones rejected at ingest (status 'invalid', with the reason).
{{ config(contract={'enforced': true}) }}

with valid as (
    select * from {{ ref('stg_raw__segments') }}
),

sizes as (
    select brand_id, segment_id, count(*) as persons
    from {{ ref('person_segments') }}
    group by brand_id, segment_id
),

invalid as (
    {{ core_invalid_definitions('segments', ref('stg_raw__segments'), 'segment_id') }}
),

catalog as (
    select
        v.brand_id, v.segment_id, v.segment_name, cast(v.rules as {{ text_type() }}) as rules,
        coalesce(s.persons, 0) as persons,
        {{ core_definition_deleted_at('v.definition') }} as deleted_at,
        cast(null as {{ text_type() }}) as invalid_reason
    from valid as v
    left join sizes as s on s.brand_id = v.brand_id and s.segment_id = v.segment_id

    union all

    select
        brand_id, definition_id, definition_name, cast(null as {{ text_type() }}), cast(null as bigint),
        cast(null as timestamp), reason
    from invalid
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(segment_id as {{ text_type() }}) as segment_id,
    cast(segment_name as {{ text_type() }}) as segment_name,
    cast(case
        when invalid_reason is not null then 'invalid'
        when deleted_at is not null then 'deleted'
        else 'active'
    end as {{ text_type() }}) as status,
    cast(rules as {{ text_type() }}) as rules,
    cast(persons as bigint) as persons,
    cast(deleted_at as timestamp) as deleted_at,
    cast(invalid_reason as {{ text_type() }}) as invalid_reason
from catalog
