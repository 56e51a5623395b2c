{#-
  The persons int_person_paths and int_person_transitions update from their stored rows
  instead of from all their events, with what changed: the events of their changed
  sessions as stored (`sign` -1) and as they are now (`sign` +1), one row per event and
  version, `session_key` the session it was (stored session_id) or is in.

  A person qualifies when, in the newest change set, their stored events stayed theirs
  and unchanged (int_event_grown_persons: they only gained events, or had events rebuilt
  in place, e.g. the last derived session growing by an appended event) and every
  session their changed events were or are in holds that person's events only (derived
  sessions always; a given session_id shared with another person does not qualify).
  int_events_resolved rebuilds a session's events together, so a changed session's
  events, before and after, are all among the events it wrote since
  (`_processed_at`), and the stored version of each is in int_event_changes. A person's
  paths and transitions are sums over the sessions they own, so
  stored rows - the changed sessions as stored + the changed sessions now
  are their rows now; the sessions that did not change (everything before the last stored
  session, for an appended person) are not read. A model applies this only when it
  consumed the change set before the newest (`_changes_since`).
-#}
{{ config(materialized='table') }}

with grown as (
    select brand_id, person_id, _changes_since from {{ ref('int_event_grown_persons') }}
),

-- NULL when nobody qualifies: then nothing below is read
since as (
    select max(_changes_since) as stamp from grown
),

written as (
    select e.brand_id, e.event_id, e.person_id, e.session_id, e.event_name, e.occurred_at
    from {{ ref('int_events_resolved') }} as e
    where e._processed_at > (select s.stamp from since as s)
),

-- the stored versions of the events written since (not the newly gained ones)
stored_versions as (
    select c.brand_id, c.event_id, c.person_id, c.session_id
    from {{ ref('int_event_changes') }} as c
    where c._processed_at > (select s.stamp from since as s)
        and c.person_id is not null
),

-- sessions, now or as stored, with changed events of more than one person
shared_sessions as (
    select brand_id, session_id
    from written
    group by brand_id, session_id
    having min(person_id) <> max(person_id)
),

shared_stored_sessions as (
    select brand_id, session_id
    from stored_versions
    group by brand_id, session_id
    having min(person_id) <> max(person_id)
),

-- persons with a changed event in such a session
shared as (
    select w.brand_id, w.person_id
    from written as w
    inner join shared_sessions as s
        on s.brand_id = w.brand_id and s.session_id = w.session_id
    union
    select v.brand_id, v.person_id
    from stored_versions as v
    inner join shared_stored_sessions as s
        on s.brand_id = v.brand_id and s.session_id = v.session_id
),

continued as (
    select g.brand_id, g.person_id, g._changes_since
    from grown as g
    where not exists (
        select 1 from shared as s
        where s.brand_id = g.brand_id and s.person_id = g.person_id
    )
)

select
    w.brand_id,
    w.person_id,
    w.session_id as session_key,
    1 as sign,
    w.event_id,
    w.event_name,
    w.occurred_at,
    c._changes_since
from written as w
inner join continued as c
    on c.brand_id = w.brand_id and c.person_id = w.person_id

union all

select
    w.brand_id,
    w.person_id,
    v.session_id,
    -1,
    w.event_id,
    w.event_name,
    w.occurred_at,
    c._changes_since
from written as w
inner join stored_versions as v
    on v.brand_id = w.brand_id and v.event_id = w.event_id
inner join continued as c
    on c.brand_id = w.brand_id and c.person_id = w.person_id
