{#- One fill round of Spark's attempt search (models/intermediate/funnels/spark/
    int_funnel_attempt_steps.sql), called once per
    processing position j = 1, 2, ... in that model's loop. Round j fills, for every
    attempt still going, the step processed at position j (int_funnel_steps.processing_position):
    the first match of that step at or after the attempt's lower bound that the attempt
    has not used, inside its window (strict: at most one event time after the previous
    step). An ordered/strict attempt that cannot fill it ends; an unordered one goes on
    without it.

    Reads the model's CTEs `steps`, `matches` and `state_<j-1>` (one row per attempt still
    going, columns `state_cols`). Adds the CTEs (stages, macros/engine/spark_funnel_search.sql):
      targets_<j>  the matches of the step(s) at position j
      reach_<j>    each person's last such match (an ordered attempt past it finds nothing)
      probe_<j>    the attempts that can still fill or go on, with next_step
      first_<j>    their first match at or after lower_rn
      skipped_<j>  for funnels whose steps share events: the next unused match when the
                   first one is an event the attempt already used
      filled_<j>   the attempts that fill the step, with the picked event (pick_*): the
                   model's output rows of this round
      state_<j>    the attempts going on, for round j + 1 -#}
{% macro funnel_fill_round(j, state_cols) -%}
{% call funnel_stage('targets_' ~ j) %}
    select m.*
    from matches as m
    inner join steps as s
        on s.funnel_key = m.funnel_key
        and s.step_number = m.step_number
        and s.processing_position = {{ j }}
{% endcall %}

-- the last match position of each person's step: an attempt whose lower bound lies
-- past it finds nothing
{% call funnel_stage('reach_' ~ j) %}
    select funnel_key, person_key, max(rn) as max_rn
    from targets_{{ j }}
    group by funnel_key, person_key
{% endcall %}

-- the ASOF join only gets the attempts that can find a match or go on without one:
-- an ordered attempt with nothing left to match ends here either way (most step-1
-- events have no later step-2 event, and the ASOF join sorts every row it gets)
{% call funnel_stage('probe_' ~ j) %}
    select
        st.*,
        s.step_number as next_step
    from state_{{ j - 1 }} as st
    inner join steps as s
        on s.funnel_key = st.funnel_key
        and s.processing_position = {{ j }}
    left join reach_{{ j }} as r
        on r.funnel_key = st.funnel_key
        and r.person_key = st.person_key
    where not st.is_ordered or st.lower_rn <= r.max_rn
{% endcall %}

{% call funnel_stage('first_' ~ j, 'materialized') %}
    {{ funnel_first_match_at_or_after('probe_' ~ j, 'targets_' ~ j) }}
{% endcall %}

-- attempts whose first match is an event they already used (funnels with shares_events
-- only): the next unused match by idx, among the next len(used_rns) matches (an inner
-- join whose other conditions are filters, so it stays a hash join on the keys)
{% call funnel_stage('skipped_' ~ j, 'materialized') %}
    select * from (
        select
            f.funnel_key,
            f.person_key,
            f.attempt_rn,
            m.rn as pick_rn,
            m.event_id as pick_event_id,
            m.occurred_at as pick_occurred_at,
            m.grp_rn as pick_grp_rn,
            m.time_grp as pick_time_grp,
            row_number() over (
                partition by f.funnel_key, f.person_key, f.attempt_rn order by m.idx
            ) as pick
        from first_{{ j }} as f
        inner join targets_{{ j }} as m
            on m.funnel_key = f.funnel_key
            and m.person_key = f.person_key
        where f.used_rns is not null
            and f.m_rn is not null
            and array_contains(f.used_rns, f.m_rn)
            and m.idx > f.m_idx
            and m.idx <= f.m_idx + size(f.used_rns)
            and not array_contains(f.used_rns, m.rn)
    ) as ranked
    where pick = 1
{% endcall %}

-- the attempts that fill the step: by their first match unless they already used it,
-- else by the skipped-to match; inside the window; strict: at the previous step's time
-- or the person's next event time
{% call funnel_stage('filled_' ~ j, 'materialized') %}
    select
        {{ state_cols | join(', ') }},
        next_step,
        m_rn as pick_rn,
        m_event_id as pick_event_id,
        m_occurred_at as pick_occurred_at,
        m_grp_rn as pick_grp_rn,
        m_time_grp as pick_time_grp
    from first_{{ j }}
    where m_rn is not null
        and (used_rns is null or not array_contains(used_rns, m_rn))
        and m_occurred_at <= window_end_at
        and (not is_strict or m_time_grp <= last_time_grp + 1)

    union all

    select
        {% for c in state_cols %}f.{{ c }}, {% endfor %}
        f.next_step,
        k.pick_rn,
        k.pick_event_id,
        k.pick_occurred_at,
        k.pick_grp_rn,
        k.pick_time_grp
    from first_{{ j }} as f
    inner join skipped_{{ j }} as k
        on k.funnel_key = f.funnel_key
        and k.person_key = f.person_key
        and k.attempt_rn = f.attempt_rn
    where f.used_rns is not null
        and k.pick_occurred_at <= f.window_end_at
        and (not f.is_strict or k.pick_time_grp <= f.last_time_grp + 1)
{% endcall %}

{% call funnel_stage('state_' ~ j) %}
    select
        funnel_key,
        person_key,
        attempt_rn,
        window_end_at,
        is_ordered,
        is_strict,
        case when is_ordered then pick_grp_rn else lower_rn end as lower_rn,
        pick_time_grp as last_time_grp,
        case when used_rns is not null then concat(used_rns, array(pick_rn)) end as used_rns,
        steps_filled + 1 as steps_filled,
        greatest(reached_at, pick_occurred_at) as reached_at
    from filled_{{ j }}

    union all

    -- unordered attempts that did not fill the step go on without it (ordered ones end)
    select {% for c in state_cols %}f.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    from first_{{ j }} as f
    left join skipped_{{ j }} as k
        on k.funnel_key = f.funnel_key
        and k.person_key = f.person_key
        and k.attempt_rn = f.attempt_rn
    where not f.is_ordered
        and not coalesce(
            f.m_rn is not null
            and (f.used_rns is null or not array_contains(f.used_rns, f.m_rn))
            and f.m_occurred_at <= f.window_end_at,
            false
        )
        and not coalesce(k.pick_occurred_at <= f.window_end_at, false)
{% endcall %}
{%- endmacro %}
