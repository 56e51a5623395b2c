-- Definitions (funnels, cohorts, segments) rejected at ingest, reported by id and
-- name where the raw text still parses as JSON, with the reason.
{{ config(contract={'enforced': true}) }}

with rejected as (
    select *
    from {{ source('raw', 'rejected_rows') }}
    where source in ('funnels', 'cohorts', 'segments')
)

select
    cast(coalesce(brand_id, {{ try_json_text('raw', 'brand_id') }}) as varchar) as brand_id,
    cast(source as varchar) as source,
    cast(case source
        when 'funnels' then {{ try_json_text('raw', 'funnel_id') }}
        when 'cohorts' then {{ try_json_text('raw', 'cohort_id') }}
        when 'segments' then {{ try_json_text('raw', 'segment_id') }}
    end as varchar) as definition_id,
    cast({{ try_json_text('raw', 'name') }} as varchar) as definition_name,
    cast(reason as varchar) as reason,
    cast(trim({{ dbt.split_part('reason', "':'", 1) }}) as varchar) as reason_code,
    cast(file as varchar) as file,
    cast(line as bigint) as line,
    cast(rejected_at as timestamp) as rejected_at,
    cast(raw as varchar) as raw
from rejected
