{#-
  One row per person and pair (from_event, to_event) of consecutive events of one session
  (ordered by occurred_at, event_id) whose earlier event is the person's: how many times it
  happened. A session's last event has no successor: to_event NULL ("session ended").
  marts.event_transitions adds these rows up per brand and pair: a person is one row, so
  its distinct persons are a count.

  Incremental over changed persons (int_changed_keys), like int_persons: a run recomputes
  the transitions out of every event of the changed persons, reading whole sessions (the
  next event may be another person's in a given session), and the changed_keys strategy
  replaces their rows. int_events_resolved rebuilds all events of a session whose events
  change, so the persons of every event of such a session are listed.
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

touched_sessions as (
    select distinct e.brand_id, e.session_id
    from {{ ref('int_events_resolved') }} as e
    inner join changed as t on t.brand_id = e.brand_id and t.person_id = e.person_id
),
{% endif %}

events as (
    select e.brand_id, e.session_id, e.person_id, e.event_id, e.event_name, e.occurred_at
    from {{ ref('int_events_resolved') }} as e
    {%- if is_incremental() %}
    inner join touched_sessions as s on s.brand_id = e.brand_id and s.session_id = e.session_id
    {%- endif %}
),

sequenced as (
    select
        brand_id,
        person_id,
        event_name as from_event,
        lead(event_name) over (
            partition by brand_id, session_id order by occurred_at, event_id
        ) as to_event
    from events
)

select
    q.brand_id,
    q.person_id,
    q.from_event,
    q.to_event,
    count(*) as transitions,
    w.events_watermark as _events_watermark
from sequenced as q
cross join watermark as w
{%- if is_incremental() %}
where exists (
    select 1 from changed as t
    where t.brand_id = q.brand_id and t.person_id = q.person_id
)
{%- endif %}
group by q.brand_id, q.person_id, q.from_event, q.to_event, w.events_watermark
