{#- Helpers of the incremental event models (README: "What a daily run recomputes").

    One run of the chain, in dbt's order:
      int_event_raw_changes, int_event_rebuilt_persons, int_event_appended_persons,
      int_event_changes: the events this run admits, rebuilds or removes, worked out
        against the stored int_events_resolved (core_previous_events), stamped
        `_processed_at` (the run's start);
      int_events_resolved: deletes those events and inserts their new rows;
      int_changed_keys: the persons, sessions and days whose rows changed;
      int_sessions, int_persons, ...: recompute their changed keys (changed_keys(key)).
    Every incremental model of the chain uses one strategy, changed_keys
    (macros/core/changed_keys_strategy.sql): delete the rows of the changed keys, insert
    the recomputed ones. -#}

{#- The run's start time as a UTC TIMESTAMP literal: `_processed_at` of what a run writes. -#}
{% macro core_processed_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The stored table of incremental model `name`, the previous state a model compares
    with; none when this run builds it from scratch (it does not exist yet, a
    --full-refresh run, or an engine that rebuilds incremental models in full). Looked up
    by name in the calling model's schema (`intermediate`, where the incremental models
    live): a ref() would make the model depend on itself or on its own reader. -#}
{% macro core_previous_state(name) -%}
    {%- if not execute or flags.FULL_REFRESH or not engine_builds_incrementally() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(database=this.database, schema=this.schema, identifier=name) -%}
    {{ return(relation if relation is not none and relation.type == 'table' else none) }}
{%- endmacro %}

{#- The stored int_events_resolved, the previous state the event change detection
    compares raw with (core_previous_state). -#}
{% macro core_previous_events() -%}
    {{ return(core_previous_state('int_events_resolved')) }}
{%- endmacro %}

{#- One row, column `events_watermark`: the newest stamp of int_changed_keys. A model built
    on it keeps this value on every row it computes (`_events_watermark`): its newest one is
    the change set it has consumed. -#}
{% macro core_events_watermark() -%}
    select coalesce(max(_processed_at), cast('1970-01-01' as timestamp)) as events_watermark
    from {{ ref('int_changed_keys') }}
{%- endmacro %}

{#- The change set `model` (default: the calling model) has not consumed yet: the keys of
    column `key` that lost or gained rows since, (brand_id, <key>), distinct. For
    int_events_resolved (key event_id): the events int_event_changes lists for this run. -#}
{% macro changed_keys(key, model=none) -%}
    {%- if key == 'event_id' -%}
    select distinct brand_id, event_id
    from {{ ref('int_event_changes') }}
    where _processed_at = {{ core_processed_at() }}
    {%- else -%}
    select distinct brand_id, {{ key }}
    from {{ ref('int_changed_keys') }}
    where {{ key }} is not null
        and _processed_at > ({{ core_consumed_watermark(model) }})
    {%- endif -%}
{%- endmacro %}

{#- True (a SQL condition) when the change set `model` (default: the calling model) has not
    consumed says "every key": int_events_resolved was built from scratch since. -#}
{% macro changed_every_key(model=none) -%}
    exists (
        select 1 from {{ ref('int_changed_keys') }}
        where is_every_key and _processed_at > ({{ core_consumed_watermark(model) }})
    )
{%- endmacro %}

{#- The newest change-set stamp `model` (default: this model) has consumed (epoch when empty). -#}
{% macro core_consumed_watermark(model=none) -%}
    select coalesce(max(_events_watermark), cast('1970-01-01' as timestamp))
    from {{ model if model is not none else this }}
{%- endmacro %}

{#- Pre-/post-hook pair around the change detection models: DuckDB's join order optimizer
    cannot estimate the small change sets and builds its hash tables on the million stored
    rows instead, which doubles the run. The query is written with the large input on the
    left (probe) and the small one on the right (build) of every join, so on DuckDB the
    written order is kept for that statement; Spark plans it as it does (its hook is a
    no-op). -#}
{% macro core_keep_written_join_order(enabled) -%}
    {{ return(adapter.dispatch('core_keep_written_join_order', 'brandpulse')(enabled)) }}
{%- endmacro %}

{% macro default__core_keep_written_join_order(enabled) -%}
    select 1
{%- endmacro %}

{% macro duckdb__core_keep_written_join_order(enabled) -%}
    {%- if enabled and core_previous_events() is not none -%}
    set disabled_optimizers = 'join_order'
    {%- elif enabled -%}
    select 1
    {%- else -%}
    reset disabled_optimizers
    {%- endif -%}
{%- endmacro %}

{#- SQL condition: `occurred_at` lies before the run's max_date (true without a window). -#}
{% macro core_before_max_date(occurred_at) -%}
    {%- if core_window_bound('max_date') -%}
    {{ occurred_at }} < {{ core_utc_timestamp_var(core_window_bound('max_date')) }}
    {%- else -%}
    true
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
