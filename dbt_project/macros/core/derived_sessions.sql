{#- CTEs `gaps`, `numbered` and `derived` (the last without a trailing comma) over the CTE
    `relation` (events with brand_id, person_id, event_id, occurred_at, session_id):
    `derived` adds `derived_session_start` to every event without a session_id. Among a
    person's events without a session_id, a gap of more than `gap_minutes` starts a new
    session (exactly that far apart: same session). The gap is the exact elapsed time:
    datediff('second') counts second boundaries crossed, so 30:00.8 apart would count as
    1800 s and stay in the session. -#}
{% macro core_derived_sessions(relation, gap_minutes) -%}
gaps as (
    select
        *,
        case
            when session_id is not null then null
            when lag(occurred_at) over (
                partition by brand_id, person_id order by occurred_at, event_id
            ) is null then 1
            when occurred_at > {{ dbt.dateadd(
                'minute', gap_minutes,
                "lag(occurred_at) over (partition by brand_id, person_id order by occurred_at, event_id)") }} then 1
            else 0
        end as is_session_start
    from {{ relation }}
    where session_id is null

    union all

    select *, null as is_session_start
    from {{ relation }}
    where session_id is not null
),

numbered as (
    select
        *,
        sum(is_session_start) over (
            partition by brand_id, person_id, session_id is null
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from gaps
),

derived as (
    select
        *,
        min(occurred_at) over (
            partition by brand_id, person_id, session_id is null, session_number
        ) as derived_session_start
    from numbered
)
{%- endmacro %}
