{#-
  Cohort membership per cohort definition: a person joins the cohort of the
  (brand-local) period of their start event. `first_time`: only the period of the
  person's first start event ever; `recurring`: every period with a start event.
  start_event NULL means any event.

  Incremental: membership depends only on the person's own events and the cohort
  definition. A run recomputes the changed persons (int_changed_keys) for every cohort,
  and every person for a cohort whose definition is new or changed (kind, grain, periods
  and start_event are kept on the rows to compare). The changed_keys strategy deletes the
  changed persons' rows and the rows of a definition that no longer exists as stored,
  and inserts the recomputed ones.
-#}
{%- set definition_columns = ['brand_id', 'cohort_id', 'kind', 'grain', 'periods', 'start_event'] %}
{{
    config(
        materialized='incremental',
        incremental_strategy='changed_keys',
        changed_key='person_id',
        definitions={'model': 'stg_raw__cohorts', 'columns': definition_columns},
        on_schema_change='append_new_columns',
    )
}}

with watermark as (
    {{ core_events_watermark() }}
),

definitions as (
    select brand_id, cohort_id, kind, grain, periods, start_event
    from {{ ref('stg_raw__cohorts') }}
),

{% if is_incremental() %}
changed as (
    {{ changed_keys('person_id') }}
),

redefined as (
    select d.brand_id, d.cohort_id
    from definitions as d
    where not exists (
        select 1
        from (select distinct {{ definition_columns | join(', ') }} from {{ this }}) as s
        where {{ core_same_definition('s', 'd', definition_columns) }}
    )
),
{% endif %}

{% if is_incremental() %}
-- the changed persons' events (an inner join: DuckDB then skips the other persons' rows
-- before the join instead of carrying all events through a left join), and every event
-- of a brand with a new or changed definition. A changed person of such a brand comes
-- twice; start_periods only takes the min per group, so that changes nothing.
events as (
    select e.brand_id, e.person_id, e.event_name, e.event_day, true as is_changed
    from {{ ref('int_events_resolved') }} as e
    inner join changed as t on t.brand_id = e.brand_id and t.person_id = e.person_id

    union all

    select e.brand_id, e.person_id, e.event_name, e.event_day, false as is_changed
    from {{ ref('int_events_resolved') }} as e
    where e.brand_id in (select brand_id from redefined)
),
{% else %}
events as (
    select e.brand_id, e.person_id, e.event_name, e.event_day
    from {{ ref('int_events_resolved') }} as e
),
{% endif %}

start_periods as (
    select
        d.brand_id,
        d.cohort_id,
        d.kind,
        d.grain,
        d.periods,
        d.start_event,
        e.person_id,
        {{ core_period_start('d.grain', 'e.event_day') }} as cohort_start,
        min(e.event_day) as first_start_day
    from definitions as d
    inner join events as e
        on e.brand_id = d.brand_id
        and (d.start_event is null or e.event_name = d.start_event)
    {%- if is_incremental() %}
    left join redefined as r on r.brand_id = d.brand_id and r.cohort_id = d.cohort_id
    where e.is_changed or r.cohort_id is not null
    {%- endif %}
    group by 1, 2, 3, 4, 5, 6, 7, 8
),

ranked as (
    select
        *,
        row_number() over (
            partition by brand_id, cohort_id, person_id order by cohort_start
        ) as start_rank
    from start_periods
)

select
    r.brand_id,
    r.cohort_id,
    r.kind,
    r.grain,
    r.periods,
    r.person_id,
    r.cohort_start,
    r.first_start_day,
    r.start_event,
    w.events_watermark as _events_watermark
from ranked as r
cross join watermark as w
where r.kind = 'recurring' or r.start_rank = 1
