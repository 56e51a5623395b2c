{#- The typed event row of stg_raw__events, read from `relation` (raw.events or a
    subset of its rows with the same columns). One definition for the staging view
    and for int_events_resolved's incremental path, which stages only the rows it
    rebuilds: flattening the context JSON of every event is the expensive part. -#}
{% macro core_stage_events(relation) -%}
select
    brand_id,
    event_id,
    event_name,
    cast(occurred_at as timestamp) as occurred_at,
    nullif(anonymous_id, '') as anonymous_id,
    nullif(user_id, '') as user_id,
    nullif(session_id, '') as session_id,
    properties,
    cast(revenue as double) as revenue,
    upper(currency) as currency,
    {{ json_text('context', 'page_url') }} as page_url,
    {{ json_text('context', 'referrer') }} as referrer,
    {{ json_text('context', 'utm_source') }} as utm_source,
    {{ json_text('context', 'utm_medium') }} as utm_medium,
    {{ json_text('context', 'utm_campaign') }} as utm_campaign,
    {{ json_text('context', 'country') }} as country,
    {{ json_text('context', 'device') }} as device,
    {{ json_text('context', 'os') }} as os,
    {{ json_text('context', 'browser') }} as browser,
    _partition_date,
    _source_file,
    _line,
    _loaded_at
from {{ relation }}
{%- endmacro %}
