{#-
  The persons of the newest change set (int_changed_keys) whose stored events all stayed
  theirs and as they were: the change set only gained them new events or rebuilt stored
  ones in place (same person; the session may be renamed). Not listed: a person with an
  event removed, re-ingested (a new version of a stored event), or moved to or from
  another person (identity merge). `first_new_at` is their earliest gained event (NULL:
  only rebuilt in place).

  A model that consumed the change set before the newest one (`_changes_since`, the stamp
  of int_changed_keys this list is relative to) can update such a person from its stored
  rows and the events int_events_resolved wrote since, instead of from all their events:
  what it stored came from the person's old events, every one of which is still theirs,
  unchanged, and either not written since or written since with its stored keys in
  int_event_changes. The trend models do (int_session_event_deltas). Empty when the newest
  change set says "every key", or spans more than one run of int_events_resolved (an event
  may then have changed twice), or int_events_resolved is built from scratch.

  int_funnel_continued_persons tests the same (its `gained` and `broken`) relative to its
  own consumed change set, plus the time order the funnels need.
-#}
-- depends_on: {{ ref('int_events_resolved') }}
{{ config(materialized='ephemeral') }}

with change_sets as (
    select max(_processed_at) as newest
    from {{ ref('int_changed_keys') }}
),

-- the change set before the newest one: what a model that consumed it has seen
since as (
    select coalesce(max(k._processed_at), cast('1970-01-01' as timestamp)) as stamp
    from {{ ref('int_changed_keys') }} as k
    where k._processed_at < (select n.newest from change_sets as n)
),

is_listable as (
    select not exists (
        select 1 from {{ ref('int_changed_keys') }} as k
        where k.is_every_key and k._processed_at > (select s.stamp from since as s)
    ) and (
        select count(distinct c._processed_at) <= 1
        from {{ ref('int_event_changes') }} as c
        where c._processed_at > (select s.stamp from since as s)
    ) as flag
),

changes as (
    select c.brand_id, c.event_id, c.change, c.person_id as stored_person_id
    from {{ ref('int_event_changes') }} as c
    where c._processed_at > (select s.stamp from since as s)
),

-- the events int_events_resolved wrote since (admitted or rebuilt), as they are now
written as (
    select e.brand_id, e.event_id, e.person_id, e.occurred_at
    from {{ ref('int_events_resolved') }} as e
    where e._processed_at > (select s.stamp from since as s)
),

-- stored events now of another person: both persons change
moved as (
    select c.brand_id, c.stored_person_id as left_person_id, w.person_id as joined_person_id
    from changes as c
    inner join written as w
        on w.brand_id = c.brand_id
        and w.event_id = c.event_id
    where c.stored_person_id is not null
        and w.person_id <> c.stored_person_id
),

-- persons with a stored event removed, re-ingested, or moved between persons
broken as (
    select c.brand_id, c.stored_person_id as person_id
    from changes as c
    where c.stored_person_id is not null
        and c.change in ('remove', 'admit')
    union
    select brand_id, left_person_id from moved
    union
    select brand_id, joined_person_id from moved
),

persons as (
    select
        w.brand_id,
        w.person_id,
        min(case when c.change = 'admit' then w.occurred_at end) as first_new_at
    from written as w
    inner join changes as c
        on c.brand_id = w.brand_id
        and c.event_id = w.event_id
    group by w.brand_id, w.person_id
)

select
    p.brand_id,
    p.person_id,
    p.first_new_at,
    (select s.stamp from since as s) as _changes_since
from persons as p
where (select l.flag from is_listable as l)
    and not exists (
        select 1 from broken as b
        where b.brand_id = p.brand_id and b.person_id = p.person_id
    )
