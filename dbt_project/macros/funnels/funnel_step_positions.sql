{#- The step rows of counted attempts with each row's place in time order (step_position)
    and the seconds since the previous step in that order (seconds_from_previous), for
    int_funnel_counted_steps. `rows`: columns funnel_key, person_key, person_id,
    step_number, event_id, occurred_at, previous_at, steps_completed, completed_at,
    funnel_order. Ordered and strict attempts fill steps 1..k at non-decreasing times:
    their step order is their time order, and the attempt search recorded each step's
    previous step time (previous_at). Unordered: the k-th completed step in time (order
    (occurred_at, step_number)) and the step before it in that order; the window's head
    row (step_number 0, its opening event, not a step) gets position 0. -#}
{% macro funnel_step_positions(rows) -%}
    select
        funnel_key, person_key, person_id, step_number, event_id, occurred_at, steps_completed, completed_at,
        step_number as step_position,
        {{ seconds_between('previous_at', 'occurred_at') }} as seconds_from_previous
    from {{ rows }}
    where funnel_order <> 'unordered'

    union all

    select
        funnel_key, person_key, person_id, step_number, event_id, occurred_at, steps_completed, completed_at,
        0 as step_position,
        cast(null as double) as seconds_from_previous
    from {{ rows }}
    where step_number = 0

    union all

    select
        funnel_key, person_key, person_id, step_number, event_id, occurred_at, steps_completed, completed_at,
        row_number() over w as step_position,
        {{ seconds_between('lag(occurred_at) over w', 'occurred_at') }} as seconds_from_previous
    from {{ rows }}
    where funnel_order = 'unordered'
        and step_number > 0
    window w as (partition by funnel_key, person_key order by occurred_at, step_number)
{%- endmacro %}
