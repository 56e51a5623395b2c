{#-
  One row per person and session path they own: every prefix (1 to 4 events) of the first
  four events of the person's sessions (ordered by occurred_at, event_id), as 'a > b > c',
  with how many of their sessions followed it and how many ended right there. A session
  belongs to the person of its first event (int_sessions.person_id). marts.top_paths adds
  these rows up per brand and path: a person is one row, so its distinct persons are a count.

  Incremental over changed persons (int_changed_keys), like int_persons: a run recomputes
  the paths of every session the changed persons own, and the changed_keys strategy
  replaces their rows. int_events_resolved rebuilds all events of a session whose events
  change (the persons of those events, its old and new owner among them, are listed), so a
  person's sessions are all there is to read.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='changed_keys',
        changed_key='person_id',
        on_schema_change='append_new_columns',
    )
}}

{%- set sep = "' > '" %}

with watermark as (
    {{ core_events_watermark() }}
),

{% if is_incremental() %}
changed as (
    {{ changed_keys('person_id') }}
),
{% endif %}

owned_sessions as (
    select s.brand_id, s.session_id, s.person_id, s.events as session_events
    from {{ ref('int_sessions') }} as s
    {%- if is_incremental() %}
    inner join changed as t on t.brand_id = s.brand_id and t.person_id = s.person_id
    {%- endif %}
),

events as (
    select e.brand_id, e.session_id, e.event_id, e.event_name, e.occurred_at
    from {{ ref('int_events_resolved') }} as e
    {%- if is_incremental() %}
    inner join owned_sessions as o on o.brand_id = e.brand_id and o.session_id = e.session_id
    {%- endif %}
),

numbered as (
    select
        brand_id,
        session_id,
        event_name,
        row_number() over (partition by brand_id, session_id order by occurred_at, event_id) as rn
    from events
),

sessions as (
    select
        o.brand_id,
        o.person_id,
        o.session_events,
        max(case when f.rn = 1 then f.event_name end) as e1,
        max(case when f.rn = 2 then f.event_name end) as e2,
        max(case when f.rn = 3 then f.event_name end) as e3,
        max(case when f.rn = 4 then f.event_name end) as e4
    from numbered as f
    inner join owned_sessions as o on o.brand_id = f.brand_id and o.session_id = f.session_id
    where f.rn <= 4
    group by o.brand_id, o.session_id, o.person_id, o.session_events
),

prefixes as (
    select brand_id, person_id, session_events, 1 as path_length, e1 as path,
        cast(null as {{ text_type() }}) as parent_path
    from sessions
    union all
    select brand_id, person_id, session_events, 2, e1 || {{ sep }} || e2, e1
    from sessions
    where e2 is not null
    union all
    select brand_id, person_id, session_events, 3,
        e1 || {{ sep }} || e2 || {{ sep }} || e3, e1 || {{ sep }} || e2
    from sessions
    where e3 is not null
    union all
    select brand_id, person_id, session_events, 4,
        e1 || {{ sep }} || e2 || {{ sep }} || e3 || {{ sep }} || e4,
        e1 || {{ sep }} || e2 || {{ sep }} || e3
    from sessions
    where e4 is not null
)

select
    p.brand_id,
    p.person_id,
    p.path_length,
    p.path,
    max(p.parent_path) as parent_path,
    count(*) as sessions,
    sum(case when p.session_events = p.path_length then 1 else 0 end) as ended,
    w.events_watermark as _events_watermark
from prefixes as p
cross join watermark as w
group by p.brand_id, p.person_id, p.path_length, p.path, w.events_watermark
