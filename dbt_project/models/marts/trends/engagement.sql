-- Engagement per brand and brand-local day, continuous from the brand's first to its
-- last event day: DAU (persons active that day), WAU (active in the 7 days ending that
-- day), MAU (the 30 days ending that day) and stickiness = DAU / MAU.
-- Rolling distinct counts without a range join: after each active day a person counts
-- towards WAU for the next 7 days (MAU: 30) or until their next active day, whichever
-- comes first. Those spans never overlap for one person, so the persons counted on a
-- day are the spans covering it: +1 where a span starts, -1 after it ends, summed.
{{ config(contract={'enforced': true}) }}

with person_days as (
    select brand_id, person_id, event_day
    from {{ ref('int_person_days') }}
),

spans as (
    select
        brand_id,
        event_day,
        lead(event_day) over (partition by brand_id, person_id order by event_day) as next_day
    from person_days
),

{%- set wau_end = "cast(" ~ dbt.dateadd('day', 7, 'event_day') ~ " as date)" %}
{%- set mau_end = "cast(" ~ dbt.dateadd('day', 30, 'event_day') ~ " as date)" %}

-- (day, +1/-1) for the WAU and MAU spans: each starts on an active day and ends
-- (exclusive) 7 / 30 days later or on the person's next active day
deltas as (
    select brand_id, event_day as day, 1 as dau, 1 as wau, 1 as mau
    from spans
    union all
    select brand_id,
        case when next_day is not null and next_day < {{ wau_end }} then next_day else {{ wau_end }} end,
        0, -1, 0
    from spans
    union all
    select brand_id,
        case when next_day is not null and next_day < {{ mau_end }} then next_day else {{ mau_end }} end,
        0, 0, -1
    from spans
),

day_deltas as (
    select brand_id, day, sum(dau) as dau, sum(wau) as wau_delta, sum(mau) as mau_delta
    from deltas
    group by brand_id, day
),

bounds as (
    select brand_id, min(event_day) as first_day, max(event_day) as last_day
    from person_days
    group by brand_id
),

spine as (
    {{ brand_day_spine('bounds') }}
),

rolled as (
    select
        s.brand_id,
        s.day,
        coalesce(d.dau, 0) as dau,
        sum(coalesce(d.wau_delta, 0)) over (
            partition by s.brand_id order by s.day rows between unbounded preceding and current row
        ) as wau,
        sum(coalesce(d.mau_delta, 0)) over (
            partition by s.brand_id order by s.day rows between unbounded preceding and current row
        ) as mau
    from spine as s
    left join day_deltas as d on d.brand_id = s.brand_id and d.day = s.day
)

select
    cast(brand_id as {{ text_type() }}) as brand_id,
    cast(day as date) as day,
    cast(dau as bigint) as dau,
    cast(wau as bigint) as wau,
    cast(mau as bigint) as mau,
    cast(case when mau > 0 then dau * 1.0 / mau end as double) as stickiness
from rolled
