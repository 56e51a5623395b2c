-- One row per step of every valid funnel (also steps nobody reached): persons who
-- reached at least this step, conversion rates and the time from the previous step of
-- the counted attempts (unordered: from the previous completed step in time).
with steps as (
    select * from {{ ref('int_funnel_steps') }}
),

persons as (
    select * from {{ ref('funnel_persons') }}
),

reached as (
    select
        s.brand_id,
        s.funnel_id,
        s.step_number,
        count(p.person_id) as persons
    from steps as s
    left join persons as p
        on p.brand_id = s.brand_id
        and p.funnel_id = s.funnel_id
        and p.steps_completed >= s.step_number
    group by s.brand_id, s.funnel_id, s.step_number
),

timings as (
    select
        brand_id,
        funnel_id,
        step_position as step_number,
        avg(seconds_from_previous) as avg_seconds_from_previous,
        {{ funnel_median('seconds_from_previous') }} as median_seconds_from_previous
    -- marts.funnel_person_steps' rows, read where it reads them: the conversion numbers
    -- need not wait for (or pay for) that mart's copy of every step event
    from {{ ref('int_funnel_counted_steps') }}
    where step_position > 1 and not is_excluded
    group by brand_id, funnel_id, step_position
),

rated as (
    select
        r.*,
        lag(r.persons) over (
            partition by r.brand_id, r.funnel_id order by r.step_number
        ) as previous_persons,
        first_value(r.persons) over (
            partition by r.brand_id, r.funnel_id order by r.step_number
            rows between unbounded preceding and unbounded following
        ) as start_persons
    from reached as r
)

select
    s.brand_id,
    s.funnel_id,
    s.step_number,
    s.event_name,
    cast(r.persons as bigint) as persons,
    case
        when s.step_number = 1 then case when r.persons > 0 then 1e0 end
        when r.previous_persons > 0 then r.persons * 1e0 / r.previous_persons
    end as conversion_from_previous,
    case when r.start_persons > 0 then r.persons * 1e0 / r.start_persons end as conversion_from_start,
    t.avg_seconds_from_previous,
    t.median_seconds_from_previous,
    s.funnel_order,
    s.step_count
from steps as s
inner join rated as r
    on r.brand_id = s.brand_id
    and r.funnel_id = s.funnel_id
    and r.step_number = s.step_number
left join timings as t
    on t.brand_id = s.brand_id
    and t.funnel_id = s.funnel_id
    and t.step_number = s.step_number
