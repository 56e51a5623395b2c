{#-
  The events a run of int_events_resolved changes, one row each, stamped with the run
  (`_processed_at`): `admit` (a new or re-ingested raw row, staged from raw by its
  `_loaded_at`), `rebuild` (a stored event whose person, session or day may change:
  restaged from int_events_resolved itself) or `remove` (gone from raw). Stored events
  carry their stored person_id, session_id and event_day: the keys int_changed_keys
  hands on as having lost rows. Append-only, so int_changed_keys catches up on several
  runs at once; nothing is written when int_events_resolved is built from scratch.

  Besides the raw changes (int_event_raw_changes), every event is rebuilt of:
    * the stored person of a re-ingested or gone event; both the stored and the current
      person of an anonymous_id whose stored person differs from the current identity
      map (checked for the anonymous_ids of changed events that link it to a user_id,
      the only events that move it); every person of a brand whose timezone changed;
    * a person that only gained events: its derived events from the start of its last
      derived session beginning before its earliest new event (earlier derived
      sessions keep their start, so their id), see int_event_appended_persons;
    * every given session_id that gains, loses or moves events (its first event, so its
      owner in int_sessions / int_persons, may change).
  So a session's events are always rebuilt together.

  `max_date` (the partition end) admits new events with occurred_at before it; events
  already loaded always stay. `lookback_days` (default 0) additionally rebuilds the
  persons with events in the N days before min_date (or the newest stored event): an
  optional safety net, not needed for correctness.
-#}
-- depends_on: {{ ref('int_event_appended_persons') }}, {{ ref('int_identity_map') }}, {{ ref('stg_raw__brands') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        tags=['partitioned'],
        pre_hook="{{ core_keep_written_join_order(true) }}",
        post_hook="{{ core_keep_written_join_order(false) }}",
    )
}}

{%- set stored = core_previous_events() %}
{%- set lookback_days = var('lookback_days', 0) | int %}

with raw_changes as (
    select * from {{ ref('int_event_raw_changes') }}
),

{%- if stored is none %}

rebuilt as (
    select brand_id, event_id, stored_person_id as person_id, stored_session_id as session_id,
        stored_event_day as event_day
    from raw_changes
    where false
)

{%- else %}

appended as (
    select * from {{ ref('int_event_appended_persons') }}
),

identity_map as (
    select brand_id, anonymous_id, person_id from {{ ref('int_identity_map') }}
),

brands as (
    select brand_id, timezone from {{ ref('stg_raw__brands') }}
),

events as (
    select brand_id, event_id, person_id, anonymous_id, user_id, session_id, is_derived_session,
        occurred_at, event_day, timezone
    from {{ stored }}
),

-- anonymous_ids whose person may have moved: linked to a user_id by a changed event
relinked_anonymous_ids as (
    select brand_id, anonymous_id from raw_changes
    where anonymous_id is not null and user_id is not null
    union
    select brand_id, stored_anonymous_id from raw_changes
    where stored_anonymous_id is not null and stored_user_id is not null
),

remapped as (
    select s.brand_id, s.person_id as stored_person_id, coalesce(m.person_id, s.anonymous_id) as person_id
    from (
        select distinct t.brand_id, t.anonymous_id, t.person_id
        from events as t
        inner join relinked_anonymous_ids as a
            on a.brand_id = t.brand_id and a.anonymous_id = t.anonymous_id
        where t.user_id is null
    ) as s
    left join identity_map as m
        on m.brand_id = s.brand_id and m.anonymous_id = s.anonymous_id
    where s.person_id <> coalesce(m.person_id, s.anonymous_id)
),

retimed_brands as (
    select distinct t.brand_id
    from (select distinct brand_id, timezone from events) as t
    left join brands as b on b.brand_id = t.brand_id
    where t.timezone <> coalesce(b.timezone, 'UTC')
),

-- persons whose every event is rebuilt
full_persons as (
    select brand_id, stored_person_id as person_id from raw_changes where in_stored
    union
    select brand_id, stored_person_id from remapped
    union
    select brand_id, person_id from remapped
    union
    select t.brand_id, t.person_id
    from events as t
    inner join retimed_brands as b on b.brand_id = t.brand_id
    {%- if lookback_days > 0 %}
    union
    select t.brand_id, t.person_id
    from events as t
    where t.occurred_at >= (
        {%- if core_window_bound('min_date') %}
        {{ core_utc_timestamp_var(core_window_bound('min_date')) }}
        {%- else %}
        select max(occurred_at) from events
        {%- endif %}
    ) - interval '{{ lookback_days }} days'
    {%- endif %}
),

-- given session_ids that gain, lose or move events: all their events are rebuilt
shared_sessions as (
    select brand_id, session_id from raw_changes where is_admitted and session_id is not null
    union
    select t.brand_id, t.session_id
    from events as t
    inner join full_persons as p on p.brand_id = t.brand_id and p.person_id = t.person_id
    where not t.is_derived_session
),

rebuilt as (
    select t.brand_id, t.event_id, t.person_id, t.session_id, t.event_day
    from events as t
    inner join full_persons as p on p.brand_id = t.brand_id and p.person_id = t.person_id
    union
    select t.brand_id, t.event_id, t.person_id, t.session_id, t.event_day
    from events as t
    inner join appended as a on a.brand_id = t.brand_id and a.person_id = t.person_id
    where t.is_derived_session
        and (a.rebuild_from is null or t.occurred_at >= a.rebuild_from)
    union
    select t.brand_id, t.event_id, t.person_id, t.session_id, t.event_day
    from events as t
    inner join shared_sessions as s on s.brand_id = t.brand_id and s.session_id = t.session_id
    where not t.is_derived_session
)

{%- endif %}

select
    brand_id, event_id, case when in_raw then 'admit' else 'remove' end as change, _loaded_at,
    stored_person_id as person_id, stored_session_id as session_id, stored_event_day as event_day,
    {{ core_processed_at() }} as _processed_at
from raw_changes
where is_admitted or not in_raw

union all

-- a re-ingested or gone event is not rebuilt: it is admitted with its new version, or removed
select
    r.brand_id, r.event_id, 'rebuild' as change, cast(null as timestamp) as _loaded_at,
    r.person_id, r.session_id, r.event_day,
    {{ core_processed_at() }} as _processed_at
from rebuilt as r
where not exists (
    select 1 from raw_changes as c
    where c.in_stored and c.brand_id = r.brand_id and c.event_id = r.event_id
)
