{#-
  One row per session (given session_id, or derived in int_events_resolved).
  Incremental over changed sessions (int_changed_keys): a run recomputes the sessions
  listed since the change set it consumed, and the changed_keys strategy replaces their
  rows (a session left without events, e.g. a derived session renamed after an identity
  merge or a late event, just loses them). int_events_resolved rebuilds a session's events
  together, so a changed session's current events are all among the rows it wrote since the
  consumed change set (`_processed_at` after it): only those are read, a range the scan
  filters on, not a join probed by every event. When the change set says "every key"
  (int_events_resolved built from scratch since), every row is read.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='changed_keys',
        changed_key='session_id',
        on_schema_change='append_new_columns',
    )
}}

with watermark as (
    {{ core_events_watermark() }}
),

{% if is_incremental() %}
changed as (
    {{ changed_keys('session_id') }}
),
{% endif %}

{% if is_incremental() %}
-- rows written after the consumed change set (every row after a build from scratch)
written_after as (
    select
        case
            when {{ changed_every_key() }} then cast('-infinity' as timestamp)
            else ({{ core_consumed_watermark() }})
        end as stamp
),
{% endif %}

source_events as (
    select e.*
    from {{ ref('int_events_resolved') }} as e
    {%- if is_incremental() %}
    inner join changed as k on k.brand_id = e.brand_id and k.session_id = e.session_id
    where e._processed_at > (select a.stamp from written_after as a)
    {%- endif %}
),

{%- set event_order = ['occurred_at', 'event_id'] %}

sessions as (
    select
        brand_id,
        session_id,
        {{ core_value_by('min', 'person_id', event_order) }} as person_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        {{ core_value_by('min', 'event_day', event_order) }} as session_day,
        {{ seconds_between('min(occurred_at)', 'max(occurred_at)') }} as duration_seconds,
        count(*) as events,
        sum(case when revenue > 0 then 1 else 0 end) as orders,
        coalesce(sum(revenue), 0) as revenue,
        bool_or(is_derived_session) as is_derived,
        {{ core_value_by('min', 'page_url', event_order) }} as landing_page_url,
        {{ core_value_by('max', 'page_url', event_order, 'page_url is not null') }} as exit_page_url,
        {{ core_value_by('min', 'referrer', event_order) }} as referrer,
        {{ core_value_by('min', 'utm_source', event_order) }} as utm_source,
        {{ core_value_by('min', 'utm_medium', event_order) }} as utm_medium,
        {{ core_value_by('min', 'utm_campaign', event_order) }} as utm_campaign,
        {{ core_value_by('min', 'country', event_order) }} as country,
        {{ core_value_by('min', 'device', event_order) }} as device
    from source_events
    group by brand_id, session_id
)

select
    s.*,
    w.events_watermark as _events_watermark
from sessions as s
cross join watermark as w
