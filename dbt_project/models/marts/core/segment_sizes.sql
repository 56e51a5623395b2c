-- Current size of every valid segment (also empty ones), evaluated as of the brand's
-- last day of data.
{{ config(contract={'enforced': true}) }}

with segments as (
    select brand_id, segment_id, segment_name from {{ ref('stg_raw__segments') }}
),

members as (
    select brand_id, segment_id, count(*) as persons
    from {{ ref('person_segments') }}
    group by brand_id, segment_id
),

brands as (
    select brand_id, persons, last_event_day from {{ ref('int_brands') }}
)

select
    cast(s.brand_id as {{ text_type() }}) as brand_id,
    cast(s.segment_id as {{ text_type() }}) as segment_id,
    cast(s.segment_name as {{ text_type() }}) as segment_name,
    cast(coalesce(m.persons, 0) as bigint) as persons,
    cast(case when b.persons > 0 then coalesce(m.persons, 0) * 1.0 / b.persons end as double)
        as share_of_persons,
    cast(b.last_event_day as date) as as_of_day
from segments as s
left join members as m on m.brand_id = s.brand_id and m.segment_id = s.segment_id
left join brands as b on b.brand_id = s.brand_id
