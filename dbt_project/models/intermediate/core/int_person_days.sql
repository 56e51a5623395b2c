{#-
  One row per resolved person and brand-local day with an event: the day's events,
  orders (events with revenue > 0), revenue and first/last event time. The marts that
  only need "was this person active that day" or day totals (lifecycle, cohort_retention,
  cohort_ltv, daily_brand_metrics, the brand dimension, the event-count features) read
  this rollup, several times smaller than the events, instead of the events.

  Incremental over changed persons (int_changed_keys), like int_persons: a run
  recomputes every day of the changed persons and the changed_keys strategy replaces
  their rows.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='changed_keys',
        changed_key='person_id',
        on_schema_change='append_new_columns',
    )
}}

with watermark as (
    {{ core_events_watermark() }}
),

{% if is_incremental() %}
changed as (
    {{ changed_keys('person_id') }}
),
{% endif %}

events as (
    select e.brand_id, e.person_id, e.event_day, e.occurred_at, e.revenue
    from {{ ref('int_events_resolved') }} as e
    {%- if is_incremental() %}
    inner join changed as t on t.brand_id = e.brand_id and t.person_id = e.person_id
    {%- endif %}
)

select
    e.brand_id,
    e.person_id,
    e.event_day,
    count(*) as events,
    count(case when e.revenue > 0 then 1 end) as orders,
    coalesce(sum(e.revenue), 0) as revenue,
    min(e.occurred_at) as first_event_at,
    max(e.occurred_at) as last_event_at,
    w.events_watermark as _events_watermark
from events as e
cross join watermark as w
group by e.brand_id, e.person_id, e.event_day, w.events_watermark
