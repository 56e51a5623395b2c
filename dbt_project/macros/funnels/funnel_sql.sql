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


{#- Small integer lists: the events an attempt has already used. -#}
{% macro funnel_list_of(value) -%}
    {{ return(adapter.dispatch('funnel_list_of', 'brandpulse')(value)) }}
{%- endmacro %}
{% macro default__funnel_list_of(value) -%}array({{ value }}){%- endmacro %}
{% macro duckdb__funnel_list_of(value) -%}[{{ value }}]{%- endmacro %}

{% macro funnel_list_append(list_col, value) -%}
    {{ return(adapter.dispatch('funnel_list_append', 'brandpulse')(list_col, value)) }}
{%- endmacro %}
{% macro default__funnel_list_append(list_col, value) -%}concat({{ list_col }}, array({{ value }})){%- endmacro %}
{% macro duckdb__funnel_list_append(list_col, value) -%}list_append({{ list_col }}, {{ value }}){%- endmacro %}

{% macro funnel_list_contains(list_col, value) -%}
    {{ return(adapter.dispatch('funnel_list_contains', 'brandpulse')(list_col, value)) }}
{%- endmacro %}
{% macro default__funnel_list_contains(list_col, value) -%}array_contains({{ list_col }}, {{ value }}){%- endmacro %}
{% macro duckdb__funnel_list_contains(list_col, value) -%}list_contains({{ list_col }}, {{ value }}){%- endmacro %}

{% macro funnel_list_length(list_col) -%}
    {{ return(adapter.dispatch('funnel_list_length', 'brandpulse')(list_col)) }}
{%- endmacro %}
{% macro default__funnel_list_length(list_col) -%}size({{ list_col }}){%- endmacro %}
{% macro duckdb__funnel_list_length(list_col) -%}len({{ list_col }}){%- endmacro %}


{#- For every row of `probe` (columns funnel_key, person_key, attempt_rn, next_step,
    lower_rn), the first match of step `next_step` of the person at or after person
    event position `lower_rn`: adds m_rn, m_idx, m_event_id, m_occurred_at, m_grp_rn, m_time_grp
    (all NULL when there is none). `matches` is int_funnel_step_matches restricted to
    the steps of one processing position: one step per funnel, so the step is implied
    by funnel_key and is not an ASOF key (fewer keys, faster partitioning).
    DuckDB: one ASOF join on integer keys (a merge per partition, no range explosion).
    Default: a range join ranked with row_number (portable, quadratic in matches per
    person). -#}
{% macro funnel_first_match_at_or_after(probe, matches) -%}
    {{ return(adapter.dispatch('funnel_first_match_at_or_after', 'brandpulse')(probe, matches)) }}
{%- endmacro %}

{% macro default__funnel_first_match_at_or_after(probe, matches) -%}
    select * from (
        select
            p.*,
            m.rn as m_rn,
            m.idx as m_idx,
            m.event_id as m_event_id,
            m.occurred_at as m_occurred_at,
            m.grp_rn as m_grp_rn,
            m.time_grp as m_time_grp,
            row_number() over (
                partition by p.funnel_key, p.person_key, p.attempt_rn
                order by m.rn
            ) as m_pick
        from {{ probe }} as p
        left join {{ matches }} as m
            on m.funnel_key = p.funnel_key
            and m.person_key = p.person_key
            and m.rn >= p.lower_rn
    ) as ranked
    where m_pick = 1
{%- endmacro %}

{% macro duckdb__funnel_first_match_at_or_after(probe, matches) -%}
    select
        p.*,
        m.rn as m_rn,
        m.idx as m_idx,
        m.event_id as m_event_id,
        m.occurred_at as m_occurred_at,
        m.grp_rn as m_grp_rn,
        m.time_grp as m_time_grp
    from {{ probe }} as p
    asof left join {{ matches }} as m
        on m.funnel_key = p.funnel_key
        and m.person_key = p.person_key
        and m.rn >= p.lower_rn
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


{#- Session setting for the ASOF joins of the attempt builder (a pre_hook): DuckDB
    plans an ASOF join as a nested loop when it estimates a small left side, and its
    estimates after a few CTEs are poor (measured: 40 s instead of 0.1 s on 100k
    events). Threshold 0 always takes the sort-merge ASOF plan. -#}
{% macro funnel_session_setup() -%}
    {{ return(adapter.dispatch('funnel_session_setup', 'brandpulse')()) }}
{%- endmacro %}
{% macro default__funnel_session_setup() -%}select 1{%- endmacro %}
{% macro duckdb__funnel_session_setup() -%}set asof_loop_join_threshold = 0{%- endmacro %}


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


{#- How many fill rounds the attempt search needs: the largest processing_position of
    `steps_relation` (int_funnel_steps) at compile time, which in a dbt run is after
    int_funnel_steps was rebuilt. `fallback` when it cannot be read (parsing, a first
    compile before the table exists, unit tests, whose refs are fixtures). A round
    costs planning and execution time even when it fills nothing, so the search
    stops at the data's real step count; the model guards the count at run time
    (funnel_raise_error) in case the definitions grew after it was compiled. -#}
{% macro funnel_round_count(steps_relation, fallback=19) -%}
    {#- unit tests: the ref is a fixture CTE (no schema), not a relation to query -#}
    {%- if not execute or steps_relation is string or steps_relation.schema is none
        or steps_relation.identifier is none -%}
        {{ return(fallback) }}
    {%- endif -%}
    {%- set existing = load_relation(steps_relation) -%}
    {%- if existing is none -%}
        {{ return(fallback) }}
    {%- endif -%}
    {%- set result = run_query('select coalesce(max(processing_position), 0) from ' ~ existing) -%}
    {{ return([result.columns[0].values()[0] | int, 1] | max) }}
{%- endmacro %}


{#- An expression that fails the query with `message` (a string literal) when
    evaluated. -#}
{% macro funnel_raise_error(message) -%}
    {{ return(adapter.dispatch('funnel_raise_error', 'brandpulse')(message)) }}
{%- endmacro %}
{% macro default__funnel_raise_error(message) -%}raise_error({{ message }}){%- endmacro %}
{% macro duckdb__funnel_raise_error(message) -%}error({{ message }}){%- endmacro %}


{#- A value as text for a definition fingerprint: length:value, NULL as '-', so distinct
    definitions never concatenate to the same string. -#}
{% macro funnel_fingerprint_item(expr) -%}
    coalesce(cast({{ dbt.length(expr) }} as {{ dbt.type_string() }}) || ':' || {{ expr }}, '-')
{%- endmacro %}
