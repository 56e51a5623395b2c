{#- The attempt search of int_funnel_attempt_steps (its header says what it computes and
    why): its stages, one call block each (macros/engine/funnel_stages.sql), the fill
    rounds a loop over processing positions.

    run_now (a pre-hook of the model that first builds from the search:
    int_funnel_counted_steps on DuckDB, where the search is ephemeral; the search's own
    table on Spark): every stage is run as a statement, and before each round the loop
    asks the state the round before left whether an attempt is still going with a step
    at the next processing position; it stops at the first round with none. The result
    is the temporary view `search_attempt_steps`, which int_funnel_attempt_steps reads.
    So the number of rounds is the data's, and each round's ASOF join gets only the
    attempts still going. Returns `select 1` (the hook's statement).

    Otherwise (dbt unit tests, whose inputs are fixture CTEs; `dbt compile`, `docs`,
    `show`): returns the search as one query, the stages as CTEs and the rounds unrolled
    up to the contract's largest funnel (20 steps). -#}
{% macro funnel_attempt_search(steps_relation, matches_relation, run_now) -%}
{#- hooks are rendered while parsing too (for their refs): nothing runs then -#}
{%- if run_now and not execute -%}
    {{ return('select 1') }}
{%- endif -%}
{#- the contract's largest funnel has 20 steps: unordered ones fill them in rounds 1..20 -#}
{%- set max_rounds = 20 -%}
{%- set search = namespace(rounds=0) -%}
{%- set state_cols = ['funnel_key', 'person_key', 'attempt_rn', 'window_end_at', 'is_ordered', 'is_strict', 'lower_rn', 'last_time_grp', 'used_rns', 'steps_filled', 'reached_at'] -%}
{%- if run_now -%}
    {%- do run_query(funnel_session_setup()) -%}
{%- else %}
with
{% endif %}

{% call funnel_stage('search_steps', '', run_now) %}
    select * from {{ steps_relation }}
{% endcall %}

{% call funnel_stage('search_unordered_funnels', '', run_now) %}
    select distinct funnel_key
    from search_steps
    where funnel_order = 'unordered'
{% endcall %}

-- the matches, computed once here (int_funnel_step_matches is a view on DuckDB), read by
-- every round (only the columns the search uses), with the round that fills their step
{% call funnel_stage('search_matches', 'materialized', run_now) %}
    select m.funnel_key, m.step_number, s.processing_position, m.person_key, m.rn, m.grp_rn, m.time_grp, m.idx,
        m.event_id, m.occurred_at,
        -- the text id, for the matches that can open an attempt only (the attempt's
        -- person, on its head row): step 1, or any step of an unordered funnel
        case
            when m.step_number = 1 or s.funnel_order = 'unordered' then m.person_id
        end as person_id
    from {{ matches_relation }} as m
    inner join search_steps as s
        on s.funnel_key = m.funnel_key
        and s.step_number = m.step_number
{% endcall %}

-- read twice (search_state_0, the output); recomputing it from the matches is
-- cheaper than copying its 1 row per step-1 event
{% call funnel_stage('search_attempts', 'not materialized', run_now) %}
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
    from search_matches as m
    inner join search_steps as s
        on s.funnel_key = m.funnel_key
        and s.step_number = 1
    where m.step_number = 1
        and s.funnel_order <> 'unordered'

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
        from search_matches
        where funnel_key in (select funnel_key from search_unordered_funnels)
        group by funnel_key, person_key, rn
    ) as m
    inner join search_steps as s
        on s.funnel_key = m.funnel_key
        and s.step_number = 1
{% endcall %}

{% call funnel_stage('search_sharing_funnels', '', run_now) %}
    select distinct funnel_key
    from search_steps
    where shares_events
{% endcall %}

{% call funnel_stage('search_state_0', '', run_now) %}
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
            when a.funnel_order = 'unordered' then {{ funnel_list_of('0') }}
            else {{ funnel_list_of('a.attempt_rn') }}
        end as used_rns,
        case when a.funnel_order = 'unordered' then 0 else 1 end as steps_filled,
        a.occurred_at as reached_at
    from search_attempts as a
    left join search_sharing_funnels as sf
        on sf.funnel_key = a.funnel_key
{% endcall %}

{% for j in range(1, max_rounds + 1) %}
{#- the loop ends before the first round that no attempt still going has a step for -#}
{%- if run_now and not funnel_stage_has_rows('search_state_' ~ (j - 1), funnel_search_goes_on(j)) -%}
    {%- break -%}
{%- endif -%}
{%- set search.rounds = j %}
-- round {{ j }}: the matches of the steps processed now, and the attempts still going
{% call funnel_stage('search_targets_' ~ j, '', run_now) %}
    select *
    from search_matches
    where processing_position = {{ j }}
{% endcall %}

-- the last match position of each person's step: an attempt whose lower bound lies
-- past it finds nothing
{% call funnel_stage('search_reach_' ~ j, '', run_now) %}
    select funnel_key, person_key, max(rn) as max_rn
    from search_targets_{{ j }}
    group by funnel_key, person_key
{% endcall %}

-- the ASOF join only gets the attempts that can find a match or go on without one:
-- an ordered attempt with nothing left to match ends here either way (most step-1
-- events have no later step-2 event, and the ASOF join sorts every row it gets)
{% call funnel_stage('search_probe_' ~ j, '', run_now) %}
    select
        st.*,
        s.step_number as next_step
    from search_state_{{ j - 1 }} as st
    inner join search_steps as s
        on s.funnel_key = st.funnel_key
        and s.processing_position = {{ j }}
    left join search_reach_{{ j }} as r
        on r.funnel_key = st.funnel_key
        and r.person_key = st.person_key
    where not st.is_ordered or st.lower_rn <= r.max_rn
{% endcall %}

{% call funnel_stage('search_first_' ~ j, 'materialized', run_now) %}
    {{ funnel_first_match_at_or_after('search_probe_' ~ j, 'search_targets_' ~ j) }}
{% endcall %}

-- attempts whose first match is an event they already used (funnels with shares_events
-- only): the next unused match by idx, among the next len(used_rns) matches (an inner
-- join whose other conditions are filters, so it stays a hash join on the keys)
{% call funnel_stage('search_skipped_' ~ j, 'materialized', run_now) %}
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
        from search_first_{{ j }} as f
        inner join search_targets_{{ j }} as m
            on m.funnel_key = f.funnel_key
            and m.person_key = f.person_key
        where f.used_rns is not null
            and f.m_rn is not null
            and {{ funnel_list_contains('f.used_rns', 'f.m_rn') }}
            and m.idx > f.m_idx
            and m.idx <= f.m_idx + {{ funnel_list_length('f.used_rns') }}
            and not {{ funnel_list_contains('f.used_rns', 'm.rn') }}
    ) as ranked
    where pick = 1
{% endcall %}

-- the attempts that fill the step: by their first match unless they already used it,
-- else by the skipped-to match; inside the window; strict: at the previous step's time
-- or the person's next event time
{% call funnel_stage('search_filled_' ~ j, 'materialized', run_now) %}
    select
        {{ state_cols | join(', ') }},
        next_step,
        m_rn as pick_rn,
        m_event_id as pick_event_id,
        m_occurred_at as pick_occurred_at,
        m_grp_rn as pick_grp_rn,
        m_time_grp as pick_time_grp
    from search_first_{{ j }}
    where m_rn is not null
        and (used_rns is null or not {{ funnel_list_contains('used_rns', 'm_rn') }})
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
    from search_first_{{ j }} as f
    inner join search_skipped_{{ j }} as k
        on k.funnel_key = f.funnel_key
        and k.person_key = f.person_key
        and k.attempt_rn = f.attempt_rn
    where f.used_rns is not null
        and k.pick_occurred_at <= f.window_end_at
        and (not f.is_strict or k.pick_time_grp <= f.last_time_grp + 1)
{% endcall %}

{% call funnel_stage('search_state_' ~ j, '', run_now) %}
    select
        funnel_key,
        person_key,
        attempt_rn,
        window_end_at,
        is_ordered,
        is_strict,
        case when is_ordered then pick_grp_rn else lower_rn end as lower_rn,
        pick_time_grp as last_time_grp,
        case when used_rns is not null then {{ funnel_list_append('used_rns', 'pick_rn') }} end as used_rns,
        steps_filled + 1 as steps_filled,
        greatest(reached_at, pick_occurred_at) as reached_at
    from search_filled_{{ j }}

    union all

    -- unordered attempts that did not fill the step go on without it (ordered ones end)
    select {% for c in state_cols %}f.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
    from search_first_{{ j }} as f
    left join search_skipped_{{ j }} as k
        on k.funnel_key = f.funnel_key
        and k.person_key = f.person_key
        and k.attempt_rn = f.attempt_rn
    where not f.is_ordered
        and not coalesce(
            f.m_rn is not null
            and (f.used_rns is null or not {{ funnel_list_contains('f.used_rns', 'f.m_rn') }})
            and f.m_occurred_at <= f.window_end_at,
            false
        )
        and not coalesce(k.pick_occurred_at <= f.window_end_at, false)
{% endcall %}
{% endfor %}
{%- if run_now and search.rounds == max_rounds
    and funnel_stage_has_rows('search_state_' ~ max_rounds, funnel_search_goes_on(max_rounds + 1)) -%}
    {{ exceptions.raise_compiler_error('int_funnel_attempt_steps: a funnel has more than ' ~ max_rounds ~ ' steps to fill (the contract allows 2-20)') }}
{%- endif %}

{%- set attempt_steps_sql %}
    -- ordered/strict: the step-1 row; unordered: the head row (step_number 0, step_seq
    -- 0) of the window's opening event, which carries the person and the window start;
    -- the steps it fills come from the rounds
    select
        funnel_key, person_key, attempt_rn,
        case when funnel_order = 'unordered' then 0 else 1 end as step_number,
        case when funnel_order = 'unordered' then 0 else 1 end as step_seq,
        event_id, occurred_at,
        occurred_at as reached_at, cast(null as timestamp) as previous_at, person_id
    from search_attempts

    {% for j in range(1, search.rounds + 1) %}
    union all

    select
        funnel_key, person_key, attempt_rn, next_step, steps_filled + 1, pick_event_id, pick_occurred_at,
        greatest(reached_at, pick_occurred_at),
        -- ordered and strict: the previous step's time (picks never go back in time)
        case when is_ordered then reached_at end,
        cast(null as {{ dbt.type_string() }})
    from search_filled_{{ j }}
    {% endfor %}
{%- endset %}
{%- if run_now -%}
    {%- do adapter.dispatch('funnel_run_stage', 'brandpulse')('search_attempt_steps', '', attempt_steps_sql) -%}
    select 1
{%- else %}
search_attempt_steps as (
{{ attempt_steps_sql }}
)

select * from search_attempt_steps
{%- endif %}
{%- endmacro %}

{#- Pre-hook of int_funnel_counted_steps: runs the search when int_funnel_attempt_steps
    is ephemeral (DuckDB), i.e. inlined into this model's query as a read of the stages
    (on Spark the search's own table runs it, before this model).
    The view int_funnel_step_matches holds the incremental scope this run compiled
    (funnel_incremental_relation: every person, or the changed ones), so it must be
    rebuilt in the same run: a run that selects this model without it fails here,
    before anything is written, rather than insert every person into an incremental
    table or only the changed ones into a full refresh. -#}
{% macro funnel_attempt_search_if_inlined() -%}
    {%- if funnel_search_materialization() == 'ephemeral' -%}
        {%- set matches = ref('int_funnel_step_matches') -%}
        {%- set matches_node = 'model.brandpulse.int_funnel_step_matches' -%}
        {%- if execute and matches_node not in selected_resources -%}
            {{ exceptions.raise_compiler_error(
                'int_funnel_counted_steps reads the view int_funnel_step_matches, which holds the scope of the run that '
                ~ 'built it: select both in one run (e.g. --select int_funnel_step_matches+)') }}
        {%- endif -%}
        {{ return(funnel_attempt_search(ref('int_funnel_steps'), matches, true)) }}
    {%- endif -%}
    {{ return('select 1') }}
{%- endmacro %}
