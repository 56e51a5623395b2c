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
  Every CTE is a stage (macros/engine/spark_funnel_search.sql): the rounds are written as
  tables before the model, since Spark inlines CTEs and never finished planning the chain as
  one query. Each fill round is macros/engine/spark_funnel_fill_round.sql.
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

-- the matches every round reads (only the columns the search uses)
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
        m.funnel_key, m.person_key, m.rn as attempt_rn, m.event_id, m.occurred_at, m.person_id,
        {{ funnel_add_seconds('m.occurred_at', 's.window_seconds') }} as window_end_at,
        m.grp_rn, m.time_grp, s.funnel_order
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
        m.funnel_key, m.person_key, m.rn as attempt_rn, m.event_id, m.occurred_at, m.person_id,
        {{ funnel_add_seconds('m.occurred_at', 's.window_seconds') }} as window_end_at,
        m.grp_rn, m.time_grp, s.funnel_order
    from (
        select
            funnel_key, person_key, rn, min(event_id) as event_id, min(occurred_at) as occurred_at,
            min(person_id) as person_id, min(grp_rn) as grp_rn, min(time_grp) as time_grp
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

-- the fill rounds: round j reads `steps`, `matches` and state_<j-1>, and adds the CTEs
-- filled_<j> (the attempts that filled a step in it: read below) and state_<j> (the
-- attempts going on), with its helper stages (macros/engine/spark_funnel_fill_round.sql)
{% for j in range(1, max_position + 1) %}
{{ funnel_fill_round(j, state_cols) }}
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
