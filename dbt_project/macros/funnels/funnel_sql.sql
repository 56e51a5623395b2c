{#- Helpers of the funnel models (models/*/funnels). Each is dispatched: a portable
    (Spark-flavoured) default beside a DuckDB fast path. Prefixed `funnel_` so they
    never clash with another team's macros. -#}

{#- Whether the top-level key named by the column `key_col` of a JSON column holds the
    `where` value (`text_col`, of JSON type `type_col`: string, number or boolean): same
    JSON type and value, numbers compared as numbers (2 = 2.0; the string "2" is not the
    number 2). A NULL type (definitions loaded before types were recorded) compares the
    rendered text. The key is quoted into a JSON path, so keys such as "$x" or "a.b" stay
    keys. -#}
{% macro funnel_where_value_matches(json_col, key_col, type_col, text_col) -%}
    {{ return(adapter.dispatch('funnel_where_value_matches', 'brandpulse')(json_col, key_col, type_col, text_col)) }}
{%- endmacro %}

{#- Portable fallback: the rendered text only. -#}
{% macro default__funnel_where_value_matches(json_col, key_col, type_col, text_col) -%}
    get_json_object({{ json_col }}, concat('$.', {{ key_col }})) = {{ text_col }}
{%- endmacro %}

{% macro duckdb__funnel_where_value_matches(json_col, key_col, type_col, text_col) -%}
    {%- set path = "'$.\"' || replace(" ~ key_col ~ ", '\"', '\\\"') || '\"'" -%}
    {%- set value = 'json_extract_string(' ~ json_col ~ ', ' ~ path ~ ')' -%}
    {%- set kind = 'json_type(' ~ json_col ~ ', ' ~ path ~ ')' -%}
    case {{ type_col }}
        when 'string' then {{ kind }} = 'VARCHAR' and {{ value }} = {{ text_col }}
        when 'number' then {{ kind }} in ('BIGINT', 'UBIGINT', 'DOUBLE')
            and try_cast({{ value }} as double) = try_cast({{ text_col }} as double)
        when 'boolean' then {{ kind }} = 'BOOLEAN' and {{ value }} = {{ text_col }}
        else {{ value }} = {{ text_col }}
    end
{%- endmacro %}


{#- `ts` plus `seconds` (an integer column) seconds. -#}
{% macro funnel_add_seconds(ts, seconds) -%}
    {{ return(adapter.dispatch('funnel_add_seconds', 'brandpulse')(ts, seconds)) }}
{%- endmacro %}

{% macro default__funnel_add_seconds(ts, seconds) -%}
    timestamp_micros(unix_micros({{ ts }}) + {{ seconds }} * 1000000)
{%- endmacro %}

{% macro duckdb__funnel_add_seconds(ts, seconds) -%}
    ({{ ts }} + to_seconds({{ seconds }}))
{%- endmacro %}


{#- Interpolated median (the contract's median: 0.5 quantile, continuous). -#}
{% macro funnel_median(expr) -%}
    {{ return(adapter.dispatch('funnel_median', 'brandpulse')(expr)) }}
{%- endmacro %}

{% macro default__funnel_median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{% macro duckdb__funnel_median(expr) -%}
    quantile_cont({{ expr }}, 0.5)
{%- endmacro %}


{#- Two columns that name the event read from int_events_resolved as `alias`, for DuckDB's
    attempt search (int_funnel_attempt_steps.py), which carries integers instead of the
    event's strings: `event_row`, its rowid, by which the model joins the strings back, and
    `event_check`, a hash of (brand_id, event_id) the join compares, because rowids move
    when a checkpoint compacts the table's deleted rows between the model's two statements.
    Spark's SQL search carries the strings: NULLs there. -#}
{% macro funnel_event_reference(alias) -%}
    {{ return(adapter.dispatch('funnel_event_reference', 'brandpulse')(alias)) }}
{%- endmacro %}
{% macro default__funnel_event_reference(alias) -%}
    cast(null as bigint) as event_row, cast(null as bigint) as event_check
{%- endmacro %}
{% macro duckdb__funnel_event_reference(alias) -%}
    {{ alias }}.rowid as event_row,
    cast(hash({{ alias }}.brand_id, {{ alias }}.event_id) >> 1 as bigint) as event_check
{%- endmacro %}


{#- `materialized` keyword for a CTE that later CTEs read more than once: without it
    DuckDB may inline the CTE and recompute the whole attempt chain per reference.
    Engines without the hint (Spark) plan CTEs their own way. -#}
{% macro funnel_materialized() -%}
    {{ return(adapter.dispatch('funnel_materialized', 'brandpulse')()) }}
{%- endmacro %}
{% macro default__funnel_materialized() -%}{%- endmacro %}
{% macro duckdb__funnel_materialized() -%}materialized{%- endmacro %}

{#- The opposite hint: a CTE read twice that is cheaper to recompute than to copy
    (DuckDB otherwise materializes a CTE referenced more than once). -#}
{% macro funnel_not_materialized() -%}
    {{ return(adapter.dispatch('funnel_not_materialized', 'brandpulse')()) }}
{%- endmacro %}
{% macro default__funnel_not_materialized() -%}{%- endmacro %}
{% macro duckdb__funnel_not_materialized() -%}not materialized{%- endmacro %}


{#- The counted attempt of each (funnel_key, person_key) from the step rows of
    int_funnel_attempt_steps (columns attempt_rn, step_seq, reached_at): the attempt
    with the most steps (its largest step_seq), ties to the earliest attempt_rn (the
    person's event order (entered_at, attempt_id)). Returns funnel_key, person_key,
    attempt_rn, steps_completed and completed_at (reached_at of that row).
    DuckDB: one hash aggregate (arg_min) over the rows instead of a window. -#}
{% macro funnel_best_attempt(attempt_steps) -%}
    {{ return(adapter.dispatch('funnel_best_attempt', 'brandpulse')(attempt_steps)) }}
{%- endmacro %}

{% macro default__funnel_best_attempt(attempt_steps) -%}
    select
        funnel_key,
        person_key,
        attempt_rn,
        step_seq as steps_completed,
        reached_at as completed_at
    from (
        select
            *,
            row_number() over (
                partition by funnel_key, person_key
                order by step_seq desc, attempt_rn
            ) as attempt_rank
        from {{ attempt_steps }}
    ) as ranked
    where attempt_rank = 1
{%- endmacro %}

{% macro duckdb__funnel_best_attempt(attempt_steps) -%}
    select
        funnel_key,
        person_key,
        best.attempt_rn,
        best.step_seq as steps_completed,
        best.reached_at as completed_at
    from (
        select
            funnel_key,
            person_key,
            arg_min(
                struct_pack(attempt_rn, step_seq, reached_at),
                (-step_seq, attempt_rn)
            ) as best
        from {{ attempt_steps }}
        group by funnel_key, person_key
    ) as picked
{%- endmacro %}


{#- A value as text for a definition fingerprint: length:value, NULL as '-', so distinct
    definitions never concatenate to the same string. -#}
{% macro funnel_fingerprint_item(expr) -%}
    coalesce(cast({{ dbt.length(expr) }} as {{ dbt.type_string() }}) || ':' || {{ expr }}, '-')
{%- endmacro %}
