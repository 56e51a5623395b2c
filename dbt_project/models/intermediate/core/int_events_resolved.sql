{#-
  Every event with its resolved person, brand-local time and session.

  Incremental on purpose, and safe to be: identity merges and derived sessions change
  retroactively, so a run does not just append new rows. It works out exactly which
  rows change since the last run and rebuilds them:
    * changed raw events: new, reloaded (`_loaded_at` differs from the stored one: a
      re-ingested partition may change it) or gone from raw, found with one join of
      raw.events' key columns against this table's, so late events of any age are
      caught without a lookback window;
    * every event of: the stored person of a reloaded or gone event; both the stored
      and the current person of an anonymous_id whose stored person differs from the
      current identity map (a link moves an anonymous history to its user; compared
      per anonymous_id, not per event); every person of a brand whose timezone
      changed;
    * a person that only gained events keeps its earlier derived sessions: its
      derived events are rebuilt from the start of its last derived session that
      begins before its earliest new event;
    * every event with a given session_id that gains, loses or moves events (the
      session's first event, so its owner in int_sessions / int_persons, may change).
  The identity map is recomputed in full each run, so the rebuilt rows equal a full
  refresh. delete+insert on (brand_id, event_id) replaces them; a post-hook deletes
  rows whose event is gone from raw. Only the rebuilt rows are staged (flattening the
  context JSON of every event is what a full build spends its time on).

  Every rebuilt row carries `_processed_at` (the run's start): the person-level
  incremental models (int_sessions, int_persons, int_cohort_members) recompute what
  was stamped after the watermark they consumed.

  `max_date` (Dagster's partition end) admits new events with occurred_at before it;
  events already loaded always stay. `min_date` is no longer needed to find new
  events. `lookback_days` (default 0) additionally rebuilds the persons with events in
  the last N days before min_date (or the newest loaded event): the explicit
  new-event detection above already catches late events of any age, so the lookback
  is redundant and kept only as an optional safety net.
-#}
{{
    config(
        materialized='incremental',
        unique_key=['brand_id', 'event_id'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        tags=['partitioned'],
        pre_hook="{{ core_keep_written_join_order(true) }}",
        post_hook=[
            "{{ core_keep_written_join_order(false) }}",
            "{{ core_delete_events_gone_from_raw() }}",
        ],
    )
}}

{%- set session_gap_minutes = 30 -%}
{%- set lookback_days = var('lookback_days', 0) | int -%}
{%- set raw_events = source('raw', 'events') -%}

{%- if var('max_date') %}
{%- set before_max_date = '@.occurred_at < ' ~ core_utc_timestamp_var(var('max_date')) %}
{%- else %}
{%- set before_max_date = 'true' %}
{%- endif %}

with identity_map as (
    select brand_id, anonymous_id, person_id from {{ ref('int_identity_map') }}
),

brands as (
    select brand_id, timezone from {{ ref('stg_raw__brands') }}
),

{% if is_incremental() %}
stored as (
    select
        brand_id, event_id, occurred_at, person_id, anonymous_id, user_id, session_id,
        is_derived_session, timezone, _partition_date, _loaded_at
    from {{ this }}
),

raw_keys as (
    select
        brand_id,
        event_id,
        cast(occurred_at as timestamp) as occurred_at,
        nullif(anonymous_id, '') as anonymous_id,
        nullif(user_id, '') as user_id,
        nullif(session_id, '') as session_id,
        _partition_date,
        _loaded_at
    from {{ raw_events }}
),

-- Raw rows that are new, reloaded or gone, next to what is stored for them.
changes as (
    select
        coalesce(r.brand_id, t.brand_id) as brand_id,
        coalesce(r.event_id, t.event_id) as event_id,
        r.event_id is not null as in_raw,
        t.event_id is not null as in_stored,
        r.occurred_at,
        r.anonymous_id,
        r.user_id,
        r.session_id,
        r._partition_date,
        r._loaded_at,
        t.person_id as stored_person_id
    from raw_keys as r
    full outer join stored as t
        on t.brand_id = r.brand_id and t.event_id = r.event_id
    where r.event_id is null
        or t.event_id is null
        or r._loaded_at is distinct from t._loaded_at
),

-- New or reloaded raw events this run takes in, with their current person.
admitted as (
    select
        c.brand_id,
        c.event_id,
        c.occurred_at,
        c.session_id,
        c._partition_date,
        c._loaded_at,
        coalesce(c.user_id, m.person_id, c.anonymous_id) as person_id
    from changes as c
    left join identity_map as m
        on m.brand_id = c.brand_id and m.anonymous_id = c.anonymous_id
    where c.in_raw and (c.in_stored or {{ before_max_date | replace('@', 'c') }})
),

-- An event without user_id belongs to its anonymous_id's person: compare the stored
-- person of each anonymous_id with the current identity map.
remapped as (
    select
        s.brand_id,
        s.person_id as stored_person_id,
        coalesce(m.person_id, s.anonymous_id) as person_id
    from (
        select distinct brand_id, anonymous_id, person_id
        from stored
        where user_id is null and anonymous_id is not null
    ) as s
    left join identity_map as m
        on m.brand_id = s.brand_id and m.anonymous_id = s.anonymous_id
    where s.person_id <> coalesce(m.person_id, s.anonymous_id)
),

retimed_brands as (
    select distinct t.brand_id
    from (select distinct brand_id, timezone from stored) as t
    left join brands as b on b.brand_id = t.brand_id
    where t.timezone <> coalesce(b.timezone, 'UTC')
),

-- Persons whose every event is rebuilt: the stored person of a reloaded or vanished
-- event, both persons of a remapped anonymous_id, every person of a retimed brand.
full_persons as (
    select brand_id, stored_person_id as person_id from changes where in_stored
    union
    select brand_id, stored_person_id from remapped
    union
    select brand_id, person_id from remapped
    union
    select t.brand_id, t.person_id
    from stored as t
    inner join retimed_brands as b on b.brand_id = t.brand_id
    {%- if lookback_days > 0 %}
    union
    select t.brand_id, t.person_id
    from stored as t
    where t.occurred_at >= (
        {%- if var('min_date') %}
        {{ core_utc_timestamp_var(var('min_date')) }}
        {%- else %}
        select max(occurred_at) from stored
        {%- endif %}
    ) - interval '{{ lookback_days }} days'
    {%- endif %}
),

-- Persons that only gained events. Their stored events keep their person; a new event
-- can only change the derived sessions from the one before it on (an earlier
-- session keeps its start, so its id). So their derived events are rebuilt from the
-- start of their last stored derived session that starts before the earliest new
-- event without session_id (all of them when there is none): that first rebuilt event
-- starts a session before and after, and the gaps are worked out from it on.
appended as (
    select
        a.brand_id,
        a.person_id,
        min(case when a.session_id is null then a.occurred_at end) as first_new_at
    from admitted as a
    where not exists (
        select 1 from full_persons as f
        where f.brand_id = a.brand_id and f.person_id = a.person_id
    )
    group by a.brand_id, a.person_id
),

appended_from as (
    select p.brand_id, p.person_id, max(s.started_at) as rebuild_from
    from appended as p
    left join (
        select t.brand_id, t.person_id, t.session_id, min(t.occurred_at) as started_at
        from stored as t
        inner join appended as p on p.brand_id = t.brand_id and p.person_id = t.person_id
        where t.is_derived_session
        group by t.brand_id, t.person_id, t.session_id
    ) as s
        on s.brand_id = p.brand_id
        and s.person_id = p.person_id
        and s.started_at < p.first_new_at
    where p.first_new_at is not null
    group by p.brand_id, p.person_id
),

-- Given session_ids that gain, lose or move events: every stored event in them is
-- rebuilt (restamped), so the session's old and new owner are both touched for
-- int_sessions / int_persons. (Such an event does not depend on other events.)
shared_sessions as (
    select brand_id, session_id from admitted where session_id is not null
    union
    select t.brand_id, t.session_id
    from stored as t
    inner join full_persons as f
        on f.brand_id = t.brand_id and f.person_id = t.person_id
    where not t.is_derived_session
),

-- Stored events to rebuild (a reloaded or gone one is not: it is admitted with its new
-- version, or deleted).
rebuilt_stored as (
    select k.brand_id, k.event_id
    from (
        select t.brand_id, t.event_id
        from stored as t
        inner join full_persons as f
            on f.brand_id = t.brand_id and f.person_id = t.person_id
        union
        select t.brand_id, t.event_id
        from stored as t
        inner join appended_from as a
            on a.brand_id = t.brand_id and a.person_id = t.person_id
        where t.is_derived_session
            and (a.rebuild_from is null or t.occurred_at >= a.rebuild_from)
        union
        select t.brand_id, t.event_id
        from stored as t
        inner join shared_sessions as s
            on s.brand_id = t.brand_id and s.session_id = t.session_id
        where not t.is_derived_session
    ) as k
    where not exists (
        select 1 from changes as c
        where c.in_stored and c.brand_id = k.brand_id and c.event_id = k.event_id
    )
),

-- Admitted events are staged from raw.events, joined by key plus _loaded_at: the join
-- pushes the _loaded_at range into the scan, so a run after one new load reads only
-- that load's row groups. Stored events to rebuild are unchanged in raw (same
-- _loaded_at), so their staged columns are taken from this table as they are (the
-- session_id sent is the stored one unless it was derived).
staged as (
    {{ core_stage_events(
        '(select r.* from ' ~ raw_events ~ ' as r inner join admitted as k'
        ~ ' on k.brand_id = r.brand_id and k.event_id = r.event_id'
        ~ ' and k._loaded_at = r._loaded_at)'
    ) | indent(4) }}

    union all

    select
        t.brand_id,
        t.event_id,
        t.event_name,
        t.occurred_at,
        t.anonymous_id,
        t.user_id,
        case when t.is_derived_session then null else t.session_id end as session_id,
        t.properties,
        t.revenue,
        t.currency,
        t.page_url,
        t.referrer,
        t.utm_source,
        t.utm_medium,
        t.utm_campaign,
        t.country,
        t.device,
        t.os,
        t.browser,
        t._partition_date,
        cast(null as varchar) as _source_file,
        cast(null as bigint) as _line,
        t._loaded_at
    from {{ this }} as t
    inner join rebuilt_stored as k
        on k.brand_id = t.brand_id and k.event_id = t.event_id
),
{% else %}
staged as (
    select * from {{ ref('stg_raw__events') }} as e
    where {{ before_max_date | replace('@', 'e') }}
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
    d._loaded_at,
    {{ core_processed_at() }} as _processed_at
from derived as d
left join brands as b
    on b.brand_id = d.brand_id
