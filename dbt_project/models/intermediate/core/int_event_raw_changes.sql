{#-
  Raw events that are new, re-ingested or gone since int_events_resolved was last built,
  next to what it stores for them: the first half of a run's change detection
  (int_event_changes is the second). Empty when int_events_resolved is built from
  scratch in this run (core_previous_events()).

  Raw rows change only through ingest (brandpulse.ingest), which replaces every row of a
  re-ingested partition and stamps it with a new `_loaded_at`; an event gone from raw
  therefore was in a re-ingested partition, and a re-ingested event only moves to the
  same or an earlier partition (the earliest arrival wins). So this looks at the raw
  rows loaded after the newest `_loaded_at` stored (new or re-ingested), plus the rows
  the latest run held back (`_admitted_before`, that run's max_date: such rows wait in
  raw behind the watermark). Their stored versions lie in the partitions from the
  earliest of those on; stored rows of re-ingested partitions (including partitions
  re-ingested empty: stored, absent from raw) whose key is not among those raw rows are
  gone. Late events of any age are caught without a lookback window. `is_admitted`: the
  raw row is taken in by this run (a new event at or after the partition's max_date
  waits in raw for a later run). (A raw row edited
  or deleted by hand, outside ingest, is not seen: a full refresh picks it up.)
-#}
{{
    config(
        materialized='table',
        tags=['partitioned'],
        pre_hook="{{ core_keep_written_join_order(true) }}",
        post_hook="{{ core_keep_written_join_order(false) }}",
    )
}}

{%- set stored = core_previous_events() %}
{%- set raw_events = source('raw', 'events') %}
{%- set string = dbt.type_string() %}

{%- if stored is none %}

select
    cast(null as {{ string }}) as brand_id,
    cast(null as {{ string }}) as event_id,
    cast(null as boolean) as in_raw,
    cast(null as boolean) as in_stored,
    cast(null as boolean) as is_admitted,
    cast(null as timestamp) as occurred_at,
    cast(null as {{ string }}) as anonymous_id,
    cast(null as {{ string }}) as user_id,
    cast(null as {{ string }}) as session_id,
    cast(null as timestamp) as _loaded_at,
    cast(null as {{ string }}) as stored_person_id,
    cast(null as {{ string }}) as stored_anonymous_id,
    cast(null as {{ string }}) as stored_user_id,
    cast(null as {{ string }}) as stored_session_id,
    cast(null as date) as stored_event_day
where false

{%- else %}

-- what the stored table has consumed: the newest raw load it holds, and the bound below
-- which its latest run admitted every event (events at or after it wait in raw)
with consumed as (
    select
        coalesce(max(_loaded_at), cast('1970-01-01' as timestamp)) as loaded_watermark,
        coalesce((
            select max(l._admitted_before)
            from {{ stored }} as l
            where l._processed_at = (select max(_processed_at) from {{ stored }})
        ), cast('1970-01-01' as timestamp)) as held_back_from
    from {{ stored }}
),

{%- set raw_key_columns %}
        r.brand_id,
        r.event_id,
        cast(r.occurred_at as timestamp) as occurred_at,
        nullif(r.anonymous_id, '') as anonymous_id,
        nullif(r.user_id, '') as user_id,
        nullif(r.session_id, '') as session_id,
        r._partition_date,
        r._loaded_at
{%- endset %}

-- every raw row loaded after the watermark, and the rows the latest run held back (two
-- branches, not one OR: the first one's _loaded_at range prunes row groups)
raw_candidates as (
    select {{ raw_key_columns }}, true as is_new_load
    from {{ raw_events }} as r
    where r._loaded_at > (select loaded_watermark from consumed)

    union all

    select {{ raw_key_columns }}, false as is_new_load
    from {{ raw_events }} as r
    where r._loaded_at <= (select loaded_watermark from consumed)
        and cast(r.occurred_at as timestamp) >= (select held_back_from from consumed)
),

-- partitions re-ingested since the watermark, and stored partitions gone from raw
-- (re-ingested empty): only their stored events can be gone from raw
reloaded_partitions as (
    select distinct _partition_date from raw_candidates where is_new_load
    union
    select p._partition_date
    from (select distinct _partition_date from {{ stored }}) as p
    where not exists (
        select 1 from {{ raw_events }} as r where r._partition_date = p._partition_date
    )
),

stored_recent as (
    select
        t.brand_id, t.event_id, t.person_id, t.anonymous_id, t.user_id, t.session_id,
        t.event_day, t._partition_date, t._loaded_at
    from {{ stored }} as t
    where t._partition_date >= (
        select min(_partition_date) from (
            select _partition_date from raw_candidates
            union all
            select _partition_date from reloaded_partitions
        ) as p
    )
)

-- new or re-ingested raw rows (rows stored with the same _loaded_at are no change)
select
    r.brand_id, r.event_id, true as in_raw, t.event_id is not null as in_stored,
    -- new events wait in raw when they are at or after the run's max_date
    t.event_id is not null or {{ core_before_max_date('r.occurred_at') }} as is_admitted,
    r.occurred_at, r.anonymous_id, r.user_id, r.session_id, r._loaded_at,
    t.person_id as stored_person_id, t.anonymous_id as stored_anonymous_id,
    t.user_id as stored_user_id, t.session_id as stored_session_id, t.event_day as stored_event_day
from raw_candidates as r
left join stored_recent as t
    on t.brand_id = r.brand_id and t.event_id = r.event_id
where t.event_id is null or r._loaded_at <> t._loaded_at

union all

-- stored rows of re-ingested partitions that raw no longer holds
select
    t.brand_id, t.event_id, false as in_raw, true as in_stored, false as is_admitted,
    null as occurred_at, null as anonymous_id, null as user_id, null as session_id, null as _loaded_at,
    t.person_id as stored_person_id, t.anonymous_id as stored_anonymous_id,
    t.user_id as stored_user_id, t.session_id as stored_session_id, t.event_day as stored_event_day
from stored_recent as t
where t._partition_date in (select _partition_date from reloaded_partitions)
    and not exists (
        select 1 from raw_candidates as r
        where r.brand_id = t.brand_id and r.event_id = t.event_id
    )

{%- endif %}
