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


{#- For every row of `probe` (step_key, person_key, lower_rn), the first row of `matches`
    with the same step_key and person_key at or after position lower_rn, as a struct `nxt`
    of `fields`; probe rows without one are dropped. DuckDB: one ASOF join on integer keys
    (a merge per partition, no range explosion). Spark: a range join ranked with
    row_number (quadratic in the matches per person). -#}
{% macro funnel_first_match_at_or_after(probe, matches, fields) -%}
    {{ return(adapter.dispatch('funnel_first_match_at_or_after', 'brandpulse')(probe, matches, fields)) }}
{%- endmacro %}

{% macro spark__funnel_first_match_at_or_after(probe, matches, fields) -%}
    select step_key, person_key, lower_rn, nxt
    from (
        select
            p.step_key,
            p.person_key,
            p.lower_rn,
            {{ funnel_struct(fields, 'm.') }} as nxt,
            row_number() over (partition by p.step_key, p.person_key, p.lower_rn order by m.rn) as m_pick
        from {{ probe }} as p
        inner join {{ matches }} as m
            on m.step_key = p.step_key
            and m.person_key = p.person_key
            and m.rn >= p.lower_rn
    ) as ranked
    where m_pick = 1
{%- endmacro %}

{% macro duckdb__funnel_first_match_at_or_after(probe, matches, fields) -%}
    select p.step_key, p.person_key, p.lower_rn, {{ funnel_struct(fields, 'm.') }} as nxt
    from {{ probe }} as p
    asof inner join {{ matches }} as m
        on m.step_key = p.step_key
        and m.person_key = p.person_key
        and m.rn >= p.lower_rn
{%- endmacro %}


{#- A struct of the columns `fields` (names), each read as `prefix ~ name`. -#}
{% macro funnel_struct(fields, prefix='') -%}
    {{ return(adapter.dispatch('funnel_struct', 'brandpulse')(fields, prefix)) }}
{%- endmacro %}
{% macro spark__funnel_struct(fields, prefix) -%}
    named_struct({% for f in fields %}'{{ f }}', {{ prefix ~ f }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}
{% macro duckdb__funnel_struct(fields, prefix) -%}
    struct_pack({% for f in fields %}{{ f }} := {{ prefix ~ f }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{#- An aggregate: the structs of a group as a list sorted by their first field. -#}
{% macro funnel_sorted_list(struct_expr) -%}
    {{ return(adapter.dispatch('funnel_sorted_list', 'brandpulse')(struct_expr)) }}
{%- endmacro %}
{% macro spark__funnel_sorted_list(struct_expr) -%}sort_array(collect_list({{ struct_expr }})){%- endmacro %}
{% macro duckdb__funnel_sorted_list(struct_expr) -%}list_sort(list({{ struct_expr }})){%- endmacro %}

{#- The first struct of `list_col` from 1-based position `first` on, among the next `count`,
    whose rn is not in `used_col`; NULL when there is none. -#}
{% macro funnel_first_unused(list_col, first, count, used_col) -%}
    {{ return(adapter.dispatch('funnel_first_unused', 'brandpulse')(list_col, first, count, used_col)) }}
{%- endmacro %}
{% macro spark__funnel_first_unused(list_col, first, count, used_col) -%}
    try_element_at(filter(slice({{ list_col }}, {{ first }}, {{ count }}), x -> not array_contains({{ used_col }}, x.rn)), 1)
{%- endmacro %}
{% macro duckdb__funnel_first_unused(list_col, first, count, used_col) -%}
    list_filter(list_slice({{ list_col }}, {{ first }}, {{ first }} + {{ count }} - 1),
        x -> not list_contains({{ used_col }}, x.rn))[1]
{%- endmacro %}


{#- The recursive term of the attempt search (int_funnel_attempt_steps): from the rows of
    `state` (the attempts after the previous position), the step at the next
    processing_position, filled by the first unused match at or after the attempt's
    lower bound (next_matches, else shared_matches) inside its window (strict: at the
    previous step's time or the person's next event time). Filled attempts go on with the
    pick; unordered ones also go on without it; ordered ones without it end. Columns as
    the anchor of the search: the state, then filled, step_number and the pick's
    event_id and occurred_at, and previous_at (ordered/strict: the previous step time). -#}
{% macro funnel_search_iteration(state) -%}
    select
        funnel_key, person_key, attempt_rn, position, window_end_at, is_ordered, is_strict,
        case when filled and is_ordered then pick.grp_rn else lower_rn end as lower_rn,
        case when filled then pick.time_grp else last_time_grp end as last_time_grp,
        case
            when filled and used_rns is not null then {{ funnel_list_append('used_rns', 'pick.rn') }}
            else used_rns
        end as used_rns,
        steps_filled + case when filled then 1 else 0 end as steps_filled,
        case when filled then greatest(reached_at, pick.occurred_at) else reached_at end as reached_at,
        filled,
        step_number,
        pick.event_id as event_id,
        pick.occurred_at as occurred_at,
        case when is_ordered then reached_at end as previous_at
    from (
        select
            *,
            coalesce(
                pick.occurred_at <= window_end_at and (not is_strict or pick.time_grp <= last_time_grp + 1),
                false
            ) as filled
        from (
            select
                st.funnel_key, st.person_key, st.attempt_rn, st.position + 1 as position, st.window_end_at,
                st.is_ordered, st.is_strict, st.lower_rn, st.last_time_grp, st.used_rns, st.steps_filled,
                st.reached_at, s.step_number,
                case
                    when st.used_rns is null or not {{ funnel_list_contains('st.used_rns', 'n.nxt.rn') }}
                        then n.nxt
                    else {{ funnel_first_unused('l.candidates', 'n.nxt.idx + 1', funnel_list_length('st.used_rns'), 'st.used_rns') }}
                end as pick
            from {{ state }} as st
            inner join steps as s
                on s.funnel_key = st.funnel_key
                and s.processing_position = st.position + 1
            left join next_matches as n
                on n.step_key = st.funnel_key * 32 + st.position + 1
                and n.person_key = st.person_key
                and n.lower_rn = st.lower_rn
            left join shared_matches as l
                on l.step_key = st.funnel_key * 32 + st.position + 1
                and l.person_key = st.person_key
        ) as looked_up
    ) as decided
    where filled or not is_ordered
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


{#- A value as text for a definition fingerprint: length:value, NULL as '-', so distinct
    definitions never concatenate to the same string. -#}
{% macro funnel_fingerprint_item(expr) -%}
    coalesce(cast({{ dbt.length(expr) }} as {{ dbt.type_string() }}) || ':' || {{ expr }}, '-')
{%- endmacro %}
