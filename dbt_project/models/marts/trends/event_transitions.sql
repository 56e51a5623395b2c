-- Which event follows which within a session: for every pair (from_event, to_event) of
-- consecutive events of one session (ordered by occurred_at, event_id), how many
-- times it happened and by how many persons. A session's last event has no successor
-- and is counted as to_event NULL ("session ended"). Added up from the per-person
-- transitions (int_person_transitions, kept incrementally).
{{ config(contract={'enforced': true}) }}

with person_transitions as (
    select brand_id, person_id, from_event, to_event, transitions
    from {{ ref('int_person_transitions') }}
)

-- one row per person and pair: the pair's distinct persons are its rows
select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(from_event as {{ text_type() }}) as from_event,
    cast(to_event as {{ text_type() }}) as to_event,
    cast(sum(transitions) as bigint) as transitions,
    cast(count(person_id) as bigint) as persons
from person_transitions
group by brand_id, from_event, to_event
