{#- Helpers of the person-level incremental models.

    int_events_resolved stamps every row it (re)builds with `_processed_at` (the dbt
    run's start time, the same for the whole invocation). A model built on it keeps on
    each of its rows `_events_watermark`: the newest `_processed_at` of
    int_events_resolved when the row was computed. An incremental run recomputes what
    has events stamped after the newest watermark in the model (the newest one
    consumed), appends those rows, and a post-hook deletes every row that is stale:
    its key no longer has events, or has events stamped after the row's own
    watermark. The watermark lives in the tables, so it works across separate dbt
    invocations and needs no vars. -#}

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

{#- Post-hook: delete the rows whose (brand_id, <key>) has no events any more (a person
    merged into a user, a derived session renamed) or has events stamped after the
    row's watermark (replaced by the rows just appended). -#}
{% macro core_delete_stale_rows(key) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as t
    where not exists (
        select 1
        from (
            select brand_id, {{ key }}, max(coalesce(_processed_at, cast('1970-01-01' as timestamp))) as last_processed_at
            from {{ ref('int_events_resolved') }}
            group by brand_id, {{ key }}
        ) as e
        where e.brand_id = t.brand_id
            and e.{{ key }} = t.{{ key }}
            and e.last_processed_at <= t._events_watermark
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of int_events_resolved: delete the rows whose event is gone from raw (a
    partition re-ingested without it). Their persons were rebuilt by the same run. -#}
{% macro core_delete_events_gone_from_raw() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as t
    where not exists (
        select 1 from {{ source('raw', 'events') }} as r
        where r.brand_id = t.brand_id and r.event_id = t.event_id
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of int_cohort_members: delete the rows of a cohort definition that no
    longer exists as stored (changed kind, grain, periods or start_event, or removed);
    the run appended the members under the current definition. -#}
{% macro core_delete_redefined_cohort_members() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as t
    where not exists (
        select 1 from {{ ref('stg_raw__cohorts') }} as d
        where d.brand_id = t.brand_id
            and d.cohort_id = t.cohort_id
            and d.kind is not distinct from t.kind
            and d.grain is not distinct from t.grain
            and d.periods is not distinct from t.periods
            and d.start_event is not distinct from t.start_event
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
