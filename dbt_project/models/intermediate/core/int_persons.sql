{#-
  One row per resolved person: first/last seen, signup, first purchase, latest
  country and first-touch acquisition (utm_source of the person's first event that
  has one, else 'direct'; medium and campaign from that same event), and the plan
  of the person's latest event whose properties carry one.

  Incremental over changed persons (int_changed_keys): a run recomputes them from all
  their events and sessions, and the changed_keys strategy replaces their rows (a person
  that no longer exists, e.g. an anonymous person merged into a user, just loses them).
  A person's row depends only on their own events and the sessions they own
  (int_events_resolved rebuilds every event of a given session with a changed event, so
  a change of a session's owner lists both persons).
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='changed_keys',
        changed_key='person_id',
        on_schema_change='append_new_columns',
    )
}}

with watermark as (
    {{ core_events_watermark() }}
),

{% if is_incremental() %}
changed as (
    {{ changed_keys('person_id') }}
),
{% endif %}

events as (
    select e.*, {{ json_text('e.properties', 'plan') }} as plan
    from {{ ref('int_events_resolved') }} as e
    {%- if is_incremental() %}
    inner join changed as t on t.brand_id = e.brand_id and t.person_id = e.person_id
    {%- endif %}
),

sessions as (
    select s.brand_id, s.person_id, count(*) as sessions
    from {{ ref('int_sessions') }} as s
    {%- if is_incremental() %}
    inner join changed as t on t.brand_id = s.brand_id and t.person_id = s.person_id
    {%- endif %}
    group by s.brand_id, s.person_id
),

{%- set event_order = ['r.occurred_at', 'r.event_id'] %}

persons as (
    select
        r.brand_id,
        r.person_id,
        min(r.occurred_at) as first_seen_at,
        min(r.event_day) as first_seen_day,
        max(r.occurred_at) as last_seen_at,
        max(r.event_day) as last_seen_day,
        min(case when r.event_name = 'signup' then r.occurred_at end) as signup_at,
        min(case when r.revenue > 0 then r.occurred_at end) as first_purchase_at,
        {{ core_value_by('max', 'r.country', event_order, 'r.country is not null') }} as country,
        coalesce(
            {{ core_value_by('min', 'r.utm_source', event_order, 'r.utm_source is not null') }}, 'direct'
        ) as acquisition_channel,
        {{ core_value_by('min', 'r.utm_medium', event_order, 'r.utm_source is not null') }} as utm_medium,
        {{ core_value_by('min', 'r.utm_campaign', event_order, 'r.utm_source is not null') }} as utm_campaign,
        max(r.user_id) is not null as is_identified,
        count(distinct r.anonymous_id) as anonymous_ids,
        count(*) as events,
        coalesce(max(s.sessions), 0) as sessions,
        sum(case when r.revenue > 0 then 1 else 0 end) as orders,
        coalesce(sum(r.revenue), 0) as revenue,
        {{ core_value_by('max', 'r.plan', event_order, 'r.plan is not null') }} as plan
    from events as r
    left join sessions as s
        on s.brand_id = r.brand_id and s.person_id = r.person_id
    group by r.brand_id, r.person_id
)

select
    p.*,
    w.events_watermark as _events_watermark
from persons as p
cross join watermark as w
