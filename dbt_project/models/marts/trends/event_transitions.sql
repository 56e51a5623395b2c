-- Which event follows which within a session: for every pair (from_event, to_event) of
-- consecutive events of one session (ordered by occurred_at, event_id), how many
-- times it happened and by how many persons. A session's last event has no successor
-- and is counted as to_event NULL ("session ended").
{{ config(contract={'enforced': true}) }}

with events as (
    select brand_id, session_id, person_id, event_id, event_name, occurred_at
    from {{ ref('int_events_resolved') }}
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
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(from_event as {{ text_type() }}) as from_event,
    cast(to_event as {{ text_type() }}) as to_event,
    cast(count(*) as bigint) as transitions,
    cast(count(distinct person_id) as bigint) as persons
from sequenced
group by brand_id, from_event, to_event
