{#- Funnel exclusions (CONTRACTS section 4), for int_funnel_counted_steps. Each macro is one
    select over the relations or CTE names it is given. An exclusion (event_name,
    from_step, to_step) is hit by an event of that name of the person that is not one of
    the attempt's own step events; an event at the same instant as a step is not between. -#}

{#- Unordered funnels: the windows an exclusion event interrupts (opening time <
    occurred_at <= window end). Such a window does not count; the person's result is the
    best window left (an exclusion never removes the person from an unordered funnel).
    `attempt_steps`: int_funnel_attempt_steps rows (head rows step_number 0 carry the
    person_id); `steps`: the step-1 rows of int_funnel_steps. Returns funnel_key,
    person_key, attempt_rn, distinct. -#}
{% macro funnel_interrupted_windows(attempt_steps, steps, exclusions, exclusion_events) -%}
    select distinct a.funnel_key, a.person_key, a.attempt_rn
    from {{ attempt_steps }} as a
    inner join {{ steps }} as f
        on f.funnel_key = a.funnel_key
    inner join {{ exclusions }} as x
        on x.brand_id = f.brand_id
        and x.funnel_id = f.funnel_id
    inner join {{ exclusion_events }} as e
        on e.brand_id = f.brand_id
        and e.person_id = a.person_id
        and e.event_name = x.event_name
        and e.occurred_at > a.occurred_at
        and e.occurred_at <= {{ funnel_add_seconds('a.occurred_at', 'f.window_seconds') }}
    left join {{ attempt_steps }} as own
        on own.funnel_key = a.funnel_key
        and own.person_key = a.person_key
        and own.attempt_rn = a.attempt_rn
        and own.event_id = e.event_id
        and own.step_number > 0
    where a.step_number = 0
        and f.funnel_order = 'unordered'
        and own.event_id is null
{%- endmacro %}

{#- Ordered and strict funnels: the counted attempts an exclusion removes. It hits when
    an exclusion event lies strictly between the times of from_step and to_step of the
    counted attempt; to_step not reached: after from_step up to the window end, inclusive.
    An attempt that did not reach from_step is not hit. `heads`: one row per counted
    attempt (funnel_key, person_key, brand_id, funnel_id, person_id, funnel_order,
    window_end_at); `counted_rows`: its step rows (funnel_key, person_key, step_number,
    event_id, occurred_at). Returns funnel_key, person_key, distinct. -#}
{% macro funnel_excluded_attempts(heads, counted_rows, exclusions, exclusion_events) -%}
    select distinct b.funnel_key, b.person_key
    from (
        select
            h.funnel_key,
            h.person_key,
            h.brand_id,
            h.person_id,
            x.event_name,
            least(f.occurred_at, coalesce(t.occurred_at, h.window_end_at)) as from_at,
            greatest(f.occurred_at, coalesce(t.occurred_at, h.window_end_at)) as to_at,
            -- to_step not reached: the range runs to the window end, which is inside
            t.occurred_at is null as to_is_window_end
        from {{ exclusions }} as x
        inner join {{ heads }} as h
            on h.brand_id = x.brand_id
            and h.funnel_id = x.funnel_id
            and h.funnel_order <> 'unordered'
        inner join {{ counted_rows }} as f
            on f.funnel_key = h.funnel_key
            and f.person_key = h.person_key
            and f.step_number = x.from_step
        left join {{ counted_rows }} as t
            on t.funnel_key = h.funnel_key
            and t.person_key = h.person_key
            and t.step_number = x.to_step
    ) as b
    inner join {{ exclusion_events }} as e
        on e.brand_id = b.brand_id
        and e.person_id = b.person_id
        and e.event_name = b.event_name
        and e.occurred_at > b.from_at
        and (e.occurred_at < b.to_at or (b.to_is_window_end and e.occurred_at = b.to_at))
    left join {{ counted_rows }} as own
        on own.funnel_key = b.funnel_key
        and own.person_key = b.person_key
        and own.event_id = e.event_id
    where own.event_id is null
{%- endmacro %}
