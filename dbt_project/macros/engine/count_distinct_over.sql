{#- count(distinct expr) over (partition by ...): DuckDB has it; Spark has no distinct
    window aggregate, but the size of the window's collected set is the same number
    (collect_set skips NULLs as count(distinct) does). -#}
{% macro count_distinct_over(expr, partition_by) -%}
    {{ return(adapter.dispatch('count_distinct_over', 'brandpulse')(expr, partition_by)) }}
{%- endmacro %}

{% macro default__count_distinct_over(expr, partition_by) -%}
    size(collect_set({{ expr }}) over (partition by {{ partition_by }}))
{%- endmacro %}

{% macro duckdb__count_distinct_over(expr, partition_by) -%}
    count(distinct {{ expr }}) over (partition by {{ partition_by }})
{%- endmacro %}
