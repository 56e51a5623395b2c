{#-
  One row per resolved person and brand-local day with an event: the day's events,
  orders (events with revenue > 0), revenue and first/last event time. The marts that
  only need "was this person active that day" or day totals (lifecycle, cohort_retention,
  cohort_ltv, daily_brand_metrics, the brand dimension, the event-count features) read
  this rollup, several times smaller than the events, instead of the events.

  Incremental by (person, day): a row depends only on that person's events of that day,
  so a run recomputes just the person-days with an event stamped after the watermark
  this table has consumed (reading those person-days' events), and the post-hook
  deletes the rows they replace and every row of a person that lost events (merged into
  another person, or gone from raw: int_events_resolved's key log). Such a person's
  remaining events are re-stamped in the same run, so their days are recomputed too.
  See macros/core/incremental.sql.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        post_hook="{{ core_delete_stale_rows('person_id', day_key='event_day') }}",
    )
}}

{%- set incremental = core_has_watermark() %}

with watermark as (
    {{ core_events_watermark() }}
),

{% if incremental %}
touched as (
    select distinct e.brand_id, e.person_id, e.event_day
    from {{ ref('int_events_resolved') }} as e
    where e._processed_at > ({{ core_consumed_watermark() }})
),
{% endif %}

events as (
    select e.brand_id, e.person_id, e.event_day, e.occurred_at, e.revenue
    from {{ ref('int_events_resolved') }} as e
    {%- if incremental %}
    inner join touched as t
        on t.brand_id = e.brand_id
        and t.person_id = e.person_id
        and t.event_day = e.event_day
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
