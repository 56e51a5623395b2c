-- One row per person who entered a funnel (did step 1; unordered: any step) and was not removed by an
-- exclusion: the counted attempt's progress and timing (its first row in time, step_position 1, of
-- int_funnel_counted_steps, which carries the attempt's result).
-- A view: a filter of that (incremental) table, so no run rewrites a copy of it.
{{ config(materialized='view') }}

select
    brand_id,
    funnel_id,
    person_id,
    steps_completed,
    entered_at,
    completed_at,
    case
        when steps_completed = step_count
            then {{ seconds_between('entered_at', 'completed_at') }}
    end as seconds_to_convert,
    steps_completed = step_count as converted,
    window_end_at,
    funnel_order
from {{ ref('int_funnel_counted_steps') }}
where step_position = 1 and not is_excluded
