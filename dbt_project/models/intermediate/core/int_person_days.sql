{#-
  One row per resolved person and brand-local day with an event: the day's events,
  orders (events with revenue > 0), revenue and first/last event time. The marts that
  only need "was this person active that day" or day totals (lifecycle, cohort_retention,
  cohort_ltv, daily_brand_metrics, the brand dimension, the event-count features) read
  this rollup, several times smaller than the events, instead of the events.

  Incremental over touched persons, like int_persons: a run recomputes every day of the
  persons with an event stamped after the watermark this table has consumed, and the
  post-hook deletes their older rows and those of persons that no longer exist. Not by
  (person, day): a rebuilt event can leave its day without staying with its person or
  session (a brand's new timezone, a re-ingested event with a corrected time), and the
  key log only lists persons and sessions that lost events. See
  macros/core/incremental.sql.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        post_hook="{{ core_delete_stale_rows('person_id') }}",
    )
}}

{%- set incremental = core_has_watermark() %}

with watermark as (
    {{ core_events_watermark() }}
),

{% if incremental %}
touched as (
    {{ core_touched_keys('person_id') }}
),
{% endif %}

events as (
    select e.brand_id, e.person_id, e.event_day, e.occurred_at, e.revenue
    from {{ ref('int_events_resolved') }} as e
    {%- if incremental %}
    inner join touched as t on t.brand_id = e.brand_id and t.person_id = e.person_id
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
