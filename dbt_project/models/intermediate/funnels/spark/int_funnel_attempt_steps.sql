{#-
  Spark's attempt search: the same table as ../int_funnel_attempt_steps.py (DuckDB), whose
  rules it follows (brandpulse/funnel_search.py states them; tests/spark/test_engine_equality.py
  checks the two agree). dbt-spark runs no Python models on a session, so here the loop is
  unrolled: one round per processing position, each round a "first match at or after" range
  join (macro funnel_first_match_at_or_after); a step that shares events with another one looks
  past the matches the attempt already used by their per-step rank `idx`.
  The round count is the largest processing_position in int_funnel_steps when this model is
  compiled (macro funnel_round_count, after int_funnel_steps was built); the SQL fails at run
  time rather than miscounting if the definitions grew after compilation.
  Every CTE is a stage (macros/engine/funnel_stages.sql): the rounds are written as tables
  before the model, since Spark inlines CTEs and never finished planning the chain as one query.
-#}
{{ config(enabled=target.type == 'spark', materialized='table', post_hook="{{ funnel_drop_stages() }}") }}
{%- set max_position = funnel_round_count(ref('int_funnel_steps')) -%}
{%- set state_cols = ['funnel_key', 'person_key', 'attempt_rn', 'window_end_at', 'is_ordered', 'is_strict', 'lower_rn', 'last_time_grp', 'used_rns', 'steps_filled', 'reached_at'] -%}

with

{% call funnel_stage('steps') %}
    select * from {{ ref('int_funnel_steps') }}
{% endcall %}

-- fails the query when a funnel has more steps to fill than this SQL has rounds
{% call funnel_stage('round_guard') %}
    select
        case
            when max(processing_position) > {{ max_position }}
                then raise_error('int_funnel_attempt_steps has {{ max_position }} fill rounds but a funnel needs more: recompile the funnel models')
        end as failed
    from steps
{% endcall %}

{% call funnel_stage('unordered_funnels') %}
    select distinct funnel_key
    from steps
    where funnel_order = 'unordered'
{% endcall %}

-- int_funnel_step_matches is ephemeral: computed once here, read by every round (only
-- the columns the search uses)
{% call funnel_stage('matches', 'materialized') %}
    select funnel_key, step_number, person_key, rn, grp_rn, time_grp, idx, event_id, occurred_at,
        -- the text id, for the matches that can open an attempt only (the attempt's
        -- person, on its head row): step 1, or any step of an unordered funnel
        case
            when step_number = 1 or funnel_key in (select funnel_key from unordered_funnels)
                then person_id
        end as person_id
    from {{ ref('int_funnel_step_matches') }}
{% endcall %}

-- read twice (state_0, the output); recomputing it from `matches` is
-- cheaper than copying its 1 row per step-1 event
{% call funnel_stage('attempts', 'not materialized') %}
    select
        m.funnel_key,
        m.person_key,
        m.rn as attempt_rn,
        m.event_id,
        m.occurred_at,
        m.person_id,
        {{ funnel_add_seconds('m.occurred_at', 's.window_seconds') }} as window_end_at,
        m.grp_rn,
        m.time_grp,
        s.funnel_order
    from matches as m
    inner join steps as s
        on s.funnel_key = m.funnel_key
        and s.step_number = 1
    where m.step_number = 1
        and s.funnel_order <> 'unordered'
        and (select failed from round_guard) is null

    union all

    -- unordered: every event that matches any step opens a window (one attempt per
    -- event, however many steps it matches)
    select
        m.funnel_key,
        m.person_key,
        m.rn as attempt_rn,
        m.event_id,
        m.occurred_at,
        m.person_id,
        {{ funnel_add_seconds('m.occurred_at', 's.window_seconds') }} as window_end_at,
        m.grp_rn,
        m.time_grp,
        s.funnel_order
    from (
        select
            funnel_key, person_key, rn,
            min(event_id) as event_id,
            min(occurred_at) as occurred_at,
            min(person_id) as person_id,
            min(grp_rn) as grp_rn,
            min(time_grp) as time_grp
        from matches
        where funnel_key in (select funnel_key from unordered_funnels)
        group by funnel_key, person_key, rn
    ) as m
    inner join steps as s
        on s.funnel_key = m.funnel_key
        and s.step_number = 1
    where (select failed from round_guard) is null
{% endcall %}

{% call funnel_stage('sharing_funnels') %}
    select distinct funnel_key
    from steps
    where shares_events
{% endcall %}

{% call funnel_stage('state_0') %}
    select
        a.funnel_key,
        a.person_key,
        a.attempt_rn,
        a.window_end_at,
        a.funnel_order <> 'unordered' as is_ordered,
        a.funnel_order = 'strict' as is_strict,
        a.grp_rn as lower_rn,
        a.time_grp as last_time_grp,
        -- the events used so far: only needed (and only kept) when the funnel has steps
        -- that can match the same event; elsewhere a match is never already used
        -- (unordered: the opening event fills no step yet; position 0 is no event's)
        case
            when sf.funnel_key is null then null
            when a.funnel_order = 'unordered' then array(0)
            else array(a.attempt_rn)
        end as used_rns,
        case when a.funnel_order = 'unordered' then 0 else 1 end as steps_filled,
        a.occurred_at as reached_at
    from attempts as a
    left join sharing_funnels as sf
        on sf.funnel_key = a.funnel_key
{% endcall %}

{% for j in range(1, max_position + 1) %}
-- round {{ j }}: the matches of the steps processed now, and the attempts still going
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
{% endfor %}

all_steps as (
    -- ordered/strict: the step-1 row; unordered: the head row (step_number 0, step_seq
    -- 0) of the window's opening event, which carries the person and the window start;
    -- the steps it fills come from the rounds
    select
        funnel_key, person_key, attempt_rn,
        case when funnel_order = 'unordered' then 0 else 1 end as step_number,
        case when funnel_order = 'unordered' then 0 else 1 end as step_seq,
        event_id, occurred_at,
        occurred_at as reached_at, cast(null as timestamp) as previous_at, person_id
    from attempts


    {% for j in range(1, max_position + 1) %}
    union all

    select
        funnel_key, person_key, attempt_rn, next_step, steps_filled + 1, pick_event_id, pick_occurred_at,
        greatest(reached_at, pick_occurred_at),
        -- ordered and strict: the previous step's time (picks never go back in time)
        case when is_ordered then reached_at end,
        cast(null as {{ dbt.type_string() }})
    from filled_{{ j }}
    {% endfor %}
)

select * from all_steps
