-- The step events of each counted attempt in marts.funnel_persons: which event filled
-- which step, when, and the time since the previous completed step. `step_position`
-- is the step's place in time order: the step number for ordered and strict funnels;
-- for unordered funnels the k-th completed step in time (conversion times of
-- unordered funnels are between consecutive completed steps).
with steps as (
    select brand_id, funnel_id, person_id, step_number, event_id, occurred_at, funnel_order
    from {{ ref('int_funnel_counted_steps') }}
    where not is_excluded
),

-- the time-order window only where it is needed (unordered funnels)
positioned as (
    select *, step_number as step_position
    from steps
    where funnel_order <> 'unordered'

    union all

    select
        *,
        row_number() over (
            partition by brand_id, funnel_id, person_id order by occurred_at, step_number
        ) as step_position
    from steps
    where funnel_order = 'unordered'
)

select
    brand_id,
    funnel_id,
    person_id,
    step_number,
    cast(step_position as integer) as step_position,
    event_id,
    occurred_at,
    {{ funnel_seconds_between(
        'lag(occurred_at) over (partition by brand_id, funnel_id, person_id order by step_position)',
        'occurred_at') }} as seconds_from_previous
from positioned
