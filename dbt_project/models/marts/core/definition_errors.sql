-- Definitions (funnels, cohorts, segments) rejected at ingest, reported by id and
-- name where the raw text still parses as JSON, with the reason.
{{ config(contract={'enforced': true}) }}

with rejected as (
    select *
    from {{ source('raw', 'rejected_rows') }}
    where source in ('funnels', 'cohorts', 'segments')
)

select
    cast(coalesce(brand_id, {{ try_json_text('raw', 'brand_id') }}) as {{ text_type() }}) as brand_id,
    cast(source as {{ text_type() }}) as source,
    cast(case source
        when 'funnels' then {{ try_json_text('raw', 'funnel_id') }}
        when 'cohorts' then {{ try_json_text('raw', 'cohort_id') }}
        when 'segments' then {{ try_json_text('raw', 'segment_id') }}
    end as {{ text_type() }}) as definition_id,
    cast({{ try_json_text('raw', 'name') }} as {{ text_type() }}) as definition_name,
    cast(reason as {{ text_type() }}) as reason,
    cast(trim({{ dbt.split_part('reason', "':'", 1) }}) as {{ text_type() }}) as reason_code,
    cast(file as {{ text_type() }}) as file,
    cast(line as bigint) as line,
    cast(rejected_at as timestamp) as rejected_at,
    cast(raw as {{ text_type() }}) as raw
from rejected
