{#-
  Every attempt of every person at every funnel, with the steps it filled: one row per
  (attempt, filled step); step_seq = how many steps the attempt had filled once this one
  was (its largest step_seq is its step count), reached_at = its latest step time so far,
  previous_at = ordered/strict: the time of the step before. An ordered/strict attempt
  opens at each step-1 event; an unordered one (a window) at each event matching any step,
  with a head row (step_number 0, step_seq 0) that fills no step. An attempt is
  (funnel_key, person_key, attempt_rn = the opening event's position rn); its window is
  [opening time, + window_seconds], both ends inclusive; person_id is on the opening row.

  The search is one recursive CTE: each iteration fills the step at the next
  processing_position (int_funnel_steps) for every attempt still going, by the FIRST match
  in event order not yet used by the attempt at or after its lower bound (ordered/strict:
  the previous step's time, rn >= its grp_rn, so equal timestamps fill consecutive steps;
  unordered: the opening time). strict: the match must lie at the previous step's time or
  at the person's next event time (time_grp at most one more). A step without such a match
  inside the window ends an ordered/strict attempt; an unordered one goes on without it.
  It stops when no attempt is left or no funnel has a further step: the definitions in the
  data decide the iteration count, nothing is read while compiling.

  "First match at or after" is looked up before the recursion (DuckDB does not run ASOF
  joins inside a recursive CTE): a lower bound is always the grp_rn of a match of the
  previous position (or of the opening event), so `next_matches` holds, for every such
  bound that can still reach a match, the first match at or after it (one ASOF join,
  macro funnel_first_match_at_or_after); the recursion joins it on equality. Steps that
  share events with another step (int_funnel_steps.shares_events) can meet an event the
  attempt already used: then the next unused one comes from `shared_matches`, the
  person's matches of that step in order (idx = list position).
  Ephemeral: inlined into int_funnel_counted_steps. On Spark every CTE before the
  recursion is a stage (macros/engine/funnel_stages.sql) and this model a table.
-#}
{{ config(materialized=funnel_stages_materialization(), post_hook="{{ funnel_drop_stages() }}") }}
{%- set pick_fields = ['rn', 'idx', 'event_id', 'occurred_at', 'grp_rn', 'time_grp'] -%}

with

{% call funnel_stage('steps') %}
    select * from {{ ref('int_funnel_steps') }}
{% endcall %}

-- each match with its step's processing position; step_key = one integer per
-- (funnel, position) for the joins; person_id only where a match can open an attempt
{% call funnel_stage('matches', 'materialized') %}
    select
        m.funnel_key * 32 + s.processing_position as step_key,
        m.funnel_key, m.step_number, s.processing_position, s.shares_events, s.funnel_order,
        m.person_key, m.rn, m.grp_rn, m.time_grp, m.idx, m.event_id, m.occurred_at,
        case when m.step_number = 1 or s.funnel_order = 'unordered' then m.person_id end as person_id
    from {{ ref('int_funnel_step_matches') }} as m
    inner join steps as s
        on s.funnel_key = m.funnel_key
        and s.step_number = m.step_number
{% endcall %}

-- one attempt per opening event: ordered/strict each step-1 match, unordered each event
-- matching any step (once, however many steps it matches)
{% call funnel_stage('attempts', 'materialized') %}
    select
        m.funnel_key, m.person_key, m.attempt_rn, m.event_id, m.occurred_at, m.person_id, m.grp_rn,
        m.time_grp, s.funnel_order, {{ funnel_add_seconds('m.occurred_at', 's.window_seconds') }} as window_end_at
    from (
        select funnel_key, person_key, rn as attempt_rn, event_id, occurred_at, person_id, grp_rn, time_grp
        from matches
        where step_number = 1 and funnel_order <> 'unordered'

        union all

        select funnel_key, person_key, rn, min(event_id), min(occurred_at), min(person_id), min(grp_rn),
            min(time_grp)
        from matches
        where funnel_order = 'unordered'
        group by funnel_key, person_key, rn
    ) as m
    inner join steps as s
        on s.funnel_key = m.funnel_key
        and s.step_number = 1
{% endcall %}

-- the matches the search can pick: all but the step-1 ones of ordered/strict funnels
{% call funnel_stage('targets', 'not materialized') %}
    select * from matches
    where processing_position >= 1
{% endcall %}

-- the lower bounds an attempt can hold at each position: ordered/strict the grp_rn of a
-- match of the previous position, unordered its opening event's; only those with a
-- match of the step at or after them
{% call funnel_stage('bounds', 'materialized') %}
    select b.step_key, b.person_key, b.lower_rn
    from (
        select distinct m.step_key + 1 as step_key, m.person_key, m.grp_rn as lower_rn
        from matches as m
        where m.funnel_order <> 'unordered'

        union all

        select distinct a.funnel_key * 32 + s.processing_position, a.person_key, a.grp_rn
        from attempts as a
        inner join steps as s
            on s.funnel_key = a.funnel_key
        where a.funnel_order = 'unordered'
    ) as b
    inner join (
        select step_key, person_key, max(rn) as max_rn
        from targets
        group by step_key, person_key
    ) as r
        on r.step_key = b.step_key
        and r.person_key = b.person_key
    where b.lower_rn <= r.max_rn
{% endcall %}

{% call funnel_stage('next_matches', 'materialized') %}
    {{ funnel_first_match_at_or_after('bounds', 'targets', pick_fields) }}
{% endcall %}

{% call funnel_stage('shared_matches', 'materialized') %}
    select step_key, person_key, {{ funnel_sorted_list(funnel_struct(pick_fields)) }} as candidates
    from matches
    where shares_events
    group by step_key, person_key
{% endcall %}

{% call funnel_stage('searched') %}
    with recursive search as (
        select
            a.funnel_key, a.person_key, a.attempt_rn, 0 as position, a.window_end_at,
            a.funnel_order <> 'unordered' as is_ordered,
            a.funnel_order = 'strict' as is_strict,
            a.grp_rn as lower_rn,
            a.time_grp as last_time_grp,
            -- the events used so far: only kept where steps share events (elsewhere a match
            -- is never already used); unordered: the opening event fills no step (no rn 0)
            case
                when not s.shares_events then null
                when a.funnel_order = 'unordered' then {{ funnel_list_of('0') }}
                else {{ funnel_list_of('a.attempt_rn') }}
            end as used_rns,
            case when a.funnel_order = 'unordered' then 0 else 1 end as steps_filled,
            a.occurred_at as reached_at,
            false as filled,
            cast(null as integer) as step_number,
            cast(null as {{ dbt.type_string() }}) as event_id,
            cast(null as timestamp) as occurred_at,
            cast(null as timestamp) as previous_at
        from attempts as a
        inner join (
            select funnel_key, max(case when shares_events then 1 else 0 end) = 1 as shares_events
            from steps
            group by funnel_key
        ) as s
            on s.funnel_key = a.funnel_key
        -- an ordered attempt with no match of step 2 at or after its start ends at once
        where a.funnel_order = 'unordered' or exists (
            select 1 from bounds as b
            where b.step_key = a.funnel_key * 32 + 1
                and b.person_key = a.person_key
                and b.lower_rn = a.grp_rn
        )

        union all

        {{ funnel_search_iteration('search') }}
    )

    select * from search
{% endcall %}

all_steps as (
    select
        funnel_key, person_key, attempt_rn,
        case when funnel_order = 'unordered' then 0 else 1 end as step_number,
        case when funnel_order = 'unordered' then 0 else 1 end as step_seq,
        event_id, occurred_at, occurred_at as reached_at, cast(null as timestamp) as previous_at, person_id
    from attempts

    union all

    select
        funnel_key, person_key, attempt_rn, step_number, steps_filled as step_seq, event_id, occurred_at,
        reached_at, previous_at, cast(null as {{ dbt.type_string() }}) as person_id
    from searched
    where filled
)

select * from all_steps
