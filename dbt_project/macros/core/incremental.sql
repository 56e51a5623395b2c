{#- Helpers of the person-level incremental models.

    int_events_resolved stamps every row it (re)builds with `_processed_at` (the dbt
    run's start time, the same for the whole invocation). A model built on it keeps on
    each of its rows `_events_watermark`: the newest `_processed_at` of
    int_events_resolved when the row was computed. An incremental run recomputes what
    has events stamped after the newest watermark in the model (the newest one
    consumed), appends those rows, and a post-hook deletes every row that is stale:
    its key no longer has events, or has events stamped after the row's own
    watermark. Both kinds are found without reading every event: a key that loses an
    event has its remaining events rebuilt in the same run (int_events_resolved), so
    stale rows are the older rows whose key is touched (events stamped after the
    consumed watermark) or is in int_events_resolved's key log after it (the keys its
    runs took events from). The watermark lives in the tables, so it works across
    separate dbt invocations (also several int_events_resolved runs before one of
    these) and needs no vars. -#}

{#- The run's start time as a UTC TIMESTAMP literal: `_processed_at` of rebuilt rows. -#}
{% macro core_processed_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- One row, column `events_watermark`: the newest `_processed_at` of int_events_resolved. -#}
{% macro core_events_watermark() -%}
    select max(_processed_at) as events_watermark from {{ ref('int_events_resolved') }}
{%- endmacro %}

{#- One row, column `consumed`: the newest watermark already in `relation` (default: this
    model; epoch when empty). -#}
{% macro core_consumed_watermark(relation=none) -%}
    select coalesce(max(_events_watermark), cast('1970-01-01' as timestamp)) as consumed
    from {{ relation if relation is not none else this }}
{%- endmacro %}

{#- (brand_id, <key>) of events stamped after the watermark consumed by `relation`
    (default: this model): what to recompute. -#}
{% macro core_touched_keys(key, relation=none) -%}
    select distinct e.brand_id, e.{{ key }}
    from {{ ref('int_events_resolved') }} as e
    where e._processed_at > ({{ core_consumed_watermark(relation) }})
{%- endmacro %}

{#- The key log of int_events_resolved (relation `<its name>__key_log`, none while it
    does not exist): (brand_id, person_id, session_id, _processed_at) of stored rows a
    run replaced with another person or session, or deleted (gone from raw), stamped
    with that run; one row with brand_id NULL (the sentinel) stamps the run from which
    on the log is complete. -#}
{% macro core_key_log(events_relation) -%}
    {{ return(adapter.get_relation(
        database=events_relation.database,
        schema=events_relation.schema,
        identifier=events_relation.identifier ~ '__key_log')) }}
{%- endmacro %}

{#- Post-hooks of int_events_resolved (one statement each, run before the rows gone
    from raw are deleted): keep the key log. A build that (re)stamped every row (first
    build, full refresh) starts the log anew: whatever keys it dropped are not logged,
    so the sentinel makes the person-level models fall back to the full check once. -#}
{% macro core_log_replaced_keys(step) -%}
    {#- no key log where incremental models are rebuilt in full (Spark) -#}
    {%- if not engine_builds_incrementally() -%}{{ return('') }}{%- endif -%}
    {%- set log = this.incorporate(path={'identifier': this.identifier ~ '__key_log'}) -%}
    {%- if step == 'create' -%}
    create table if not exists {{ log }} (
        brand_id {{ dbt.type_string() }},
        person_id {{ dbt.type_string() }},
        session_id {{ dbt.type_string() }},
        _processed_at timestamp
    )
    {%- elif step == 'reset' -%}
    delete from {{ log }}
    where not exists (select 1 from {{ this }} where _processed_at < {{ core_processed_at() }})
    {%- elif step == 'sentinel' -%}
    insert into {{ log }} (brand_id, person_id, session_id, _processed_at)
    select cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}), {{ core_processed_at() }}
    where not exists (select 1 from {{ log }} where brand_id is null)
    {%- else -%}
    insert into {{ log }} (brand_id, person_id, session_id, _processed_at)
    select distinct brand_id, _replaced_person_id, _replaced_session_id, _processed_at
    from {{ this }}
    where _processed_at = {{ core_processed_at() }}
        and _replaced_person_id is not null
        and (
            _loaded_at is null
            or person_id <> _replaced_person_id
            or session_id <> _replaced_session_id
        )
    {%- endif -%}
{%- endmacro %}

{#- Post-hook: delete the stale rows: those computed before this run (watermark older
    than the current one) whose (brand_id, <key>) has events stamped after the watermark
    this table had consumed (the run appended their new rows) or lost events since then
    (a person merged into a user, a derived session renamed, an event gone: the key log
    of int_events_resolved). A key loses an event only together with a rebuild of its
    other events (int_events_resolved), so a logged key that still has events was
    recomputed too. Without a log that covers the consumed watermark (it did not exist,
    or int_events_resolved was rebuilt in full since), the rows whose key has no events
    or has events stamped after the row's watermark are found from all events. -#}
{% macro core_delete_stale_rows(key) -%}
    {%- if is_incremental() -%}
    {%- set events = ref('int_events_resolved') -%}
    {%- set log = core_key_log(events) -%}
    {%- set consumed_old -%}
        select max(_events_watermark) from {{ this }}
        where _events_watermark < ({{ core_events_watermark() }})
    {%- endset -%}
    {%- set covered = false -%}
    {%- if log is not none and execute -%}
        {%- set check -%}
            select
                not exists (select 1 from {{ this }} where _events_watermark is null)
                and (
                    ({{ consumed_old }}) is null
                    or exists (
                        select 1 from {{ log }}
                        where brand_id is null and _processed_at <= ({{ consumed_old }})
                    )
                ) as covered
        {%- endset -%}
        {%- set covered = run_query(check).columns[0].values()[0] -%}
    {%- endif -%}
    {%- if covered -%}
    {#- the keys first, in a table of their own: the delete's join is then built on
        them (a handful), not on this table -#}
    {%- set stale_keys = this.identifier ~ '__stale_keys' -%}
    create temporary table {{ stale_keys }} as
    select e.brand_id, e.{{ key }}
    from {{ events }} as e
    where e._processed_at > ({{ consumed_old }})
    union
    select l.brand_id, l.{{ key }}
    from {{ log }} as l
    where l._processed_at > ({{ consumed_old }})
        and l.{{ key }} is not null;

    delete from {{ this }} as t
    using {{ stale_keys }} as k
    where k.brand_id = t.brand_id
        and k.{{ key }} = t.{{ key }}
        and t._events_watermark < ({{ core_events_watermark() }});

    drop table {{ stale_keys }}
    {%- else -%}
    delete from {{ this }} as t
    where not exists (
        select 1
        from (
            select brand_id, {{ key }}, max(coalesce(_processed_at, cast('1970-01-01' as timestamp))) as last_processed_at
            from {{ events }}
            group by brand_id, {{ key }}
        ) as e
        where e.brand_id = t.brand_id
            and e.{{ key }} = t.{{ key }}
            and e.last_processed_at <= t._events_watermark
    )
    {%- endif -%}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of int_events_resolved: delete the rows of events gone from raw (a
    partition re-ingested without them): the run wrote each as its key with _loaded_at
    NULL (every other row has one), replacing the stored row. Their persons were
    rebuilt by the same run. -#}
{% macro core_delete_events_gone_from_raw() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where _loaded_at is null
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- Rows `a` and `b` hold the same cohort definition: what int_cohort_members' rows
    depend on (kind, grain, periods, start_event), compared NULL-safe. -#}
{% macro core_same_cohort_definition(a, b) -%}
    {{ a }}.brand_id = {{ b }}.brand_id
    and {{ a }}.cohort_id = {{ b }}.cohort_id
    {%- for column in ['kind', 'grain', 'periods', 'start_event'] %}
    and {{ a }}.{{ column }} is not distinct from {{ b }}.{{ column }}
    {%- endfor %}
{%- endmacro %}

{#- Post-hook of int_cohort_members: delete the rows of a cohort definition that no
    longer exists as stored (changed kind, grain, periods or start_event, or removed);
    the run appended the members under the current definition. -#}
{% macro core_delete_redefined_cohort_members() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as t
    where not exists (
        select 1 from {{ ref('stg_raw__cohorts') }} as d
        where {{ core_same_cohort_definition('d', 't') }}
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- True on an incremental run of a model whose table already carries _events_watermark.
    A table built before these models were incremental has no watermark: the run then
    computes every row and the stale-rows post-hook deletes the old ones (their
    watermark is NULL), so an existing warehouse migrates without a full refresh. -#}
{% macro core_has_watermark() -%}
    {%- if not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return('_events_watermark' in columns) }}
{%- endmacro %}

{#- Pre-/post-hook pair around int_events_resolved's incremental run: DuckDB's join
    order optimizer cannot estimate the small change sets (derived from a full outer
    join) and builds its hash tables on the million stored rows instead, which doubles
    the run. The query is written with the large input on the left (probe) and the
    small one on the right (build) of every join, so on DuckDB the written order is
    kept for that statement; other adapters plan it as they do. -#}
{% macro core_keep_written_join_order(enabled) -%}
    {{ return(adapter.dispatch('core_keep_written_join_order', 'brandpulse')(enabled)) }}
{%- endmacro %}

{% macro default__core_keep_written_join_order(enabled) -%}
    select 1
{%- endmacro %}

{% macro duckdb__core_keep_written_join_order(enabled) -%}
    {%- if enabled and is_incremental() -%}
    set disabled_optimizers = 'join_order'
    {%- elif enabled -%}
    select 1
    {%- else -%}
    reset disabled_optimizers
    {%- endif -%}
{%- endmacro %}

{#- `_admitted_before` of int_events_resolved's rows: the run's max_date (events at or
    after it wait in raw), far in the future when the run admits every event. -#}
{% macro core_admitted_before() -%}
    {%- if core_window_bound('max_date') -%}
    {{ core_utc_timestamp_var(core_window_bound('max_date')) }}
    {%- else -%}
    cast('9999-12-31' as timestamp)
    {%- endif -%}
{%- endmacro %}
