-- Events per brand, brand-local day and event name: how many and by how many persons.
-- The trend behind "which events happen, and how often" (the report's Top events).
{{ config(contract={'enforced': true}) }}

with events as (
    select brand_id, event_day, event_name, person_id
    from {{ ref('int_events_resolved') }}
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(event_day as date) as day,
    cast(event_name as {{ text_type() }}) as event_name,
    cast(count(*) as bigint) as events,
    cast(count(distinct person_id) as bigint) as persons
from events
group by brand_id, event_day, event_name
