-- Lifecycle per brand-local day, from the brand's first to its last event day:
-- new = first ever active day; returning = active today and yesterday; resurrecting =
-- active today, not yesterday, not new; dormant = active yesterday, not today (a
-- positive count). Active = at least one event by the (resolved) person that day.
{{ config(contract={'enforced': true}) }}

with active as (
    select distinct brand_id, person_id, event_day as day
    from {{ ref('int_events_resolved') }}
),

firsts as (
    select brand_id, person_id, min(day) as first_day
    from active
    group by brand_id, person_id
),

bounds as (
    select brand_id, min(day) as first_day, max(day) as last_day
    from active
    group by brand_id
),

spine as (
    {{ brand_day_spine('bounds') }}
),

today as (
    select
        a.brand_id,
        a.day,
        count(*) as active_persons,
        sum(case when a.day = f.first_day then 1 else 0 end) as new_persons,
        sum(case when y.person_id is not null then 1 else 0 end) as returning_persons,
        sum(case when y.person_id is null and a.day <> f.first_day then 1 else 0 end) as resurrecting_persons
    from active as a
    inner join firsts as f
        on f.brand_id = a.brand_id and f.person_id = a.person_id
    left join active as y
        on y.brand_id = a.brand_id
        and y.person_id = a.person_id
        and y.day = cast({{ dbt.dateadd('day', -1, 'a.day') }} as date)
    group by a.brand_id, a.day
),

dormant as (
    select
        y.brand_id,
        cast({{ dbt.dateadd('day', 1, 'y.day') }} as date) as day,
        count(*) as dormant_persons
    from active as y
    left join active as t
        on t.brand_id = y.brand_id
        and t.person_id = y.person_id
        and t.day = cast({{ dbt.dateadd('day', 1, 'y.day') }} as date)
    where t.person_id is null
    group by 1, 2
)

select
    cast(s.brand_id as varchar) as brand_id,
    cast(s.day as date) as day,
    cast(coalesce(t.new_persons, 0) as bigint) as new_persons,
    cast(coalesce(t.returning_persons, 0) as bigint) as returning_persons,
    cast(coalesce(t.resurrecting_persons, 0) as bigint) as resurrecting_persons,
    cast(coalesce(d.dormant_persons, 0) as bigint) as dormant_persons,
    cast(coalesce(t.active_persons, 0) as bigint) as active_persons,
    cast(
        case when coalesce(d.dormant_persons, 0) > 0
            then (coalesce(t.new_persons, 0) + coalesce(t.resurrecting_persons, 0)) * 1.0 / d.dormant_persons
        end as double
    ) as quick_ratio
from spine as s
left join today as t on t.brand_id = s.brand_id and t.day = s.day
left join dormant as d on d.brand_id = s.brand_id and d.day = s.day
