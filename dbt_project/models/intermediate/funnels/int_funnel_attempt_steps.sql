{#-
  Every attempt of every person at every funnel, with the steps it filled: one row per
  (attempt, filled step; step_seq = how many steps the attempt had filled once this
  one was, so its largest step_seq is its step count; reached_at = the latest step
  time of the attempt so far). An attempt starts at each
  event matching step 1 (attempt_id
  = that event's event_id; attempts are ordered by (entered_at, attempt_id), the
  person's event order); its window is [entered_at, window_end_at], both ends inclusive.

  strict: step k is the event at position rn(step 1) + k - 1 of the person's events
          (rn: int_funnel_step_matches), when it matches step k and lies in the window;
          the attempt stops at the first gap.
  ordered/unordered: steps are filled one at a time in processing_position order
          (int_funnel_steps), each by the FIRST match in event order (occurred_at,
          event_id) of that step that is not yet used by the attempt and lies at or
          after a lower bound:
            ordered   - the time of the previously filled step (rn >= its grp_rn, so
                        equal timestamps can fill consecutive steps);
            unordered - the time of the step-1 event.
          A step without such an event inside the window ends an ordered attempt;
          an unordered attempt just leaves that step unfilled and goes on.
  "First match at or after" is one ASOF join per step (macro
  funnel_first_match_at_or_after) on the position rn: no range join, no explosion on
  persons with many step-1 events. Only a step
  that shares events with another step (int_funnel_steps.shares_events) can find an
  event the attempt already used; then the next few matches (at most as many as the
  attempt has used events) are looked up by their per-step rank `idx`.
  The loop runs 19 times (funnels have at most 20 steps); rounds past a funnel's last
  step join nothing and cost little (measured: 19 rounds vs 3 add ~0.3 s on 1M events).
  The round count is fixed, not read from the data, because this model is a view: its
  SQL must stay right when the funnel definitions change without it being rebuilt.
  A view: int_funnel_counted_steps runs it once and writes only the counted attempts
  (writing every attempt cost more than computing it).
-#}
{{ config(materialized='view', pre_hook=funnel_session_setup()) }}
{%- set max_position = 19 -%}
{%- set state_cols = 'brand_id, funnel_id, person_id, attempt_id, attempt_rn, entered_at, window_end_at, funnel_order, lower_rn, used_rns, steps_filled, reached_at' -%}

with steps as (
    select * from {{ ref('int_funnel_steps') }}
),

-- int_funnel_step_matches is a view: computed once here, read by every round
matches as {{ funnel_materialized() }} (
    select * from {{ ref('int_funnel_step_matches') }}
),

attempts as {{ funnel_materialized() }} (
    select
        m.brand_id,
        m.funnel_id,
        m.person_id,
        m.event_id as attempt_id,
        m.rn as attempt_rn,
        m.occurred_at as entered_at,
        {{ funnel_add_seconds('m.occurred_at', 's.window_seconds') }} as window_end_at,
        m.grp_rn,
        s.funnel_order
    from matches as m
    inner join steps as s
        on s.brand_id = m.brand_id
        and s.funnel_id = m.funnel_id
        and s.step_number = 1
    where m.step_number = 1
),

-- strict: the k-th step is the person's (k-1)-th next event.
strict_candidates as (
    select
        a.brand_id,
        a.funnel_id,
        a.person_id,
        a.attempt_id,
        a.entered_at,
        a.window_end_at,
        s.step_number,
        m.event_id,
        m.occurred_at,
        m.rn
    from attempts as a
    inner join steps as s
        on s.brand_id = a.brand_id
        and s.funnel_id = a.funnel_id
        and s.step_number > 1
    inner join matches as m
        on m.brand_id = a.brand_id
        and m.funnel_id = a.funnel_id
        and m.step_number = s.step_number
        and m.person_id = a.person_id
        and m.rn = a.attempt_rn + s.step_number - 1
    where a.funnel_order = 'strict'
        and m.occurred_at <= a.window_end_at
),

strict_steps as (
    select * from (
        select
            *,
            row_number() over (
                partition by brand_id, funnel_id, person_id, attempt_id order by step_number
            ) as seq
        from strict_candidates
    ) as numbered
    -- keep the unbroken run 2, 3, ...: a gap shifts every later step off its seq
    where step_number = seq + 1
),

sharing_funnels as (
    select distinct brand_id, funnel_id
    from steps
    where shares_events
),

state_0 as (
    select
        a.brand_id,
        a.funnel_id,
        a.person_id,
        a.attempt_id,
        a.attempt_rn,
        a.entered_at,
        a.window_end_at,
        a.funnel_order,
        a.grp_rn as lower_rn,
        -- the events used so far: only needed (and only kept) when the funnel has steps
        -- that can match the same event; elsewhere a match is never already used
        case when sf.funnel_id is not null then {{ funnel_list_of('attempt_rn') }} end as used_rns,
        1 as steps_filled,
        a.entered_at as reached_at
    from attempts as a
    left join sharing_funnels as sf
        on sf.brand_id = a.brand_id
        and sf.funnel_id = a.funnel_id
    where a.funnel_order in ('ordered', 'unordered')
),

{% for j in range(1, max_position + 1) %}
-- round {{ j }}: the attempts still going, and the matches of the steps processed now
probe_{{ j }} as (
    select
        st.*,
        s.step_number as next_step
    from state_{{ j - 1 }} as st
    inner join steps as s
        on s.brand_id = st.brand_id
        and s.funnel_id = st.funnel_id
        and s.processing_position = {{ j }}
),

targets_{{ j }} as (
    select m.*
    from matches as m
    inner join steps as s
        on s.brand_id = m.brand_id
        and s.funnel_id = m.funnel_id
        and s.step_number = m.step_number
        and s.processing_position = {{ j }}
),

first_{{ j }} as {{ funnel_materialized() }} (
    {{ funnel_first_match_at_or_after('probe_' ~ j, 'targets_' ~ j) }}
),

picked_{{ j }} as {{ funnel_materialized() }} (
    select
        {{ state_cols }},
        next_step,
        m_rn as pick_rn,
        m_event_id as pick_event_id,
        m_occurred_at as pick_occurred_at,
        m_grp_rn as pick_grp_rn
    from first_{{ j }}
    where m_rn is null or used_rns is null or not {{ funnel_list_contains('used_rns', 'm_rn') }}

    union all

    select
        {{ state_cols }},
        next_step,
        pick_rn,
        pick_event_id,
        pick_occurred_at,
        pick_grp_rn
    from (
        select
            {% for c in state_cols.split(', ') %}f.{{ c }}, {% endfor %}
            f.next_step,
            m.rn as pick_rn,
            m.event_id as pick_event_id,
            m.occurred_at as pick_occurred_at,
            m.grp_rn as pick_grp_rn,
            row_number() over (
                partition by f.brand_id, f.funnel_id, f.person_id, f.attempt_id order by m.idx
            ) as pick
        from first_{{ j }} as f
        left join (select * from targets_{{ j }} where idx is not null) as m
            on m.brand_id = f.brand_id
            and m.funnel_id = f.funnel_id
            and m.step_number = f.next_step
            and m.person_id = f.person_id
            and m.idx > f.m_idx
            and m.idx <= f.m_idx + {{ funnel_list_length('f.used_rns') }}
            and not {{ funnel_list_contains('f.used_rns', 'm.rn') }}
        where f.m_rn is not null and f.used_rns is not null
            and {{ funnel_list_contains('f.used_rns', 'f.m_rn') }}
    ) as skipped
    where pick = 1
),

filled_{{ j }} as {{ funnel_materialized() }} (
    select *
    from picked_{{ j }}
    where pick_rn is not null and pick_occurred_at <= window_end_at
),

state_{{ j }} as {{ funnel_materialized() }} (
    select
        brand_id,
        funnel_id,
        person_id,
        attempt_id,
        attempt_rn,
        entered_at,
        window_end_at,
        funnel_order,
        case when funnel_order = 'ordered' then pick_grp_rn else lower_rn end as lower_rn,
        case when used_rns is not null then {{ funnel_list_append('used_rns', 'pick_rn') }} end as used_rns,
        steps_filled + 1 as steps_filled,
        greatest(reached_at, pick_occurred_at) as reached_at
    from filled_{{ j }}

    union all

    select {{ state_cols }}
    from picked_{{ j }}
    where funnel_order = 'unordered'
        and (pick_rn is null or pick_occurred_at > window_end_at)
),
{% endfor %}

all_steps as (
    select
        brand_id, funnel_id, person_id, attempt_id, entered_at, window_end_at,
        1 as step_number, attempt_id as event_id, entered_at as occurred_at, 1 as step_seq,
        entered_at as reached_at
    from attempts

    union all

    select
        brand_id, funnel_id, person_id, attempt_id, entered_at, window_end_at,
        step_number, event_id, occurred_at, step_number as step_seq, occurred_at as reached_at
    from strict_steps

    {% for j in range(1, max_position + 1) %}
    union all

    select
        brand_id, funnel_id, person_id, attempt_id, entered_at, window_end_at,
        next_step, pick_event_id, pick_occurred_at, steps_filled + 1,
        greatest(reached_at, pick_occurred_at)
    from filled_{{ j }}
    {% endfor %}
)

select * from all_steps
