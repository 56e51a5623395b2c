-- Per-person features, one row per person and one column per feature of the catalog
-- seeds/segment_features.csv (all but event_count_*, which take an event name: see
-- int_person_features_long). "Last N days" are the N brand-local days ending with (and
-- including) the brand's last day of data (its last event day), so segments do not
-- drift with the wall clock. Count features are 0, not missing, when nothing happened;
-- text features are NULL when unknown.
-- A full table: the windows move with the brand's last day, so every person's values
-- change with a new day. Wide on purpose: ~13x fewer rows to write than the long format
-- segments are evaluated on (writing 5.9M long rows cost 4-5 s of a 10M day, this 1.3 s).
with brands as (
    select brand_id, timezone, last_event_day from {{ ref('int_brands') }}
),

persons as (
    select p.*, b.last_event_day
    from {{ ref('int_persons') }} as p
    inner join brands as b on b.brand_id = p.brand_id
),

sessions as (
    select
        s.brand_id,
        s.person_id,
        {{ dbt.datediff('s.session_day', 'b.last_event_day', 'day') }} as age_days
    from {{ ref('int_sessions') }} as s
    inner join brands as b on b.brand_id = s.brand_id
),

ai_requests as (
    select
        r.brand_id,
        r.user_id as person_id,
        count(*) as ai_generations_30d
    from {{ ref('stg_raw__ai_generation_requests') }} as r
    inner join brands as b on b.brand_id = r.brand_id
    where r.user_id is not null
        -- cheap UTC pre-filter (no offset exceeds a day), so that only the last month's
        -- requests are converted to the brand's day
        and r.requested_at >= cast({{ dbt.dateadd('day', -31, 'b.last_event_day') }} as timestamp)
        and {{ dbt.datediff(brand_day('r.requested_at', 'b.timezone'), 'b.last_event_day', 'day') }} <= 29
    group by 1, 2
),

-- Event counts from the person-days.
event_counts as (
    select
        e.brand_id,
        e.person_id,
        sum(case when {{ dbt.datediff('e.event_day', 'b.last_event_day', 'day') }} <= 6 then e.events end) as events_7d,
        sum(e.events) as events_30d
    from {{ ref('int_person_days') }} as e
    inner join brands as b on b.brand_id = e.brand_id
    where {{ dbt.datediff('e.event_day', 'b.last_event_day', 'day') }} <= 29
    group by e.brand_id, e.person_id
),

session_counts as (
    select
        brand_id,
        person_id,
        count(case when age_days <= 6 then 1 end) as sessions_7d,
        count(case when age_days <= 29 then 1 end) as sessions_30d,
        count(case when age_days <= 89 then 1 end) as sessions_90d
    from sessions
    group by brand_id, person_id
)

select
    p.brand_id,
    p.person_id,
    {{ dbt.datediff('p.last_seen_day', 'p.last_event_day', 'day') }} as recency_days,
    p.orders as frequency,
    p.revenue as monetary,
    coalesce(s.sessions_7d, 0) as sessions_7d,
    coalesce(s.sessions_30d, 0) as sessions_30d,
    coalesce(s.sessions_90d, 0) as sessions_90d,
    coalesce(e.events_7d, 0) as events_7d,
    coalesce(e.events_30d, 0) as events_30d,
    {{ dbt.datediff('p.first_seen_day', 'p.last_event_day', 'day') }} as days_since_first_seen,
    coalesce(a.ai_generations_30d, 0) as ai_generations_30d,
    p.country,
    p.acquisition_channel,
    p.plan
from persons as p
left join session_counts as s on s.brand_id = p.brand_id and s.person_id = p.person_id
left join event_counts as e on e.brand_id = p.brand_id and e.person_id = p.person_id
left join ai_requests as a on a.brand_id = p.brand_id and a.person_id = p.person_id
