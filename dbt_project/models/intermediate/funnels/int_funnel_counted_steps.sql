-- The step rows of each person's counted attempt at each funnel (one row per completed
-- step; most steps reached, ties to the earliest attempt), with the attempt's result on
-- every row: entry, window, completion and whether an exclusion removes the person
-- (macros/funnels/funnel_exclusions.sql). int_funnel_attempt_steps holds the attempts
-- to choose from, on integer keys; the counted one is chosen here, with its text ids.
-- Incremental: recomputes the changed persons and every person of a redefined funnel
-- (macros/funnels/funnel_incremental.sql); a continued person's stored counted attempt
-- stays when it beats the new search. See the folder YAML.
{{
    config(
        materialized='incremental',
        incremental_strategy='changed_keys',
        changed_key='person_id',
        definitions={'model': 'int_funnel_steps', 'columns': ['brand_id', 'funnel_id', 'definition_fingerprint']},
        on_schema_change='append_new_columns',
    )
}}
{%- set stored = funnel_incremental_relation() %}
{%- set columns = ['brand_id', 'funnel_id', 'person_id', 'attempt_id', 'funnel_order', 'step_count',
    'steps_completed', 'entered_at', 'window_end_at', 'completed_at', 'is_excluded', 'step_number',
    'step_position', 'event_id', 'occurred_at', 'seconds_from_previous', 'definition_fingerprint'] %}

with watermark as (
    {{ core_events_watermark() }}
),

attempt_steps as (
    select * from {{ ref('int_funnel_attempt_steps') }}
),

steps as (
    select * from {{ ref('int_funnel_steps') }}
    where step_number = 1
),

exclusions as (
    select * from {{ ref('stg_raw__funnel_exclusions') }}
),

exclusion_events as (
    select e.brand_id, e.person_id, e.event_id, e.event_name, e.occurred_at
    from {{ ref('int_events_resolved') }} as e
    where exists (
        select 1 from exclusions as x
        where x.brand_id = e.brand_id and x.event_name = e.event_name
    )
),

-- unordered windows an exclusion event interrupts: they do not count
interrupted as (
    {{ funnel_interrupted_windows('attempt_steps', 'steps', 'exclusions', 'exclusion_events') }}
),

-- all attempts but the interrupted windows (a left join: `not exists` became a delim join
-- copying every step row, bench/README session 13)
countable_steps as (
    select a.*
    from attempt_steps as a
    left join interrupted as i
        on i.funnel_key = a.funnel_key
        and i.person_key = a.person_key
        and i.attempt_rn = a.attempt_rn
    where i.attempt_rn is null
),

-- the counted attempt: most steps (largest step_seq), ties to the earliest attempt
counted as (
    {{ funnel_best_attempt('countable_steps') }}
),

-- the counted attempt's rows with their funnel's settings
counted_attempt_rows as (
    select
        s.funnel_key, s.person_key, s.person_id, s.step_number, s.event_id, s.occurred_at, s.previous_at,
        c.steps_completed, c.completed_at, f.funnel_order
    from attempt_steps as s
    inner join counted as c
        on c.funnel_key = s.funnel_key
        and c.person_key = s.person_key
        and c.attempt_rn = s.attempt_rn
    inner join steps as f
        on f.funnel_key = s.funnel_key
),

-- each row's place in time order (step_position) and the seconds since the previous one
counted_rows as {{ funnel_materialized() }} (
    {{ funnel_step_positions('counted_attempt_rows') }}
),

-- one row per counted attempt: its text ids (funnel: int_funnel_steps; person: carried by
-- the attempt search on the step-1 / head row), settings, entry and window
heads as {{ funnel_materialized() }} (
    select
        r.funnel_key, r.person_key, f.brand_id, f.funnel_id, r.person_id, r.event_id as attempt_id,
        f.funnel_order, f.step_count, f.definition_fingerprint, r.occurred_at as entered_at,
        {{ funnel_add_seconds('r.occurred_at', 'f.window_seconds') }} as window_end_at
    from counted_rows as r
    inner join steps as f
        on f.funnel_key = r.funnel_key
    -- the step-1 row (ordered, strict) or the opening event's head row (unordered)
    where r.step_number = case when f.funnel_order = 'unordered' then 0 else 1 end
),

-- ordered and strict: the counted attempts an exclusion removes
excluded as (
    {{ funnel_excluded_attempts('heads', 'counted_rows', 'exclusions', 'exclusion_events') }}
),

computed as (
    select
        h.brand_id, h.funnel_id, h.person_id, h.attempt_id, h.funnel_order, h.step_count,
        cast(r.steps_completed as integer) as steps_completed,
        h.entered_at, h.window_end_at, r.completed_at,
        x.person_key is not null as is_excluded,
        r.step_number,
        cast(r.step_position as integer) as step_position,
        r.event_id, r.occurred_at, r.seconds_from_previous, h.definition_fingerprint,
        w.events_watermark as _events_watermark
    from counted_rows as r
    cross join watermark as w
    inner join heads as h
        on h.funnel_key = r.funnel_key
        and h.person_key = r.person_key
    left join excluded as x
        on x.funnel_key = r.funnel_key
        and x.person_key = r.person_key
    where r.step_number > 0
)
{%- if stored is none %}

select * from computed
{%- else %}

-- persons continued from their stored rows (int_funnel_continued_persons): per funnel, the
-- stored counted attempt stays when it beats the new search, else the new result replaces it
select * from (
    {{ funnel_keep_better_stored_attempts('computed', stored, 'steps', 'watermark', columns) }}
) as merged
{%- endif %}
