{#-
  One row per person and pair (from_event, to_event) of consecutive events of one session
  (ordered by occurred_at, event_id) whose earlier event is the person's: how many times it
  happened. A session's last event has no successor: to_event NULL ("session ended").
  marts.event_transitions adds these rows up per brand and pair: a person is one row, so
  its distinct persons are a count.

  Incremental over changed persons (int_changed_keys), like int_persons, and the
  changed_keys strategy replaces their rows. A changed person whose changed sessions hold
  only their own events and whose stored events stayed theirs (int_session_event_deltas:
  e.g. appended events that grow their last session or start new ones) is continued:
  stored rows, minus the transitions of their changed sessions as stored, plus those
  sessions' transitions now. Every other changed person is recomputed from the whole
  sessions their events are in (the next event may be another person's in a given
  session); int_events_resolved rebuilds all events of a session whose events change, so
  the persons of every event of such a session are listed.
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

with watermark as (
    {{ core_events_watermark() }}
),

{% if is_incremental() %}
{{ trend_continued_scope() }}

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

{%- if is_incremental() %},

-- the continued persons' changed sessions, as stored (sign -1) and now (+1)
delta_sequenced as (
    select
        brand_id,
        person_id,
        event_name as from_event,
        lead(event_name) over (
            partition by brand_id, sign, session_key order by occurred_at, event_id
        ) as to_event,
        sign
    from deltas
),

counted as (
    select q.brand_id, q.person_id, q.from_event, q.to_event, count(*) as transitions
    from sequenced as q
    where exists (
        select 1 from recomputed as t
        where t.brand_id = q.brand_id and t.person_id = q.person_id
    )
    group by q.brand_id, q.person_id, q.from_event, q.to_event
    union all
    select brand_id, person_id, from_event, to_event, sum(sign)
    from delta_sequenced
    group by brand_id, person_id, from_event, to_event
    union all
    select s.brand_id, s.person_id, s.from_event, s.to_event, s.transitions
    from {{ this }} as s
    inner join continued as c on c.brand_id = s.brand_id and c.person_id = s.person_id
)

select
    q.brand_id,
    q.person_id,
    q.from_event,
    q.to_event,
    cast(sum(q.transitions) as bigint) as transitions,
    w.events_watermark as _events_watermark
from counted as q
cross join watermark as w
group by q.brand_id, q.person_id, q.from_event, q.to_event, w.events_watermark
having sum(q.transitions) > 0

{%- else %}

select
    q.brand_id,
    q.person_id,
    q.from_event,
    q.to_event,
    count(*) as transitions,
    w.events_watermark as _events_watermark
from sequenced as q
cross join watermark as w
group by q.brand_id, q.person_id, q.from_event, q.to_event, w.events_watermark

{%- endif %}
