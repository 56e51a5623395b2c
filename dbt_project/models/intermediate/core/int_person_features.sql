-- Per-person features in long format, the catalog of seeds/segment_features.csv, for
-- data-driven segment evaluation. "Last N days" are the N brand-local days ending
-- with (and including) the brand's last day of data (its last event day), so
-- segments do not drift with the wall clock. Count features are 0, not missing, when
-- nothing happened; text features are absent (NULL) when unknown. event_count_* rows
-- exist only for (feature, event name) pairs that some segment leaf references.
{%- set number_features = ['recency_days', 'frequency', 'monetary', 'sessions_7d', 'sessions_30d',
    'sessions_90d', 'events_7d', 'events_30d', 'days_since_first_seen', 'ai_generations_30d'] %}
{%- set text_features = ['country', 'acquisition_channel', 'plan'] %}

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

-- Event counts from the person-days; the named counts read only the events with a
-- referenced name.
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
),

referenced_event_counts as (
    select distinct
        brand_id,
        feature,
        feature_param,
        case feature
            when 'event_count_7d' then 7
            when 'event_count_30d' then 30
            when 'event_count_90d' then 90
        end as window_days
    from {{ ref('stg_raw__segment_rule_nodes') }}
    where node_type = 'leaf'
        and feature in ('event_count_7d', 'event_count_30d', 'event_count_90d')
        and feature_param is not null
),

-- Only persons with such events: the others get 0 below.
named_event_counts as (
    select
        e.brand_id,
        e.person_id,
        r.feature,
        r.feature_param,
        count(e.event_id) as value_number
    from {{ ref('int_events_resolved') }} as e
    inner join referenced_event_counts as r
        on r.brand_id = e.brand_id
        and r.feature_param = e.event_name
    inner join brands as b on b.brand_id = e.brand_id
    where {{ dbt.datediff('e.event_day', 'b.last_event_day', 'day') }} < r.window_days
    group by 1, 2, 3, 4
),

-- The (feature, feature_param) rows every person of a brand gets.
brand_features as (
    {%- for f in number_features + text_features %}
    select brand_id, '{{ f }}' as feature, cast(null as varchar) as feature_param from brands
    union all
    {%- endfor %}
    select brand_id, feature, feature_param from referenced_event_counts
),

wide as (
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
)

-- One pass over persons x features (not one select per feature): the table is written
-- by a single parallel pipeline.
select
    w.brand_id,
    w.person_id,
    f.feature,
    f.feature_param,
    case
        when f.feature_param is not null then cast(coalesce(n.value_number, 0) as double)
        {%- for nf in number_features %}
        when f.feature = '{{ nf }}' then cast(w.{{ nf }} as double)
        {%- endfor %}
    end as value_number,
    case f.feature
        {%- for tf in text_features %}
        when '{{ tf }}' then cast(w.{{ tf }} as varchar)
        {%- endfor %}
    end as value_text
from wide as w
inner join brand_features as f on f.brand_id = w.brand_id
left join named_event_counts as n
    on n.brand_id = w.brand_id
    and n.person_id = w.person_id
    and n.feature = f.feature
    and n.feature_param = f.feature_param
where f.feature not in ({% for tf in text_features %}'{{ tf }}'{% if not loop.last %}, {% endif %}{% endfor %})
    or case f.feature
        {%- for tf in text_features %}
        when '{{ tf }}' then w.{{ tf }}
        {%- endfor %}
    end is not null
