-- Lifecycle per brand-local day, from the brand's first to its last event day:
-- new = first ever active day; returning = active today and yesterday; resurrecting =
-- active today, not yesterday, not new; dormant = active yesterday, not today (a
-- positive count). Active = at least one event by the (resolved) person that day.
{{ config(contract={'enforced': true}) }}

with active as (
    select brand_id, person_id, event_day as day
    from {{ ref('int_person_days') }}
),

bounds as (
    select brand_id, min(day) as first_day, max(day) as last_day
    from active
    group by brand_id
),

spine as (
    {{ brand_day_spine('bounds') }}
),

new_days as (
    select brand_id, first_day as day, count(*) as new_persons
    from (
        select brand_id, person_id, min(day) as first_day
        from active
        group by brand_id, person_id
    ) as f
    group by brand_id, first_day
),

today as (
    select
        a.brand_id,
        a.day,
        count(*) as active_persons,
        count(y.person_id) as returning_persons
    from active as a
    left join active as y
        on y.brand_id = a.brand_id
        and y.person_id = a.person_id
        and y.day = cast({{ dbt.dateadd('day', -1, 'a.day') }} as date)
    group by a.brand_id, a.day
),

-- The other counts follow from these without joining the days again: an active person
-- is new, returning or else resurrecting; of yesterday's active persons, those not
-- returning today are dormant.
counts as (
    select
        s.brand_id,
        s.day,
        coalesce(t.active_persons, 0) as active_persons,
        coalesce(n.new_persons, 0) as new_persons,
        coalesce(t.returning_persons, 0) as returning_persons,
        coalesce(t.active_persons, 0) - coalesce(n.new_persons, 0) - coalesce(t.returning_persons, 0)
            as resurrecting_persons,
        coalesce(p.active_persons, 0) - coalesce(t.returning_persons, 0) as dormant_persons
    from spine as s
    left join today as t on t.brand_id = s.brand_id and t.day = s.day
    left join new_days as n on n.brand_id = s.brand_id and n.day = s.day
    left join today as p
        on p.brand_id = s.brand_id
        and p.day = cast({{ dbt.dateadd('day', -1, 's.day') }} as date)
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(day as date) as day,
    cast(new_persons as bigint) as new_persons,
    cast(returning_persons as bigint) as returning_persons,
    cast(resurrecting_persons as bigint) as resurrecting_persons,
    cast(dormant_persons as bigint) as dormant_persons,
    cast(active_persons as bigint) as active_persons,
    cast(
        case when dormant_persons > 0
            then (new_persons + resurrecting_persons) * 1.0 / dormant_persons
        end as double
    ) as quick_ratio
from counts
