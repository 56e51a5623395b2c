-- The step events of each counted attempt in marts.funnel_persons: which event filled
-- which step, when, and the time since the previous completed step. `step_position`
-- is the step's place in time order: the step number for ordered and strict funnels;
-- for unordered funnels the k-th completed step in time (conversion times of
-- unordered funnels are between consecutive completed steps). Both are computed by
-- int_funnel_counted_steps (on its integer keys); this mart drops excluded persons.
-- A view: a filter of that (incremental) table, so no run rewrites a copy of it.
{{ config(materialized='view') }}

select
    brand_id,
    funnel_id,
    person_id,
    step_number,
    step_position,
    event_id,
    occurred_at,
    seconds_from_previous
from {{ ref('int_funnel_counted_steps') }}
where not is_excluded
