{#-
  Every event with its resolved person, brand-local time and session.

  Incremental on purpose, and safe to be: identity merges and derived sessions change
  retroactively, so a run does not just append new rows. It works out the persons
  "touched" since the last run and rebuilds *all* events of those persons:
    * persons with an event in the window [start - lookback_days, max_date) where start
      is var min_date (Dagster partition runs) or the newest occurred_at already loaded;
    * persons with an event not yet in this table (very late arrivals, any age);
    * persons whose stored person_id differs from the current identity map, both the
      old and the new person (a link moves an anonymous history to its user).
  A derived session of an event depends only on the person's earlier events, and the
  identity map is recomputed in full each run, so the rebuilt rows equal a full
  refresh. delete+insert on (brand_id, event_id) replaces them. Sessions, persons and
  all marts are full tables on top of this (cheap aggregates; incremental versions
  could not follow retroactive merges exactly).
-#}
{{
    config(
        materialized='incremental',
        unique_key=['brand_id', 'event_id'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}

{%- set session_gap_minutes = 30 -%}
{%- set lookback_days = var('lookback_days', 3) | int -%}

{%- if var('max_date') %}
{%- set before_max_date = '@.occurred_at < ' ~ core_utc_timestamp_var(var('max_date')) %}
{%- else %}
{%- set before_max_date = 'true' %}
{%- endif %}

with events as (
    select * from {{ ref('stg_raw__events') }}
),

identity_map as (
    select brand_id, anonymous_id, person_id from {{ ref('int_identity_map') }}
),

brands as (
    select brand_id, timezone from {{ ref('stg_raw__brands') }}
),

with_person as (
    select
        e.*,
        coalesce(e.user_id, m.person_id, e.anonymous_id) as person_id
    from events as e
    left join identity_map as m
        on m.brand_id = e.brand_id
        and m.anonymous_id = e.anonymous_id
),

{% if is_incremental() %}
window_start as (
    {#- exactly one row: the partition start, or the newest event already loaded -#}
    {% if var('min_date') %}
    select {{ core_utc_timestamp_var(var('min_date')) }} - interval '{{ lookback_days }} days' as start_at
    {% else %}
    select coalesce(max(occurred_at), cast('1970-01-01' as timestamp)) - interval '{{ lookback_days }} days' as start_at
    from {{ this }}
    {% endif %}
),

touched_persons as (
    select p.brand_id, p.person_id
    from with_person as p
    cross join window_start as w
    where p.occurred_at >= w.start_at and {{ before_max_date | replace('@', 'p') }}

    union

    select p.brand_id, p.person_id
    from with_person as p
    where {{ before_max_date | replace('@', 'p') }}
        and not exists (
            select 1 from {{ this }} as t
            where t.brand_id = p.brand_id and t.event_id = p.event_id
        )

    union

    select p.brand_id, p.person_id
    from with_person as p
    inner join {{ this }} as t
        on t.brand_id = p.brand_id and t.event_id = p.event_id
    where t.person_id <> p.person_id

    union

    select t.brand_id, t.person_id
    from with_person as p
    inner join {{ this }} as t
        on t.brand_id = p.brand_id and t.event_id = p.event_id
    where t.person_id <> p.person_id
),

-- All events of touched persons: new ones only up to max_date (a partition run
-- admits its own window), ones already loaded always (so a later event never keeps a
-- session that an earlier late event changed).
to_process as (
    select p.*
    from with_person as p
    inner join touched_persons as t
        on t.brand_id = p.brand_id and t.person_id = p.person_id
    where {{ before_max_date | replace('@', 'p') }}
        or exists (
            select 1 from {{ this }} as loaded
            where loaded.brand_id = p.brand_id and loaded.event_id = p.event_id
        )
),
{% else %}
to_process as (
    select * from with_person as p
    where {{ before_max_date | replace('@', 'p') }}
),
{% endif %}

-- Derived sessions: among a person's events without a session_id, a gap of more
-- than 30 minutes starts a new session (exactly 30 minutes apart: same session).
gaps as (
    select
        *,
        case
            when session_id is not null then null
            when lag(occurred_at) over (
                partition by brand_id, person_id order by occurred_at, event_id
            ) is null then 1
            when {{ dbt.datediff(
                "lag(occurred_at) over (partition by brand_id, person_id order by occurred_at, event_id)",
                "occurred_at", "second") }} > {{ session_gap_minutes * 60 }} then 1
            else 0
        end as is_session_start
    from to_process
    where session_id is null

    union all

    select *, null as is_session_start
    from to_process
    where session_id is not null
),

numbered as (
    select
        *,
        sum(is_session_start) over (
            partition by brand_id, person_id, session_id is null
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from gaps
),

derived as (
    select
        *,
        min(occurred_at) over (
            partition by brand_id, person_id, session_id is null, session_number
        ) as derived_session_start
    from numbered
)

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
            "cast(d.derived_session_start as varchar)"]) }}
    ) as session_id,
    d.session_id is null as is_derived_session,
    d.properties,
    d.revenue,
    d.currency,
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
    d._loaded_at
from derived as d
left join brands as b
    on b.brand_id = d.brand_id
