-- One row per session (given session_id, or derived in int_events_resolved).
-- A full table, not incremental: a late event or an identity merge can change a
-- session's start, person and counts, and the aggregate over events is cheap.
with events as (
    select
        *,
        row_number() over (
            partition by brand_id, session_id order by occurred_at, event_id
        ) as position_in_session
    from {{ ref('int_events_resolved') }}
)

select
    brand_id,
    session_id,
    max(case when position_in_session = 1 then person_id end) as person_id,
    min(occurred_at) as started_at,
    max(occurred_at) as ended_at,
    max(case when position_in_session = 1 then event_day end) as session_day,
    {{ dbt.datediff('min(occurred_at)', 'max(occurred_at)', 'second') }} as duration_seconds,
    count(*) as events,
    sum(case when revenue > 0 then 1 else 0 end) as orders,
    coalesce(sum(revenue), 0) as revenue,
    bool_or(is_derived_session) as is_derived,
    max(case when position_in_session = 1 then page_url end) as landing_page_url,
    max(case when position_in_session = 1 then utm_source end) as utm_source,
    max(case when position_in_session = 1 then utm_medium end) as utm_medium,
    max(case when position_in_session = 1 then utm_campaign end) as utm_campaign,
    max(case when position_in_session = 1 then country end) as country,
    max(case when position_in_session = 1 then device end) as device
from events
group by brand_id, session_id
