-- Every step of every valid funnel, with the funnel's name and a readable label: the
-- event name ('any event' when the step matches any event) and its `where` filters.
{{ config(contract={'enforced': true}) }}

with steps as (
    select * from {{ ref('stg_raw__funnel_steps') }}
),

funnels as (
    select brand_id, funnel_id, funnel_name, step_count from {{ ref('stg_raw__funnels') }}
),

filters as (
    select
        brand_id,
        funnel_id,
        step_number,
        {{ dbt.listagg("property || ' = ' || coalesce(value_text, 'null')", "', '", "order by property") }}
            as filters
    from {{ ref('stg_raw__funnel_step_filters') }}
    group by brand_id, funnel_id, step_number
)

select
    cast(s.brand_id as {{ text_type() }}) as brand_id,
    cast(s.funnel_id as {{ text_type() }}) as funnel_id,
    cast(f.funnel_name as {{ text_type() }}) as funnel_name,
    cast(s.step_number as integer) as step_number,
    cast(s.event_name as {{ text_type() }}) as event_name,
    cast(s.filter_count as integer) as filter_count,
    cast(fl.filters as {{ text_type() }}) as filters,
    cast(
        coalesce(s.event_name, 'any event')
        || case when fl.filters is null then '' else ' where ' || fl.filters end
        as {{ text_type() }}
    ) as step_label
from steps as s
inner join funnels as f
    on f.brand_id = s.brand_id and f.funnel_id = s.funnel_id
left join filters as fl
    on fl.brand_id = s.brand_id and fl.funnel_id = s.funnel_id and fl.step_number = s.step_number
where s.step_number between 1 and f.step_count
