-- Funnel results by entry day (the brand-local day of the counted attempt's step-1
-- event): persons who entered that day, how many converted, and how fast.
with brands as (
    select brand_id, timezone from {{ ref('int_brands') }}
),

persons as (
    select
        p.*,
        coalesce(b.timezone, 'UTC') as timezone,
        cast({{ dbt.date_trunc('day', 'p.entered_at') }} as timestamp) as utc_midnight
    from {{ ref('funnel_persons') }} as p
    left join brands as b
        on b.brand_id = p.brand_id
),

-- A time zone conversion per row is slow (ICU, zone read from a column): the offset is
-- taken once per zone and UTC day, and used for that day's rows when it is the same at
-- the day's start and at the next day's start (no change of offset that day). Other
-- rows are converted one by one.
utc_days as (
    select distinct timezone, utc_midnight
    from persons
),

{% set next_midnight = dbt.dateadd('day', 1, 'utc_midnight') %}
day_offsets as (
    select
        timezone,
        utc_midnight,
        {{ dbt.datediff('utc_midnight', '(' ~ to_brand_local('utc_midnight', 'timezone') ~ ')', 'second') }}
            as offset_seconds,
        {{ dbt.datediff(next_midnight, '(' ~ to_brand_local(next_midnight, 'timezone') ~ ')', 'second') }}
            as next_offset_seconds
    from utc_days
),

entries as (
    select
        p.brand_id,
        p.funnel_id,
        case
            when o.offset_seconds = o.next_offset_seconds
                then cast({{ dbt.dateadd('second', 'o.offset_seconds', 'p.entered_at') }} as date)
            else {{ brand_day('p.entered_at', 'p.timezone') }}
        end as day,
        p.converted,
        p.seconds_to_convert
    from persons as p
    left join day_offsets as o
        on o.timezone = p.timezone
        and o.utc_midnight = p.utc_midnight
)

select
    brand_id,
    funnel_id,
    day,
    count(*) as entered_persons,
    count(case when converted then 1 end) as converted_persons,
    count(case when converted then 1 end) * 1e0 / count(*) as conversion_rate,
    avg(seconds_to_convert) as avg_seconds_to_convert,
    {{ funnel_median('seconds_to_convert') }} as median_seconds_to_convert
from entries
group by 1, 2, 3
