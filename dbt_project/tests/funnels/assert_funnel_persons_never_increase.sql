-- Funnel conversion: the persons reaching a step never exceed those reaching the step
-- before it (every person who reached step k reached step k-1). Fails on every such step.
select *
from (
    select
        brand_id,
        funnel_id,
        step_number,
        persons,
        lag(persons) over (partition by brand_id, funnel_id order by step_number) as previous_persons
    from {{ ref('funnel_conversion') }}
) as steps
where persons > previous_persons
