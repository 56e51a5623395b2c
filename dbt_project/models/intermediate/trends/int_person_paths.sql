{#-
  One row per person and session path they own: every prefix (1 to 4 events) of the first
  four events of the person's sessions (ordered by occurred_at, event_id), as 'a > b > c',
  with how many of their sessions followed it and how many ended right there. A session
  belongs to the person of its first event (as int_sessions.person_id). marts.top_paths adds
  these rows up per brand and path: a person is one row, so its distinct persons are a count.

  Incremental over changed persons (int_changed_keys), like int_persons, and the
  changed_keys strategy replaces their rows. A changed person whose changed sessions hold
  only their own events and whose stored events stayed theirs (int_session_event_deltas:
  e.g. appended events that grow their last session or start new ones) is continued:
  stored rows, minus the paths of their changed sessions as stored, plus those sessions'
  paths now. Every other changed person is recomputed from every session they own (read
  from the sessions their events are in); int_events_resolved rebuilds all events of a
  session whose events change (the persons of those events, its old and new owner among
  them, are listed).
-#}
-- depends_on: {{ ref('int_session_event_deltas') }}
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
{{ trend_continued_scope() }}

-- every session a recomputed person owns has an event of theirs
touched_sessions as (
    select distinct e.brand_id, e.session_id
    from {{ ref('int_events_resolved') }} as e
    inner join recomputed as t on t.brand_id = e.brand_id and t.person_id = e.person_id
),
{% endif %}

events as (
    select e.brand_id, e.session_id, e.person_id, e.event_id, e.event_name, e.occurred_at
    from {{ ref('int_events_resolved') }} as e
    {%- if is_incremental() %}
    inner join touched_sessions as s on s.brand_id = e.brand_id and s.session_id = e.session_id
    {%- endif %}
),

numbered as (
    select
        brand_id,
        session_id,
        person_id,
        event_name,
        row_number() over (partition by brand_id, session_id order by occurred_at, event_id) as rn,
        count(*) over (partition by brand_id, session_id) as session_events
    from events
),

-- the owner is the person of the first event (as in int_sessions)
sessions as (
    select
        brand_id,
        max(case when rn = 1 then person_id end) as person_id,
        max(session_events) as session_events,
        max(case when rn = 1 then event_name end) as e1,
        max(case when rn = 2 then event_name end) as e2,
        max(case when rn = 3 then event_name end) as e3,
        max(case when rn = 4 then event_name end) as e4
    from numbered
    where rn <= 4
    group by brand_id, session_id
),

owned_sessions as (
    select s.brand_id, s.person_id, s.session_events, s.e1, s.e2, s.e3, s.e4, 1 as sign
    from sessions as s
    {%- if is_incremental() %}
    where exists (
        select 1 from recomputed as t
        where t.brand_id = s.brand_id and t.person_id = s.person_id
    )

    union all

    -- the continued persons' changed sessions, as stored (sign -1) and now (+1)
    select
        brand_id,
        max(person_id),
        count(*),
        max(case when rn = 1 then event_name end),
        max(case when rn = 2 then event_name end),
        max(case when rn = 3 then event_name end),
        max(case when rn = 4 then event_name end),
        sign
    from (
        select
            *,
            row_number() over (
                partition by brand_id, sign, session_key order by occurred_at, event_id
            ) as rn
        from deltas
    ) as d
    group by brand_id, sign, session_key
    {%- endif %}
),

prefixes as (
    select brand_id, person_id, session_events, sign, 1 as path_length, e1 as path,
        cast(null as {{ text_type() }}) as parent_path
    from owned_sessions
    union all
    select brand_id, person_id, session_events, sign, 2, e1 || {{ sep }} || e2, e1
    from owned_sessions
    where e2 is not null
    union all
    select brand_id, person_id, session_events, sign, 3,
        e1 || {{ sep }} || e2 || {{ sep }} || e3, e1 || {{ sep }} || e2
    from owned_sessions
    where e3 is not null
    union all
    select brand_id, person_id, session_events, sign, 4,
        e1 || {{ sep }} || e2 || {{ sep }} || e3 || {{ sep }} || e4,
        e1 || {{ sep }} || e2 || {{ sep }} || e3
    from owned_sessions
    where e4 is not null
)

{%- if is_incremental() %},

counted as (
    select
        brand_id,
        person_id,
        path_length,
        path,
        parent_path,
        sign as sessions,
        case when session_events = path_length then sign else 0 end as ended
    from prefixes
    union all
    select s.brand_id, s.person_id, s.path_length, s.path, s.parent_path, s.sessions, s.ended
    from {{ this }} as s
    inner join continued as c on c.brand_id = s.brand_id and c.person_id = s.person_id
)

select
    p.brand_id,
    p.person_id,
    p.path_length,
    p.path,
    max(p.parent_path) as parent_path,
    cast(sum(p.sessions) as bigint) as sessions,
    cast(sum(p.ended) as bigint) as ended,
    w.events_watermark as _events_watermark
from counted as p
cross join watermark as w
group by p.brand_id, p.person_id, p.path_length, p.path, w.events_watermark
having sum(p.sessions) > 0

{%- else %}

select
    p.brand_id,
    p.person_id,
    p.path_length,
    p.path,
    max(p.parent_path) as parent_path,
    count(*) as sessions,
    -- bigint, not the hugeint a sum of integers gives: the day run reads these rows back for
    -- the continued persons, and a hugeint column costs ~0.9 s of CPU to scan at 10M events
    cast(sum(case when p.session_events = p.path_length then 1 else 0 end) as bigint) as ended,
    w.events_watermark as _events_watermark
from prefixes as p
cross join watermark as w
group by p.brand_id, p.person_id, p.path_length, p.path, w.events_watermark

{%- endif %}
