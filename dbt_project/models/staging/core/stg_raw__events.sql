-- Typed product events with the context object flattened into columns.
-- raw.events already holds one row per (brand_id, event_id) and UTC occurred_at.
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
from {{ source('raw', 'events') }}
