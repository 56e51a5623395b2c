{#-
  Every event with its resolved person, brand-local time and day, session and revenue
  in the brand's currency.

  Incremental, and equal to a full refresh: identity merges and derived sessions change
  retroactively, so a run does not just append. int_event_changes lists, stamped with
  this run, the events to admit (new or re-ingested raw rows), rebuild (stored events
  whose person, session or day may change; a session's events always together) or
  remove (gone from raw). This model stages the admitted ones from raw and the rebuilt
  ones from its own rows, resolves them, and the changed_keys strategy
  (macros/core/changed_keys_strategy.sql) deletes every listed event and inserts the new
  rows. Only those rows are staged: flattening the context JSON of every event is what
  a full build spends its time on. The identity map is recomputed in full each run.

  Every row it writes carries `_processed_at` (the run's start): int_changed_keys hands
  the persons, sessions and days of the rows stamped after it last ran to the models
  built on this one. `_admitted_before` (the run's max_date) tells the next run which
  raw rows this one held back (int_event_raw_changes).
-#}
-- depends_on: {{ ref('int_event_changes') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='changed_keys',
        changed_key='event_id',
        on_schema_change='append_new_columns',
        tags=['partitioned'],
    )
}}

{%- set session_gap_minutes = 30 %}

with identity_map as (
    select brand_id, anonymous_id, person_id from {{ ref('int_identity_map') }}
),

brands as (
    select brand_id, timezone, currency from {{ ref('stg_raw__brands') }}
),

fx_rates as (
    select currency, valid_from, valid_to, usd_per_unit from {{ ref('stg_seeds__fx_rates') }}
),

{% if is_incremental() %}
changes as (
    select brand_id, event_id, change, _loaded_at from {{ ref('int_event_changes') }}
    where _processed_at = {{ core_processed_at() }}
),

-- admitted events are staged from raw.events, joined by key plus _loaded_at: the join
-- pushes the _loaded_at range into the scan, so a run after one new load reads only that
-- load's row groups. Rebuilt events are unchanged in raw, so their staged columns are
-- taken from this table as they are (the session_id sent is the stored one unless it
-- was derived). They are found by key on the key columns alone and then fetched by
-- rowid (valid within this statement): a join of the whole stored table reads every
-- column of every row (at 10M events the day's select took 5-6 s instead of 8-10 s).
-- Only DuckDB builds incrementally (engine_builds_incrementally).
staged as (
    {{ core_stage_events(
        '(select r.* from ' ~ source('raw', 'events') ~ ' as r inner join changes as k'
        ~ ' on k.brand_id = r.brand_id and k.event_id = r.event_id'
        ~ " and k._loaded_at = r._loaded_at and k.change = 'admit')"
    ) | indent(4) }}

    union all

    select
        t.brand_id, t.event_id, t.event_name, t.occurred_at, t.anonymous_id, t.user_id,
        case when t.is_derived_session then null else t.session_id end as session_id,
        t.properties, t.original_revenue as revenue, t.original_currency as currency,
        t.page_url, t.referrer, t.utm_source, t.utm_medium, t.utm_campaign,
        t.country, t.device, t.os, t.browser,
        t._partition_date, cast(null as {{ text_type() }}) as _source_file, cast(null as bigint) as _line,
        t._loaded_at
    from {{ this }} as t
    where t.rowid in (
        select s.rowid
        from {{ this }} as s
        inner join changes as k
            on k.brand_id = s.brand_id and k.event_id = s.event_id and k.change = 'rebuild'
    )
),
{% else %}
staged as (
    select * from {{ ref('stg_raw__events') }} as e
    where {{ core_before_max_date('e.occurred_at') }}
),
{% endif %}

to_process as (
    select
        e.*,
        coalesce(e.user_id, m.person_id, e.anonymous_id) as person_id
    from staged as e
    left join identity_map as m
        on m.brand_id = e.brand_id
        and m.anonymous_id = e.anonymous_id
),

-- derived sessions: a gap of more than {{ session_gap_minutes }} minutes between a person's events
-- without session_id starts a new one (macros/core/derived_sessions.sql)
{{ core_derived_sessions('to_process', session_gap_minutes) }}

select
    d.brand_id,
    d.event_id,
    d.event_name,
    d.occurred_at,
    {{ to_brand_local('d.occurred_at', "coalesce(b.timezone, 'UTC')") }} as occurred_at_local,
    {{ brand_day('d.occurred_at', "coalesce(b.timezone, 'UTC')") }} as event_day,
    coalesce(b.timezone, 'UTC') as timezone,
    d.person_id,
    d.anonymous_id,
    d.user_id,
    coalesce(
        d.session_id,
        {{ dbt.concat(["'derived:'", "d.person_id", "'@'",
            "cast(d.derived_session_start as " ~ text_type() ~ ")"]) }}
    ) as session_id,
    d.session_id is null as is_derived_session,
    d.properties,
    -- revenue in the brand's currency: an event paid in another one is converted with
    -- the rates of its UTC day (fx_rates seed); NULL when a rate is missing
    case
        when d.revenue is null then null
        when d.currency is null or b.currency is null or d.currency = b.currency then d.revenue
        else d.revenue * fx_paid.usd_per_unit / fx_brand.usd_per_unit
    end as revenue,
    case when d.revenue is not null then coalesce(b.currency, d.currency) end as currency,
    d.revenue as original_revenue,
    d.currency as original_currency,
    case
        when d.revenue is null then null
        when d.currency is null or b.currency is null or d.currency = b.currency then 1.0
        else fx_paid.usd_per_unit / fx_brand.usd_per_unit
    end as fx_rate,
    d.page_url,
    d.referrer,
    d.utm_source,
    d.utm_medium,
    d.utm_campaign,
    d.country,
    d.device,
    d.os,
    d.browser,
    d._partition_date,
    d._loaded_at,
    {{ core_processed_at() }} as _processed_at,
    {{ core_admitted_before() }} as _admitted_before
from derived as d
left join brands as b
    on b.brand_id = d.brand_id
left join fx_rates as fx_paid
    on d.currency <> b.currency
    and fx_paid.currency = d.currency
    and cast(d.occurred_at as date) >= fx_paid.valid_from
    and cast(d.occurred_at as date) < fx_paid.valid_to
left join fx_rates as fx_brand
    on d.currency <> b.currency
    and fx_brand.currency = b.currency
    and cast(d.occurred_at as date) >= fx_brand.valid_from
    and cast(d.occurred_at as date) < fx_brand.valid_to
