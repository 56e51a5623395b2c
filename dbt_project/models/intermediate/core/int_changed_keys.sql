{#-
  The change set: per run, the keys whose rows in int_events_resolved were rebuilt or
  emptied since this model last ran, one key a row (person_id, session_id or event_day
  set, with brand_id), stamped with the run (`_processed_at`). A key that lost rows is
  the stored person, session and day of an event int_event_changes rebuilt or removed;
  a key that gained or kept rows is the person, session and day of a row
  int_events_resolved stamped since. Append-only, so it catches up on several runs of
  int_events_resolved at once.

  The models built on the events (int_sessions, int_persons, int_person_days,
  int_cohort_members, int_person_paths, int_person_transitions, int_funnel_counted_steps)
  recompute only the keys listed after the stamp they consumed (changed_keys() in
  macros/core/incremental.sql), and their changed_keys strategy deletes those keys' rows
  first.

  When int_events_resolved was built from scratch since (every row stamped after this
  model's last run, e.g. a --full-refresh), keys may have vanished without being listed:
  then every current key is listed (every row is stamped after the last run) and one
  more row, `is_every_key`, tells the models to delete all their rows first. This
  model's own first build writes the same.

  Both checks are lookups, not scans of the events: a run of int_events_resolved stamps
  exactly the events int_event_changes lists for it, or, built from scratch, every row
  with one stamp, its oldest. So the stamps newer than the consumed one are those of
  int_event_changes plus that oldest stamp, and the rows carrying them are found by an
  equality join (DuckDB skips the row groups outside the stamps' range).
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
    )
}}

with consumed as (
    {%- if is_incremental() %}
    select coalesce(max(_processed_at), cast('1970-01-01' as timestamp)) as stamp from {{ this }}
    {%- else %}
    select cast('1970-01-01' as timestamp) as stamp
    {%- endif %}
),

-- the oldest stamp of int_events_resolved: newer than the consumed one when it was built
-- from scratch since (NULL when it is empty)
oldest_row as (
    select min(e._processed_at) as stamp
    from {{ ref('int_events_resolved') }} as e
),

is_rebuilt_from_scratch as (
    select o.stamp is null or o.stamp > w.stamp as flag
    from oldest_row as o
    cross join consumed as w
),

-- the runs of int_events_resolved since the consumed stamp
new_stamps as (
    select distinct c._processed_at as stamp
    from {{ ref('int_event_changes') }} as c
    where c._processed_at > (select w.stamp from consumed as w)
    union
    select o.stamp
    from oldest_row as o
    where o.stamp > (select w.stamp from consumed as w)
),

rebuilt_rows as (
    select e.brand_id, e.person_id, e.session_id, e.event_day
    from {{ ref('int_events_resolved') }} as e
    inner join new_stamps as s on s.stamp = e._processed_at
),

-- the stored keys of the events rebuilt or removed
replaced_rows as (
    select c.brand_id, c.person_id, c.session_id, c.event_day
    from {{ ref('int_event_changes') }} as c
    where c._processed_at > (select w.stamp from consumed as w)
        and c.person_id is not null
),

changed_rows as (
    select brand_id, person_id, session_id, event_day
    from rebuilt_rows
    union all
    select brand_id, person_id, session_id, event_day
    from replaced_rows
),

keys as (
    select distinct brand_id, person_id, cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as date) as event_day
    from changed_rows
    union all
    select distinct brand_id, null, session_id, null
    from changed_rows
    union all
    select distinct brand_id, null, null, event_day
    from changed_rows
)

select
    brand_id,
    person_id,
    session_id,
    event_day,
    false as is_every_key,
    {{ core_processed_at() }} as _processed_at
from keys

union all

-- int_events_resolved was built from scratch: no stored row is older than the stamp
select
    null, null, null, null,
    true as is_every_key,
    {{ core_processed_at() }} as _processed_at
from is_rebuilt_from_scratch
where flag
