{#-
  The events a run of int_events_resolved changes, one row each, stamped with the run
  (`_processed_at`): `admit` (a new or re-ingested raw row, staged from raw by its
  `_loaded_at`), `rebuild` (a stored event whose person, session or day may change:
  restaged from int_events_resolved itself) or `remove` (gone from raw). Stored events
  carry their stored person_id, session_id and event_day: the keys int_changed_keys
  hands on as having lost rows. Append-only, so int_changed_keys catches up on several
  runs at once; nothing is written when int_events_resolved is built from scratch.

  Rebuilt: every event of the persons of int_event_rebuilt_persons; the derived events
  of int_event_appended_persons from their `rebuild_from` on; every event of a given
  session_id that gains, loses or moves events (its first event, so its owner in
  int_sessions / int_persons, may change). So a session's events are always rebuilt
  together.
-#}
-- depends_on: {{ ref('int_event_appended_persons') }}, {{ ref('int_event_rebuilt_persons') }}
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

rebuilt_persons as (
    select brand_id, person_id from {{ ref('int_event_rebuilt_persons') }}
),

-- the stored events of the persons rebuilt in full or from a derived session on (one scan).
-- The stored table is read where it is joined, not through one CTE: a CTE read twice is
-- materialized in full on DuckDB (at 10M events the day's query took 2-4 s instead of 15-18 s).
person_rows as (
    select
        t.brand_id, t.event_id, t.person_id, t.session_id, t.event_day, t.is_derived_session,
        t.occurred_at, p.is_full, p.rebuild_from
    from {{ stored }} as t
    inner join (
        select brand_id, person_id, true as is_full, cast(null as timestamp) as rebuild_from
        from rebuilt_persons
        union all
        select brand_id, person_id, false as is_full, rebuild_from
        from appended
    ) as p
        on p.brand_id = t.brand_id and p.person_id = t.person_id
),

-- given session_ids that gain, lose or move events: all their events are rebuilt
shared_sessions as (
    select brand_id, session_id from raw_changes where is_admitted and session_id is not null
    union
    select brand_id, session_id from person_rows where is_full and not is_derived_session
),

rebuilt as (
    select brand_id, event_id, person_id, session_id, event_day
    from person_rows
    where is_full or (is_derived_session and (rebuild_from is null or occurred_at >= rebuild_from))
    union
    select t.brand_id, t.event_id, t.person_id, t.session_id, t.event_day
    from {{ stored }} as t
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
