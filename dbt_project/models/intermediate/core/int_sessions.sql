{#-
  One row per session (given session_id, or derived in int_events_resolved).
  Incremental over touched sessions: a run recomputes the sessions with an event
  stamped (`_processed_at`) after the watermark this table has consumed, and appends
  them; the post-hook deletes the replaced rows and the sessions that no longer exist
  (a derived session renamed after an identity merge or a late event). A session's
  events are always (re)built together by int_events_resolved (every event of a given
  session_id that gains, loses or moves events; a person's derived sessions from one
  session start on), so the events stamped after the watermark hold every event of
  the touched sessions: only they are read. See macros/core/incremental.sql.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        post_hook="{{ core_delete_stale_rows('session_id') }}",
    )
}}

{%- set incremental = core_has_watermark() %}

with watermark as (
    {{ core_events_watermark() }}
),

-- every event of a touched session is stamped after the watermark (see above)
source_events as (
    select e.*
    from {{ ref('int_events_resolved') }} as e
    {%- if incremental %}
    where e._processed_at > ({{ core_consumed_watermark() }})
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
