{#-
  Persons that gain events in this run (admitted by int_event_raw_changes, resolved with
  the current identity map), with the time from which their stored derived events are
  rebuilt (int_event_changes). A new event can only change a person's derived sessions
  from the one before it on: an earlier session keeps its start, so its id. So the
  rebuild starts at the last stored derived session that begins before the earliest new
  event without session_id (`rebuild_from`; NULL: none begins before it, all of them);
  that first rebuilt event starts a session before and after, and the gaps are worked
  out from it on. Persons whose new events all carry a session_id are not listed (their
  derived sessions do not change). Empty when int_events_resolved is built from scratch.
-#}
{{ config(materialized='table', tags=['partitioned']) }}

{%- set stored = core_previous_events() %}

with raw_changes as (
    select * from {{ ref('int_event_raw_changes') }}
),

identity_map as (
    select brand_id, anonymous_id, person_id from {{ ref('int_identity_map') }}
),

appended as (
    select
        c.brand_id,
        coalesce(c.user_id, m.person_id, c.anonymous_id) as person_id,
        min(case when c.session_id is null then c.occurred_at end) as first_new_at
    from raw_changes as c
    left join identity_map as m
        on m.brand_id = c.brand_id and m.anonymous_id = c.anonymous_id
    where c.is_admitted
    group by 1, 2
    having min(case when c.session_id is null then c.occurred_at end) is not null
),

{%- if stored is none %}

derived_sessions as (
    select brand_id, person_id, cast(null as timestamp) as started_at
    from appended
    where false
)

{%- else %}

derived_sessions as (
    select t.brand_id, t.person_id, min(t.occurred_at) as started_at
    from {{ stored }} as t
    inner join appended as p
        on p.brand_id = t.brand_id and p.person_id = t.person_id
    where t.is_derived_session
    group by t.brand_id, t.person_id, t.session_id
)

{%- endif %}

select
    p.brand_id,
    p.person_id,
    p.first_new_at,
    max(s.started_at) as rebuild_from
from appended as p
left join derived_sessions as s
    on s.brand_id = p.brand_id
    and s.person_id = p.person_id
    and s.started_at < p.first_new_at
group by p.brand_id, p.person_id, p.first_new_at
