{#-
  Every event with its resolved person, brand-local time and session.

  Incremental on purpose, and safe to be: identity merges and derived sessions change
  retroactively, so a run does not just append new rows. It works out exactly which
  rows change since the last run and rebuilds them, reading only what changed:
    * changed raw events. Raw rows change only through ingest (brandpulse.ingest),
      which replaces every row of a re-ingested partition and stamps it with a new
      `_loaded_at`; an event gone from raw therefore was in a re-ingested partition,
      and a re-ingested event only moves to the same or an earlier partition (the
      earliest arrival wins). So the run looks at the raw rows loaded after the newest
      `_loaded_at` this table holds (new or re-ingested), plus the rows its latest run
      held back (`_admitted_before`, that run's max_date, on the rows it stamped:
      such rows wait in raw behind the watermark). Their stored versions lie in the
      partitions from the earliest of those on; stored rows of re-ingested partitions
      (including partitions re-ingested empty: held here, absent from raw) whose key
      is not among those raw rows are gone. Late events of any age are caught without
      a lookback window. (A raw row edited or deleted by hand, outside ingest, is not
      seen: a full refresh picks it up.)
    * every event of: the stored person of a reloaded or gone event; both the stored
      and the current person of an anonymous_id whose stored person differs from the
      current identity map (checked for the anonymous_ids of changed events that link
      it to a user_id, the only events that move it); every person of a brand whose
      timezone changed;
    * a person that only gained events keeps its earlier derived sessions: its
      derived events are rebuilt from the start of its last derived session that
      begins before its earliest new event;
    * every event with a given session_id that gains, loses or moves events (the
      session's first event, so its owner in int_sessions / int_persons, may change).
  So a session's events are always rebuilt together. The identity map is recomputed
  in full each run, so the rebuilt rows equal a full refresh. delete+insert on
  (brand_id, event_id) replaces them; an event gone from raw is replaced by a key-only
  row (`_loaded_at` NULL) that a post-hook deletes. Only the admitted rows are staged
  (flattening the context JSON of every event is what a full build spends its time
  on).

  Every rebuilt row carries `_processed_at` (the run's start): the person-level
  incremental models (int_sessions, int_persons, int_cohort_members,
  int_funnel_counted_steps) recompute what was stamped after the watermark they
  consumed. A rebuilt row also carries the person and session it replaced
  (`_replaced_person_id`, `_replaced_session_id`), and a post-hook appends the keys
  that lost an event to `<this>__key_log`, stamped with the run: those models delete
  their rows of touched or emptied keys from it instead of checking every key (see
  macros/core/incremental.sql).

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
            "{{ core_log_replaced_keys('create') }}",
            "{{ core_log_replaced_keys('reset') }}",
            "{{ core_log_replaced_keys('sentinel') }}",
            "{{ core_log_replaced_keys('keys') }}",
            "{{ core_delete_events_gone_from_raw() }}",
        ],
    )
}}

{%- set session_gap_minutes = 30 -%}
{%- set lookback_days = var('lookback_days', 0) | int -%}
{%- set raw_events = source('raw', 'events') -%}

{%- if core_window_bound('max_date') %}
{%- set before_max_date = '@.occurred_at < ' ~ core_utc_timestamp_var(core_window_bound('max_date')) %}
{%- else %}
{%- set before_max_date = 'true' %}
{%- endif %}

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
{%- set stored_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}

-- What the table has consumed: the newest raw load it holds, and the bound below which
-- its latest run admitted every event (events at or after it wait in raw).
consumed as (
    select
        coalesce(max(_loaded_at), cast('1970-01-01' as timestamp)) as loaded_watermark,
        {%- if '_admitted_before' in stored_columns %}
        coalesce((
            select max(l._admitted_before)
            from {{ this }} as l
            where l._processed_at = (select max(_processed_at) from {{ this }})
        ), cast('1970-01-01' as timestamp)) as held_back_from
        {%- else %}
        cast('1970-01-01' as timestamp) as held_back_from
        {%- endif %}
    from {{ this }}
),

-- Raw rows this run looks at: every row loaded after the watermark (new, or a
-- re-ingested partition), and the rows the latest run held back (occurred at or after
-- its max_date). Rows already stored with the same _loaded_at are no change.
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
-- (two branches, not one OR: the first one's _loaded_at range prunes row groups)
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

-- Partitions re-ingested since the watermark, and partitions the table holds that are
-- gone from raw (re-ingested empty): only their stored events can be gone from raw.
reloaded_partitions as (
    select distinct _partition_date from raw_candidates where is_new_load
    union
    select p._partition_date
    from (select distinct _partition_date from {{ this }}) as p
    where not exists (
        select 1 from {{ raw_events }} as r where r._partition_date = p._partition_date
    )
),

-- The stored versions of the candidates: a re-ingested event moves only to the same or
-- an earlier partition (ingest keeps the earliest arrival), so they lie in partitions
-- from the earliest candidate or reloaded partition on.
stored_recent as (
    select
        t.brand_id, t.event_id, t.person_id, t.anonymous_id, t.user_id, t.session_id,
        t._partition_date, t._loaded_at
    from {{ this }} as t
    where t._partition_date >= (
        select min(_partition_date) from (
            select _partition_date from raw_candidates
            union all
            select _partition_date from reloaded_partitions
        ) as p
    )
),

-- Raw rows that are new, reloaded or gone, next to what is stored for them.
changes as (
    select
        r.brand_id,
        r.event_id,
        true as in_raw,
        t.event_id is not null as in_stored,
        r.occurred_at,
        r.anonymous_id,
        r.user_id,
        r.session_id,
        r._partition_date,
        r._loaded_at,
        t.person_id as stored_person_id,
        t.anonymous_id as stored_anonymous_id,
        t.user_id as stored_user_id,
        t.session_id as stored_session_id
    from raw_candidates as r
    left join stored_recent as t
        on t.brand_id = r.brand_id and t.event_id = r.event_id
    where t.event_id is null or r._loaded_at <> t._loaded_at

    union all

    select
        t.brand_id,
        t.event_id,
        false as in_raw,
        true as in_stored,
        cast(null as timestamp) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        cast(null as {{ dbt.type_string() }}) as user_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as date) as _partition_date,
        cast(null as timestamp) as _loaded_at,
        t.person_id as stored_person_id,
        t.anonymous_id as stored_anonymous_id,
        t.user_id as stored_user_id,
        t.session_id as stored_session_id
    from stored_recent as t
    where t._partition_date in (select _partition_date from reloaded_partitions)
        and not exists (
            select 1 from raw_candidates as r
            where r.brand_id = t.brand_id and r.event_id = t.event_id
        )
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

-- An event without user_id belongs to its anonymous_id's person, which changes only
-- when an event linking that anonymous_id to a user_id appears, changes or goes:
-- compare the stored person of those anonymous_ids with the current identity map.
relinked_anonymous_ids as (
    select brand_id, anonymous_id from changes
    where anonymous_id is not null and user_id is not null
    union
    select brand_id, stored_anonymous_id from changes
    where stored_anonymous_id is not null and stored_user_id is not null
),

remapped as (
    select
        s.brand_id,
        s.person_id as stored_person_id,
        coalesce(m.person_id, s.anonymous_id) as person_id
    from (
        select distinct t.brand_id, t.anonymous_id, t.person_id
        from {{ this }} as t
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
    from (select distinct brand_id, timezone from {{ this }}) as t
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
    from {{ this }} as t
    inner join retimed_brands as b on b.brand_id = t.brand_id
    {%- if lookback_days > 0 %}
    union
    select t.brand_id, t.person_id
    from {{ this }} as t
    where t.occurred_at >= (
        {%- if core_window_bound('min_date') %}
        {{ core_utc_timestamp_var(core_window_bound('min_date')) }}
        {%- else %}
        select max(occurred_at) from {{ this }}
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

-- The stored events of the full and appended persons (one scan of this table).
person_rows as (
    select
        t.brand_id,
        t.event_id,
        t.person_id,
        t.session_id,
        t.is_derived_session,
        t.occurred_at,
        p.first_new_at,
        p.is_full
    from {{ this }} as t
    inner join (
        select brand_id, person_id, cast(null as timestamp) as first_new_at, true as is_full
        from full_persons
        union all
        select brand_id, person_id, first_new_at, false as is_full
        from appended
    ) as p
        on p.brand_id = t.brand_id and p.person_id = t.person_id
),

appended_from as (
    select p.brand_id, p.person_id, max(s.started_at) as rebuild_from
    from appended as p
    left join (
        select brand_id, person_id, session_id, min(occurred_at) as started_at
        from person_rows
        where not is_full and is_derived_session
        group by brand_id, person_id, session_id
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
    select brand_id, session_id from person_rows where is_full and not is_derived_session
),

-- Stored events to rebuild (a reloaded or gone one is not: it is admitted with its new
-- version, or deleted), with their stored person and session.
rebuilt_stored as (
    select k.brand_id, k.event_id, k.person_id, k.session_id
    from (
        select brand_id, event_id, person_id, session_id
        from person_rows
        where is_full
        union
        select t.brand_id, t.event_id, t.person_id, t.session_id
        from person_rows as t
        inner join appended_from as a
            on a.brand_id = t.brand_id and a.person_id = t.person_id
        where not t.is_full
            and t.is_derived_session
            and (a.rebuild_from is null or t.occurred_at >= a.rebuild_from)
        union
        select t.brand_id, t.event_id, t.person_id, t.session_id
        from {{ this }} as t
        inner join shared_sessions as s
            on s.brand_id = t.brand_id and s.session_id = t.session_id
        where not t.is_derived_session
    ) as k
    where not exists (
        select 1 from changes as c
        where c.in_stored and c.brand_id = k.brand_id and c.event_id = k.event_id
    )
),

-- The stored person and session of every stored row this run replaces (kept on the
-- rebuilt rows as _replaced_person_id / _replaced_session_id: the post-hook logs the
-- keys that lost events, see core_log_replaced_keys).
replaced as (
    select brand_id, event_id, person_id, session_id from rebuilt_stored
    union all
    select brand_id, event_id, stored_person_id, stored_session_id
    from changes
    where in_stored and in_raw
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
        {%- if 'original_revenue' in stored_columns %}
        t.original_revenue as revenue,
        t.original_currency as currency,
        {%- else %}
        t.revenue,
        t.currency,
        {%- endif %}
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
        cast(null as {{ text_type() }}) as _source_file,
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
-- than 30 minutes starts a new session (exactly 30 minutes apart: same session). The
-- gap is the exact elapsed time: datediff('second') counts second boundaries crossed,
-- so 30:00.8 apart would count as 1800 s and stay in the session.
gaps as (
    select
        *,
        case
            when session_id is not null then null
            when lag(occurred_at) over (
                partition by brand_id, person_id order by occurred_at, event_id
            ) is null then 1
            when occurred_at > {{ dbt.dateadd(
                'minute', session_gap_minutes,
                "lag(occurred_at) over (partition by brand_id, person_id order by occurred_at, event_id)") }} then 1
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
    {{ core_admitted_before() }} as _admitted_before,
    {%- if is_incremental() %}
    r.person_id as _replaced_person_id,
    r.session_id as _replaced_session_id
    {%- else %}
    cast(null as {{ dbt.type_string() }}) as _replaced_person_id,
    cast(null as {{ dbt.type_string() }}) as _replaced_session_id
    {%- endif %}
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
{%- if is_incremental() %}
left join replaced as r
    on r.brand_id = d.brand_id
    and r.event_id = d.event_id
{%- endif %}
{%- if is_incremental() %}

union all

-- An event gone from raw: a row with its key only (and _loaded_at NULL) replaces the
-- stored one; the post-hook core_delete_events_gone_from_raw deletes it.
select
    c.brand_id, c.event_id,
    {%- for _ in range(26) %} null,{% endfor %}
    null as _loaded_at,
    {{ core_processed_at() }} as _processed_at,
    {{ core_admitted_before() }} as _admitted_before,
    c.stored_person_id as _replaced_person_id,
    c.stored_session_id as _replaced_session_id
from changes as c
where not c.in_raw
{%- endif %}
